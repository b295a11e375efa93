"""设置 › 台账与分类: the ledgers and their categories; add a category or a county's own ledger."""

from PySide6.QtCore import Slot
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QPlainTextEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.services.config_files import suggest_code
from app.services.errors import DomainError
from app.services.workspace import Workspace
from app.ui.messages import show_error, show_info
from app.ui.settings_common import (
    SaveCallback,
    check_required,
    complain,
    error_label,
    hint_label,
    primary_button,
    set_error,
)

RULE_HINT = "台账和分类只能增加，不能删除或改名：已经登记的事项在使用它们。"
CODE_HINT = "2到4个大写英文字母，用在事项编号里；填好名称后会自动给出，可以修改。"
CATEGORY_HINT = "每行写一个分类，如：\n学习教育\n生活照料\n安全监护"
RESTART_NOTE = "新台账“{name}”已建好。重新打开本程序后，左侧菜单会出现它的页面。"


class LedgersTab(QWidget):
    def __init__(self, workspace: Workspace, on_saved: SaveCallback, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.workspace, self._on_saved = workspace, on_saved
        self._code_typed = False
        self._build()
        self.refresh()

    def _build(self) -> None:
        layout = QHBoxLayout(self)
        left = QVBoxLayout()
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["台账 / 分类", "代码"])
        self.tree.setColumnWidth(0, 360)
        left.addWidget(self.tree, 1)
        left.addWidget(hint_label(RULE_HINT))
        layout.addLayout(left, 1)
        right = QVBoxLayout()
        right.addWidget(self._build_add_category())
        right.addWidget(self._build_add_ledger())
        right.addStretch(1)
        layout.addLayout(right, 1)

    def _build_add_category(self) -> QGroupBox:
        box = QGroupBox("给台账增加分类")
        form = QFormLayout(box)
        self.ledger_box = QComboBox()
        self.category_edit = QLineEdit(placeholderText="如：饮水安全")
        self.category_error = error_label()
        self.category_button = primary_button("增加分类")
        self.category_button.clicked.connect(self.add_category)
        self.category_edit.returnPressed.connect(self.add_category)
        form.addRow("台账", self.ledger_box)
        form.addRow("分类名称＊", self.category_edit)
        form.addRow("", self.category_error)
        form.addRow("", self.category_button)
        return box

    def _build_add_ledger(self) -> QGroupBox:
        box = QGroupBox("新增台账（县里自己的台账，如留守儿童台账）")
        form = QFormLayout(box)
        self.name_edit = QLineEdit(placeholderText="如：留守儿童台账")
        self.name_error = error_label()
        self.code_edit = QLineEdit(placeholderText="如：LSET")
        self.code_edit.setMaxLength(4)
        self.code_error = error_label()
        self.categories_edit = QPlainTextEdit(placeholderText=CATEGORY_HINT)
        self.categories_edit.setTabChangesFocus(True)
        self.categories_edit.setMinimumHeight(120)
        self.categories_error = error_label()
        self.ledger_button = primary_button("新增台账")
        self.ledger_button.clicked.connect(self.add_ledger)
        self.name_edit.textEdited.connect(self._suggest_code)
        self.code_edit.textEdited.connect(self._code_edited)
        form.addRow("台账名称＊", self.name_edit)
        form.addRow("", self.name_error)
        form.addRow("代码＊", self.code_edit)
        form.addRow("", hint_label(CODE_HINT))
        form.addRow("", self.code_error)
        form.addRow("分类＊", self.categories_edit)
        form.addRow("", self.categories_error)
        form.addRow("", self.ledger_button)
        return box

    # loading
    @Slot()
    def refresh(self) -> None:
        chosen = self.ledger_box.currentData()
        self.tree.clear()
        self.ledger_box.clear()
        bold = QFont(self.font())
        bold.setBold(True)
        for ledger in self.workspace.ledgers():
            top = QTreeWidgetItem([ledger.name, ledger.code])
            top.setFont(0, bold)
            for name in self.workspace.categories(ledger.key):
                top.addChild(QTreeWidgetItem([name, ""]))
            self.tree.addTopLevelItem(top)
            self.ledger_box.addItem(ledger.name, ledger.key)
        self.tree.expandAll()
        self.ledger_box.setCurrentIndex(max(self.ledger_box.findData(chosen), 0))

    def is_dirty(self) -> bool:
        return False  # the forms keep their text across a refresh

    @Slot(str)
    def _suggest_code(self, name: str) -> None:
        if not self._code_typed:
            taken = [spec.code for spec in self.workspace.settings.ledgers.ledgers]
            self.code_edit.setText(suggest_code(name, taken) if name.strip() else "")

    @Slot(str)
    def _code_edited(self, text: str) -> None:
        self._code_typed = bool(text)
        upper = text.upper()
        if upper != text:
            self.code_edit.setText(upper)

    # changes
    @Slot()
    def add_category(self) -> None:
        key = self.ledger_box.currentData()
        problem = check_required([("分类名称", self.category_edit, self.category_error)])
        if key is None or complain(self, problem):
            return
        name = self.category_edit.text().strip()
        try:
            self.workspace.add_category(key, name)
        except DomainError as exc:
            set_error(self.category_error, exc.message)
            complain(self, (exc.message, self.category_edit))
            return
        except Exception as exc:  # shown in Chinese; the file was not replaced
            show_error(self, exc)
            return
        self.category_edit.clear()
        self.refresh()
        self._on_saved(f"已给“{self.ledger_box.currentText()}”增加分类“{name}”")

    def _categories(self) -> list[str]:
        return [line.strip() for line in self.categories_edit.toPlainText().splitlines() if line.strip()]

    @Slot()
    def add_ledger(self) -> None:
        problems = [
            check_required([("台账名称", self.name_edit, self.name_error)]),
            check_required([("台账代码", self.code_edit, self.code_error)]),
        ]
        no_categories = "" if self._categories() else "请至少填写一个分类（每行一个）"
        set_error(self.categories_error, no_categories)
        problems.append((no_categories, self.categories_edit) if no_categories else None)
        if complain(self, next((p for p in problems if p), None)):
            return
        name = self.name_edit.text().strip()
        try:
            self.workspace.add_ledger(
                key="", name=name, code=self.code_edit.text().strip(), categories=self._categories()
            )
        except Exception as exc:  # shown in Chinese; the file was not replaced
            show_error(self, exc)
            return
        for edit in (self.name_edit, self.code_edit):
            edit.clear()
        self.categories_edit.clear()
        self._code_typed = False
        self.refresh()
        self._on_saved(f"已新增台账“{name}”，重新打开程序后左侧菜单会出现它")
        show_info(self, RESTART_NOTE.format(name=name), "新增台账")
