"""The MED document as a PDF to print: A4, the font embedded (bot/documents/fonts.py), the
charts as vector graphics, a footer with the unit, month and page on every page.

reportlab's paragraphs read a small markup language, so every text is escaped before it goes in:
a comment or a unit name is only ever text.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    ListFlowable,
    ListItem,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)
from reportlab.platypus import Paragraph as PdfParagraph
from reportlab.platypus import Table as PdfTable

from bot.documents.charts import as_drawing, bar_chart, line_chart
from bot.documents.fonts import registered_fonts
from dialogs.documents.layout import (
    BarChart,
    Bullets,
    DocumentLayout,
    Heading,
    Paragraph,
    Quote,
    Table,
)

MARGIN = 2 * cm
TEXT_WIDTH = A4[0] - 2 * MARGIN - 12  # the frame keeps 6 pt on each side
ACCENT = colors.HexColor("#2F6B9A")
INK = colors.HexColor("#1F2933")
MUTED = colors.HexColor("#5F6770")
WARNING = colors.HexColor("#9C3D00")
HEADER_FILL = colors.HexColor("#E8EEF4")
RULE = colors.HexColor("#C9D2DC")
QUOTE_FILL = colors.HexColor("#F4F6F9")


class Styles:
    """The document's paragraph styles, in the embedded font."""

    def __init__(self) -> None:
        regular, bold = registered_fonts()
        base = ParagraphStyle("body", fontName=regular, fontSize=10, leading=14, textColor=INK)
        self.body = base
        self.title = ParagraphStyle(
            "title", base, fontName=bold, fontSize=20, leading=25, textColor=ACCENT, spaceAfter=2
        )
        self.subtitle = ParagraphStyle(
            "subtitle", base, fontSize=11, leading=15, textColor=MUTED, spaceAfter=10
        )
        self.headings = {
            1: ParagraphStyle(
                "h1",
                base,
                fontName=bold,
                fontSize=14,
                leading=18,
                textColor=ACCENT,
                spaceBefore=14,
                spaceAfter=6,
                keepWithNext=1,
            ),
            2: ParagraphStyle(
                "h2",
                base,
                fontName=bold,
                fontSize=11.5,
                leading=15,
                spaceBefore=10,
                spaceAfter=4,
                keepWithNext=1,
            ),
            3: ParagraphStyle(
                "h3",
                base,
                fontName=bold,
                fontSize=10,
                leading=14,
                spaceBefore=8,
                spaceAfter=3,
                keepWithNext=1,
            ),
        }
        self.note = ParagraphStyle(
            "note", base, fontSize=8.5, leading=11.5, textColor=MUTED, spaceAfter=6
        )
        self.warning = ParagraphStyle("warning", base, textColor=WARNING, spaceAfter=6)
        self.paragraph = ParagraphStyle("paragraph", base, spaceAfter=6)
        self.cell = ParagraphStyle("cell", base, fontSize=8.5, leading=11)
        self.cell_right = ParagraphStyle("cell_right", self.cell, alignment=TA_RIGHT)
        self.cell_head = ParagraphStyle("cell_head", self.cell, fontName=bold)
        self.cell_head_right = ParagraphStyle("cell_head_right", self.cell_head, alignment=TA_RIGHT)
        self.caption = ParagraphStyle(
            "caption", base, fontName=bold, fontSize=9.5, spaceBefore=4, spaceAfter=2
        )
        self.quote = ParagraphStyle("quote", base, fontSize=9.5, leading=13)


def _text(value: str) -> str:
    return escape(value)


def _table(block: Table, styles: Styles) -> PdfTable:
    numeric = block.numeric or tuple(False for _ in block.header)
    rows = [
        [
            PdfParagraph(_text(value), styles.cell_head_right if numeric[i] else styles.cell_head)
            for i, value in enumerate(block.header)
        ]
    ]
    for values in block.rows:
        rows.append(
            [
                PdfParagraph(_text(value), styles.cell_right if numeric[i] else styles.cell)
                for i, value in enumerate(values)
            ]
        )
    table = PdfTable(rows, colWidths=[TEXT_WIDTH * w for w in block.widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, ACCENT),
                ("LINEBELOW", (0, 1), (-1, -1), 0.4, RULE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _quote(block: Quote, styles: Styles) -> PdfTable:
    box = PdfTable([[PdfParagraph(_text(block.text), styles.quote)]], colWidths=[TEXT_WIDTH])
    box.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), QUOTE_FILL),
                ("LINEBEFORE", (0, 0), (0, -1), 2.5, ACCENT),
                ("LEFTPADDING", (0, 0), (-1, -1), 9),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return box


def _story(layout: DocumentLayout, styles: Styles) -> list[Flowable]:
    story: list[Flowable] = [
        PdfParagraph(_text(layout.title), styles.title),
        PdfParagraph(_text(layout.subtitle), styles.subtitle),
    ]
    heading_last = False
    for block in layout.blocks:
        if isinstance(block, Heading):
            story.append(PdfParagraph(_text(block.text), styles.headings[block.level]))
        elif isinstance(block, Paragraph):
            style = {"note": styles.note, "warning": styles.warning}.get(
                block.tone, styles.paragraph
            )
            story.append(PdfParagraph(_text(block.text), style))
        elif isinstance(block, Bullets):
            items = [ListItem(PdfParagraph(_text(item), styles.paragraph)) for item in block.items]
            # ListFlowable takes ListItems (reportlab wraps the rest); types-reportlab says Flowable
            story.append(ListFlowable(items, bulletType="bullet", start="•", leftIndent=14))  # type: ignore[arg-type]
        elif isinstance(block, Quote):
            story.extend([_quote(block, styles), Spacer(1, 4)])
        elif isinstance(block, Table):
            story.extend([_table(block, styles), Spacer(1, 8)])
        else:
            picture = (
                bar_chart(block, TEXT_WIDTH)
                if isinstance(block, BarChart)
                else line_chart(block, TEXT_WIDTH)
            )
            # A heading just before the chart goes to the chart's page with it.
            heading = [story.pop()] if story and heading_last else []
            figure = [PdfParagraph(_text(block.title), styles.caption), as_drawing(picture)]
            story.append(KeepTogether([*heading, *figure, Spacer(1, 8)]))
        heading_last = isinstance(block, Heading)
    return story


def write_pdf(layout: DocumentLayout) -> bytes:
    """The layout as a PDF file's bytes."""
    regular, _ = registered_fonts()
    styles = Styles()
    buffer = io.BytesIO()

    def footer(canvas: Canvas, document: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setStrokeColor(RULE)
        canvas.setLineWidth(0.5)
        left, right = MARGIN + 6, A4[0] - MARGIN - 6  # where the frame puts the text
        canvas.line(left, 1.5 * cm, right, 1.5 * cm)
        canvas.setFont(regular, 8)
        canvas.setFillColor(MUTED)
        canvas.drawString(left, 1.1 * cm, layout.footer)
        canvas.drawRightString(right, 1.1 * cm, f"{layout.page_label} {document.page}")
        canvas.restoreState()

    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=2.2 * cm,
        title=layout.title,
        subject=layout.subtitle,
        author="Trivselsbot",
        creator="Trivselsbot",
        lang=layout.language,
        invariant=True,
    )
    document.build(_story(layout, styles), onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
