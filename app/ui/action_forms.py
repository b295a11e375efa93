"""The small form behind each action button of the item page: asks what the use case needs, saves once."""

from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar

from PySide6.QtCore import QDate, Qt, Signal, Slot
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.models import SupervisionNotice
from app.models.enums import Action, DeliberationDecision, ItemState, Satisfaction
from app.services.workspace import DetailView, Workspace
from app.ui.messages import confirm, show_error

S = ItemState
REQUIRED_MARK = "＊"
ESCALATE_TEXT = {
    S.VILLAGE_HANDLING: "上报乡镇",
    S.TOWNSHIP_HANDLING: "上报县三账办",
    S.TOWNSHIP_REPLIED: "上报县三账办",
    S.DEPARTMENT_HANDLING: "提交联席会议",
    S.JOINT_MEETING: "报县委、县政府",
}
ESCALATE_NOTE = {
    S.VILLAGE_HANDLING: "村级无法办结的上报乡镇，由乡镇答复并办理；时限从上报之日起计算。",
    S.TOWNSHIP_HANDLING: "乡镇无法办结的上报县三账办，由三账办登记后交办县直部门。",
    S.TOWNSHIP_REPLIED: "乡镇无法办结的上报县三账办，由三账办登记后交办县直部门。",
    S.DEPARTMENT_HANDLING: "县直部门无法办结的，书面报告三账办，提交联席会议研究。",
    S.JOINT_MEETING: "联席会议无法解决的，报县委、县政府研究。",
}
SUPERVISORS = ("县纪委监委", "乡镇纪委", "村民监督委员会", "县三账办", "乡镇党委、政府")


@dataclass(frozen=True)
class Field:
    """One input of a form: `line`, `text` (several lines), `combo` or `radio` (options are enum members)."""

    key: str
    label: str
    kind: str = "text"
    required: bool = True
    options: tuple[Any, ...] = ()
    placeholder: str = ""
    editable: bool = False  # a combo box that also takes free text


def field_label(text: str, required: bool) -> str:
    """A form label, with a red ＊ when the field must be filled."""
    mark = f"<span style='color:#b00020'>{REQUIRED_MARK}</span>" if required else ""
    return f"{mark}{text}："


class ActionForm(QDialog):
    """Base form: business date, the fields, an inline error line, 保存 / 取消 (Enter / Esc, Ctrl+Enter)."""

    action: ClassVar[Action]
    heading: ClassVar[str] = ""
    note: ClassVar[str] = ""
    fields: ClassVar[tuple[Field, ...]] = ()
    dated: ClassVar[bool] = True
    save_text: ClassVar[str] = "保存"

    saved = Signal()

    def __init__(
        self, workspace: Workspace, view: DetailView, actor: str, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.workspace, self.view, self.actor = workspace, view, actor
        self.item = view.detail.item
        self.inputs: dict[str, QWidget] = {}
        self.groups: dict[str, QButtonGroup] = {}
        self.labels: dict[str, QLabel] = {}
        self._build()
        self.prepare()

    # construction
    def _build(self) -> None:
        self.setWindowTitle(f"{self.title()} — {self.item.serial}")
        self.setMinimumWidth(720)
        layout = QVBoxLayout(self)
        head = QLabel(self.title())
        head.setProperty("role", "title")
        layout.addWidget(head)
        about = QLabel(f"{self.item.serial}　诉求人：{self.view.detail.person.name}")
        about.setProperty("role", "hint")
        layout.addWidget(about)
        text = self.explanation()
        if text:
            self.note_label = QLabel(text, wordWrap=True)
            layout.addWidget(self.note_label)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        if self.dated:
            self._build_date()
        for spec in self.fields:
            self._add_row(spec.key, field_label(spec.label, spec.required), self._make_input(spec))
        layout.addLayout(self.form)
        self.error_label = QLabel(wordWrap=True)
        self.error_label.setProperty("role", "error")
        self.error_label.hide()
        layout.addWidget(self.error_label)
        layout.addWidget(self._build_buttons())
        if self.fields:  # start where the user types, not on the date (today is the usual answer)
            key = self.fields[0].key
            (self.groups[key].buttons()[0] if key in self.groups else self.inputs[key]).setFocus()

    def _build_date(self) -> None:
        today = self.workspace.today()
        self.date_edit = QDateEdit(QDate(today), calendarPopup=True, displayFormat="yyyy-MM-dd")
        events = self.view.detail.events  # business dates move forward: not before the last record
        earliest = max(self.item.received_on, events[-1].on) if events else self.item.received_on
        self.date_edit.setDateRange(QDate(earliest), QDate(max(earliest, today)))
        self._add_row("on", field_label("办理日期", True), self.date_edit)

    def _build_buttons(self) -> QDialogButtonBox:
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.save_button = box.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setText(self.save_text)
        self.save_button.setProperty("primary", True)
        self.save_button.setDefault(True)
        box.button(QDialogButtonBox.StandardButton.Cancel).setText("取消")
        box.accepted.connect(self._save)
        box.rejected.connect(self.reject)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, activated=self._save)
        return box

    def _make_input(self, spec: Field) -> QWidget:
        if spec.kind == "line":
            widget: QWidget = QLineEdit(placeholderText=spec.placeholder)
        elif spec.kind == "text":
            widget = QPlainTextEdit(placeholderText=spec.placeholder, tabChangesFocus=True)
            widget.setFixedHeight(widget.fontMetrics().lineSpacing() * 3 + 16)
        elif spec.kind == "combo":
            widget = QComboBox(editable=spec.editable)
            widget.addItems([str(o) for o in spec.options])
        else:
            widget = self._make_radios(spec)
        return widget

    def _make_radios(self, spec: Field) -> QWidget:
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 0, 0)
        group = QButtonGroup(box)
        for n, option in enumerate(spec.options):
            button = QRadioButton(option.label)
            group.addButton(button, n)
            row.addWidget(button)
        row.addStretch(1)
        self.groups[spec.key] = group
        return box

    def _add_row(self, key: str, label: str, widget: QWidget) -> None:
        caption = QLabel(label, textFormat=Qt.TextFormat.RichText)
        caption.setBuddy(widget)
        self.labels[key], self.inputs[key] = caption, widget
        self.form.addRow(caption, widget)

    # hooks for the forms below
    def title(self) -> str:
        return self.heading

    def explanation(self) -> str:
        return self.note

    def prepare(self) -> None:
        """Defaults and connections once the widgets exist."""

    def is_required(self, key: str) -> bool:
        return next(f.required for f in self.fields if f.key == key)

    def check(self, values: dict[str, Any]) -> str | None:
        """A further problem with the input, in Chinese (None if fine)."""
        return None

    def confirmed(self, values: dict[str, Any]) -> bool:
        return True

    def call(self, values: dict[str, Any]) -> None:
        self.workspace.perform(self.action, self.item.id, actor=self.actor, on=self.on_date(), **values)

    # values
    def on_date(self) -> date:
        return self.date_edit.date().toPython()  # type: ignore[return-value]

    def value(self, key: str) -> Any:
        widget = self.inputs[key]
        if key in self.groups:
            chosen = self.groups[key].checkedId()
            spec = next(f for f in self.fields if f.key == key)
            return spec.options[chosen] if chosen >= 0 else None
        if isinstance(widget, QPlainTextEdit):
            return widget.toPlainText().strip()
        if isinstance(widget, QLineEdit):
            return widget.text().strip()
        if isinstance(widget, QComboBox):
            return widget.currentText().strip()
        raise KeyError(key)

    def values(self) -> dict[str, Any]:
        return {spec.key: self.value(spec.key) for spec in self.fields}

    def fill(self, **values: Any) -> None:
        """Set inputs by key (text, an enum member for radio buttons, a date for `on`)."""
        for key, value in values.items():
            widget = self.inputs[key]
            if key in self.groups:
                spec = next(f for f in self.fields if f.key == key)
                self.groups[key].button(spec.options.index(value)).setChecked(True)
            elif isinstance(widget, QDateEdit):
                widget.setDate(QDate(value))
            elif isinstance(widget, QPlainTextEdit):
                widget.setPlainText(value)
            elif isinstance(widget, QLineEdit):
                widget.setText(value)
            elif isinstance(widget, QComboBox):
                if not widget.isEditable() and widget.findText(value) < 0:
                    widget.addItem(value)  # a value no longer offered is kept as it is
                widget.setCurrentText(value)

    # saving
    def submit(self) -> bool:
        """Check the input, then save through the workspace; False (input kept) if anything is wrong."""
        values = self.values()
        for spec in self.fields:
            if self.is_required(spec.key) and values[spec.key] in ("", None):
                verb = "请选择" if spec.kind in ("radio", "combo") else "请填写"
                return self._problem(f"{verb}“{spec.label}”", spec.key)
        problem = self.check(values)
        if problem:
            return self._problem(problem)
        if not self.confirmed(values):
            return False
        try:
            self.call(values)
        except Exception as exc:  # DomainError messages are Chinese; anything else is explained
            show_error(self, exc)
            return False
        self.error_label.hide()
        self.saved.emit()
        return True

    def _problem(self, text: str, key: str | None = None) -> bool:
        self.error_label.setText(text)
        self.error_label.show()
        if key is not None:
            widget = self.inputs[key]
            target = self.groups[key].buttons()[0] if key in self.groups else widget
            target.setFocus()
        return False

    @Slot()
    def _save(self) -> None:
        if self.submit():
            self.accept()


class DeliberateForm(ActionForm):
    action = Action.DELIBERATE
    heading = "议账"
    note = "村“两委”会同党员、村民代表议定如何办理（整场会议可在“议账会议”页一并记录）。"
    fields = (
        Field("decision", "议定", "radio", options=tuple(DeliberationDecision)),
        Field("opinion", "处理意见"),
        Field("outcome", "处理结果", required=False, placeholder="选择“会上议定办结”时必填"),
    )

    def prepare(self) -> None:
        self.groups["decision"].idToggled.connect(lambda _id, _on: self._mark())

    def _mark(self) -> None:
        self.labels["outcome"].setText(field_label("处理结果", self.is_required("outcome")))

    def is_required(self, key: str) -> bool:
        if key == "outcome":
            return self.value("decision") is DeliberationDecision.SETTLE
        return super().is_required(key)


class SettleForm(ActionForm):
    action = Action.SETTLE
    heading = "办结"
    note = "办结后请当事人对处理结果提出意见并签字确认。"
    fields = (Field("measures", "工作措施"), Field("outcome", "处理结果"))

    def prepare(self) -> None:
        self.fill(measures=self.item.measures, outcome=self.item.outcome)


class SettleOnSpotForm(SettleForm):
    action = Action.SETTLE_ON_SPOT
    heading = "就地办结"
    note = "能现场处理的立即处理，记为村级办结；之后请当事人签字确认。"


class EscalateForm(ActionForm):
    action = Action.ESCALATE
    fields = (Field("reason", "上报原因"),)

    def title(self) -> str:
        return ESCALATE_TEXT.get(S(self.item.state), "上报")

    def explanation(self) -> str:
        return ESCALATE_NOTE.get(S(self.item.state), "")


class ReplyForm(ActionForm):
    action = Action.REPLY
    heading = "录入乡镇答复"
    fields = (Field("text", "答复内容"),)


class AssignForm(ActionForm):
    action = Action.ASSIGN
    heading = "交办县直部门"
    note = "县三账办登记后交办责任部门，部门办理时限从交办之日起计算。"
    fields = (Field("department", "承办部门", "line", placeholder="如：县农业农村局"),)


class ConfirmForm(ActionForm):
    action = Action.CONFIRM
    heading = "当事人意见及签字确认"
    note = "当事人选“很满意”或“满意”并签字后，事项可以晒账公示。"
    fields = (
        Field("satisfaction", "满意程度", "radio", options=tuple(Satisfaction)),
        Field("opinion", "当事人意见"),
        Field("signed_by", "签字确认人", "line"),
    )

    def prepare(self) -> None:
        placeholder = f"当事人本人签字，如：{self.view.detail.person.name}"
        self.inputs["signed_by"].setPlaceholderText(placeholder)  # type: ignore[attr-defined]
        back = ItemState(self.item.settled_from_state or S.VILLAGE_HANDLING).label
        self.reopen_label = QLabel(
            f"注意：选“一般”“不满意”或“很不满意”的，事项退回“{back}”重新办理，不需签字。", wordWrap=True
        )
        self.reopen_label.setStyleSheet("background: #fff1cc; color: #6b4200; padding: 6px;")
        self.form.insertRow(2, self.reopen_label)
        self.groups["satisfaction"].idToggled.connect(lambda _id, _on: self._mark())

    def _mark(self) -> None:
        self.labels["signed_by"].setText(field_label("签字确认人", self.is_required("signed_by")))
        self.inputs["signed_by"].setEnabled(self.is_required("signed_by"))

    def is_required(self, key: str) -> bool:
        if key == "signed_by":
            rating = self.value("satisfaction")
            return rating is None or rating.closes
        return super().is_required(key)

    def call(self, values: dict[str, Any]) -> None:
        if not values["satisfaction"].closes:
            values = {**values, "signed_by": ""}
        super().call(values)


class PublishForm(ActionForm):
    action = Action.PUBLISH
    heading = "晒账公示"
    note = "记为在村务公开栏公示（每月上墙公示）；公示件不含身份证号和电话。"
    fields = (Field("month", "公示月份", "line", placeholder="年-月，如 2026-11"),)

    def prepare(self) -> None:
        self.fill(month=f"{self.workspace.today():%Y-%m}")


class FollowUpForm(ActionForm):
    action = Action.FOLLOW_UP
    heading = "回访"
    fields = (Field("note", "回访情况"),)


class SuperviseForm(ActionForm):
    action = Action.SUPERVISE
    heading = "督办"
    note = "督办通知一直有效，直到销号。"
    fields = (
        Field("issuer", "督办单位", "combo", options=SUPERVISORS, editable=True),
        Field("content", "督办内容"),
    )

    def prepare(self) -> None:
        row = QWidget()
        box = QHBoxLayout(row)
        box.setContentsMargins(0, 0, 0, 0)
        self.due_check = QCheckBox("规定期限")
        self.due_edit = QDateEdit(
            QDate(self.workspace.today()), calendarPopup=True, displayFormat="yyyy-MM-dd"
        )
        self.due_edit.setEnabled(False)
        self.due_check.toggled.connect(self.due_edit.setEnabled)
        box.addWidget(self.due_check)
        box.addWidget(self.due_edit, 1)
        self._add_row("due_on", field_label("督办期限", False), row)

    def call(self, values: dict[str, Any]) -> None:
        due = self.due_edit.date().toPython() if self.due_check.isChecked() else None
        super().call({**values, "due_on": due})


class VoidForm(ActionForm):
    action = Action.VOID
    heading = "作废"
    save_text = "作废"
    note = "作废不会删除事项：事项和全部办理记录都保留在台账中，标为“已作废”，不再计时，也不能再办理。"
    fields = (Field("reason", "作废原因"),)

    def confirmed(self, values: dict[str, Any]) -> bool:
        return confirm(
            self,
            f"确定将事项 {self.item.serial} 作废吗？\n事项仍保留在台账中，标为“已作废”，之后不能再办理。",
            "确认作废",
        )


class EditForm(ActionForm):
    action = Action.EDIT
    heading = "更正"
    note = "只改写错的内容；原来的内容和更正原因都记入办理记录。"
    fields = (
        Field("category", "分类", "combo"),
        Field("source", "信息来源", "combo"),
        Field("source_detail", "来源说明（五访五问）", "combo", required=False, editable=True),
        Field("request", "主要诉求及原因"),
        Field("decision", "处理意见", required=False),
        Field("measures", "工作措施", required=False),
        Field("reason", "更正原因"),
    )
    EDITED = ("category", "source", "source_detail", "request", "decision", "measures")

    def prepare(self) -> None:
        config = self.workspace.settings.ledgers
        choices = {
            "category": self.workspace.categories(self.view.detail.ledger.key),
            "source": list(config.sources),
            "source_detail": ["", *config.five_visits],
        }
        for key, options in choices.items():
            box = self.inputs[key]
            assert isinstance(box, QComboBox)
            box.clear()
            box.addItems(options)
        self.fill(**{key: getattr(self.item, key) for key in self.EDITED})

    def changed(self, values: dict[str, Any]) -> dict[str, Any]:
        return {k: values[k] for k in self.EDITED if values[k] != (getattr(self.item, k) or "").strip()}

    def check(self, values: dict[str, Any]) -> str | None:
        return None if self.changed(values) else "没有修改任何内容"

    def call(self, values: dict[str, Any]) -> None:
        fields = self.changed(values)
        self.workspace.perform(
            self.action, self.item.id, actor=self.actor, on=self.on_date(), reason=values["reason"], **fields
        )


class CloseSupervisionForm(ActionForm):
    action = Action.CLOSE_SUPERVISION
    heading = "督办销号"
    dated = False
    fields = (Field("note", "销号说明"),)

    def __init__(
        self,
        workspace: Workspace,
        view: DetailView,
        actor: str,
        notice: SupervisionNotice,
        parent: QWidget | None = None,
    ) -> None:
        self.notice = notice
        super().__init__(workspace, view, actor, parent)

    def explanation(self) -> str:
        n = self.notice
        return f"{n.issued_on:%Y-%m-%d} {n.issuer}督办：{n.content}\n销号日期记为今天。"

    def call(self, values: dict[str, Any]) -> None:
        self.workspace.close_supervision(self.notice.id, actor=self.actor, note=values["note"])


FORMS: dict[Action, type[ActionForm]] = {
    form.action: form
    for form in (
        DeliberateForm,
        SettleOnSpotForm,
        EscalateForm,
        ReplyForm,
        AssignForm,
        SettleForm,
        ConfirmForm,
        PublishForm,
        FollowUpForm,
        SuperviseForm,
        EditForm,
        VoidForm,
    )
}
