"""The wall posting PDF, read back the way a reader (and a leak) would see it: pdftotext, pdffonts.

The month is the one built through the real workflow in tests/services/test_posting.py.
"""

import argparse
import hashlib
import re
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlmodel import select

from app.cli_posting import POSTING_COMMANDS, add_posting_commands
from app.exports.wall_pdf import render_wall_posting, write_wall_posting
from app.models import PostingRecord
from app.services.errors import DomainError
from app.services.identity import find_sensitive
from app.services.posting import (
    Figures,
    InProgressRow,
    LedgerSection,
    LevelFigure,
    Posting,
    RegisteredRow,
    SettledRow,
)
from app.services.privacy import PrivacyPolicy, save_privacy
from app.store.uow import UnitOfWork
from tests.services.test_posting import (
    DISCIPLINE,
    SUPERVISION,
    TODAY,
    Month,
    build_month,
    make_posting,
)

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")

ID_LIKE = re.compile(r"\d{17}[\dXx]")
MOBILE_LIKE = re.compile(r"1[3-9]\d{9}")


@pytest.fixture
def month(engine, settings, village) -> Month:
    return build_month(engine, settings, village)


def text_of(pdf: Path, *args: str) -> str:
    return subprocess.run(
        ["pdftotext", *args, str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def assert_nothing_sensitive(pdf: Path, allowed: set[str]) -> None:
    """No ID-like or mobile-like digit run, and nothing find_sensitive flags but the allowed phones."""
    for mode in ((), ("-layout",), ("-raw",)):
        text = text_of(pdf, *mode)
        for candidate in (text, squeeze(text)):
            assert not ID_LIKE.search(candidate), ID_LIKE.search(candidate)
            assert not MOBILE_LIKE.search(candidate), MOBILE_LIKE.search(candidate)
        flagged = {h.text for h in find_sensitive(text)}
        assert flagged <= allowed, flagged


def test_the_posting_reads_back_with_its_title_figures_and_items(engine, settings, month, tmp_path):
    posting = make_posting(engine, settings, month)
    out = tmp_path / "公示.pdf"
    digest = write_wall_posting(posting, out)
    assert len(digest) == 64 and not list(tmp_path.glob(".*.tmp"))
    text = text_of(out)
    flat = squeeze(text)
    for needle in (
        "柳林沟村2026年11月“三本台账”办理情况公示",
        "公示期：2026年12月1日至2026年12月10日",
        f"村务监督委员会{SUPERVISION}",
        f"富兴镇纪委{DISCIPLINE}",
        "本月登记9件",
        "本月办结5件",
        "办结率44.44%",
        "办理中5件",
        "村级80.00%，乡镇20.00%，县级0.00%",
        "民生台账",
        "困难群众台账",
        "稳定工作台账",
        "中共柳林沟村支部委员会（盖章）",
        "柳林沟村民委员会（盖章）",
        "2026年12月1日",
        "第1页共",
        "王某某",
        "欧阳某某",
        "138****5678",
        "签字确认后公示",
        "列入2026年12月公示",
        "只公示件数",
    ):
        assert needle in flat, needle
    pages = int(re.search(r"第1页共(\d+)页", flat).group(1))  # type: ignore[union-attr]
    assert pages > 1 and f"第{pages}页共{pages}页" in flat
    for key in ("M1", "M2", "M3", "M4", "M5", "M8", "K1", "K2"):
        assert month.items[key].serial.removeprefix("510623105201-") in flat, key
    for key in ("M6", "M7", "W1", "W2"):  # voided, last month's, and the counts-only ledger
        assert month.items[key].serial.removeprefix("510623105201-") not in flat, key
    for text_not_posted in month.unposted_text:
        assert text_not_posted not in flat
    for secret in month.secrets:
        assert secret not in flat, secret


def test_no_id_number_or_phone_anywhere_but_the_supervision_phones(engine, settings, month, tmp_path):
    out = tmp_path / "wall.pdf"
    write_wall_posting(make_posting(engine, settings, month), out)
    assert_nothing_sensitive(out, {SUPERVISION, DISCIPLINE})
    raw = out.read_bytes()  # nor in the metadata or any uncompressed part of the file
    for secret in month.secrets:
        assert secret.encode() not in raw


def test_names_as_configured_and_stability_details_when_chosen(engine, settings, month, tmp_path):
    privacy = {
        "minsheng": PrivacyPolicy(name_style="*"),
        "kunnan": PrivacyPolicy(mask_names=False),
        "wending": PrivacyPolicy(show_details=True),
    }
    out = tmp_path / "wall.pdf"
    write_wall_posting(make_posting(engine, settings, month, privacy=privacy), out)
    flat = squeeze(text_of(out))
    assert "王**" in flat and "张**" in flat  # 民生台账: the * style
    assert "张某某" not in flat.replace("（如“张**、张某某”）", "")
    assert "欧阳娜娜" in flat  # this village chose to print needy households' names
    assert "李某某" in flat and "宅基地边界" in flat and "只公示件数" not in flat
    assert_nothing_sensitive(out, {SUPERVISION, DISCIPLINE})


def test_the_font_is_embedded_as_a_subset(engine, settings, month, tmp_path):
    out = tmp_path / "wall.pdf"
    write_wall_posting(make_posting(engine, settings, month), out)
    report = subprocess.run(["pdffonts", str(out)], check=True, capture_output=True, text=True).stdout
    fonts = report.splitlines()[2:]
    assert fonts, report
    for line in fonts:
        name, *_rest = line.split()
        assert "WenQuanYiMicroHei" in name and re.match(r"[A-Z]{6}\+", name), line
        assert re.search(r"\byes\s+yes\s+yes\b", line), line  # emb, sub, uni


def test_same_content_gives_the_same_bytes(engine, settings, month, tmp_path):
    first = make_posting(engine, settings, month)
    again = make_posting(engine, settings, month, today=date(2026, 12, 8))
    a, b = tmp_path / "a.pdf", tmp_path / "b.pdf"
    assert write_wall_posting(first, a) == write_wall_posting(again, b)
    assert a.read_bytes() == b.read_bytes()
    write_wall_posting(first, a)  # overwriting in place works and gives the same file
    assert a.read_bytes() == b.read_bytes()


def test_a3_for_large_boards(engine, settings, month, tmp_path):
    posting = make_posting(engine, settings, month)
    out = tmp_path / "a3.pdf"
    write_wall_posting(posting, out, paper="A3")
    info = subprocess.run(["pdfinfo", str(out)], check=True, capture_output=True, text=True).stdout
    assert "1190.55 x 841.89 pts (A3)" in info
    assert "本月登记9件" in squeeze(text_of(out))
    a4 = render_wall_posting(posting)
    assert (
        "841.89 x 595.276"
        in subprocess.run(["pdfinfo", "-"], input=a4, capture_output=True, check=True).stdout.decode()
    )
    with pytest.raises(DomainError, match="纸张"):
        render_wall_posting(posting, paper="Letter")


def test_writing_into_a_missing_folder_is_a_chinese_error(engine, settings, month, tmp_path):
    with pytest.raises(DomainError, match="不存在"):
        write_wall_posting(make_posting(engine, settings, month), tmp_path / "no" / "wall.pdf")


# ---------------------------------------------------------------------------------------------
# Big months and long text (built directly as plain data: the writer takes nothing else)
# ---------------------------------------------------------------------------------------------

CASES = [
    ("土地流转", "三社土地撂荒严重，外出务工人员多，希望村上想办法把地流转出去，增加群众收入。"),
    ("基础设施建设", "二社到三社的便道年久失修，下雨天泥泞难行，娃娃上学和老人看病都不方便，请求硬化。"),
    ("养老保险", "年满六十周岁，想了解城乡居民养老保险的领取手续，以及以前断缴的年份能不能补缴。"),
    ("危房改造", "老房子土墙开裂，雨天屋顶漏雨，家里只有两个老人居住，存在安全隐患，申请危房改造。"),
]


def synthetic(n: int, *, long_text: str = "") -> Posting:
    """A village month of n items, 70% settled, every text long enough to wrap."""
    start = date(2026, 11, 1)
    reg, settled, pending = [], [], []
    for i in range(n):
        category, request = CASES[i % len(CASES)]
        number = f"MS-2026-{i + 1:04d}"
        day = start + timedelta(days=i % 30)
        text = long_text if (long_text and i == 1) else f"{request}（第{i + 1}件）"
        done = i % 10 < 7
        reg.append(RegisteredRow(number, category, "王某某", day, text, "已办结" if done else "办理中"))
        if done:
            settled.append(
                SettledRow(
                    number,
                    category,
                    "王某某",
                    text,
                    "村“两委”议账后，由包社干部牵头，联系镇农业服务中心和种植大户现场查看并协调落实。",
                    "已办结：问题已解决，群众认可，相关资料已归档备查。",
                    "村级",
                    day,
                    "满意：感谢村上及时帮忙解决，希望以后多来走访。",
                )
            )
        else:
            pending.append(
                InProgressRow(
                    number, category, "王某某", day, text, "村级办理中", "村级办结：2026年12月5日前"
                )
            )
    levels = (
        LevelFigure("village", "村级", len(settled), 100.0),
        LevelFigure("township", "乡镇", 0, 0.0),
        LevelFigure("county", "县级", 0, 0.0),
    )
    fig = Figures(n, len(settled), len(settled), round(len(settled) / n, 4), len(pending), levels)
    section = LedgerSection("minsheng", "民生台账", False, fig, tuple(reg), tuple(settled), tuple(pending))
    return Posting(
        village_id=1,
        title="柳林沟村2026年11月“三本台账”办理情况公示",
        county="中江县",
        township="富兴镇",
        village="柳林沟村",
        month="2026-11",
        period_from=date(2026, 12, 1),
        period_to=date(2026, 12, 10),
        supervision_phone=SUPERVISION,
        township_discipline_phone=DISCIPLINE,
        discipline_label="富兴镇纪委",
        intro="根据“三本台账”工作法的要求，现将本村2026年11月台账办理情况公示如下。",
        privacy_note="为保护群众个人信息，身份证号、电话号码一律不予公示。",
        figures_note="说明：……",
        party_branch="中共柳林沟村支部委员会",
        committee="柳林沟村民委员会",
        signed_on=date(2026, 12, 1),
        figures=fig,
        sections=(section,),
        item_ids=tuple(f"id-{i}" for i in range(n)),
        redactions=(),
    )


def test_a_300_item_month_is_small_and_complete(tmp_path):
    """(Its speed is measured by bench/bench_wall_pdf.py, not here.)"""
    posting = synthetic(300)
    write_wall_posting(posting, tmp_path / "big.pdf")
    size = (tmp_path / "big.pdf").stat().st_size
    assert size < 1_000_000, size
    flat = squeeze(text_of(tmp_path / "big.pdf"))
    assert "MS-2026-0300" in flat and "（第300件）" in flat


def _words(pdf: Path) -> tuple[list[tuple[float, float, float, float, str]], float, float]:
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True).stdout
    page = re.search(r'<page width="([\d.]+)" height="([\d.]+)"', html)
    assert page
    words = [
        (float(a), float(b), float(c), float(d), w)
        for a, b, c, d, w in re.findall(
            r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html
        )
    ]
    return words, float(page.group(1)), float(page.group(2))


def test_long_text_wraps_inside_its_cell_and_is_never_cut(tmp_path):
    marker = "【诉求到此结束】"
    unbroken = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" * 8
    long_text = ("这件事情说来话长。" * 400) + unbroken + marker
    out = tmp_path / "long.pdf"
    write_wall_posting(synthetic(12, long_text=long_text), out)
    words, width, height = _words(out)
    margin = 14 * 72 / 25.4  # 14 mm
    for x0, y0, x1, y1, w in words:
        assert margin - 2 <= x0 and x1 <= width - margin + 2, (w, x0, x1)
        assert y0 >= 0 and y1 <= height, w
    flat = squeeze(text_of(out))
    # Every character arrives (lines of neighbouring cells interleave in pdftotext's output, so
    # count characters that occur nowhere else): the text is in 本月登记 and 本月办结.
    assert flat.count("话") == 400 * 2 + 2  # + 监督电话 and the privacy note's 电话号码
    assert flat.count("Q") == 8 * 2 and flat.count("【") == 2 and flat.count("】") == 2


# ---------------------------------------------------------------------------------------------
# The commands (app/cli_posting.py), run the way app/cli.py runs them
# ---------------------------------------------------------------------------------------------


def run_command(ctx: SimpleNamespace, capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    parser = argparse.ArgumentParser()
    add_posting_commands(parser.add_subparsers(dest="command"), argparse.ArgumentParser(add_help=False))
    args = parser.parse_args(list(argv))
    assert POSTING_COMMANDS[args.command](args, ctx) == 0
    return capsys.readouterr().out


def test_export_pdf_command_reports_figures_and_masked_numbers(
    engine, settings, month, tmp_path, monkeypatch, capsys
):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    folder = tmp_path / "xdg" / "taizhang"
    folder.mkdir(parents=True)
    save_privacy(folder, {"minsheng": PrivacyPolicy(name_style="*"), "kunnan": PrivacyPolicy()})
    ctx = SimpleNamespace(engine=engine, settings=settings, today=TODAY)
    out = tmp_path / "公示.pdf"
    text = run_command(ctx, capsys, "export-pdf", "--month", "2026-11", "--out", str(out))
    lines = text.splitlines()
    assert lines[0] == f"已生成柳林沟村2026年11月“三本台账”办理情况公示（A4）：{out}"
    assert "公示期：2026年12月1日至2026年12月10日" in lines
    assert any(line.startswith("合计：本月登记9件，本月办结5件") and "办结率44.44%" in line for line in lines)
    assert any(line.startswith("稳定工作台账（只公示件数）：") for line in lines)
    m1, k1 = month.items["M1"].serial, month.items["K1"].serial
    assert f"已遮盖：{m1} 工作措施 中的身份证号" in lines
    assert f"已遮盖：{k1} 主要诉求 中的身份证号" in lines
    assert sum(line.startswith("已遮盖：") for line in lines) == 6
    assert "王**" in squeeze(text_of(out))  # the data folder's privacy settings were used
    for secret in month.secrets:
        assert secret not in text
    run_command(ctx, capsys, "export-pdf", "--month", "2026-11", "--out", str(out))  # again: same record
    with UnitOfWork(engine) as uow:
        records = uow.session.exec(select(PostingRecord)).all()
    assert len(records) == 1
    assert records[0].file_hash == hashlib.sha256(out.read_bytes()).hexdigest()

    text = run_command(ctx, capsys, "mark-posted", "--month", "2026-11", "--on", "2026-12-01")
    assert text.strip() == "已记录柳林沟村2026-11公示表于2026年12月1日上墙，5件已签字确认的办结事项记为已晒账"


def test_export_pdf_command_options(engine, settings, month, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    ctx = SimpleNamespace(engine=engine, settings=settings, today=TODAY)
    out = tmp_path / "a3.pdf"
    text = run_command(
        ctx,
        capsys,
        "export-pdf",
        "--month",
        "2026-11",
        "--out",
        str(out),
        "--village",
        "510623105201",
        "--paper",
        "a3",
        "--from",
        "2026-12-02",
        "--to",
        "2026-12-16",
    )
    assert "（A3）" in text and "公示期：2026年12月2日至2026年12月16日" in text
    assert "公示期：2026年12月2日至2026年12月16日" in squeeze(text_of(out))
    with pytest.raises(DomainError, match="没有行政区划代码"):
        run_command(ctx, capsys, "export-pdf", "--month", "2026-11", "--out", str(out), "--village", "1" * 12)
    with pytest.raises(DomainError, match="不能晚于今天"):
        run_command(ctx, capsys, "mark-posted", "--month", "2026-11", "--on", "2026-12-04")
