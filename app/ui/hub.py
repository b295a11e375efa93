"""The event hub: signals named by intent, passed into every page (no globals)."""

from PySide6.QtCore import QObject, Signal


class EventHub(QObject):
    """Pages emit and listen here; MainWindow wires them in one place."""

    item_changed = Signal(str)  # an item was registered or moved; carries its id
    data_reset = Signal()  # much changed at once (demo, import, settings)
    open_item_requested = Signal(str)
    register_requested = Signal()
    status_message = Signal(str)
