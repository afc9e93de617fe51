"""Month-by-month charts drawn on the server as SVG: no script, nothing to download.

Coordinates are computed in integers from the integer minor units; labels are
the values in whole currency units.
"""

from dataclasses import dataclass, field

WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 70, 10, 12, 40


@dataclass
class Chart:
    """What the SVG template draws: bars (first series), an optional line, axis ticks."""

    title: object
    bar_label: object
    line_label: object | None
    bars: list[dict] = field(default_factory=list)
    line_points: str = ""
    dots: list[dict] = field(default_factory=list)
    ticks: list[dict] = field(default_factory=list)
    labels: list[dict] = field(default_factory=list)
    zero_y: int = 0
    width: int = WIDTH
    height: int = HEIGHT
    empty: bool = True


def nice_step(span: int) -> int:
    """A round tick step (1, 2 or 5 × 10^n) giving about four ticks over ``span``."""
    raw = max(1, span // 4)
    magnitude = 1
    while magnitude * 10 <= raw:
        magnitude *= 10
    for factor in (1, 2, 5, 10):
        if factor * magnitude >= raw:
            return factor * magnitude
    return 10 * magnitude


def month_chart(
    title,
    labels: list[str],
    bar_values: list[int | None],
    bar_label,
    line_values: list[int | None] | None = None,
    line_label=None,
    unit: int = 100,
) -> Chart:
    """A bar (+ line) chart of minor-unit values per month; ``unit`` minor units per label unit."""
    chart = Chart(title, bar_label, line_label)
    known = [v for v in bar_values + (line_values or []) if v is not None]
    if not labels or not known:
        return chart
    chart.empty = False
    low, high = min(0, *known), max(0, *known)
    step = nice_step(high - low or unit)
    low, high = (low // step) * step, -((-high) // step) * step or step
    plot_h, plot_w = HEIGHT - TOP - BOTTOM, WIDTH - LEFT - RIGHT

    def y(value: int) -> int:
        return TOP + (high - value) * plot_h // (high - low)

    slot = plot_w // len(labels)
    chart.zero_y = y(0)
    chart.ticks = [{"y": y(v), "label": f"{v // unit:,}"} for v in range(low, high + 1, step)]
    points = []
    for i, label in enumerate(labels):
        x = LEFT + i * slot
        value = bar_values[i]
        if value is not None:
            top, bottom = sorted((y(value), y(0)))
            width = min(48, max(2, slot * 3 // 5))
            chart.bars.append(
                {
                    "x": x + (slot - width) // 2,
                    "y": top,
                    "w": width,
                    "h": max(1, bottom - top),
                    "neg": value < 0,
                    "title": f"{label}: {value // unit:,}",
                }
            )
        if line_values and line_values[i] is not None:
            points.append(f"{x + slot // 2},{y(line_values[i])}")
            chart.dots.append(
                {
                    "x": x + slot // 2,
                    "y": y(line_values[i]),
                    "title": f"{label}: {line_values[i] // unit:,}",
                }
            )
    chart.line_points = " ".join(points)
    every = max(1, len(labels) // 12)
    chart.labels = [
        {"x": LEFT + i * slot + slot // 2, "text": lab[2:] if len(labels) > 12 else lab}
        for i, lab in enumerate(labels)
        if i % every == 0
    ]
    return chart


def ledger_charts(periods, gettext) -> list[Chart]:
    """Revenue with profit, costs, and taxes (VAT + income tax) for periods oldest first."""
    labels = [p.period for p in periods]

    def series(name):
        return [getattr(p, name) for p in periods]

    taxes = [
        None if p.vat is None and p.income_tax is None else (p.vat or 0) + (p.income_tax or 0)
        for p in periods
    ]
    return [
        month_chart(
            gettext("Revenue and profit"),
            labels,
            series("revenue"),
            gettext("Revenue"),
            series("profit"),
            gettext("Profit"),
        ),
        month_chart(gettext("Costs"), labels, series("costs"), gettext("Costs")),
        month_chart(gettext("Taxes (VAT + income tax)"), labels, taxes, gettext("Taxes")),
        month_chart(
            gettext("Cash balance"), labels, series("cash_balance"), gettext("Cash balance")
        ),
    ]
