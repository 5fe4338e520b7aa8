"""The MED document as a Word file the MED secretary can edit: Word's own headings, lists and
tables (so the navigation pane and styles work), the charts as pictures.

Text goes in as runs of plain text, never as markup, so a comment or unit name is only ever text.
"""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from bot.documents.charts import as_png, bar_chart, line_chart
from dialogs.documents.layout import (
    BarChart,
    Bullets,
    DocumentLayout,
    Heading,
    LineChart,
    Paragraph,
    Quote,
    Table,
)

PAGE_WIDTH = Cm(21.0)
PAGE_HEIGHT = Cm(29.7)
MARGIN = Cm(2.0)
TEXT_WIDTH_PT = (21.0 - 4.0) / 2.54 * 72  # the line, in points (charts are laid out in points)
NOTE = RGBColor(0x5F, 0x67, 0x70)
WARNING = RGBColor(0x9C, 0x3D, 0x00)
QUOTE_BORDER = "2F6B9A"


def _language(document: Any, tag: str) -> None:
    """Mark the text's language, so Word checks Danish spelling as Danish."""
    properties = document.styles["Normal"].element.get_or_add_rPr()
    lang = properties.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        properties.append(lang)
    lang.set(qn("w:val"), tag)


def _left_border(paragraph: Any) -> None:
    borders = OxmlElement("w:pBdr")
    left = OxmlElement("w:left")
    for key, value in (("val", "single"), ("sz", "18"), ("space", "8"), ("color", QUOTE_BORDER)):
        left.set(qn(f"w:{key}"), value)
    borders.append(left)
    paragraph._p.get_or_add_pPr().append(borders)


def _page_number(paragraph: Any) -> None:
    """A PAGE field, which Word fills in on every page."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _paragraph(document: Any, block: Paragraph) -> None:
    paragraph = document.add_paragraph()
    run = paragraph.add_run(block.text)
    if block.tone == "note":
        run.font.size = Pt(9)
        run.font.color.rgb = NOTE
    elif block.tone == "warning":
        run.font.color.rgb = WARNING


def _table(document: Any, block: Table) -> None:
    table = document.add_table(rows=1 + len(block.rows), cols=len(block.header))
    table.style = document.styles["Light Grid Accent 1"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    numeric = block.numeric or tuple(False for _ in block.header)
    for row_index, values in enumerate((block.header, *block.rows)):
        for column, value in enumerate(values):
            cell = table.cell(row_index, column)
            cell.width = Cm(17.0 * block.widths[column])
            paragraph = cell.paragraphs[0]
            run = paragraph.add_run(value)
            run.font.size = Pt(9)
            run.bold = row_index == 0
            if numeric[column]:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    document.add_paragraph()


def _chart(document: Any, title: str, png: bytes) -> None:
    caption = document.add_paragraph()
    caption.add_run(title).bold = True
    caption.paragraph_format.keep_with_next = True
    document.add_picture(io.BytesIO(png), width=Cm(17.0))


def write_docx(layout: DocumentLayout) -> bytes:
    """The layout as a .docx file's bytes."""
    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.left_margin = section.right_margin = MARGIN
    section.top_margin = section.bottom_margin = MARGIN
    document.styles["Normal"].font.size = Pt(10.5)
    _language(document, layout.language)
    properties = document.core_properties
    properties.title = layout.title
    properties.subject = layout.subtitle
    properties.author = "Trivselsbot"
    properties.language = layout.language
    document.add_heading(layout.title, level=0)
    document.add_paragraph(layout.subtitle, style="Subtitle")
    for block in layout.blocks:
        if isinstance(block, Heading):
            document.add_heading(block.text, level=block.level)
        elif isinstance(block, Paragraph):
            _paragraph(document, block)
        elif isinstance(block, Bullets):
            for item in block.items:
                document.add_paragraph(item, style="List Bullet")
        elif isinstance(block, Quote):
            paragraph = document.add_paragraph(block.text)
            paragraph.paragraph_format.left_indent = Cm(0.4)
            _left_border(paragraph)
        elif isinstance(block, Table):
            _table(document, block)
        elif isinstance(block, BarChart):
            _chart(document, block.title, as_png(bar_chart(block, TEXT_WIDTH_PT)))
        elif isinstance(block, LineChart):
            _chart(document, block.title, as_png(line_chart(block, TEXT_WIDTH_PT)))
    footer = section.footer.paragraphs[0]
    footer.add_run(f"{layout.footer} · {layout.page_label} ").font.size = Pt(8)
    _page_number(footer)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
