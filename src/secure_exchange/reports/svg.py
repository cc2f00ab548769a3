"""Tiny inline-SVG chart helpers for self-contained HTML reports (no scripts, no network).

Every chart is one ``<svg>`` element with ``xmlns``, a ``viewBox`` and a ``<title>``; it
scales to its container through CSS. All text and attribute values are escaped, so a
label such as ``<script>`` is drawn as text. Sizes are in user units (about pixels).
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "Bar",
    "Segment",
    "StackedRow",
    "escape",
    "gauge",
    "hbar",
    "histogram",
    "meter",
    "stacked_hbar",
    "text_width",
    "vbar",
]

FONT = 13
INK = "#1f2a37"
MUTED = "#667085"
GRID = "#e4e7ec"
TRACK = "#eef1f5"
ACCENT = "#1f5f99"


@dataclass(frozen=True)
class Bar:
    """One bar: its label, its value, the text drawn at its end and an optional colour."""

    label: str
    value: int
    text: str = ""
    color: str = ""


@dataclass(frozen=True)
class Segment:
    """One series of a stacked chart: legend label and colour."""

    label: str
    color: str
    text_color: str = "#ffffff"


@dataclass(frozen=True)
class StackedRow:
    """One stacked bar: label, one value per segment, text drawn after the bar."""

    label: str
    values: tuple[int, ...]
    note: str = ""


def escape(text: object) -> str:
    """Escape text for HTML/XML content and attribute values."""
    return html.escape(str(text), quote=True)


def text_width(text: str, size: float = FONT) -> float:
    """Rough rendered width: wide (CJK) characters 1 em, others about 0.6 em."""
    wide = sum(1 for ch in text if unicodedata.east_asian_width(ch) in "WF")
    return (wide + 0.6 * (len(text) - wide)) * size


def _f(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _svg(width: float, height: float, title: str, body: list[str]) -> str:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {_f(width)} {_f(height)}" width="{_f(width)}" height="{_f(height)}" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
    )
    return head + "".join(body) + "</svg>"


def _text(
    x: float,
    y: float,
    text: str,
    *,
    anchor: str = "start",
    fill: str = INK,
    size: float = FONT,
    weight: str = "normal",
) -> str:
    bold = ' font-weight="bold"' if weight != "normal" else ""
    return (
        f'<text x="{_f(x)}" y="{_f(y)}" text-anchor="{anchor}" fill="{fill}" '
        f'font-size="{_f(size)}"{bold}>{escape(text)}</text>'
    )


def _rect(
    x: float, y: float, w: float, h: float, fill: str, *, tip: str = "", rx: float = 2
) -> str:
    title = f"<title>{escape(tip)}</title>" if tip else ""
    return (
        f'<rect x="{_f(x)}" y="{_f(y)}" width="{_f(w)}" height="{_f(h)}" rx="{_f(rx)}" '
        f'fill="{fill}">{title}</rect>'
    )


def _scale(length: float, value: int, top: int) -> float:
    """Length of a bar for ``value`` on a ``top`` scale; a non-zero value stays visible."""
    if value <= 0 or top <= 0:
        return 0.0
    return max(length * value / top, 2.0)


def hbar(
    bars: Sequence[Bar], *, title: str, width: float = 880, color: str = ACCENT, row: float = 26
) -> str:
    """Horizontal bars, one per row, label on the left and ``text`` after the bar."""
    label_w = max([text_width(b.label) for b in bars] + [40.0]) + 12
    text_w = max([text_width(b.text or str(b.value)) for b in bars] + [30.0]) + 10
    length = max(width - label_w - text_w, 60.0)
    top = max([b.value for b in bars] + [0])
    body: list[str] = []
    for i, b in enumerate(bars):
        y = 6 + i * row
        w = _scale(length, b.value, top)
        body.append(_text(label_w - 8, y + row * 0.62, b.label, anchor="end"))
        if w:
            body.append(
                _rect(
                    label_w,
                    y + 4,
                    w,
                    row - 10,
                    b.color or color,
                    tip=f"{b.label}: {b.text or b.value}",
                )
            )
        body.append(_text(label_w + w + 6, y + row * 0.62, b.text or str(b.value), fill=MUTED))
    return _svg(width, 12 + row * len(bars), title, body)


def vbar(
    bars: Sequence[Bar],
    *,
    title: str,
    width: float = 880,
    height: float = 240,
    color: str = ACCENT,
    gap: float = 0.25,
    marker: int | None = None,
    marker_text: str = "",
) -> str:
    """Vertical bars, ``text`` above each and labels below; ``marker`` highlights one slot."""
    top_pad, bottom_pad, side = 26.0, 30.0, 10.0
    plot_h = height - top_pad - bottom_pad
    slot = (width - 2 * side) / max(len(bars), 1)
    top = max([b.value for b in bars] + [0])
    base = top_pad + plot_h
    body = [
        f'<line x1="{_f(side)}" y1="{_f(base)}" x2="{_f(width - side)}" y2="{_f(base)}" '
        f'stroke="{GRID}" stroke-width="1"/>'
    ]
    for i, b in enumerate(bars):
        x = side + i * slot
        h = _scale(plot_h, b.value, top)
        fill = b.color or color
        if marker is not None and i == marker:
            body.append(_rect(x + 1, top_pad - 4, slot - 2, plot_h + 4, TRACK, rx=3))
            body.append(
                _text(x + slot / 2, top_pad + 10, marker_text, anchor="middle", fill=MUTED, size=11)
            )
        if h:
            body.append(
                _rect(
                    x + slot * gap / 2,
                    base - h,
                    slot * (1 - gap),
                    h,
                    fill,
                    tip=f"{b.label}: {b.text or b.value}",
                )
            )
        body.append(
            _text(
                x + slot / 2,
                base - h - 6,
                b.text or str(b.value),
                anchor="middle",
                fill=INK if b.value else MUTED,
                size=12,
            )
        )
        body.append(_text(x + slot / 2, base + 18, b.label, anchor="middle", fill=MUTED, size=12))
    return _svg(width, height, title, body)


def histogram(
    bands: Sequence[Bar],
    *,
    title: str,
    width: float = 880,
    height: float = 240,
    color: str = ACCENT,
) -> str:
    """A histogram: ``vbar`` with adjacent bars, one per band (already counted)."""
    return vbar(bands, title=title, width=width, height=height, color=color, gap=0.06)


def _legend(segments: Sequence[Segment], y: float) -> list[str]:
    body: list[str] = []
    x = 0.0
    for seg in segments:
        body.append(_rect(x, y - 10, 12, 12, seg.color))
        body.append(_text(x + 17, y, seg.label, size=12))
        x += 17 + text_width(seg.label, 12) + 22
    return body


def _stack(
    row: StackedRow, segments: Sequence[Segment], x0: float, y: float, h: float, unit: float
) -> tuple[list[str], float]:
    body: list[str] = []
    x = x0
    for seg, value in zip(segments, row.values, strict=True):
        if value <= 0:
            continue
        w = max(unit * value, 2.0)
        body.append(_rect(x, y, w, h, seg.color, tip=f"{row.label} · {seg.label}: {value}", rx=0))
        if w >= text_width(str(value), 11) + 6:
            body.append(
                _text(
                    x + w / 2,
                    y + h / 2 + 4,
                    str(value),
                    anchor="middle",
                    fill=seg.text_color,
                    size=11,
                )
            )
        x += w
    return body, x


def stacked_hbar(
    rows: Sequence[StackedRow],
    segments: Sequence[Segment],
    *,
    title: str,
    width: float = 880,
    row: float = 28,
) -> str:
    """Horizontal stacked bars (one per row) with counts inside and a legend on top."""
    label_w = max([text_width(r.label) for r in rows] + [40.0]) + 12
    note_w = max([text_width(r.note, 12) for r in rows] + [30.0]) + 10
    length = max(width - label_w - note_w, 60.0)
    top = max([sum(r.values) for r in rows] + [1])
    body = _legend(segments, 14)
    for i, r in enumerate(rows):
        y = 28 + i * row
        body.append(_text(label_w - 8, y + row * 0.6, r.label, anchor="end"))
        bars, end = _stack(r, segments, label_w, y + 4, row - 9, length / top)
        body.extend(bars)
        body.append(_text(end + 6, y + row * 0.6, r.note, fill=MUTED, size=12))
    return _svg(width, 34 + row * len(rows), title, body)


def gauge(
    value: int,
    target: int,
    *,
    label: str,
    value_text: str,
    target_text: str,
    width: float = 880,
    color: str = ACCENT,
    done_color: str = "#2e9e5b",
) -> str:
    """Progress of ``value`` against ``target``: a track, the filled share and ticks."""
    if target <= 0:
        raise ValueError("target must be positive")
    x0, track_w, y, h = 0.0, width, 26.0, 18.0
    share = min(value / target, 1.0) if value > 0 else 0.0
    fill = done_color if value >= target else color
    body = [
        _text(0, 16, label, weight="bold"),
        _text(width, 16, target_text, anchor="end", fill=MUTED, size=12),
    ]
    body.append(_rect(x0, y, track_w, h, TRACK, rx=4))
    for quarter in (0.25, 0.5, 0.75):
        tx = x0 + track_w * quarter
        body.append(
            f'<line x1="{_f(tx)}" y1="{_f(y)}" x2="{_f(tx)}" y2="{_f(y + h)}" '
            f'stroke="#ffffff" stroke-width="2"/>'
        )
    if share > 0:
        body.append(_rect(x0, y, max(track_w * share, 3.0), h, fill, rx=4, tip=value_text))
    body.append(_text(0, y + h + 18, value_text, fill=INK, size=12))
    return _svg(width, y + h + 26, label, body)


def meter(
    value: int, top: int, *, width: float = 160, height: float = 14, color: str = ACCENT
) -> str:
    """A small inline bar: ``value`` on a ``top`` scale (for table cells)."""
    w = _scale(width, value, top)
    body = [_rect(0, 0, width, height, TRACK, rx=3)]
    if w:
        body.append(_rect(0, 0, w, height, color, rx=3))
    return _svg(width, height, f"{value}/{top}", body)
