"""The app's two Teams icons, drawn in pure Python so they can be regenerated without Pillow.

The mark is a speech bubble (dialogue) with a heart cut out of it (wellbeing). The same geometry
gives the 192x192 colour icon (white mark on the accent colour) and the 32x32 outline icon (white
mark on transparent). Run ``python -m manifest.icons`` to rewrite ``color.png`` and ``outline.png``;
the output is deterministic, so the committed files only change when the drawing does.
"""

from __future__ import annotations

import struct
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

MANIFEST_DIR = Path(__file__).resolve().parent
ACCENT_RGB = (0x2B, 0x7A, 0x78)  # keep equal to accentColor in manifest.template.json
WHITE = (0xFF, 0xFF, 0xFF)
COLOR_SIZE = 192
OUTLINE_SIZE = 32

Mask = Callable[[float, float], bool]


def png_bytes(width: int, height: int, rows: list[bytes], *, alpha: bool) -> bytes:
    """Encode 8-bit RGB or RGBA rows as a PNG (filter 0, fixed compression: reproducible)."""
    channels = 4 if alpha else 3
    for row in rows:
        if len(row) != width * channels:
            raise ValueError("row length does not match width and colour type")
    if len(rows) != height:
        raise ValueError("number of rows does not match height")

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    colour_type = 6 if alpha else 2
    ihdr = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    raw = b"".join(b"\x00" + row for row in rows)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def _in_rounded_rect(
    x: float, y: float, left: float, top: float, right: float, bottom: float, r: float
) -> bool:
    if not (left <= x <= right and top <= y <= bottom):
        return False
    cx = min(max(x, left + r), right - r)
    cy = min(max(y, top + r), bottom - r)
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r


def _in_triangle(
    x: float, y: float, a: tuple[float, float], b: tuple[float, float], c: tuple[float, float]
) -> bool:
    def side(p: tuple[float, float], q: tuple[float, float]) -> float:
        return (q[0] - p[0]) * (y - p[1]) - (q[1] - p[1]) * (x - p[0])

    d1, d2, d3 = side(a, b), side(b, c), side(c, a)
    has_neg = d1 < 0 or d2 < 0 or d3 < 0
    has_pos = d1 > 0 or d2 > 0 or d3 > 0
    return not (has_neg and has_pos)


def _in_heart(x: float, y: float, cx: float, cy: float, half_width: float) -> bool:
    # The classic implicit heart (x²+y²-1)³ - x²y³ ≤ 0 spans about ±1.14 across; y points up.
    s = half_width / 1.14
    hx = (x - cx) / s
    hy = -(y - cy) / s + 0.15
    return (hx * hx + hy * hy - 1.0) ** 3 - hx * hx * hy**3 <= 0.0


def mark(x: float, y: float) -> bool:
    """True where the white mark is, in a unit box with y pointing down."""
    bubble = _in_rounded_rect(x, y, 0.0, 0.0, 1.0, 0.76, 0.2) or _in_triangle(
        x, y, (0.18, 0.6), (0.46, 0.6), (0.12, 1.0)
    )
    return bubble and not _in_heart(x, y, 0.5, 0.38, 0.25)


def coverage(size: int, margin: float, shape: Mask = mark, samples: int = 4) -> list[list[float]]:
    """Fraction of each pixel covered by the shape (supersampled, so edges are smooth)."""
    inner = size * (1.0 - 2.0 * margin)
    offset = size * margin
    step = 1.0 / samples
    grid: list[list[float]] = []
    for py in range(size):
        row: list[float] = []
        for px in range(size):
            hits = 0
            for sy in range(samples):
                y = (py + (sy + 0.5) * step - offset) / inner
                for sx in range(samples):
                    x = (px + (sx + 0.5) * step - offset) / inner
                    if shape(x, y):
                        hits += 1
            row.append(hits / (samples * samples))
        grid.append(row)
    return grid


def color_icon() -> bytes:
    """192x192 full-colour icon: the white mark inside Teams' safe area on the accent colour."""
    rows = []
    for line in coverage(COLOR_SIZE, margin=0.2):
        row = bytearray()
        for c in line:
            row.extend(round(bg + (fg - bg) * c) for bg, fg in zip(ACCENT_RGB, WHITE, strict=True))
        rows.append(bytes(row))
    return png_bytes(COLOR_SIZE, COLOR_SIZE, rows, alpha=False)


def outline_icon() -> bytes:
    """32x32 outline icon: only white, with the shape carried by the alpha channel as Teams asks."""
    rows = []
    for line in coverage(OUTLINE_SIZE, margin=1.5 / OUTLINE_SIZE):
        row = bytearray()
        for c in line:
            row.extend((*WHITE, round(255 * c)))
        rows.append(bytes(row))
    return png_bytes(OUTLINE_SIZE, OUTLINE_SIZE, rows, alpha=True)


def write_icons(out_dir: Path = MANIFEST_DIR) -> tuple[Path, Path]:
    """Write color.png and outline.png into out_dir and return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    color, outline = out_dir / "color.png", out_dir / "outline.png"
    color.write_bytes(color_icon())
    outline.write_bytes(outline_icon())
    return color, outline


if __name__ == "__main__":
    for path in write_icons(Path(sys.argv[1]) if len(sys.argv) > 1 else MANIFEST_DIR):
        print(path)
