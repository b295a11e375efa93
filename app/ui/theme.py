"""The bundled Chinese font and the three text sizes (标准 / 大 / 特大), applied to the whole app."""

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from app.resources import resource_path

TEXT_SIZES = {"标准": 12, "大": 15, "特大": 18}
DEFAULT_SIZE = "大"
_family: str | None = None


def register_font() -> str:
    """Register WenQuanYi Micro Hei once; returns its family name (a fallback if it cannot load)."""
    global _family
    if _family is None:
        font_id = QFontDatabase.addApplicationFont(str(resource_path("fonts", "wqy-microhei.ttc")))
        families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
        _family = families[0] if families else "Sans Serif"
    return _family


def apply_text_size(app: QApplication, size_name: str) -> None:
    points = TEXT_SIZES.get(size_name, TEXT_SIZES[DEFAULT_SIZE])
    font = QFont(register_font(), points)
    app.setFont(font)
    app.setStyleSheet(_style(points))


def _style(points: int) -> str:
    pad = max(points // 3, 4)
    return f"""
    QTableView {{ gridline-color: #d0d7de; selection-background-color: #cfe3ff;
                 selection-color: #1a1a1a; }}
    QHeaderView::section {{ background: #eef2f7; padding: {pad}px; border: 0;
                           border-right: 1px solid #d0d7de; font-weight: bold; }}
    QPushButton {{ padding: {pad}px {pad * 2}px; }}
    QPushButton[primary="true"] {{ background: #c0392b; color: white; border-radius: 4px;
                                  font-weight: bold; }}
    QPushButton[primary="true"]:disabled {{ background: #e6b8b3; color: #fbeeee; }}
    QListWidget#nav {{ background: #8e1b1b; color: white; border: 0; }}
    QListWidget#nav::item {{ padding: {pad * 2}px {pad}px; }}
    QListWidget#nav::item:selected {{ background: #f6e3c5; color: #8e1b1b; font-weight: bold; }}
    QLabel[role="title"] {{ font-size: {points + 6}pt; font-weight: bold; color: #8e1b1b; }}
    QLabel[role="hint"] {{ color: #5f6b7a; }}
    QLabel[role="error"] {{ color: #b00020; }}
    QFrame[card="true"] {{ border: 1px solid #d0d7de; border-radius: 6px; background: white; }}
    """
