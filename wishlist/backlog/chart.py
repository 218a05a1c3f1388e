"""Layout of the backlog's scatter chart: customers against revenue at risk, drawn as SVG.

Only geometry lives here (positions, radii, ticks, colour classes); the template draws it.
Colours are CSS classes, not inline styles, because the Content-Security-Policy blocks those.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

WIDTH, HEIGHT = 760, 380
LEFT, RIGHT, TOP, BOTTOM = 70, 20, 16, 46
PALETTE = 8
MIN_R, MAX_R = 4.0, 16.0


@dataclass
class Point:
    """One bundle (or lone wish) on the chart."""

    key: int
    bundle_id: int | None
    wish_id: int | None
    label: str
    title: str
    x: float
    y: float
    r: float
    css: str
    customers: int
    revenue: Decimal
    score: float
    theme: str


@dataclass
class Chart:
    """Everything the template needs to draw the chart."""

    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM
    points: list[Point] = field(default_factory=list)
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)


def compact(amount: float) -> str:
    """A short axis label for an amount: 0, 100, 10k, 1M, 1B."""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if amount >= size:
            return f"{amount / size:g}{suffix}"
    return f"{amount:g}"


def theme_classes(themes: Sequence[str]) -> dict[str, str]:
    """A colour class per theme, in name order so a theme keeps its colour across filters."""
    named = sorted({t for t in themes if t}, key=str.casefold)
    classes = {name: f"dot--{n % PALETTE}" for n, name in enumerate(named)}
    classes[""] = "dot--none"
    return classes


def scatter(rows: Sequence[Any], themes: Sequence[str] | None = None) -> Chart:
    """Place backlog rows by customer count (x, linear) and revenue at risk (y, log scale).

    Dot area grows with the score. `themes` fixes the colour of each theme (all themes, so
    filtering does not repaint the chart); by default the rows' own themes are used.
    """
    chart = Chart()
    classes = theme_classes(themes if themes is not None else [r.theme for r in rows])
    max_customers = max((r.customer_count for r in rows), default=0)
    x_max = max(5, _nice_ceiling(max_customers))
    # Logarithmic money, so one account at 1,000 and one at 1,000,000 both stay readable; the
    # axis spans the decades in use, and anything below its first decade (no revenue) sits on
    # the bottom line, labelled 0.
    amounts = [float(r.revenue_at_risk) for r in rows]
    positive = [a for a in amounts if a >= 1]
    low = int(math.floor(math.log10(min(positive)))) if positive else 0
    high = int(math.ceil(math.log10(max(positive)))) if positive else 3
    if any(a < 10**low for a in amounts):
        low -= 1
    low = max(0, low)
    high = max(high, low + 2)
    width = chart.right - chart.left
    height = chart.bottom - chart.top

    def x_of(count: float) -> float:
        return round(chart.left + width * count / x_max, 1)

    def y_of(amount: float) -> float:
        decade = math.log10(amount) if amount >= 10**low else low
        return round(chart.bottom - height * (decade - low) / (high - low), 1)

    step = max(1, x_max // 5)
    chart.x_ticks = [(x_of(n), str(n)) for n in range(0, x_max + 1, step)]
    chart.y_ticks = [(y_of(10**d), compact(10**d)) for d in range(low, high + 1)]
    if any(a < 10**low for a in amounts) or low == 0:
        chart.y_ticks[0] = (chart.y_ticks[0][0], "0")
    for row in rows:
        score = max(0.0, min(100.0, float(row.score)))
        chart.points.append(
            Point(
                key=row.key,
                bundle_id=row.bundle_id,
                wish_id=row.wish_id,
                label=row.label,
                title=row.title,
                x=x_of(row.customer_count),
                y=y_of(float(row.revenue_at_risk)),
                r=round(MIN_R + (MAX_R - MIN_R) * math.sqrt(score / 100), 1),
                css=classes.get(row.theme or "", "dot--none"),
                customers=row.customer_count,
                revenue=row.revenue_at_risk,
                score=row.score,
                theme=row.theme or "",
            )
        )
    # Big dots first, so smaller ones drawn over them stay clickable.
    chart.points.sort(key=lambda p: (-p.r, p.key))
    shown = {p.theme for p in chart.points}
    chart.legend = [(name, css) for name, css in classes.items() if name and name in shown]
    if "" in shown:
        chart.legend.append(("No theme", "dot--none"))
    return chart


def _nice_ceiling(value: int) -> int:
    """The next round number at or above value (5, 10, 20, 50, 100, ...)."""
    if value <= 5:
        return 5
    magnitude = 10 ** int(math.log10(value))
    for factor in (1, 2, 5, 10):
        if value <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude
