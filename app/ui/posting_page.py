"""月度晒账: generate the month's wall posting, preview it, print it, and mark it as posted."""

from pathlib import Path

from PySide6.QtCore import QDate, Slot
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.exports.forms_pdf import write_contact_cards
from app.exports.wall_pdf import write_wall_posting
from app.exports.workbook import write_report_workbook
from app.services.posting import Posting, default_period
from app.services.workspace import Workspace
from app.ui.hub import EventHub
from app.ui.labels import recent_months
from app.ui.messages import confirm, show_error, show_info
from app.ui.pdf_preview import PdfPreviewDialog, print_document
from app.ui.worker import run_in_background

PAPERS = (("A4（张贴栏）", "A4"), ("A3（大公示栏）", "A3"))


class PostingPage(QWidget):
    def __init__(self, workspace: Workspace, hub: EventHub, actor, parent: QWidget | None = None) -> None:  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self.workspace, self.hub, self.actor = workspace, hub, actor
        self.posting: Posting | None = None
        self.pdf_path: Path | None = None
        self.document = QPdfDocument(self)
        self._build()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        title = QLabel("月度晒账（每月上墙公示）")
        title.setProperty("role", "title")
        layout.addWidget(title)
        layout.addLayout(self._build_controls())
        self.report = QLabel(
            "选择月份后点“生成公示表”。只有当事人签字确认的事项才列为已办结；身份证号、电话号码一律不上墙。"
        )
        self.report.setWordWrap(True)
        self.report.setProperty("role", "hint")
        layout.addWidget(self.report)
        self.view = QPdfView(self)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setDocument(self.document)
        layout.addWidget(self.view, 1)

    def _build_controls(self) -> QVBoxLayout:
        self.village_box = QComboBox()
        self.month_box = QComboBox()
        self.paper_box = QComboBox()
        for label, value in PAPERS:
            self.paper_box.addItem(label, value)
        self.from_edit = QDateEdit(calendarPopup=True, displayFormat="yyyy-MM-dd")
        self.to_edit = QDateEdit(calendarPopup=True, displayFormat="yyyy-MM-dd")
        self.generate_button = QPushButton("生成公示表")
        self.generate_button.setProperty("primary", True)
        self.generate_button.clicked.connect(self.generate)
        self.print_button = QPushButton("打印…")
        self.print_button.clicked.connect(self.print_now)
        self.save_button = QPushButton("另存为…")
        self.save_button.clicked.connect(self.save_copy)
        self.posted_button = QPushButton("已张贴上墙")
        self.posted_button.clicked.connect(self.mark_posted)
        self.card_button = QPushButton("打印联系卡")
        self.card_button.clicked.connect(self.print_contact_cards)
        self.workbook_button = QPushButton("导出上报工作簿…")
        self.workbook_button.clicked.connect(self.export_workbook)
        # two rows, so the page fits a 1366-pixel laptop screen even with the largest text size
        choices = QHBoxLayout()
        for widget in (
            self.village_box,
            QLabel("月份"),
            self.month_box,
            self.paper_box,
            QLabel("公示期"),
            self.from_edit,
            QLabel("至"),
            self.to_edit,
        ):
            choices.addWidget(widget)
        choices.addStretch(1)
        buttons = QHBoxLayout()
        for widget in (self.generate_button, self.print_button, self.save_button, self.posted_button):
            buttons.addWidget(widget)
        buttons.addStretch(1)
        buttons.addWidget(self.card_button)
        buttons.addWidget(self.workbook_button)
        row = QVBoxLayout()
        row.addLayout(choices)
        row.addLayout(buttons)
        self._set_ready(False)
        return row

    @Slot()
    def refresh(self) -> None:
        """Refill the village and month choices (the last twelve months, newest first)."""
        if self.month_box.count():
            return
        villages = self.workspace.villages()
        for village in villages:
            self.village_box.addItem(village.name, village.id)
        self.village_box.setVisible(len(villages) > 1)
        today = self.workspace.today()
        for label, value in recent_months(today):
            self.month_box.addItem(label, value)
        self.month_box.setCurrentIndex(1 if today.day <= 15 else 0)  # early in a month: last month's
        self.month_box.currentIndexChanged.connect(lambda _i: self._default_period())
        self._default_period()

    def _default_period(self) -> None:
        """The usual 公示期 for the chosen month (the user may change it before generating)."""
        start, end = default_period(self.month_box.currentData(), self.workspace.today())
        self.from_edit.setDate(QDate(start.year, start.month, start.day))
        self.to_edit.setDate(QDate(end.year, end.month, end.day))

    def _set_ready(self, ready: bool) -> None:
        for button in (self.print_button, self.save_button, self.posted_button):
            button.setEnabled(ready)

    def _out_path(self, month: str, paper: str) -> Path:
        folder = self.workspace.data_dir / "print"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"晒账公示-{month}-{paper}.pdf"

    @Slot()
    def generate(self) -> None:
        village_id, month = self.village_box.currentData(), self.month_box.currentData()
        paper = self.paper_box.currentData()
        start, end = self.from_edit.date().toPython(), self.to_edit.date().toPython()
        if end < start:
            show_error(self, ValueError("公示期的结束日期不能早于开始日期"), "公示期不对")
            return
        out = self._out_path(month, paper)

        def work(progress):  # type: ignore[no-untyped-def]
            progress(1, 3)
            posting = self.workspace.posting(
                village_id=village_id, month=month, period_from=start, period_to=end
            )
            progress(2, 3)
            digest = write_wall_posting(posting, out, paper=paper)
            self.workspace.record_posting(posting, digest)
            progress(3, 3)
            return posting

        self.generate_button.setEnabled(False)
        run_in_background(self, "正在生成公示表……", work, lambda p: self._show(p, out), self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.generate_button.setEnabled(True)
        show_error(self, exc, "生成失败")

    def _show(self, posting: Posting, out: Path) -> None:
        self.generate_button.setEnabled(True)
        self.posting, self.pdf_path = posting, out
        self.document.load(str(out))
        f = posting.figures
        lines = [
            f"{posting.title}：本月登记{f.registered}件，签字确认办结{f.settled}件，"
            f"共{self.document.pageCount()}页。文件：{out}"
        ]
        if posting.redactions:
            found = "；".join(f"{r.serial} {r.field}中的{r.kind}" for r in posting.redactions[:8])
            more = "" if len(posting.redactions) <= 8 else f"等{len(posting.redactions)}处"
            lines.append(f"已自动遮盖疑似隐私号码：{found}{more}。请核对原始记录。")
        self.report.setText("\n".join(lines))
        self._set_ready(True)
        self.hub.status_message.emit("公示表已生成")

    @Slot()
    def print_now(self) -> None:
        if self.posting is not None:
            try:
                print_document(self, self.document, self.posting.title)
            except Exception as exc:
                show_error(self, exc, "打印失败")

    @Slot()
    def save_copy(self) -> None:
        if self.pdf_path is not None:
            PdfPreviewDialog(self.pdf_path, self.pdf_path.stem, self).save_copy()

    @Slot()
    def mark_posted(self) -> None:
        if self.posting is None:
            return
        if not confirm(self, "公示表已经张贴上墙了吗？确认后，本月已签字确认的事项记为“已晒账公示”。"):
            return
        try:
            posted = self.workspace.mark_posted(
                village_id=self.posting.village_id, month=self.posting.month, actor=self.actor()
            )
        except Exception as exc:
            show_error(self, exc, "未能记录")
            return
        show_info(self, f"已记录张贴上墙，{len(posted.published)}件事项记为已晒账公示。")
        self.hub.data_reset.emit()

    def contact_cards_pdf(self) -> Path:
        """The household contact cards (联系卡) of the chosen village, in the print folder."""
        village_id = self.village_box.currentData()
        village = next(v for v in self.workspace.villages() if v.id == village_id)
        out = self.workspace.data_dir / "print" / f"联系卡-{village.name}.pdf"
        out.parent.mkdir(parents=True, exist_ok=True)
        return write_contact_cards(village, self.workspace.cadres(village_id), out)

    @Slot()
    def print_contact_cards(self) -> None:
        try:
            path = self.contact_cards_pdf()
            preview = PdfPreviewDialog(path, path.stem, self)
        except Exception as exc:
            show_error(self, exc, "无法生成联系卡")
            return
        preview.exec()

    def write_workbook(self, out: Path, progress=None) -> str:  # type: ignore[no-untyped-def]
        """The chosen month's upward report as an Excel workbook (runs in the background)."""
        report = self.workspace.report(
            month=self.month_box.currentData(), village_ids=[self.village_box.currentData()]
        )
        return write_report_workbook(report, out, progress)

    @Slot()
    def export_workbook(self) -> None:
        month = self.month_box.currentData()
        default = str(Path.home() / f"上报工作簿-{self.village_box.currentText()}-{month}.xlsx")
        target, _ = QFileDialog.getSaveFileName(self, "导出上报工作簿", default, "Excel 工作簿 (*.xlsx)")
        if not target:
            return
        out = Path(target)
        run_in_background(
            self,
            "正在导出上报工作簿……",
            lambda progress: self.write_workbook(out, progress),
            lambda _digest: show_info(self, f"已导出：{out}\n可用U盘或微信发给乡镇。"),
            lambda exc: show_error(self, exc, "导出失败"),
        )
