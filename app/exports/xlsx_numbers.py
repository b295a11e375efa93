"""What a cell's number means, as openpyxl decides it: date and time formats, serial dates, ISO dates.

Copied from openpyxl 3.1 (MIT licence; `openpyxl/styles/numbers.py`, `openpyxl/utils/datetime.py`,
`openpyxl/utils/cell.py`) so that reading a workbook does not import openpyxl, whose package import
(numpy included) costs a third of a second in every process that reads; the reader's values must stay
exactly openpyxl's, and tests/exports/test_xlsx_numbers.py compares every function with the original.
"""

import datetime
import re
from functools import cache

__all__ = [
    "CALENDAR_MAC_1904",
    "CALENDAR_WINDOWS_1900",
    "builtin_format_code",
    "column_index_from_string",
    "from_ISO8601",
    "from_excel",
    "is_date_format",
    "is_timedelta_format",
]

BUILTIN_FORMATS = {
    0: "General",
    1: "0",
    2: "0.00",
    3: "#,##0",
    4: "#,##0.00",
    5: '"$"#,##0_);("$"#,##0)',
    6: '"$"#,##0_);[Red]("$"#,##0)',
    7: '"$"#,##0.00_);("$"#,##0.00)',
    8: '"$"#,##0.00_);[Red]("$"#,##0.00)',
    9: "0%",
    10: "0.00%",
    11: "0.00E+00",
    12: "# ?/?",
    13: "# ??/??",
    14: "mm-dd-yy",
    15: "d-mmm-yy",
    16: "d-mmm",
    17: "mmm-yy",
    18: "h:mm AM/PM",
    19: "h:mm:ss AM/PM",
    20: "h:mm",
    21: "h:mm:ss",
    22: "m/d/yy h:mm",
    37: "#,##0_);(#,##0)",
    38: "#,##0_);[Red](#,##0)",
    39: "#,##0.00_);(#,##0.00)",
    40: "#,##0.00_);[Red](#,##0.00)",
    41: r'_(* #,##0_);_(* \(#,##0\);_(* "-"_);_(@_)',
    42: r'_("$"* #,##0_);_("$"* \(#,##0\);_("$"* "-"_);_(@_)',
    43: r'_(* #,##0.00_);_(* \(#,##0.00\);_(* "-"??_);_(@_)',
    44: r'_("$"* #,##0.00_)_("$"* \(#,##0.00\)_("$"* "-"??_)_(@_)',
    45: "mm:ss",
    46: "[h]:mm:ss",
    47: "mmss.0",
    48: "##0.0E+0",
    49: "@",
}
LITERAL_GROUP = r'".*?"'  # anything in quotes
LOCALE_GROUP = r"\[(?!hh?\]|mm?\]|ss?\])[^\]]*\]"  # anything in square brackets, except hours etc.
STRIP_RE = re.compile(f"{LITERAL_GROUP}|{LOCALE_GROUP}")
TIMEDELTA_RE = re.compile(r"\[hh?\](:mm(:ss(\.0*)?)?)?|\[mm?\](:ss(\.0*)?)?|\[ss?\](\.0*)?", re.I)
DATE_TOKEN = re.compile(r"(?<![_\\])[dmhysDMHYS]")

CALENDAR_WINDOWS_1900 = datetime.datetime(1899, 12, 30)
CALENDAR_MAC_1904 = datetime.datetime(1904, 1, 1)
SECS_PER_DAY = 86400
ISO_REGEX = re.compile(
    r"""
(?P<date>(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2}))?T?
(?P<time>(?P<hour>\d{2}):(?P<minute>\d{2})(:(?P<second>\d{2})(?P<microsecond>\.\d{1,3})?)?)?Z?""",
    re.VERBOSE,
)
ISO_DURATION = re.compile(r"PT((?P<hours>\d+)H)?((?P<minutes>\d+)M)?((?P<seconds>\d+(\.\d{1,3})?)S)?")
_ALPHA = {chr(65 + i): i + 1 for i in range(26)}
_POWERS = (1, 26, 676)


def builtin_format_code(index: int) -> str | None:
    return BUILTIN_FORMATS.get(index)


def is_date_format(fmt: str | None) -> bool:
    if fmt is None:
        return False
    fmt = fmt.split(";")[0]  # only look at the first format
    fmt = STRIP_RE.sub("", fmt)  # ignore some formats
    return DATE_TOKEN.search(fmt) is not None


def is_timedelta_format(fmt: str | None) -> bool:
    if fmt is None:
        return False
    fmt = fmt.split(";")[0]  # only look at the first format
    return TIMEDELTA_RE.search(fmt) is not None


def _days_to_time(value: datetime.timedelta) -> datetime.time:
    mins, seconds = divmod(value.seconds, 60)
    hours, mins = divmod(mins, 60)
    return datetime.time(hours, mins, seconds, value.microseconds)


def from_excel(
    value: float | None, epoch: datetime.datetime = CALENDAR_WINDOWS_1900, timedelta: bool = False
) -> object:
    """An Excel serial number as a datetime, a time (below 1) or, for a duration format, a timedelta."""
    if value is None:
        return None
    if timedelta:
        td = datetime.timedelta(days=value)
        if td.microseconds:  # round to millisecond precision
            td = datetime.timedelta(seconds=td.total_seconds() // 1, microseconds=round(td.microseconds, -3))
        return td
    day, fraction = divmod(value, 1)
    diff = datetime.timedelta(milliseconds=round(fraction * SECS_PER_DAY * 1000))
    if 0 <= value < 1 and diff.days == 0:
        return _days_to_time(diff)
    if 0 < value < 60 and epoch == CALENDAR_WINDOWS_1900:
        day += 1
    return epoch + datetime.timedelta(days=day) + diff


def from_ISO8601(formatted_string: str) -> object:  # openpyxl's name
    """An ISO 8601 date, time, datetime or duration (PT…) as its python value."""
    if not formatted_string:
        return None
    match = ISO_REGEX.match(formatted_string)
    if match and any(match.groups()):
        parts = match.groupdict(0)
        for key in ["year", "month", "day", "hour", "minute", "second"]:
            if parts[key]:
                parts[key] = int(parts[key])
        if parts["microsecond"]:
            parts["microsecond"] = int(float(parts["microsecond"]) * 1_000_000)
        if not parts["date"]:
            return datetime.time(parts["hour"], parts["minute"], parts["second"], parts["microsecond"])
        if not parts["time"]:
            return datetime.date(parts["year"], parts["month"], parts["day"])
        del parts["time"]
        del parts["date"]
        return datetime.datetime(**parts)
    match = ISO_DURATION.match(formatted_string)
    if match and any(match.groups()):
        durations = match.groupdict(0)
        for key, val in durations.items():
            if val:
                durations[key] = float(val)
        return datetime.timedelta(**durations)
    raise ValueError(f"Invalid datetime value {formatted_string}")


@cache
def column_index_from_string(col: str) -> int:
    """A1-style column letters as a 1-based index (A → 1, AA → 27, up to ZZZ)."""
    error_msg = f"'{col}' is not a valid column name. Column names are from A to ZZZ"
    if len(col) > 3:
        raise ValueError(error_msg)
    idx = 0
    for letter, power in zip(reversed(col.upper()), _POWERS, strict=False):
        try:
            pos = _ALPHA[letter]
        except KeyError:
            raise ValueError(error_msg) from None
        idx += pos * power
    if not 0 < idx < 18279:
        raise ValueError(error_msg)
    return idx
