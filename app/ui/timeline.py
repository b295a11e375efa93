"""The item's history as a timeline: one entry per event, in Chinese, with 更正 shown as old → new."""

import json
from collections.abc import Sequence
from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from app.models import ItemEvent
from app.models.enums import Action, ItemState
from app.ui.labels import state_label

# the fields a 更正 can change, as the user knows them (ids and search keys are not shown as values)
FIELD_LABELS = {
    "category": "分类",
    "source": "信息来源",
    "source_detail": "来源说明（五访五问）",
    "request": "主要诉求及原因",
    "decision": "处理意见",
    "measures": "工作措施",
    "responsible_cadre_id": "责任人",
    "person_id": "诉求人",
}
_BY_REFERENCE = {"responsible_cadre_id", "person_id"}
_CLIP = 40
_REOPENED = "#b26a00"
_COLOURS = {
    Action.VOID.value: "#b00020",
    Action.ESCALATE.value: "#b26a00",
    Action.SUPERVISE.value: "#b26a00",
    Action.SETTLE.value: "#2e7d32",
    Action.SETTLE_ON_SPOT.value: "#2e7d32",
    Action.CONFIRM.value: "#1f4e79",
}


def _clip(value: object) -> str:
    text = "" if value is None else str(value)
    text = " ".join(text.split())
    return text if len(text) <= _CLIP else text[: _CLIP - 1] + "…"


def change_lines(changes_json: str) -> list[str]:
    """The fields a 更正 changed, each as `名称：“旧” → “新”`."""
    try:
        changes = json.loads(changes_json or "{}")
    except ValueError:
        return []
    lines = []
    for key, label in FIELD_LABELS.items():
        if key not in changes:
            continue
        if key in _BY_REFERENCE:
            lines.append(f"{label}：已更换")
        else:
            old, new = changes[key]
            lines.append(f"{label}：“{_clip(old) or '空'}” → “{_clip(new) or '空'}”")
    return lines


_NOTE_PREFIX = {
    Action.EDIT.value: "更正原因：",
    Action.DELIBERATE.value: "议定：",
    Action.ESCALATE.value: "上报原因：",
    Action.ASSIGN.value: "承办部门：",
    Action.CONFIRM.value: "满意度：",
    Action.PUBLISH.value: "公示月份：",
    Action.FOLLOW_UP.value: "回访情况：",
    Action.VOID.value: "作废原因：",
}


def event_parts(event: ItemEvent) -> tuple[str, str, list[str]]:
    """(what and when, who, further lines): the state change, the note and any corrected fields."""
    head = f"{event.on:%Y-%m-%d}　{Action(event.action).label}"
    lines = []
    if event.from_state is None:
        lines.append(f"状态：{state_label(event.to_state)}")
    elif event.from_state != event.to_state:
        lines.append(f"{state_label(event.from_state)} → {state_label(event.to_state)}")
    if event.note:
        lines.append(_NOTE_PREFIX.get(event.action, "") + event.note)
    if event.action == Action.EDIT.value:
        lines.extend(change_lines(event.changes))
    return head, f"经办人：{event.actor}", lines


def event_text(event: ItemEvent) -> str:
    """One event as plain text (date, Chinese action label, who, state change, note, corrections)."""
    head, actor, lines = event_parts(event)
    return "\n".join([f"{head}　{actor}", *lines])


def _colour(event: ItemEvent, default: str) -> str:
    if event.action == Action.CONFIRM.value and event.to_state != ItemState.CONFIRMED.value:
        return _REOPENED  # the requester was not satisfied: back to handling
    return _COLOURS.get(event.action, default)


def _event_html(event: ItemEvent) -> str:
    head, actor, lines = event_parts(event)
    colour = _colour(event, "#1a1a1a")
    top = f"<b style='color:{colour}'>{escape(head)}</b>　<span style='color:#5f6b7a'>{escape(actor)}</span>"
    return "<br>".join([top, *(escape(line) for line in lines)])


class TimelineView(QScrollArea):
    """The history as cards, newest first; read-only, scrolls with the keyboard once focused."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._texts: list[str] = []

    def set_events(self, events: Sequence[ItemEvent]) -> None:
        page = QWidget()
        column = QVBoxLayout(page)
        column.setSpacing(6)
        self._texts = []
        for event in reversed(events):
            card = QLabel(_event_html(event), wordWrap=True, textFormat=Qt.TextFormat.RichText)
            card.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            border = _colour(event, "#c5d0de")
            card.setStyleSheet(
                f"QLabel {{ background: white; border-left: 4px solid {border}; padding: 6px 8px; }}"
            )
            card.setAccessibleName(event_text(event))
            column.addWidget(card)
            self._texts.append(event_text(event))
        column.addStretch(1)
        self.setWidget(page)

    def count(self) -> int:
        return len(self._texts)

    def lines(self) -> list[str]:
        """The plain text of every entry, newest first."""
        return list(self._texts)
