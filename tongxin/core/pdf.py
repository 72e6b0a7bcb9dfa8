"""What every PDF the system prints (certificates, donation receipts) shares: a font that draws Chinese."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
)


def cjk_font() -> str:
    """The name of a registered reportlab font that draws Chinese: an embedded TTF/TTC if one is
    installed (settings.TONGXIN_PDF_FONT first), else the built-in CID font STSong-Light."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFont

    if "TongxinCJK" in pdfmetrics.getRegisteredFontNames():
        return "TongxinCJK"
    configured = getattr(settings, "TONGXIN_PDF_FONT", "")
    for candidate in ([configured] if configured else []) + list(FONT_CANDIDATES):
        if candidate and Path(candidate).is_file():
            try:
                pdfmetrics.registerFont(TTFont("TongxinCJK", candidate, subfontIndex=0))
                return "TongxinCJK"
            except Exception:  # noqa: BLE001  # an unreadable font: try the next, then the built-in one
                continue
    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"
