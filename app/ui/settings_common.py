"""Small pieces shared by the 设置 tabs and the first-start dialog: roles, labels, field checks."""

from collections.abc import Callable

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QVBoxLayout, QWidget

from app.services.errors import DomainError
from app.services.identity import validate_phone
from app.ui.messages import show_error

ROLES = ("村党支部书记", "村委会主任", "村文书", "村监委会主任", "综治专干")

SaveCallback = Callable[[str], None]  # called with the status-bar text after a successful save


def capped_column(parent_layout: QVBoxLayout | QHBoxLayout, width: int = 860) -> QVBoxLayout:
    """A column at most `width` wide (forms stay readable on a wide screen); returns its layout."""
    body = QWidget()
    body.setMaximumWidth(width)
    column = QVBoxLayout(body)
    column.setContentsMargins(0, 0, 0, 0)
    row = QHBoxLayout()
    row.addWidget(body, 1)
    row.addStretch(0)
    parent_layout.addLayout(row)
    return column


def title_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "title")
    return label


def hint_label(text: str = "") -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "hint")
    label.setWordWrap(True)
    return label


def error_label() -> QLabel:
    label = QLabel()
    label.setProperty("role", "error")
    label.setWordWrap(True)
    label.hide()
    return label


def set_error(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setVisible(bool(text))


def primary_button(text: str) -> QPushButton:
    button = QPushButton(text)
    button.setProperty("primary", True)
    return button


def role_box(current: str = "") -> QComboBox:
    """职务: the usual roles to pick, and any other role can be typed."""
    box = QComboBox()
    box.setEditable(True)
    box.addItems(ROLES)
    box.setCurrentText(current)
    return box


def optional_phone(text: str) -> str:
    """'' for an empty field, else the normalised phone number (DomainError in Chinese if malformed)."""
    return validate_phone(text) if text.strip() else ""


def check_required(fields: list[tuple[str, QLineEdit, QLabel]]) -> tuple[str, QWidget] | None:
    """Mark every empty required field; return the first problem and the widget to focus."""
    first: tuple[str, QWidget] | None = None
    for caption, edit, err in fields:
        message = f"请填写{caption}" if not edit.text().strip() else ""
        set_error(err, message)
        if message and first is None:
            first = (message, edit)
    return first


def check_phone(caption: str, edit: QLineEdit, err: QLabel) -> tuple[str, QWidget] | None:
    try:
        optional_phone(edit.text())
    except DomainError as exc:
        set_error(err, exc.message)
        return f"{caption}：{exc.message}", edit
    set_error(err, "")
    return None


def complain(parent: QWidget, problem: tuple[str, QWidget] | None) -> bool:
    """Show the first problem found before saving and put the cursor there; False if there is none."""
    if problem is None:
        return False
    show_error(parent, DomainError(problem[0]), "还不能保存")
    problem[1].setFocus()
    return True
