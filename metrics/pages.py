"""Page builders for the metric pages: compose selectors, rules and charts into what a template
shows. The metric page (one metric in one area, with its SPC view), the dashboard of small
multiples for an area, and one metric compared across areas.

Baselines. An uploaded `baseline` observation is dated at the month it is compared with (the
Figure 20 row "Baseline (15/16 Activity)" sits under Apr-16 … Mar-17), so a year's baseline is
the `baseline` rows inside that year, moved back onto the previous year's months for
`charts.MetricSeries` (which shifts them forward again and labels them with that year). When
no baseline was uploaded, the previous year's actuals stand in, labelled as such.

Query counts are the selectors' (see each builder); nothing here reads the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Literal

from metrics import charts, selectors, spc
from metrics.choices import (
    AGGREGATION_BASIS,
    Aggregation,
    ObservationKind,
    PeriodKind,
    Polarity,
    period_kind_of,
    unit_text,
)
from metrics.models import Area, Metric, MetricFramework, Observation, SeriesBreak
from metrics.periods import (
    add_months,
    fy_label,
    fy_last_month,
    fy_start,
    in_financial_year,
)
from metrics.rules import MetricObservations
from metrics.selectors import AreaValue, Provenance
from metrics.status import MetricStatus
from metrics.tables import ComparisonTable, CumulativeTable, SpcTable, TileTable

Row = dict[str, object]


def _metric_unit(metric: Metric) -> str:
    return unit_text(metric.unit, metric.rate_per)


def _actuals_and_plan(
    grouped: MetricObservations, year: int
) -> tuple[dict[date, float | None], dict[date, float | None]]:
    """The year's actuals and plan; every year's for an annual metric."""
    if grouped.period_kind == PeriodKind.YEAR:
        return grouped.values("actual"), grouped.values("plan")
    return grouped.values("actual", year), grouped.values("plan", year)


def _baseline(
    grouped: MetricObservations, year: int
) -> tuple[dict[date, float | None], str | None]:
    """The baseline on the previous year's months, and its legend name."""
    if grouped.period_kind == PeriodKind.YEAR:
        return {}, None
    uploaded = grouped.values("baseline", year)
    if uploaded:
        # Dated at the month it is compared with: move it back onto its own year's months.
        moved = {add_months(d, -12): v for d, v in uploaded.items()}
        return moved, f"Baseline ({fy_label(year - 1)} activity)"
    previous = grouped.values("actual", year - 1)
    return previous, f"Previous year actual ({fy_label(year - 1)})" if previous else None


def _series(
    grouped: MetricObservations, area: Area, year: int, breaks: Sequence[SeriesBreak]
) -> charts.MetricSeries:
    """The metric page's series for one financial year (all years for an annual metric)."""
    metric = grouped.metric
    monthly_or_quarterly = grouped.period_kind != PeriodKind.YEAR
    actuals, plan = _actuals_and_plan(grouped, year)
    baseline, label = _baseline(grouped, year)
    keys = [*actuals, *plan, *(add_months(d, 12) for d in baseline)]
    first, last = (min(keys), max(keys)) if keys else (fy_start(year), fy_last_month(year))
    if monthly_or_quarterly:
        first, last = min(first, fy_start(year)), max(last, fy_last_month(year))
    shown = [(b.date, b.label) for b in breaks if first <= b.date <= add_months(last, 1)]
    return charts.MetricSeries(
        name=f"{metric.short_name}, {area.name}",
        unit=_metric_unit(metric),
        actuals=actuals,
        plan=plan,
        baseline=baseline,
        baseline_label=label,
        annual_target=grouped.annual_target(year),
        target_is_annual_total=metric.aggregation == Aggregation.SUM,
        target_year=year if monthly_or_quarterly else None,
        breaks=shown,
    )


def _series_rows(series: charts.MetricSeries, period_kind: str, *keys: str) -> list[dict]:
    """The series' table; quarters and years sit on their first month, so the months between
    them (rows without any of `keys`) are not periods and are left out."""
    table = charts.series_table(series)
    if period_kind == PeriodKind.MONTH:
        return table
    return [r for r in table if any(r[k] is not None for k in keys)]


# --- metric page ----------------------------------------------------------------------------


@dataclass
class MetricPage:
    area: Area
    metric: Metric
    financial_year: int | None
    years: list[int]
    series: charts.MetricSeries | None
    table: list[dict]
    status: MetricStatus
    breaks: list[SeriesBreak]
    provenance: list[Provenance]
    monthly_actuals: list[tuple[date, float | None]]
    breakdowns: list[Metric]
    unit: str

    @property
    def year_label(self) -> str:
        return fy_label(self.financial_year) if self.financial_year is not None else ""

    @property
    def has_data(self) -> bool:
        return bool(self.years)

    @cached_property
    def figure(self) -> dict | None:
        return None if self.series is None else charts.metric_chart(self.series)

    @cached_property
    def cumulative_figure(self) -> dict | None:
        """Year to date, for metrics summed over months (a running mean or rate says less)."""
        if (
            self.series is None
            or self.financial_year is None
            or period_kind_of(self.metric.frequency) != PeriodKind.MONTH
            or self.metric.aggregation != Aggregation.SUM
        ):
            return None
        return charts.cumulative_chart(self.series, self.financial_year)

    @property
    def cumulative_rows(self) -> list[dict]:
        """The year-to-date chart's numbers, read from its own traces."""
        figure = self.cumulative_figure
        if figure is None:
            return []
        actual, plan = figure["data"][0], figure["data"][1]
        return [
            {"label": f"{date.fromisoformat(x):%b %Y}", "actual": a, "plan": p}
            for x, a, p in zip(actual["x"], actual["y"], plan["y"], strict=True)
        ]

    @property
    def cumulative_table(self) -> CumulativeTable:
        """The year-to-date chart's numbers as a table, its text alternative."""
        return CumulativeTable(self.cumulative_rows, table_id="table-cumulative")

    @property
    def breaks_shown(self) -> list[tuple[date, str]]:
        return list(self.series.breaks) if self.series is not None else []

    @property
    def baseline_name(self) -> str | None:
        if self.series is None or not self.series.baseline:
            return None
        return self.series.baseline_name()

    @property
    def totals(self) -> dict | None:
        """Column totals, for metrics whose year is the sum of its months."""
        if self.metric.aggregation != Aggregation.SUM or not self.table:
            return None
        totals = {}
        for key in ("plan", "actual", "baseline"):
            values = [r[key] for r in self.table if r[key] is not None]
            totals[key] = sum(values) if values else None
        return totals


_KIND_ORDER = {"actual": 0, "plan": 1, "baseline": 2, "target": 3}


def _provenance(
    observations: Sequence[Observation],
    grouped: MetricObservations,
    year: int,
    shown_days: set[date],
    standing_in: bool,
) -> list[Provenance]:
    """Where each value the page shows came from: the table's periods, the year's target and
    baseline, or the previous year's actuals when they stand in for the baseline."""

    def shown(obs: Observation) -> bool:
        if obs.period_start in shown_days:
            return True
        if obs.kind == ObservationKind.TARGET and obs.period_start == fy_start(year):
            return True
        if obs.kind == ObservationKind.BASELINE:
            return in_financial_year(obs.period_start, year)
        return (
            standing_in
            and obs.kind == ObservationKind.ACTUAL
            and in_financial_year(obs.period_start, year - 1)
        )

    found = [selectors.provenance_of(obs) for obs in observations if shown(obs)]
    return sorted(found, key=lambda p: (p.period_start, _KIND_ORDER.get(p.kind, 9)))


def metric_page(*, area: Area, metric: Metric, financial_year: int | None = None) -> MetricPage:
    """Everything the metric page shows for one financial year (default: the latest with an
    actual or a plan). Two queries (observations with their uploads, their revisions); the
    metric's breakdowns and series breaks come with `selectors.metric_get`."""
    observations = selectors.metric_observations(area, metric, with_history=True)
    grouped = MetricObservations.of(metric, observations)
    year = financial_year if financial_year is not None else grouped.default_year()
    breaks = list(metric.series_breaks.all())
    series, table, provenance = None, [], []
    if year is not None:
        series = _series(grouped, area, year, breaks)
        table = _series_rows(series, grouped.period_kind, "actual", "plan", "baseline")
        standing_in = (
            bool(series.baseline)
            and not grouped.values("baseline", year)
            and grouped.period_kind != PeriodKind.YEAR
        )
        shown_days = {r["month"] for r in table}
        provenance = _provenance(observations, grouped, year, shown_days, standing_in)
    return MetricPage(
        area=area,
        metric=metric,
        financial_year=year,
        years=grouped.years(),
        series=series,
        table=table,
        status=grouped.status(year),
        breaks=breaks,
        provenance=provenance,
        monthly_actuals=sorted(grouped.values("actual").items()),
        breakdowns=list(metric.breakdowns.all()),
        unit=_metric_unit(metric),
    )


# --- the metric page's SPC view ----------------------------------------------------------


@dataclass(frozen=True)
class SpcView:
    """The XmR chart and everything said about it in words."""

    figure: dict | None
    result: spc.SpcResult | None
    signals: list[dict]
    variation: spc.Icon | None
    assurance: spc.Icon | None
    target: float | None
    rules: dict[str, str]
    variation_meanings: dict[str, str]
    assurance_meanings: dict[str, str]
    rows: list[dict]

    @property
    def table(self) -> SpcTable:
        """The XmR chart's figures as a table."""
        return SpcTable(self.rows)


def _spc_rows(result: spc.SpcResult) -> tuple[list[dict], list[dict]]:
    """The XmR chart's table (every point with its limits) and its special-cause signals."""
    rows, signals = [], []
    for point in result.points:
        seg = result.segment_of(point)
        label = f"{point.date:%b %Y}"
        rows.append(
            {
                "label": label,
                "value": point.value,
                "mean": seg.mean if seg else None,
                "lower": seg.lower_limit if seg else None,
                "upper": seg.upper_limit if seg else None,
                "rules": "; ".join(s.label for s in point.signals),
            }
        )
        if point.signals:
            signals.append(
                {
                    "label": label,
                    "value": point.value,
                    "nature": point.nature,
                    "side": "above the mean" if point.side == "high" else "below the mean",
                    "rules": [s.label for s in point.signals],
                }
            )
    return rows, signals


def _spc_view(page: MetricPage, recalculate_from: date | None) -> SpcView:
    lower_is_better = page.metric.polarity == Polarity.LOWER_IS_BETTER
    improvement: Literal["lower", "higher"] = "lower" if lower_is_better else "higher"
    target = page.series.monthly_target() if page.series is not None else None
    result = spc.xmr(
        page.monthly_actuals,
        recalculate_from=[recalculate_from] if recalculate_from else (),
        improvement=improvement,
    )
    rows, signals = _spc_rows(result)
    figure = charts.spc_chart(
        result,
        title=f"{page.metric.short_name}, {page.area.name}: XmR chart",
        unit=page.unit,
        target=target,
    )
    return SpcView(
        figure=figure,
        result=result,
        signals=signals,
        variation=result.variation,
        assurance=result.assurance(target),
        target=target,
        rules=spc.RULES,
        variation_meanings=spc.VARIATION_TEXT,
        assurance_meanings=spc.ASSURANCE_TEXT,
        rows=rows,
    )


def spc_view(page: MetricPage, spc_from: date | None) -> tuple[SpcView | None, str | None]:
    """The SPC view with limits recalculated from `spc_from`, or why that month cannot be
    used. None (and no message) when there are fewer than two actuals."""
    values = [d for d, v in page.monthly_actuals if v is not None]
    if len(values) < 2:
        return None, None
    if spc_from is not None and not values[0] < spc_from <= values[-1]:
        return None, (
            f"Choose a month after the first value ({values[0]:%Y-%m}) and no later than the "
            f"last ({values[-1]:%Y-%m})"
        )
    try:
        return _spc_view(page, spc_from), None
    except ValueError as error:
        return None, str(error)


# --- dashboard ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tile:
    """One small multiple on the dashboard."""

    metric: Metric
    status: MetricStatus
    figure: dict | None
    table: list[dict]
    latest: tuple[date, float] | None
    unit: str
    has_data: bool

    @property
    def chart_id(self) -> str:
        return f"chart-{self.metric.code}"

    @property
    def json_id(self) -> str:
        return f"chart-{self.metric.code}-data"

    @property
    def data_table(self) -> TileTable:
        """The chart's numbers as a table, its text alternative."""
        return TileTable(self)


@dataclass(frozen=True)
class FrameworkTiles:
    framework: MetricFramework
    why: str
    tiles: list[Tile]


@dataclass
class Dashboard:
    areas: list[Area]
    area: Area | None
    years: list[int]
    financial_year: int | None
    sections: list[FrameworkTiles]

    @property
    def year_label(self) -> str:
        return fy_label(self.financial_year) if self.financial_year is not None else ""


def frameworks_for_year(
    frameworks: Sequence[MetricFramework], year: int | None, with_data: Iterable[int] = ()
) -> list[tuple[MetricFramework, str]]:
    """The framework in force in the year (if any), the current framework, and any other
    framework whose metrics have data in the year (`with_data`: framework ids), such as the
    BCF 2017–19 DTOC series that ran on to February 2020."""
    chosen: list[tuple[MetricFramework, str]] = []
    with_data = set(with_data)
    start = fy_start(year) if year is not None else None
    for fw in frameworks:
        if start is not None and fw.starts <= start and (fw.ends is None or start <= fw.ends):
            why = "current framework" if fw.is_current else f"in force in {fy_label(start.year)}"
            chosen.append((fw, why))
    for fw in frameworks:
        if fw.is_current and fw not in [f for f, _ in chosen]:
            chosen.append((fw, "current framework"))
    for fw in frameworks:
        if fw.pk in with_data and fw not in [f for f, _ in chosen] and start is not None:
            chosen.append((fw, f"has data for {fy_label(start.year)}"))
    return chosen


def _tile(grouped: MetricObservations, year: int | None) -> Tile:
    metric = grouped.metric
    status = grouped.status(year)
    figure, table = None, []
    if grouped.has_data and year is not None:
        actuals, plan = _actuals_and_plan(grouped, year)
        series = charts.MetricSeries(
            name=metric.short_name, unit=_metric_unit(metric), actuals=actuals, plan=plan
        )
        figure = charts.small_multiple(series, status_label=status.label)
        table = _series_rows(series, grouped.period_kind, "actual", "plan")
    return Tile(
        metric=metric,
        status=status,
        figure=figure,
        table=table,
        latest=grouped.latest(year),
        unit=_metric_unit(metric),
        has_data=grouped.has_data,
    )


def _frameworks_with_data(
    metrics: Sequence[Metric], by_metric: dict[int, list[Observation]], year: int | None
) -> set[int]:
    """Frameworks with an actual or a plan of one of their metrics in the year."""
    framework_of = {m.pk: m.framework_id for m in metrics}
    return {
        framework_of[pk]
        for pk, rows in by_metric.items()
        if year is not None
        and any(
            o.kind in (ObservationKind.ACTUAL, ObservationKind.PLAN)
            and in_financial_year(o.period_start, year)
            for o in rows
        )
    }


def _chosen_area(areas: list[Area], area_code: str | None) -> Area | None:
    """The area the code names (raises Area.DoesNotExist), else `selectors.default_area`."""
    if not area_code:
        return selectors.default_area(areas)
    code = area_code.strip().upper()
    return next((a for a in areas if a.code == code), None) or selectors.area_get(code)


def dashboard(*, area_code: str | None = None, financial_year: int | None = None) -> Dashboard:
    """Small multiples for one area: the current framework's metrics and, when the year falls
    in an older framework's period, that framework's too. Five queries whatever the data:
    areas with data, the area's observation years, frameworks, metrics, observations (one
    more to find the default area when none is chosen, or when `area_code` names an area
    without data). Raises Area.DoesNotExist for an unknown code."""
    areas = selectors.areas_with_data()
    area = _chosen_area(areas, area_code)
    if area is None:
        return Dashboard(areas, None, [], None, [])
    years = selectors.observation_years(area)
    year = financial_year if financial_year is not None else (years[0] if years else None)
    frameworks = selectors.frameworks()
    metrics = selectors.catalogue()
    by_metric = selectors.observations_by_metric(area, year) if year is not None else {}
    chosen = frameworks_for_year(frameworks, year, _frameworks_with_data(metrics, by_metric, year))
    sections = [
        FrameworkTiles(
            fw,
            why,
            [
                _tile(MetricObservations.of(m, by_metric.get(m.pk, [])), year)
                for m in metrics
                if m.framework_id == fw.pk
            ],
        )
        for fw, why in chosen
    ]
    # The framework with data for the year first: a 2017/18 view leads with BCF 2017–19.
    sections.sort(key=lambda s: not any(t.has_data for t in s.tiles))
    return Dashboard(areas, area, years, year, sections)


# --- comparison across areas --------------------------------------------------------------


@dataclass
class Comparison:
    metric: Metric
    years: list[int]
    financial_year: int | None
    rows: list[AreaValue]
    england: AreaValue | None
    comparators: list[AreaValue]
    quartiles: tuple[float, float, float] | None
    unit: str
    figure: dict | None
    basis: str

    @property
    def year_label(self) -> str:
        return fy_label(self.financial_year) if self.financial_year is not None else ""

    def table(self, sort: str = "") -> ComparisonTable:
        """The areas as a sortable table (`sort`: a column, '-' first for descending)."""
        return ComparisonTable(self, sort)


def comparison(*, metric: Metric, financial_year: int | None = None) -> Comparison:
    """One metric's actual for one financial year in every area with data, England and the
    quartiles of the (non-comparator) areas. Two queries: the years, then the values with
    their areas."""
    years = selectors.comparison_years(metric)
    year = financial_year if financial_year is not None else (years[0] if years else None)
    values = selectors.area_values(metric, year) if year is not None else []
    england = next((v for v in values if v.area.code == selectors.ENGLAND_CODE), None)
    comparators = sorted(
        (v for v in values if v.area.is_comparator and v.area.code != selectors.ENGLAND_CODE),
        key=lambda v: v.area.name,
    )
    rows = sorted((v for v in values if not v.area.is_comparator), key=lambda v: v.area.name)
    quartile_values = charts.quartiles(v.value for v in rows)
    unit = _metric_unit(metric)
    figure = None
    if rows and year is not None:
        figure = charts.comparison_chart(
            f"{metric.short_name}, {fy_label(year)}",
            {v.area.name: v.value for v in rows},
            england.value if england else None,
            quartile_values,
            unit=unit,
        )
    return Comparison(
        metric=metric,
        years=years,
        financial_year=year,
        rows=rows,
        england=england,
        comparators=comparators,
        quartiles=quartile_values,
        unit=unit,
        figure=figure,
        basis=AGGREGATION_BASIS.get(metric.aggregation, ""),
    )
