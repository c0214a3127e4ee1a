"""Charts drawn on the server as inline SVG.

Why not a JavaScript chart library: the dashboard must work on a district office's
tablet and a leader's phone without a CDN, the figures must be exactly the ones in the
tables (they come from the same Python values), a page prints and screenshots as it is,
and there is no 1 MB bundle to vendor and keep patched. Two chart kinds are enough here:
a line chart of daily counts and a horizontal bar chart of rates.
"""
from __future__ import annotations

from markupsafe import Markup, escape

WIDTH, HEIGHT, PAD = 640, 220, 32
COLOURS = ("#1f6feb", "#2da44e", "#d1242f", "#bf8700")


def line_chart(labels: list[str], series: list[tuple[str, list[int]]], title: str) -> Markup:
    top = max([1] + [v for _name, values in series for v in values])
    step = (WIDTH - 2 * PAD) / max(1, len(labels) - 1)

    def point(i: int, v: int) -> str:
        return f"{PAD + i * step:.1f},{HEIGHT - PAD - (v / top) * (HEIGHT - 2 * PAD):.1f}"

    parts = [
        f'<svg class="chart" data-chart="line" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}">',
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" stroke="#999"/>',
        f'<text x="4" y="{PAD - 8}" font-size="11">{top}</text><text x="4" y="{HEIGHT - PAD}" font-size="11">0</text>',
    ]
    for i in (0, len(labels) // 2, len(labels) - 1):
        if 0 <= i < len(labels):
            parts.append(f'<text x="{PAD + i * step:.1f}" y="{HEIGHT - 8}" font-size="11" text-anchor="middle">{escape(labels[i][5:])}</text>')
    for n, (name, values) in enumerate(series):
        colour = COLOURS[n % len(COLOURS)]
        points = " ".join(point(i, v) for i, v in enumerate(values))
        parts.append(f'<polyline data-series="{escape(name)}" fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>')
        parts.append(f'<text x="{WIDTH - PAD - 90 + n * 50}" y="14" font-size="12" fill="{colour}">■ {escape(name)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(items: list[tuple[str, float | None]], title: str) -> Markup:
    """Rates (0..1) as horizontal bars; a missing rate draws no bar and says 无."""
    row = 22
    height = PAD + row * len(items)
    parts = [f'<svg class="chart" data-chart="bar" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}">']
    for i, (label, value) in enumerate(items):
        y = 8 + i * row
        width = (value or 0) * (WIDTH - 220)
        parts.append(f'<text x="0" y="{y + 14}" font-size="12">{escape(label[:10])}</text>')
        parts.append(f'<rect x="150" y="{y}" width="{width:.1f}" height="16" fill="{COLOURS[0]}"/>')
        text = "无" if value is None else f"{value * 100:.1f}%"
        parts.append(f'<text x="{155 + width:.1f}" y="{y + 13}" font-size="12">{text}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def heat_colour(count: int, top: int) -> str:
    """White to deep red by share of the busiest cell."""
    share = count / top if top else 0
    return f"rgba(209, 36, 47, {0.08 + 0.85 * share:.2f})"
