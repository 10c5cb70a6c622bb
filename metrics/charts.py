"""Plotly figure dicts built from plain data, for the metric page, the dashboard and SPC.

Every function returns a JSON-serialisable dict {"data": [...], "layout": {...},
"config": {...}} that a page hands to plotly.js through `json_script` (ARCHITECTURE.md,
convention 6). No plotly.graph_objects: plain dicts keep the payload small and exactly what
the tests check.

Colour is never the only difference between series: each has its own dash style, marker
symbol and legend name, so the chart reads in greyscale and to colour-blind users. Every
chart's numbers are also in `series_table`, its text alternative.

Dates go out as ISO strings ("2017-04-01"); missing values as None, which plotly draws as a
gap (connectgaps is off), never as a line across the missing month or a zero.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from metrics.periods import (
    add_months,
    financial_year_of,
    fy_label,
    fy_last_month,
    fy_start,
    month_range,
)
from metrics.spc import SpcResult

Values = Mapping[date, float | None]

# GOV.UK Frontend palette, so charts sit with the page's tags and links.
BLUE = "#1d70b8"
DARK_GREY = "#505a5f"
MID_GREY = "#b1b4b6"
ORANGE = "#f47738"
RED = "#d4351c"
BLACK = "#0b0c0c"
PURPLE = "#4c2c92"
# Making Data Count colours for special cause: blue improvement, orange concern, purple
# neither (NHS England MDC icons; the same hexes as NHSDigital/fdp-react-design-system
# logic/spcDescriptors.ts).
MDC_IMPROVEMENT = "#00B0F0"
MDC_CONCERN = "#E46C0A"
MDC_NEITHER = "#490092"

# Hover numbers: thousands separators, at most one decimal place (1,758; 85.7; 1,812.4).
Y_FORMAT = ",.1~f"

CONFIG = {"responsive": True, "displaylogo": False, "displayModeBar": False}
STATIC_CONFIG = {**CONFIG, "staticPlot": True}


@dataclass(frozen=True)
class MetricSeries:
    """One metric in one area over some months, as the metric page charts it.

    `baseline` is keyed by its own (previous-year) months and shifted forward by
    `baseline_shift_months` onto the months it is compared with. `annual_target` is a
    full-year figure; when `target_is_annual_total` (a count summed over months, such as
    admissions) the chart draws its monthly equivalent (target / 12), across `target_year`'s
    months when given (the financial year it belongs to), else across the whole chart. A
    break's date is the first month of the new series: the dashed line sits just before it.
    """

    name: str
    unit: str
    actuals: Values
    plan: Values = field(default_factory=dict)
    baseline: Values = field(default_factory=dict)
    baseline_label: str | None = None
    baseline_shift_months: int = 12
    annual_target: float | None = None
    target_is_annual_total: bool = True
    target_year: int | None = None
    breaks: Sequence[tuple[date, str]] = ()
    plan_label: str = "Plan"
    actual_label: str = "Actual"

    def shifted_baseline(self) -> dict[date, float | None]:
        return {add_months(d, self.baseline_shift_months): v for d, v in self.baseline.items()}

    def baseline_name(self) -> str:
        if self.baseline_label:
            return self.baseline_label
        years = {financial_year_of(d) for d in self.baseline}
        return f"Baseline ({fy_label(years.pop())})" if len(years) == 1 else "Baseline"

    def months(self) -> list[date]:
        """Every month from the first to the last with any value, with none skipped."""
        keys = [*self.actuals, *self.plan, *self.shifted_baseline()]
        if not keys:
            return []
        return month_range(min(keys), max(keys))

    def monthly_target(self) -> float | None:
        if self.annual_target is None:
            return None
        return self.annual_target / 12 if self.target_is_annual_total else self.annual_target


# --- shared helpers -----------------------------------------------------------------------


def _iso(days: Iterable[date]) -> list[str]:
    return [d.isoformat() for d in days]


def _y(values: Values, months: Sequence[date]) -> list[float | None]:
    """Values in month order, None for a missing month (a gap, not a zero)."""
    return [None if (v := values.get(m)) is None else float(v) for m in months]


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _line(
    name: str,
    x: Sequence[str | float],
    y: Sequence[str | float | None],
    *,
    colour: str,
    dash: str = "solid",
    symbol: str | None = "circle",
    width: float = 2,
    unit: str = "",
) -> dict:
    trace = {
        "type": "scatter",
        "name": name,
        "x": x,
        "y": y,
        "mode": "lines+markers" if symbol else "lines",
        "connectgaps": False,
        "line": {"color": colour, "dash": dash, "width": width},
        "hovertemplate": f"%{{y:{Y_FORMAT}}} {unit}".rstrip() + "<extra>" + name + "</extra>",
    }
    if symbol:
        trace["marker"] = {"symbol": symbol, "size": 7, "color": colour}
    return trace


def _layout(title: str, unit: str, **extra) -> dict:
    layout = {
        "title": {"text": title},
        "hovermode": "x unified",
        "autosize": True,
        "xaxis": {"title": {"text": "Month"}, "type": "date", "tickformat": "%b %Y"},
        "yaxis": {"title": {"text": unit}, "tickformat": ","},
        "legend": {"orientation": "h", "y": -0.2},
        "margin": {"l": 60, "r": 20, "t": 60, "b": 60},
        "font": {"family": "arial, sans-serif"},
        "shapes": [],
        "annotations": [],
    }
    layout.update(extra)
    return layout


def _figure(data: list[dict], layout: dict, config: dict = CONFIG) -> dict:
    return {"data": data, "layout": layout, "config": dict(config)}


def _midpoint_before(month: date) -> str:
    """Half way between the previous month's point and this one, where a divider belongs."""
    previous = add_months(month, -1)
    return (previous + (month - previous) / 2).isoformat()


def _vertical(x: str, *, colour: str, dash: str) -> dict:
    return {
        "type": "line",
        "xref": "x",
        "yref": "paper",
        "x0": x,
        "x1": x,
        "y0": 0,
        "y1": 1,
        "line": {"color": colour, "dash": dash, "width": 1},
        "layer": "below",
    }


def _label(x: str, text: str, y: float) -> dict:
    return {
        "x": x,
        "y": y,
        "xref": "x",
        "yref": "paper",
        "text": text,
        "showarrow": False,
        "xanchor": "left",
        "yanchor": "top",
        "font": {"size": 11, "color": BLACK},
        "bgcolor": "rgba(255,255,255,0.8)",
    }


def year_boundaries(months: Sequence[date]) -> tuple[list[dict], list[dict]]:
    """Dotted lines before each April in range, labelled with the financial year it starts."""
    shapes, notes = [], []
    for month in months:
        if month.month == 4:
            x = _midpoint_before(month)
            shapes.append(_vertical(x, colour=MID_GREY, dash="dot"))
            notes.append(_label(x, fy_label(month.year), 1.0))
    return shapes, notes


def series_breaks(breaks: Sequence[tuple[date, str]]) -> tuple[list[dict], list[dict]]:
    """Dashed lines where a measure changed or stopped, each with its label, stacked so that
    labels close together do not overlap."""
    shapes, notes = [], []
    for number, (day, text) in enumerate(sorted(breaks)):
        x = _midpoint_before(day.replace(day=1))
        shapes.append(_vertical(x, colour=BLACK, dash="dash"))
        notes.append(_label(x, text, 0.92 - 0.08 * (number % 4)))
    return shapes, notes


# --- metric page --------------------------------------------------------------------------


def metric_chart(series: MetricSeries) -> dict:
    """Monthly actuals against plan, last year's baseline and the annual target, with
    financial-year boundaries and series breaks drawn and labelled."""
    months = series.months()
    x = _iso(months)
    data = [
        _line(series.actual_label, x, _y(series.actuals, months), colour=BLUE, unit=series.unit)
    ]
    if series.plan:
        data.append(
            _line(
                series.plan_label,
                x,
                _y(series.plan, months),
                colour=DARK_GREY,
                dash="dash",
                symbol="diamond-open",
                unit=series.unit,
            )
        )
    if series.baseline:
        data.append(
            _line(
                series.baseline_name(),
                x,
                _y(series.shifted_baseline(), months),
                colour=ORANGE,
                dash="dot",
                symbol="square-open",
                unit=series.unit,
            )
        )
    if series.annual_target is not None and months:
        data.append(_target_trace(series, months))
    layout = _layout(series.name, series.unit)
    _decorate(layout, months, series.breaks)
    return _figure(data, layout)


def _target_trace(series: MetricSeries, months: list[date]) -> dict:
    annual, monthly = series.annual_target, series.monthly_target()
    # Drawn only for a series with a target (see `metric_chart`).
    assert annual is not None and monthly is not None
    span = [months[0], months[-1]]
    if series.target_year is not None:
        span = [fy_start(series.target_year), fy_last_month(series.target_year)]
    if series.target_is_annual_total:
        name = f"Annual target {_number(annual)} (monthly equivalent {_number(round(monthly, 1))})"
    else:
        name = f"Target {_number(annual)}"
    # Two points span the range: the line needs no more, and the JSON stays small.
    return _line(
        name,
        _iso(span),
        [monthly, monthly],
        colour=RED,
        dash="longdashdot",
        symbol=None,
        unit=series.unit,
    )


def _decorate(layout: dict, months: Sequence[date], breaks: Sequence[tuple[date, str]]) -> None:
    for shapes, notes in (year_boundaries(months), series_breaks(breaks)):
        layout["shapes"].extend(shapes)
        layout["annotations"].extend(notes)


def cumulative_chart(series: MetricSeries, financial_year: int) -> dict:
    """Year to date: cumulative actual against cumulative plan for one financial year, with
    the annual target as a line. The actual line stops at the first month without an actual,
    because a running total past a gap would understate the year."""
    months = month_range(fy_start(financial_year), fy_last_month(financial_year))
    x = _iso(months)
    actual = _running_total(series.actuals, months, stop_at_gap=True)
    plan = _running_total(series.plan, months, stop_at_gap=False)
    data = [
        _line(
            f"Cumulative {series.actual_label.lower()}", x, actual, colour=BLUE, unit=series.unit
        ),
        _line(
            f"Cumulative {series.plan_label.lower()}",
            x,
            plan,
            colour=DARK_GREY,
            dash="dash",
            symbol="diamond-open",
            unit=series.unit,
        ),
    ]
    if series.annual_target is not None and series.target_is_annual_total:
        target = float(series.annual_target)
        data.append(
            _line(
                f"Annual target {_number(target)}",
                [x[0], x[-1]],
                [target, target],
                colour=RED,
                dash="longdashdot",
                symbol=None,
                unit=series.unit,
            )
        )
    title = f"{series.name}: {fy_label(financial_year)} year to date"
    layout = _layout(title, f"Cumulative {series.unit}".strip())
    gap = next((m for m, v in zip(months, actual, strict=True) if v is None), None)
    if gap is not None and any(v is not None for v in actual):
        layout["annotations"].append(
            _label(_midpoint_before(gap), f"No actual for {gap:%b %Y}: running total stops", 0.1)
        )
    return _figure(data, layout)


def _running_total(values: Values, months: Sequence[date], *, stop_at_gap: bool) -> list:
    total, stopped = 0.0, False
    out: list[float | None] = []
    for month in months:
        value = values.get(month)
        if value is None:
            stopped = stopped or stop_at_gap
            out.append(None)
            continue
        if stopped:
            out.append(None)
            continue
        total += float(value)
        out.append(total)
    return out


def series_table(series: MetricSeries) -> list[dict]:
    """The chart's text alternative: one row per month on the chart, with exactly the plan,
    actual and baseline numbers the chart draws. Variance is actual − plan; cumulative
    variance runs over the months that have both, and is None in a month without."""
    months = series.months()
    actuals = _y(series.actuals, months)
    plans = _y(series.plan, months)
    baselines = _y(series.shifted_baseline(), months)
    rows, running = [], 0.0
    for month, actual, plan, baseline in zip(months, actuals, plans, baselines, strict=True):
        variance = None if actual is None or plan is None else actual - plan
        if variance is not None:
            running += variance
        rows.append(
            {
                "month": month,
                "label": f"{month:%b %Y}",
                "plan": plan,
                "actual": actual,
                "baseline": baseline,
                "variance": variance,
                "variance_pct": _percent(variance, plan),
                "cumulative_variance": None if variance is None else running,
            }
        )
    return rows


def _percent(variance: float | None, plan: float | None) -> float | None:
    """Variance as a percentage of plan, to one decimal place as the source tables print it;
    None when there is nothing to divide by."""
    if variance is None or not plan:
        return None
    return round(variance / abs(plan) * 100, 1)


# --- SPC ----------------------------------------------------------------------------------

_NATURE_STYLE = {
    # Distinct symbols as well as MDC colours, so special cause reads without colour.
    "improvement": ("Special cause: improvement", MDC_IMPROVEMENT, "diamond"),
    "concern": ("Special cause: concern", MDC_CONCERN, "square"),
    "neither": ("Special cause: neither improvement nor concern", MDC_NEITHER, "triangle-up"),
}


def spc_chart(
    result: SpcResult,
    *,
    title: str = "",
    unit: str = "",
    target: float | None = None,
) -> dict:
    """An XmR chart: the values, each segment's mean and process limits (separate lines per
    segment, so a recalculation shows as a step), and special-cause points marked by symbol
    with hover text naming the rules they trigger."""
    x = _iso(p.date for p in result.points)
    y = [p.value if p.segment is not None else None for p in result.points]
    data = [_line("Value", x, y, colour=DARK_GREY, unit=unit, width=1.5)]
    ghosts = [p.value if p.segment is None else None for p in result.points]
    if any(v is not None for v in ghosts):
        data.append(
            _line(
                "Before baseline (not analysed)",
                x,
                ghosts,
                colour=MID_GREY,
                dash="dot",
                symbol="circle-open",
                unit=unit,
            )
        )
    data.extend(_segment_traces(result, unit))
    data.extend(_special_cause_traces(result, unit))
    if target is not None and x:
        data.append(
            _line(
                f"Target {_number(target)}",
                [x[0], x[-1]],
                [target, target],
                colour=RED,
                dash="longdashdot",
                symbol=None,
                unit=unit,
            )
        )
    layout = _layout(title or "Statistical process control (XmR) chart", unit)
    return _figure(data, layout)


def _segment_traces(result: SpcResult, unit: str) -> list[dict]:
    traces = []
    for number, seg in enumerate(result.segments):
        x = [seg.start.isoformat(), seg.end.isoformat()]
        for name, value, dash in (
            ("Mean", seg.mean, "solid"),
            ("Upper process limit", seg.upper_limit, "dash"),
            ("Lower process limit", seg.lower_limit, "dash"),
        ):
            trace = _line(
                name,
                x,
                [value, value],
                colour=BLACK if name == "Mean" else MID_GREY,
                dash=dash,
                symbol=None,
                unit=unit,
                width=1,
            )
            # One legend entry per line kind, however many segments there are.
            trace["legendgroup"] = name
            trace["showlegend"] = number == 0
            traces.append(trace)
    return traces


def _special_cause_traces(result: SpcResult, unit: str) -> list[dict]:
    traces = []
    for nature, (name, colour, symbol) in _NATURE_STYLE.items():
        points = [p for p in result.points if p.nature == nature]
        if not points:
            continue
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": name,
                "x": _iso(p.date for p in points),
                "y": [p.value for p in points],
                "marker": {
                    "symbol": symbol,
                    "size": 11,
                    "color": colour,
                    "line": {"color": BLACK, "width": 1},
                },
                "text": ["; ".join(s.label for s in p.signals) for p in points],
                "hovertemplate": f"%{{y:{Y_FORMAT}}} {unit}".rstrip()
                + " (%{text})<extra>"
                + name
                + "</extra>",
            }
        )
    return traces


# --- dashboard ----------------------------------------------------------------------------


def sparkline(points: Sequence[tuple[date, float | None]], *, name: str = "Actual") -> dict:
    """A tiny line for workstream pages: no axes, legend or interaction; the latest value is
    marked so the eye finds "now"."""
    ordered = sorted(points)
    x = _iso(d for d, _ in ordered)
    y = [None if v is None else float(v) for _, v in ordered]
    trace = _line(name, x, y, colour=BLUE, symbol=None, width=1.5)
    latest = next((i for i in range(len(y) - 1, -1, -1) if y[i] is not None), None)
    if latest is not None:
        trace["mode"] = "lines+markers"
        trace["marker"] = {"size": [6 if i == latest else 0 for i in range(len(y))], "color": BLUE}
    layout = {
        "xaxis": {"visible": False},
        "yaxis": {"visible": False},
        "showlegend": False,
        "hovermode": "x unified",
        "autosize": True,
        "height": 40,
        "margin": {"l": 2, "r": 2, "t": 2, "b": 2},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
    }
    return _figure([trace], layout, STATIC_CONFIG)


def small_multiple(series: MetricSeries, *, status_label: str | None = None) -> dict:
    """A compact actual-against-plan chart for the dashboard grid. The status is in the
    title as text, so it never depends on colour."""
    figure = metric_chart(
        MetricSeries(
            name=series.name,
            unit=series.unit,
            actuals=series.actuals,
            plan=series.plan,
            plan_label=series.plan_label,
            actual_label=series.actual_label,
        )
    )
    title = f"{series.name}: {status_label}" if status_label else series.name
    layout = figure["layout"]
    layout.update(
        title={"text": title, "font": {"size": 14}},
        height=180,
        margin={"l": 45, "r": 10, "t": 35, "b": 25},
        showlegend=False,
        shapes=[],
        annotations=[],
    )
    layout["xaxis"] = {"type": "date", "tickformat": "%b %y", "nticks": 4}
    layout["yaxis"] = {"title": {"text": series.unit, "font": {"size": 11}}, "tickformat": ","}
    for trace in figure["data"]:
        # Small markers, not none: a month with gaps either side must still show.
        trace["marker"]["size"] = 3
    return figure


def quartiles(values: Iterable[float | None]) -> tuple[float, float, float] | None:
    """Lower quartile, median and upper quartile of the areas that have a value."""
    present = [float(v) for v in values if v is not None]
    if len(present) < 2:
        return None
    q1, q2, q3 = statistics.quantiles(present, n=4, method="inclusive")
    return q1, q2, q3


def comparison_chart(
    metric: str,
    values_by_area: Mapping[str, float | None],
    england_value: float | None,
    quartile_values: tuple[float, float, float] | None = None,
    *,
    unit: str = "",
    highlight: str | None = None,
) -> dict:
    """One metric across areas as a dot plot (areas sorted by value, one row each), with
    England and the quartiles of all areas as labelled reference lines. Areas without a
    value are listed in the title's note rather than drawn at zero."""
    present = sorted(
        ((area, float(v)) for area, v in values_by_area.items() if v is not None),
        key=lambda item: item[1],
    )
    missing = sorted(area for area, v in values_by_area.items() if v is None)
    if quartile_values is None:
        quartile_values = quartiles(values_by_area.values())
    areas = [a for a, _ in present]
    data = [_dots("Areas", present, colour=BLUE, symbol="circle", unit=unit)]
    if highlight in dict(present):
        data.append(
            _dots(
                highlight,
                [(highlight, dict(present)[highlight])],
                colour=BLACK,
                symbol="diamond",
                unit=unit,
                size=12,
            )
        )
    if areas:
        data.extend(_reference_lines(areas, england_value, quartile_values, unit))
    title = metric if not missing else f"{metric} ({len(missing)} areas with no value)"
    layout = _layout(title, unit)
    layout["xaxis"] = {"title": {"text": unit}, "tickformat": ","}
    layout["yaxis"] = {"title": {"text": "Area"}, "type": "category", "automargin": True}
    layout["hovermode"] = "y unified"
    layout["height"] = max(300, 18 * len(areas) + 140)
    return _figure(data, layout)


def _dots(name, items, *, colour, symbol, unit, size=8) -> dict:
    return {
        "type": "scatter",
        "mode": "markers",
        "name": name,
        "x": [v for _, v in items],
        "y": [a for a, _ in items],
        "marker": {"symbol": symbol, "size": size, "color": colour},
        "hovertemplate": f"%{{x:{Y_FORMAT}}} {unit}".rstrip() + "<extra>%{y}</extra>",
    }


def _reference_lines(
    areas: list[str],
    england: float | None,
    quartile_values: tuple[float, float, float] | None,
    unit: str,
) -> list[dict]:
    lines = []
    if england is not None:
        lines.append((f"England {_number(england)}", england, RED, "solid"))
    if quartile_values is not None:
        for name, value, dash in zip(
            ("Lower quartile", "Median", "Upper quartile"),
            quartile_values,
            ("dot", "dash", "dashdot"),
            strict=True,
        ):
            lines.append((f"{name} {_number(round(value, 1))}", value, DARK_GREY, dash))
    traces = []
    for name, value, colour, dash in lines:
        # A vertical line as a trace (not a shape) so it has a legend entry and hover text.
        trace = _line(
            name,
            [value, value],
            [areas[0], areas[-1]],
            colour=colour,
            dash=dash,
            symbol=None,
            unit=unit,
        )
        trace["hovertemplate"] = f"{name}<extra></extra>"
        traces.append(trace)
    return traces
