"""The document's charts, laid out once and painted twice: as vector shapes in the PDF
(reportlab graphics) and as a PNG for the DOCX (Pillow), so both show the same picture.

Layout is in points with the origin bottom left, as in PDF. Colours are the Okabe–Ito palette,
which people with the common colour vision deficiencies can tell apart, and which still differ
when printed in grey.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Literal

from PIL import Image, ImageDraw, ImageFont
from reportlab.graphics import shapes
from reportlab.lib import colors

from bot.documents.fonts import font_files, registered_fonts, text_width
from dialogs.documents.layout import BarChart, LineChart

BAR = "#2F6B9A"
MARKER = "#D55E00"
INK = "#1F2933"
MUTED = "#6B7480"
GRID = "#D9DEE4"
SERIES = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#56B4E9", "#E69F00", "#000000")
TEXT_SIZE = 8.5
ROW = 19.0
PNG_SCALE = 3  # pixels per point: 216 dpi at the size the picture is placed in the DOCX

Anchor = Literal["start", "middle", "end"]


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    width: float
    height: float
    fill: str


@dataclass(frozen=True)
class Stroke:
    points: tuple[tuple[float, float], ...]
    color: str
    width: float = 1.0


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    radius: float
    fill: str


@dataclass(frozen=True)
class Label:
    x: float
    y: float  # the baseline
    text: str
    anchor: Anchor = "start"
    color: str = INK
    size: float = TEXT_SIZE
    bold: bool = False


Shape = Box | Stroke | Dot | Label


@dataclass(frozen=True)
class Picture:
    width: float
    height: float
    shapes: tuple[Shape, ...]


def fit(text: str, width: float, size: float = TEXT_SIZE) -> str:
    """The text, cut with an ellipsis where it would be wider than `width`."""
    if text_width(text, size) <= width:
        return text
    while text and text_width(text + "…", size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


def _legend(items: list[tuple[str, str, str]], x: float, y: float) -> list[Shape]:
    """Swatches in a row: (kind "box" | "tick" | "line", colour, text)."""
    drawn: list[Shape] = []
    for kind, color, text in items:
        if kind == "box":
            drawn.append(Box(x, y - 1, 10, 7, color))
        elif kind == "tick":
            drawn.append(Stroke(((x + 5, y - 2), (x + 5, y + 8)), color, 2.2))
        else:
            drawn.append(Stroke(((x, y + 2.5), (x + 12, y + 2.5)), color, 2))
            drawn.append(Dot(x + 6, y + 2.5, 2.2, color))
        drawn.append(Label(x + 15, y, text, color=MUTED))
        x += 15 + text_width(text, TEXT_SIZE) + 16
    return drawn


def bar_chart(chart: BarChart, width: float) -> Picture:
    """Horizontal bars 0–100, one per dimension, the score at its end, the baseline as a tick."""
    label_width = width * 0.38
    left, right = label_width + 8, width - 26
    scale = (right - left) / 100
    rows = len(chart.bars)
    axis = 14.0
    height = 18 + rows * ROW + axis
    drawn: list[Shape] = []
    top = height - 18
    for tick in range(0, 101, 25):
        x = left + tick * scale
        drawn.append(Stroke(((x, axis), (x, top)), GRID, 0.6))
        drawn.append(Label(x, axis - 10, str(tick), "middle", MUTED, 7))
    for index, bar in enumerate(chart.bars):
        middle = top - (index + 0.5) * ROW
        drawn.append(Label(label_width, middle - 3, fit(bar.label, label_width - 4), "end"))
        drawn.append(Box(left, middle - 5, max(0.5, bar.value * scale), 10, BAR))
        end = max(bar.value, bar.marker if bar.marker is not None else 0) * scale
        drawn.append(Label(left + end + 5, middle - 3, f"{bar.value:.0f}", bold=True))
        if bar.marker is not None:
            x = left + bar.marker * scale
            drawn.append(Stroke(((x, middle - 8), (x, middle + 8)), MARKER, 2.2))
    legend = [("box", BAR, chart.value_legend)]
    if chart.marker_legend:
        legend.append(("tick", MARKER, chart.marker_legend))
    drawn.extend(_legend(legend, left, height - 11))
    return Picture(width, height, tuple(drawn))


def line_chart(chart: LineChart, width: float) -> Picture:
    """One line per dimension over the rounds (or months), 0–100, a gap where nothing is shown."""
    # Three names a row when they fit, else two (names are not cut unless they must be).
    per_row = 3
    if any(text_width(s.name, TEXT_SIZE) > (width - 36) / 3 - 22 for s in chart.series):
        per_row = 2
    legend_rows = [chart.series[i : i + per_row] for i in range(0, len(chart.series), per_row)]
    legend_height = 14 * len(legend_rows) + 6
    plot_height = 150.0
    bottom, left, right = 18.0, 24.0, width - 12
    height = bottom + plot_height + 8 + legend_height
    drawn: list[Shape] = []
    for tick in range(0, 101, 25):
        y = bottom + tick / 100 * plot_height
        drawn.append(Stroke(((left, y), (right, y)), GRID, 0.6))
        drawn.append(Label(left - 4, y - 3, str(tick), "end", MUTED, 7))
    count = len(chart.labels)
    inset = 18.0 if count > 1 else (right - left) / 2
    step = (right - left - 2 * inset) / max(1, count - 1)
    xs = [left + inset + i * step for i in range(count)]
    for x, label in zip(xs, chart.labels, strict=True):
        drawn.append(
            Label(x, bottom - 12, fit(label, max(step, 40) - 4, 7.5), "middle", MUTED, 7.5)
        )
    for index, series in enumerate(chart.series):
        color = SERIES[index % len(SERIES)]
        run: list[tuple[float, float]] = []
        points = [
            (x, bottom + value / 100 * plot_height) if value is not None else None
            for x, value in zip(xs, series.values, strict=True)
        ]
        for point in [*points, None]:
            if point is None:
                if len(run) > 1:
                    drawn.append(Stroke(tuple(run), color, 1.8))
                run = []
            else:
                run.append(point)
        drawn.extend(Dot(p[0], p[1], 2.6, color) for p in points if p is not None)
    y = height - 12
    column = (right - left) / per_row
    for row in legend_rows:
        for offset, series in enumerate(row):
            color = SERIES[chart.series.index(series) % len(SERIES)]
            x = left + offset * column
            drawn.append(Stroke(((x, y + 2.5), (x + 12, y + 2.5)), color, 2))
            drawn.append(Dot(x + 6, y + 2.5, 2.2, color))
            drawn.append(Label(x + 16, y, fit(series.name, column - 22), color=INK))
        y -= 14
    return Picture(width, height, tuple(drawn))


# --- painters -----------------------------------------------------------------------------------


def as_drawing(picture: Picture) -> shapes.Drawing:
    """The picture as reportlab vector graphics (a flowable in the PDF)."""
    regular, bold = registered_fonts()
    drawing = shapes.Drawing(picture.width, picture.height)
    for shape in picture.shapes:
        if isinstance(shape, Box):
            drawing.add(
                shapes.Rect(
                    shape.x,
                    shape.y,
                    shape.width,
                    shape.height,
                    # types-reportlab annotates `**kw` with the TypedDict itself, not Unpack of it
                    fillColor=colors.HexColor(shape.fill),  # type: ignore[arg-type]
                    strokeColor=None,  # type: ignore[arg-type]
                )
            )
        elif isinstance(shape, Stroke):
            flat = [value for point in shape.points for value in point]
            drawing.add(
                shapes.PolyLine(
                    flat, strokeColor=colors.HexColor(shape.color), strokeWidth=shape.width
                )
            )
        elif isinstance(shape, Dot):
            drawing.add(
                shapes.Circle(
                    shape.x,
                    shape.y,
                    shape.radius,
                    fillColor=colors.HexColor(shape.fill),
                    strokeColor=colors.white,
                    strokeWidth=0.6,
                )
            )
        else:
            drawing.add(
                shapes.String(
                    shape.x,
                    shape.y,
                    shape.text,
                    fontName=bold if shape.bold else regular,
                    fontSize=shape.size,
                    fillColor=colors.HexColor(shape.color),
                    textAnchor=shape.anchor,
                )
            )
    return drawing


_PIL_ANCHORS = {"start": "ls", "middle": "ms", "end": "rs"}


def as_png(picture: Picture, scale: int = PNG_SCALE) -> bytes:
    """The picture as a PNG, `scale` pixels per point (for the DOCX, which takes no vectors)."""
    files = font_files()
    fonts: dict[tuple[float, bool], ImageFont.FreeTypeFont] = {}
    image = Image.new("RGB", (round(picture.width * scale), round(picture.height * scale)), "white")
    draw = ImageDraw.Draw(image)

    def at(x: float, y: float) -> tuple[float, float]:
        return x * scale, (picture.height - y) * scale

    for shape in picture.shapes:
        if isinstance(shape, Box):
            x0, y1 = at(shape.x, shape.y)
            x1, y0 = at(shape.x + shape.width, shape.y + shape.height)
            draw.rectangle((x0, y0, x1, y1), fill=shape.fill)
        elif isinstance(shape, Stroke):
            draw.line(
                [at(x, y) for x, y in shape.points],
                fill=shape.color,
                width=max(1, round(shape.width * scale)),
                joint="curve",
            )
        elif isinstance(shape, Dot):
            x, y = at(shape.x, shape.y)
            r = shape.radius * scale
            draw.ellipse((x - r, y - r, x + r, y + r), fill=shape.fill, outline="white")
        else:
            key = (shape.size, shape.bold)
            if key not in fonts:
                path = files.bold if shape.bold else files.regular
                fonts[key] = ImageFont.truetype(str(path), round(shape.size * scale))
            draw.text(
                at(shape.x, shape.y),
                shape.text,
                fill=shape.color,
                font=fonts[key],
                anchor=_PIL_ANCHORS[shape.anchor],
            )
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True, dpi=(72 * scale, 72 * scale))
    return buffer.getvalue()
