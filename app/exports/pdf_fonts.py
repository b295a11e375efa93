"""The bundled Chinese font for reportlab, registered once per process and embedded in every PDF.

reportlab's built-in `STSong-Light` is not embedded and shows boxes on a machine without a Chinese
font, and the Noto/Source Han files have CFF outlines that `TTFont` refuses; WenQuanYi Micro Hei
(face 0 of the bundled .ttc) has TrueType outlines and every GBK hanzi, so it is the one we use.
"""

import threading

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from app.errors import DomainError
from app.resources import resource_path

CJK_FONT = "WenQuanYiMicroHei"
FONT_FILE = ("fonts", "wqy-microhei.ttc")

_lock = threading.Lock()


def register_cjk_font() -> str:
    """Register the bundled font with reportlab (once) and return its name for paragraph styles."""
    with _lock:
        if CJK_FONT in pdfmetrics.getRegisteredFontNames():
            return CJK_FONT
        path = resource_path(*FONT_FILE)
        if not path.is_file():
            raise DomainError(f"缺少中文字体文件：{path}，请重新安装本软件")
        pdfmetrics.registerFont(TTFont(CJK_FONT, str(path), subfontIndex=0))
        # One face only: <b> and <i> in paragraph markup map back to it instead of failing.
        for bold in (0, 1):
            for italic in (0, 1):
                addMapping(CJK_FONT, bold, italic, CJK_FONT)
        return CJK_FONT
