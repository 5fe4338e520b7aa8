"""A document as a list of blocks in the reader's language, for any file format to write.

Every text here is plain text, already in the reader's language: a writer escapes it for its
format and adds no words of its own, so the DOCX and the PDF say the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Tone = Literal["body", "note", "warning"]


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1  # 1: a section, 2: a part of one


@dataclass(frozen=True)
class Paragraph:
    text: str
    tone: Tone = "body"  # note: small and grey; warning: what is hidden, and why


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True)
class Quote:
    """Someone's own words (an anonymous comment): one block each, plain text, nothing added."""

    text: str


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...]  # shares of the line, adding up to 1
    numeric: tuple[bool, ...] = ()  # columns aligned right


@dataclass(frozen=True)
class Bar:
    label: str
    value: float  # 0–100
    marker: float | None = None  # the baseline, drawn as a tick on the bar's line


@dataclass(frozen=True)
class BarChart:
    title: str
    bars: tuple[Bar, ...]
    value_legend: str  # what the bars are
    marker_legend: str | None = None  # what the ticks are (None: there are none)


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | None, ...]  # one per label; None: not shown at that point


@dataclass(frozen=True)
class LineChart:
    title: str
    labels: tuple[str, ...]
    series: tuple[Series, ...]


Block = Heading | Paragraph | Bullets | Quote | Table | BarChart | LineChart


@dataclass(frozen=True)
class DocumentLayout:
    title: str
    subtitle: str
    footer: str  # every page; the writer adds the page number after it
    page_label: str  # "Side" / "Page"
    language: str  # BCP 47, for spell checkers and screen readers ("da-DK")
    file_stem: str  # a file name without suffix, in the reader's language
    blocks: tuple[Block, ...]

    def text(self) -> str:
        """Every word of the document, in order (what a test or a search reads)."""
        parts = [self.title, self.subtitle]
        for block in self.blocks:
            if isinstance(block, Heading | Paragraph | Quote):
                parts.append(block.text)
            elif isinstance(block, Bullets):
                parts.extend(block.items)
            elif isinstance(block, Table):
                parts.extend(" ".join(row) for row in (block.header, *block.rows))
            elif isinstance(block, BarChart):
                parts.append(block.title)
                parts.extend(f"{bar.label} {bar.value:.0f}" for bar in block.bars)
            else:
                parts.append(block.title)
                parts.extend(series.name for series in block.series)
        return "\n".join(parts)
