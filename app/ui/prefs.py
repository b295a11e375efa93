"""What the app remembers between runs (window, column widths, text size) via QSettings."""

from PySide6.QtCore import QByteArray, QSettings


class Prefs:
    def __init__(self, path: str | None = None) -> None:
        self._s = QSettings(path, QSettings.Format.IniFormat) if path else QSettings("taizhang", "taizhang")

    def text_size(self) -> str:
        return str(self._s.value("ui/text_size", "大"))

    def set_text_size(self, name: str) -> None:
        self._s.setValue("ui/text_size", name)

    def actor(self) -> str:
        return str(self._s.value("ui/actor", ""))

    def set_actor(self, name: str) -> None:
        self._s.setValue("ui/actor", name)

    def blob(self, key: str) -> QByteArray | None:
        value = self._s.value(key)
        return value if isinstance(value, QByteArray) else None

    def set_blob(self, key: str, value: QByteArray) -> None:
        self._s.setValue(key, value)

    def sync(self) -> None:
        self._s.sync()
