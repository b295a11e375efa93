"""Read an upward-report workbook from an untrusted file into plain data (`RawWorkbook`).

Checks before any XML is parsed: an OLE compound file (password-protected/encrypted Office files)
is refused, as is anything that is not a zip, a macro-enabled workbook (.xlsm or any vbaProject.bin),
an encrypted zip member, and a zip bomb (total uncompressed size or compression ratio too large).
The sheets are then read by `app.exports.xlsx_read` (expat; any DTD or entity declaration refused);
a sheet declaring or holding more than `max_rows` rows, a missing `_meta` sheet, or damaged XML is
refused with a Chinese DomainError naming the file. `read_workbook_openpyxl` is the former openpyxl
read-only reader, kept as the reference the fast one is tested against.
The header and value checks are `app.services.importing.validate`'s job.
"""

import zipfile
from pathlib import Path
from typing import Any

from app.errors import DomainError
from app.exports.xlsx_read import SheetTooLarge, UnsafeXml, open_package, read_sheet
from app.services.importing import FIRST_DATA_ROW, HEADER_ROW, META, RawSheet, RawWorkbook

__all__ = ["MAX_RATIO", "MAX_UNCOMPRESSED", "read_workbook", "read_workbook_openpyxl"]

OLE_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
MAX_UNCOMPRESSED = 1024 * 1024 * 1024  # a township of 30 villages is ~110 MB unpacked; bombs fail MAX_RATIO
MAX_RATIO = 100
MAX_MEMBERS = 10_000


def _refuse(path: Path, why: str) -> DomainError:
    return DomainError(f"文件“{path.name}”{why}，未导入")


def _check_container(path: Path) -> None:
    try:
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise _refuse(path, f"无法打开（{exc.strerror or exc}）") from exc
    if head.startswith(OLE_SIGNATURE[:4]):
        raise _refuse(path, "是加密或受密码保护的文件（或旧版.xls），请在Excel中取消密码后另存为.xlsx")
    if path.suffix.lower() in (".xlsm", ".xltm", ".xlam"):
        raise _refuse(path, "是含宏的工作簿（.xlsm），出于安全考虑不予导入")
    if not zipfile.is_zipfile(path):
        raise _refuse(path, "不是Excel工作簿（.xlsx）")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _refuse(path, "不是Excel工作簿（.xlsx）") from exc
    names = {i.filename.lower() for i in infos}
    if "[content_types].xml" not in names or "xl/workbook.xml" not in names:
        raise _refuse(path, "不是Excel工作簿（.xlsx）")
    if any(n.endswith("vbaproject.bin") for n in names):
        raise _refuse(path, "含有宏（vbaProject.bin），出于安全考虑不予导入")
    if len(infos) > MAX_MEMBERS:
        raise _refuse(path, "内部文件过多，疑似恶意文件")
    if any(i.flag_bits & 0x1 for i in infos):
        raise _refuse(path, "是加密或受密码保护的文件，请在Excel中取消密码后另存为.xlsx")
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    if total > MAX_UNCOMPRESSED:
        raise _refuse(path, f"解压后达{total // (1024 * 1024)}MB，超过上限，疑似“压缩炸弹”")
    if total > 1024 * 1024 and total > MAX_RATIO * max(packed, 1):
        raise _refuse(path, "压缩比异常（超过100倍），疑似“压缩炸弹”")


def _trim(values: tuple[Any, ...] | list[Any], width: int) -> list[Any]:
    row = list(values)
    while len(row) > width and row[-1] is None:
        row.pop()
    return row + [None] * (width - len(row))


def _too_many(path: Path, name: str, declared: int, max_rows: int) -> None:
    if declared > max_rows + FIRST_DATA_ROW:
        raise _refuse(path, f"的工作表“{name}”有{declared}行，超过上限{max_rows}行")


def _sheet(name: str, rows: list[list[Any]]) -> RawSheet:
    """Row 2 is the header; the data rows are cut or padded to its width, trailing blanks dropped."""
    header = list(rows[0]) if rows else []
    while header and header[-1] is None:
        header.pop()
    data = [_trim(r, len(header)) for r in rows[1:]]
    while data and all(v is None or v == "" for v in data[-1]):
        data.pop()
    return RawSheet(name, header, data)


def _meta(path: Path, rows: list[list[Any]]) -> dict[str, str]:
    meta: dict[str, str] = {}
    for count, row in enumerate(rows):
        if count > 10_000:
            raise _refuse(path, "的“_meta”工作表过大")
        key, value = [*row, None, None][:2]
        if key is not None:
            meta[str(key)] = "" if value is None else str(value)
    return meta


def read_workbook(path: Path, max_rows: int = 200_000) -> RawWorkbook:
    """The workbook as plain values; DomainError (Chinese, naming the file) for anything unsafe.

    The sheets are parsed by `app.exports.xlsx_read` (expat, no DTDs or entities), the same values
    openpyxl's read-only mode gives (`read_workbook_openpyxl`, kept as the reference)."""
    path = Path(path)
    _check_container(path)
    try:
        with zipfile.ZipFile(path) as zf:
            pkg = open_package(zf)
            names = [name for name, _member in pkg.sheets]
            if META not in names:
                raise _refuse(path, "缺少“_meta”工作表，不是本软件导出的上报工作簿")
            meta: dict[str, str] = {}
            sheets: dict[str, RawSheet] = {}
            for name, member in pkg.sheets:
                limit = 10_001 if name == META else max_rows
                try:
                    rows = read_sheet(
                        pkg,
                        member,
                        min_row=2 if name == META else HEADER_ROW,
                        max_rows=limit,
                        max_col=2 if name == META else None,
                        on_dimension=lambda n, name=name: _too_many(path, name, n, max_rows),  # type: ignore[misc]
                    )
                except SheetTooLarge as exc:
                    if name == META:
                        raise _refuse(path, "的“_meta”工作表过大") from exc
                    raise _refuse(path, f"的工作表“{name}”超过{max_rows}行的上限") from exc
                if name == META:
                    meta = _meta(path, rows)
                else:
                    sheets[name] = _sheet(name, rows)
    except DomainError:
        raise
    except UnsafeXml as exc:
        raise _refuse(path, "含有DTD或实体声明（可被用于XML实体攻击），出于安全考虑不予导入") from exc
    except Exception as exc:  # expat errors, bad indexes, damaged zip members
        raise _refuse(path, "已损坏或不是Excel工作簿（.xlsx），无法读取") from exc
    return RawWorkbook(path.name, meta, names, sheets)


def read_workbook_openpyxl(path: Path, max_rows: int = 200_000) -> RawWorkbook:
    """The reference reader: openpyxl read-only, values only (slower; kept to test the fast one)."""
    from openpyxl import load_workbook  # here: reading (read_workbook) does not need openpyxl

    path = Path(path)
    _check_container(path)
    try:
        wb = load_workbook(path, read_only=True, data_only=True, keep_links=False)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise _refuse(path, "已损坏或不是Excel工作簿（.xlsx），无法读取") from exc
    try:
        names = list(wb.sheetnames)
        if META not in names:
            raise _refuse(path, "缺少“_meta”工作表，不是本软件导出的上报工作簿")
        meta: dict[str, str] = {}
        sheets: dict[str, RawSheet] = {}
        for name in names:
            ws = wb[name]
            _too_many(path, name, ws.max_row or 0, max_rows)
            if name == META:
                meta = _meta(path, [list(r) for r in ws.iter_rows(min_row=2, max_col=2, values_only=True)])
                continue
            rows: list[list[Any]] = []
            for n, values in enumerate(ws.iter_rows(min_row=HEADER_ROW, values_only=True)):
                if n > max_rows:
                    raise _refuse(path, f"的工作表“{name}”超过{max_rows}行的上限")
                rows.append(list(values))
            sheets[name] = _sheet(name, rows)
    except DomainError:
        raise
    except Exception as exc:
        raise _refuse(path, "已损坏，无法读取") from exc
    finally:
        wb.close()
    return RawWorkbook(path.name, meta, names, sheets)
