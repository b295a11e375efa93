"""Printed forms, read back as a reader would: the 一事一档 sheet, the receipt and the contact card."""

import argparse
import random
import re
import subprocess
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlmodel import select

from app.cli_forms import FORM_COMMANDS, add_form_commands
from app.errors import DomainError
from app.exports.forms_pdf import write_contact_cards, write_item_sheet, write_receipt
from app.exports.pdf_fonts import register_cjk_font
from app.models import Cadre, Village
from app.models.enums import DeliberationDecision, Satisfaction
from app.services import actions
from app.services.identity import generate_id_number, mask_id_number, mask_phone
from app.services.people import create_person
from app.services.queries import ItemDetail, item_detail
from app.services.registration import register_item
from app.services.villages import add_cadre
from app.store.uow import UnitOfWork

TODAY = date(2026, 11, 22)
ID_NUMBER = generate_id_number(random.Random(7), area="510623", birth=date(1968, 3, 5), gender="男")
PHONE = "13912345678"
REQUEST = "三社土地撂荒严重，约40亩地无人耕种，希望村上想办法引进业主流转经营。"
STEPS = [  # each history step's label, in order
    "建账登记",
    "议账",
    "督办",
    "逐级上报",
    "乡镇答复",
    "督办销号",
    "办结",
    "当事人意见及签字确认",
    "回访",
    "晒账公示",
]
MORE_CADRES = [
    ("李秀英", "村委会主任", "13800002222"),
    ("张建国", "村委会副主任", "13800003333"),
    ("王芳", "村文书", "13800004444"),
    ("刘德华", "村监委会主任", "0838-7221234"),
]


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pages(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))  # type: ignore[union-attr]


def assert_no_requester_secrets(text: str) -> None:
    digits = flat(text)
    assert ID_NUMBER not in digits
    assert PHONE not in digits
    assert not re.search(r"\d{17}[\dX]", digits), "a full 18-digit ID number is printed"
    assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", digits.replace("13800001111", "")), "a full mobile"


@dataclass
class Story:
    engine: object
    settings: object
    village_id: int
    item_id: str
    serial: str
    fresh_id: str  # a second item, only registered: its 村级办结 clock runs

    def detail(self, key: str | None = None, today: date = TODAY) -> ItemDetail:
        with UnitOfWork(self.engine) as uow:
            return item_detail(uow.session, self.settings, key or self.item_id, today)


def _register(uow, settings, village, person_id, request, category="土地流转"):  # type: ignore[no-untyped-def]
    return register_item(
        uow=uow,
        config=settings.ledgers,
        village_id=village.village_id,
        ledger_key="minsheng",
        category=category,
        person_id=person_id,
        source="走访",
        source_detail="访群众问民需",
        received_on=date(2026, 9, 28),
        request=request,
        actor="杨运润",
        today=date(2026, 9, 28),
        responsible_cadre_id=village.cadre_id,
    )


def run_story(engine, settings, village, request: str = REQUEST, follow_ups: int = 1) -> Story:  # type: ignore[no-untyped-def]
    """Register, 议账, 督办, escalate, township reply, 销号, settle, sign, 回访, publish."""
    with UnitOfWork(engine) as uow:
        v = uow.session.get(Village, village.village_id)
        v.supervision_phone, v.township_discipline_phone = "0838-7221234", "0838-7225678"
        uow.session.add(v)
        for name, role, phone in MORE_CADRES:
            add_cadre(uow=uow, village_id=village.village_id, name=name, role=role, phone=phone)
        person = create_person(
            uow=uow,
            village_id=village.village_id,
            name="王长贵",
            id_number=ID_NUMBER,
            phone=PHONE,
            group_name="三社",
            address="柳林沟村三社12号",
            today=TODAY,
        )
        item = _register(uow, settings, village, person.id, request)
        fresh = _register(uow, settings, village, person.id, "村道破损，雨天无法通行。", "基础设施建设")
        uow.commit()
    i = item.id
    with UnitOfWork(engine) as uow:
        actions.deliberate(
            uow=uow,
            item_id=i,
            on=date(2026, 9, 30),
            actor="杨运润",
            decision=DeliberationDecision.HANDLE,
            opinion="村级先行协调业主，摸清撂荒地块和农户意愿",
        )
        notice = actions.supervise(
            uow=uow,
            item_id=i,
            on=date(2026, 10, 2),
            actor="刘德华",
            issuer="富兴镇纪委",
            content="群众反映强烈，限期办理",
            due_on=date(2026, 10, 20),
        )
        actions.escalate(
            uow=uow, item_id=i, on=date(2026, 10, 3), actor="杨运润", reason="需镇上协调业主，报镇上"
        )
        actions.reply(
            uow=uow, item_id=i, on=date(2026, 10, 8), actor="周明", text="已受理，镇农业服务中心牵头"
        )
        actions.close_supervision(
            uow=uow, notice_id=notice.id, on=date(2026, 10, 9), actor="刘德华", note="已按期答复"
        )
        actions.settle(
            uow=uow,
            item_id=i,
            on=date(2026, 10, 12),
            actor="周明",
            measures="协调种植大户流转土地，签订流转合同",
            outcome="40亩撂荒地全部流转，农户每亩每年得租金400元",
        )
        actions.confirm(
            uow=uow,
            item_id=i,
            on=date(2026, 10, 14),
            actor="杨运润",
            satisfaction=Satisfaction.SATISFIED,
            opinion=f"满意，以后有事打我电话{PHONE}，身份证{ID_NUMBER}",
            signed_by="王长贵",
        )
        for n in range(follow_ups):
            actions.follow_up(
                uow=uow, item_id=i, on=date(2026, 10, 20), actor="杨运润", note=f"第{n + 1}次回访：租金已到位"
            )
        actions.publish(uow=uow, item_id=i, on=date(2026, 11, 1), actor="杨运润", month="2026-10")
        uow.commit()
    return Story(engine, settings, village.village_id, i, item.serial, fresh.id)


@pytest.fixture
def story(engine, settings, village) -> Story:  # type: ignore[no-untyped-def]
    return run_story(engine, settings, village)


def cadres_of(story: Story) -> tuple[Village, list[Cadre]]:
    with UnitOfWork(story.engine) as uow:  # type: ignore[arg-type]
        v = uow.session.get(Village, story.village_id)
        cadres = list(uow.session.exec(select(Cadre).order_by(Cadre.id)).all())  # type: ignore[arg-type]
        return v, cadres  # type: ignore[return-value]


# ------------------------------------------------------------------------------------------


def test_item_sheet_holds_the_whole_record(story, tmp_path):
    out = write_item_sheet(story.detail(), tmp_path / "sheet.pdf")
    text = flat(pdf_text(out))
    assert "民生台账一事一档" in text
    assert f"编号：{story.serial}" in text
    assert REQUEST in text
    for needle in (
        "王长贵",
        "三社",
        "走访·访群众问民需",
        "2026年09月28日",
        "杨运润（村党支部书记）",
        "13800001111",
        "村级先行协调业主，摸清撂荒地块和农户意愿",
        "已受理，镇农业服务中心牵头",
        "富兴镇纪委督办：群众反映强烈，限期办理",
        "40亩撂荒地全部流转，农户每亩每年得租金400元",
        "满意度：满意",
        "王长贵于2026年10月14日签字确认",
        "2026年10月",  # 晒账 month
        "当事人签字确认：",
        "责任人签字：",
        "日期：____年__月__日",
        "■满意",
    ):
        assert needle in text, needle
    # every step of the history, in order, in the 办理记录 table
    history = text[text.index("五、办理记录") :]
    positions = [history.find(f"{n}2026-") for n in range(1, len(STEPS) + 1)]
    assert all(p >= 0 for p in positions) and positions == sorted(positions)
    at = 0
    for label in STEPS:
        at = history.find(label, at)
        assert at >= 0, f"history step {label} missing or out of order"
    # masked, never in full: on the form and inside the requester's own words
    assert mask_id_number(ID_NUMBER) in text
    assert mask_phone(PHONE) in text
    assert_no_requester_secrets(pdf_text(out))
    total = pages(out)
    assert [f"第{n}页共{total}页" in text for n in range(1, total + 1)] == [True] * total


def test_receipt_names_the_cadre_the_promise_and_the_supervision_phones(story, tmp_path):
    fresh = story.detail(story.fresh_id, today=date(2026, 9, 28))
    clock = fresh.clocks.current
    assert clock is not None
    out = write_receipt(fresh, tmp_path / "receipt.pdf")
    text = flat(pdf_text(out))
    assert pages(out) == 1
    assert text.count(fresh.item.serial) == 2  # 存根 and 回执, on one page
    assert "存根" in text and "回执（交诉求人收执）" in text and "沿此线剪开" in text
    for needle in (
        "诉求受理回执（跟踪卡）",
        "民生台账",
        "基础设施建设",
        "村道破损，雨天无法通行。",
        "杨运润（村党支部书记）",
        "13800001111",
        f"{clock.due:%Y年%m月%d日}前",
        "村务监督委员会：0838-7221234",
        "乡镇纪委：0838-7225678",
    ):
        assert needle in text, needle
    assert_no_requester_secrets(pdf_text(out))


def test_receipt_without_a_running_clock_promises_the_rules(story, tmp_path):
    out = write_receipt(story.detail(), tmp_path / "receipt.pdf")
    text = flat(pdf_text(out))
    assert "承诺办结时限按规定时限办理" in text
    assert story.serial in text
    assert_no_requester_secrets(pdf_text(out))


def test_contact_card_lists_every_cadre_several_to_a_page(story, tmp_path):
    village, cadres = cadres_of(story)
    assert len(cadres) == 1 + len(MORE_CADRES)
    out = write_contact_cards(village, cadres, tmp_path / "cards.pdf")
    text = flat(pdf_text(out))
    assert pages(out) == 1
    cards = text.count("柳林沟村干部联系卡")
    assert cards >= 4
    for c in cadres:
        assert text.count(c.name) >= cards, c.name
        assert c.role in text and c.phone in text
    assert "村务监督委员会：0838-7221234" in text and "乡镇纪委：0838-7225678" in text


def test_many_cadres_still_fit_whole_cards(story, tmp_path):
    village, cadres = cadres_of(story)
    extra = [
        Cadre(village_id=village.id, name=f"干部{n}", role="村民小组长", phone=f"1370000{n:04d}")
        for n in range(12)
    ]
    out = write_contact_cards(village, cadres + extra, tmp_path / "cards.pdf")
    text = flat(pdf_text(out))
    assert pages(out) == 1
    for c in cadres + extra:
        assert c.name in text and c.phone in text


def test_every_font_is_the_bundled_one_and_embedded(story, tmp_path):
    village, cadres = cadres_of(story)
    files = [
        write_item_sheet(story.detail(), tmp_path / "sheet.pdf"),
        write_receipt(story.detail(), tmp_path / "receipt.pdf"),
        write_contact_cards(village, cadres, tmp_path / "cards.pdf"),
    ]
    for path in files:
        listing = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
        fonts = listing.splitlines()[2:]
        assert fonts, path
        for line in fonts:
            assert "WenQuanYiMicroHei" in line, line
            assert line.split()[-5] == "yes", f"not embedded: {line}"
    assert register_cjk_font() == register_cjk_font() == "WenQuanYiMicroHei"


def test_long_request_wraps_onto_more_pages_and_nothing_is_cut(engine, settings, village, tmp_path):
    sentences = [f"第{n:02d}句：三社的撂荒地需要村里统一协调，群众意见很大请尽快处理。" for n in range(1, 65)]
    request = "".join(sentences)[:2000]
    assert len(request) == 2000
    story = run_story(engine, settings, village, request=request, follow_ups=40)
    out = write_item_sheet(story.detail(), tmp_path / "long.pdf")
    total = pages(out)
    assert total >= 3
    text = flat(pdf_text(out))
    body = re.sub(rf"民生台账一事一档编号{re.escape(story.serial)}第\d+页共\d+页", "", text)
    body = body.replace("主要诉求及原因", "")  # the row's label, wherever the split row puts it
    for sentence in re.findall(r"[^。]+。?", request):
        assert sentence in body, sentence
    assert [f"第{n}页共{total}页" in text for n in range(1, total + 1)] == [True] * total
    assert text.count("序号日期经办人办理事项办理后状态说明") >= 2  # header repeated on the next page
    for n in range(1, 41):
        assert f"第{n}次回访：租金已到位" in text
    assert "当事人签字确认：" in text and "责任人签字：" in text

    # the receipt stays one half-page slip: the request is summarised
    slip = write_receipt(story.detail(), tmp_path / "slip.pdf")
    assert pages(slip) == 1
    assert "全文见一事一档" in flat(pdf_text(slip))


def test_same_input_gives_the_same_bytes(story, tmp_path):
    village, cadres = cadres_of(story)
    for write, data in (
        (write_item_sheet, story.detail()),
        (write_receipt, story.detail(story.fresh_id)),
        (write_contact_cards, None),
    ):
        a, b = tmp_path / "a.pdf", tmp_path / "b.pdf"
        if data is None:
            write_contact_cards(village, cadres, a)
            write_contact_cards(village, cadres, b)
        else:
            write(data, a)
            write(story.detail(data.item.id), b)  # a fresh read of the same record
        assert a.read_bytes() == b.read_bytes(), write.__name__


def test_written_whole_or_not_at_all(story, tmp_path):
    with pytest.raises(DomainError, match="保存位置不存在"):
        write_item_sheet(story.detail(), tmp_path / "no-such-folder" / "x.pdf")
    target = tmp_path / "out" / "sheet.pdf"
    target.parent.mkdir()
    target.write_bytes(b"old")
    write_item_sheet(story.detail(), target)
    assert target.read_bytes().startswith(b"%PDF")
    assert [p.name for p in target.parent.iterdir()] == ["sheet.pdf"]  # no temporary file left


# ------------------------------------------------------------------------------------------
# the commands (app/cli.py wires them in; here they run through their own parser)


def _run(story: Story, capsys, *argv: str) -> tuple[int, str]:
    common = argparse.ArgumentParser(add_help=False)
    parser = argparse.ArgumentParser(parents=[common])
    add_form_commands(parser.add_subparsers(dest="command"), common)
    args = parser.parse_args(list(argv))
    ctx = SimpleNamespace(engine=story.engine, settings=story.settings, today=TODAY)
    code = FORM_COMMANDS[args.command](args, ctx)
    return code, capsys.readouterr().out


def test_commands_write_the_forms(story, tmp_path, capsys):
    code, out = _run(story, capsys, "print-item", story.serial, "--out", str(tmp_path / "s.pdf"))
    assert code == 0 and story.serial in out and "一事一档" in out
    assert "五、办理记录" in flat(pdf_text(tmp_path / "s.pdf"))
    code, out = _run(story, capsys, "receipt", story.fresh_id, "--out", str(tmp_path / "r.pdf"))
    assert code == 0 and "回执" in out
    assert "诉求受理回执" in flat(pdf_text(tmp_path / "r.pdf"))
    code, out = _run(story, capsys, "contact-card", "--out", str(tmp_path / "c.pdf"))
    assert code == 0 and "联系卡" in out
    code, _ = _run(
        story, capsys, "contact-card", "--village", "510623105201", "--out", str(tmp_path / "d.pdf")
    )
    assert code == 0 and "李秀英" in flat(pdf_text(tmp_path / "d.pdf"))


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["print-item", "no-such-item", "--out", "x.pdf"], "找不到编号"),
        (["receipt", "no-such-item", "--out", "x.pdf"], "找不到编号"),
        (["contact-card", "--village", "999999999999", "--out", "x.pdf"], "没有行政区划代码"),
    ],
)
def test_command_errors_are_chinese(story, capsys, argv, message):
    with pytest.raises(DomainError, match=message):
        _run(story, capsys, *argv)
