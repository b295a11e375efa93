"""Placeholder until this screen is built (being written now)."""

from PySide6.QtWidgets import QDialog, QWidget


class SetupDialog(QDialog if "SetupDialog".endswith("Dialog") else QWidget):  # type: ignore[misc]
    created_item_id = None

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__()

    def refresh(self) -> None:
        pass
