"""The font the PDF embeds and the chart pictures are drawn with: DejaVu Sans, which has æ, ø, å
and most of the letters people write comments in.

Debian's fonts-dejavu-core provides it (the Makefile's APT_PACKAGES); without it the Bitstream
Vera fonts that ship inside reportlab are used, the design DejaVu grew from (Latin-1 only, so
æ ø å still print). The DOCX names no font of its own: Word uses the MED secretary's.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import reportlab
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
REGULAR = "DocSans"  # the names the PDF and the charts use, whichever files are behind them
BOLD = "DocSans-Bold"


@dataclass(frozen=True)
class FontFiles:
    family: str
    regular: Path
    bold: Path


@lru_cache(maxsize=1)
def font_files() -> FontFiles:
    regular, bold = DEJAVU / "DejaVuSans.ttf", DEJAVU / "DejaVuSans-Bold.ttf"
    if regular.is_file() and bold.is_file():
        return FontFiles("DejaVu Sans", regular, bold)
    bundled = Path(reportlab.__file__).with_name("fonts")
    return FontFiles("Bitstream Vera Sans", bundled / "Vera.ttf", bundled / "VeraBd.ttf")


@lru_cache(maxsize=1)
def registered_fonts() -> tuple[str, str]:
    """Register the fonts with reportlab once per process; their names for styles and drawings."""
    files = font_files()
    pdfmetrics.registerFont(TTFont(REGULAR, str(files.regular)))
    pdfmetrics.registerFont(TTFont(BOLD, str(files.bold)))
    pdfmetrics.registerFontFamily(
        REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR, boldItalic=BOLD
    )
    return REGULAR, BOLD


def text_width(text: str, size: float, bold: bool = False) -> float:
    """How wide a text is in points, in the fonts charts are drawn with."""
    regular, heavy = registered_fonts()
    return float(pdfmetrics.stringWidth(text, heavy if bold else regular, size))
