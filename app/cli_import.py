"""`taizhang import FILE... [--dry-run]`: bring village (or township) workbooks into this database.

Each file is read and validated before anything is written; a file with any error imports
nothing (one transaction per file) and its errors are listed with sheet, row and column.
"""

import argparse
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy.engine import Engine

from app.exports.workbook_reader import read_workbook
from app.services.context import Settings
from app.services.import_files import import_workbooks
from app.store.backup import backup_before


class ImportContext(Protocol):
    engine: Engine
    settings: Settings


def add_import_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "import", parents=[common], help="导入工作簿：各村（乡镇）的上报，或乡镇（县）的答复；可给文件夹"
    )
    p.add_argument("files", nargs="+", type=Path, metavar="FILE.xlsx", help="一个或多个工作簿")
    p.add_argument("--dry-run", action="store_true", help="只检查并预览，不写入数据库")
    p.add_argument(
        "--errors-out", type=Path, metavar="FILE.xlsx", help="有文件未导入时，把问题和出错的行保存为该工作簿"
    )


def _cmd_import(args: argparse.Namespace, ctx: ImportContext) -> int:
    failed = 0
    verb = "预览（未写入）" if args.dry_run else "已导入"
    db_path = Path(str(ctx.engine.url.database))
    backups: list[Path] = []

    def backup() -> None:  # a verified copy before the first file that is really written
        made = backup_before(db_path, "import")
        if made is not None:
            backups.append(made)

    outcomes = import_workbooks(
        ctx.engine, ctx.settings, args.files, dry_run=args.dry_run, read=read_workbook, before_write=backup
    )
    if backups:
        print(f"导入前已备份：{backups[0]}")
    for outcome in outcomes:
        path, summary, errors = outcome.path, outcome.summary, [str(e) for e in outcome.errors]
        if summary is None:
            failed += 1
            print(f"✗ {path.name}：未导入，共{len(errors)}处问题：")
            for line in errors[:50]:
                print(f"    {line}")
            if len(errors) > 50:
                print(f"    ……另有{len(errors) - 50}处")
            continue
        kind = "答复" if summary.direction == "down" else "上报"
        print(
            f"✓ {path.name}（{kind}）：{verb}，新增{summary.added}件，更新{summary.updated}件，"
            f"未变{summary.unchanged}件，新增办理记录{summary.events_added}条"
            + (f"，冲突{summary.rejected}件未导入" if summary.rejected else "")
        )
        for conflict in summary.conflicts[:50]:
            print(f"    ⚠ {'冲突' if conflict.blocking else '保留本库'}：{conflict}")
        if len(summary.conflicts) > 50:
            print(f"    ……另有{len(summary.conflicts) - 50}处")
    if failed:
        print(f"有{failed}个文件未导入，数据库中没有写入这些文件的任何内容。")
        if args.errors_out is not None:
            from app.exports.import_errors import write_error_workbook  # openpyxl: only when asked

            n = write_error_workbook(outcomes, args.errors_out)
            print(f"已把{n}处问题及出错的行保存到：{args.errors_out}")
    return 1 if failed else 0


IMPORT_COMMANDS = {"import": _cmd_import}
