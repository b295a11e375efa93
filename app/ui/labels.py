"""Chinese labels for values the services return (states, levels, deadlines), for every screen."""

from datetime import date

from app.models.enums import ItemState, Level

STATUS_TEXT = {"overdue": "已逾期", "warning": "即将到期", "ok": "正常", "none": "", "voided": ""}


def state_label(value: str) -> str:
    return ItemState(value).label


def level_label(value: str | None) -> str:
    return Level(value).label if value else ""


def deadline_text(due: date | None, days_left: int | None) -> str:
    if due is None or days_left is None:
        return ""
    if days_left < 0:
        return f"{due:%m-%d} 已逾期{-days_left}天"
    if days_left == 0:
        return f"{due:%m-%d} 今天到期"
    return f"{due:%m-%d} 还剩{days_left}天"


def recent_months(today: date, count: int = 12) -> list[tuple[str, str]]:
    """(label, "YYYY-MM") for this month and the ones before it, newest first."""
    months = []
    for back in range(count):
        year, month = divmod(today.year * 12 + today.month - 1 - back, 12)
        months.append((f"{year}年{month + 1}月", f"{year}-{month + 1:02d}"))
    return months
