"""Charts drawn on the server as inline SVG.

Why not a JavaScript chart library: the dashboard must work on a district office's
tablet and a leader's phone without a CDN, the figures must be exactly the ones in the
tables (they come from the same Python values), a page prints and screenshots as it is,
and there is no 1 MB bundle to vendor and keep patched. Two chart kinds are enough here:
a line chart of daily counts and a horizontal bar chart of rates. The heat scale shades the
heat cells and the map's grids alike.

Colours meet WCAG AA: text and marks at least 4.5:1 on white, and each heat level names the
text colour that reads on it.
"""
from __future__ import annotations

from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT, PAD = 640, 220, 32
COLOURS = ("#0969da", "#1a7f37", "#cf222e", "#9a6700")


def line_chart(labels: list[str], series: list[tuple[str, list[int]]], title: str) -> Markup:
    top = max([1] + [v for _name, values in series for v in values])
    step = (WIDTH - 2 * PAD) / max(1, len(labels) - 1)

    def point(i: int, v: int) -> str:
        return f"{PAD + i * step:.1f},{HEIGHT - PAD - (v / top) * (HEIGHT - 2 * PAD):.1f}"

    parts = [
        f'<svg class="chart" data-chart="line" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}">',
        f'<line x1="{PAD}" y1="{HEIGHT - PAD}" x2="{WIDTH - PAD}" y2="{HEIGHT - PAD}" stroke="#6e7781"/>',
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
    """Rates (0..1) as horizontal bars; a missing rate (nothing to divide by) draws no bar and says —."""
    row = 22
    height = PAD + row * len(items)
    parts = [f'<svg class="chart" data-chart="bar" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}">']
    for i, (label, value) in enumerate(items):
        y = 8 + i * row
        width = (value or 0) * (WIDTH - 220)
        parts.append(f'<text x="0" y="{y + 14}" font-size="12">{escape(label[:10])}</text>')
        parts.append(f'<rect x="150" y="{y}" width="{width:.1f}" height="16" fill="{COLOURS[0]}"/>')
        text = "—" if value is None else f"{value * 100:.1f}%"
        parts.append(f'<text x="{155 + width:.1f}" y="{y + 13}" font-size="12">{text}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


@dataclass(frozen=True)
class HeatLevel:
    level: int
    fill: str
    text: str
    low: int
    high: int | None  # None: and above

    @property
    def label(self) -> str:
        if self.level == 0:
            return "0"
        if self.high is None:
            return f"≥{self.low}"
        return str(self.low) if self.low == self.high else f"{self.low}–{self.high}"


# No cases, then five steps light to dark (ColorBrewer OrRd), each with a text colour that passes AA on it.
HEAT_FILLS = (("#f6f8fa", "#1f2328"), ("#fef0d9", "#1f2328"), ("#fdcc8a", "#1f2328"), ("#fc8d59", "#1f2328"), ("#d7301f", "#fff"), ("#b30000", "#fff"))
HEAT_FLOOR = 10  # the darkest step needs at least this many cases: one case is a pale cell, not a red one


@dataclass(frozen=True)
class HeatScale:
    """Counts onto six shades by their share of the busiest cell, but never of fewer than HEAT_FLOOR."""

    top: int

    @classmethod
    def over(cls, counts: list[int]) -> "HeatScale":
        return cls(max([HEAT_FLOOR, *counts]))

    def level(self, count: int) -> HeatLevel:
        return self.levels()[self._step(count)]

    def _step(self, count: int) -> int:
        return 0 if count <= 0 else 1 + min(4, 4 * count // self.top)

    def levels(self) -> list[HeatLevel]:
        """Every step with the counts it covers (the legend)."""
        bounds: dict[int, list[int]] = {0: [0, 0]}
        for count in range(1, self.top + 1):
            bounds.setdefault(self._step(count), [count, count])[1] = count
        out = []
        for step, (fill, text) in enumerate(HEAT_FILLS):
            low, high = bounds.get(step, [self.top, self.top])
            out.append(HeatLevel(step, fill, text, low, None if step == len(HEAT_FILLS) - 1 else high))
        return out
