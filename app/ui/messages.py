"""Chinese message boxes: errors from the services shown as they are, never a traceback."""

from PySide6.QtWidgets import QMessageBox, QWidget

from app.errors import DomainError


def error_text(exc: BaseException) -> str:
    if isinstance(exc, DomainError):
        return exc.message
    return f"操作没有完成，数据未作更改。\n原因：{type(exc).__name__}: {exc}"


def show_error(parent: QWidget | None, exc: BaseException, title: str = "无法保存") -> None:
    QMessageBox.warning(parent, title, error_text(exc))


def show_info(parent: QWidget | None, text: str, title: str = "提示") -> None:
    QMessageBox.information(parent, title, text)


def confirm(parent: QWidget | None, text: str, title: str = "请确认") -> bool:
    answer = QMessageBox.question(parent, title, text)
    return answer == QMessageBox.StandardButton.Yes
