"""Bar charts drawn on the server as inline SVG, for the transparency page and the staff figures.

Why on the server: the public page must work without JavaScript and load nothing from a CDN,
and the console's CSP forbids inline scripts. Each chart is decorative for screen readers
(`aria-hidden`): the page puts a table with the same numbers beside it. Only presentation
attributes are used (no `style=`), so the strict CSP (`style-src 'self'`) holds. Every label
is escaped here; templates insert the returned SVG with `|safe`.

A suppressed value ("<5") is drawn as a short hatched stub labelled "<5", never as a bar of a
guessed length.
"""

from __future__ import annotations

from html import escape

BAR = "#0b5cad"
STUB = "#9aa7b4"
TEXT = "#1d2733"


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _label(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.1f}".replace(".", ",")
    return str(value)


def _short(text: str, limit: int) -> str:
    """A label cut to fit the chart; the table beside the chart has it in full."""
    return text if len(text) <= limit else text[: max(1, limit - 1)] + "…"


def hbar(items: list[tuple[str, object]], width: int = 400, row: int = 26) -> str:
    """Horizontal bars, one per (label, value); values are numbers or "<5"."""
    if not items:
        return ""
    label_w = min(170, 12 + 7 * max(len(str(k)) for k, _ in items))
    plot_w = width - label_w - 60
    peak = max((_number(v) or 0.0) for _, v in items) or 1.0
    height = row * len(items) + 8
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" aria-hidden="true" focusable="false">'
    ]
    for i, (key, value) in enumerate(items):
        y = 4 + i * row
        number = _number(value)
        parts.append(
            f'<text x="{label_w - 6}" y="{y + row * 0.65:.1f}" text-anchor="end" '
            f'font-size="13" fill="{TEXT}">{escape(_short(str(key), (label_w - 12) // 7))}</text>'
        )
        if number is None:
            parts.append(
                f'<rect x="{label_w}" y="{y + 4}" width="14" height="{row - 10}" fill="{STUB}"/>'
            )
            bar_end = label_w + 14
        else:
            bar_w = max(1.0, plot_w * number / peak) if number > 0 else 0.0
            parts.append(
                f'<rect x="{label_w}" y="{y + 4}" width="{bar_w:.1f}" height="{row - 10}" '
                f'fill="{BAR}"/>'
            )
            bar_end = label_w + bar_w
        parts.append(
            f'<text x="{bar_end + 5:.1f}" y="{y + row * 0.65:.1f}" font-size="13" '
            f'fill="{TEXT}">{escape(_label(value))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def columns(items: list[tuple[str, object]], width: int = 420, height: int = 190) -> str:
    """Vertical columns over time (e.g. complaints per week); labels under every other column."""
    if not items:
        return ""
    base = height - 34
    step = (width - 20) / len(items)
    peak = max((_number(v) or 0.0) for _, v in items) or 1.0
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" aria-hidden="true" focusable="false">',
        f'<line x1="10" y1="{base}" x2="{width - 10}" y2="{base}" stroke="{STUB}"/>',
    ]
    label_every = max(1, len(items) // 8)
    for i, (key, value) in enumerate(items):
        x = 10 + i * step
        number = _number(value)
        bar_h = 0.0 if number is None else (base - 20) * number / peak
        fill = BAR
        if number is None:
            bar_h, fill = 6.0, STUB
        parts.append(
            f'<rect x="{x + step * 0.15:.1f}" y="{base - bar_h:.1f}" width="{step * 0.7:.1f}" '
            f'height="{bar_h:.1f}" fill="{fill}"/>'
        )
        parts.append(
            f'<text x="{x + step / 2:.1f}" y="{base - bar_h - 4:.1f}" text-anchor="middle" '
            f'font-size="11" fill="{TEXT}">{escape(_label(value))}</text>'
        )
        if i % label_every == 0:
            parts.append(
                f'<text x="{x + step / 2:.1f}" y="{base + 16}" text-anchor="middle" '
                f'font-size="11" fill="{TEXT}">{escape(str(key))}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
