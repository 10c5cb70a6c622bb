"""Read models for the metric pages: one metric's series in one area, the dashboard's small
multiples, one metric across areas, on-track status, and where each value came from.

Every function here runs a fixed number of queries whatever the number of areas, metrics and
months (ARCHITECTURE.md, convention 4; `tests/metrics/test_dashboard_queries.py` locks the
counts). Observations are read once per page and grouped in Python; the pure modules
(`charts`, `status`, `spc`) do the rest from plain dicts.

Baselines. An uploaded `baseline` observation is dated at the month it is compared with (the
Figure 20 row "Baseline (15/16 Activity)" sits under Apr-16 … Mar-17), so a year's baseline is
the `baseline` rows inside that year, moved back onto the previous year's months for
`charts.MetricSeries` (which shifts them forward again and labels them with that year). When
no baseline was uploaded, the previous year's actuals stand in, labelled as such.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

from django.db.models import Prefetch, Q

from metrics import charts
from metrics.choices import Aggregation, Frequency, ObservationKind, PeriodKind, Unit
from metrics.models import (
    Area,
    Metric,
    MetricFramework,
    Observation,
    ObservationRevision,
    SeriesBreak,
)
from metrics.periods import financial_year_of, fy_label
from metrics.status import MetricStatus, metric_status

ENGLAND_CODE = "E92000001"

PERIOD_KIND_OF = {
    Frequency.MONTHLY: PeriodKind.MONTH,
    Frequency.QUARTERLY: PeriodKind.QUARTER,
    Frequency.ANNUAL: PeriodKind.YEAR,
}

UNIT_TEXT = {
    Unit.COUNT: "count",
    Unit.PERCENTAGE: "%",
    Unit.DAYS: "days",
    Unit.GBP: "£",
}


def unit_text(metric: Metric) -> str:
    """The unit as axis titles and hover text show it: 'per 100,000', '%', 'count'."""
    if metric.unit == Unit.RATE:
        return f"per {metric.rate_per:,}" if metric.rate_per else "rate"
    return UNIT_TEXT.get(metric.unit, metric.unit)


def period_kind_of(metric: Metric) -> str:
    return PERIOD_KIND_OF.get(metric.frequency, PeriodKind.MONTH)


def fy_start(year: int) -> date:
    return date(year, 4, 1)


def fy_end(year: int) -> date:
    """The first day of the last month of the financial year (March)."""
    return date(year + 1, 3, 1)


def _in_year(day: date, year: int) -> bool:
    return fy_start(year) <= day <= fy_end(year)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _shift_year(day: date, years: int) -> date:
    return day.replace(year=day.year + years)


# --- the observations of one metric in one area -------------------------------------------


@dataclass
class _Grouped:
    """One (metric, area)'s observations of the metric's period kind, by kind and date."""

    actual: dict[date, Observation] = field(default_factory=dict)
    plan: dict[date, Observation] = field(default_factory=dict)
    baseline: dict[date, Observation] = field(default_factory=dict)
    target: dict[date, Observation] = field(default_factory=dict)

    def add(self, obs: Observation) -> None:
        getattr(self, obs.kind)[obs.period_start] = obs

    def years(self) -> list[int]:
        """Financial years with an actual or a plan, newest first."""
        days = [*self.actual, *self.plan]
        return sorted({financial_year_of(d) for d in days}, reverse=True)

    def default_year(self) -> int | None:
        years = self.years()
        return years[0] if years else None


def _group(observations: Iterable[Observation], metric: Metric) -> _Grouped:
    grouped = _Grouped()
    wanted = period_kind_of(metric)
    for obs in observations:
        if obs.period_kind == wanted:
            grouped.add(obs)
        elif obs.kind == ObservationKind.TARGET and obs.period_kind == PeriodKind.YEAR:
            # An annual target for a monthly metric: kept with the year's other targets.
            grouped.target[obs.period_start] = obs
    return grouped


def _values(obs_by_day: dict[date, Observation], year: int | None = None) -> dict:
    return {d: o.value for d, o in obs_by_day.items() if year is None or _in_year(d, year)}


def _annual_target(grouped: _Grouped, year: int) -> float | None:
    obs = grouped.target.get(fy_start(year))
    return None if obs is None or obs.value is None else float(obs.value)


def _series(
    grouped: _Grouped, metric: Metric, area: Area, year: int, breaks: Sequence[SeriesBreak]
) -> charts.MetricSeries:
    """The metric page's series for one financial year (all years for an annual metric)."""
    kind = period_kind_of(metric)
    if kind == PeriodKind.YEAR:
        actuals, plan = _values(grouped.actual), _values(grouped.plan)
        baseline: dict = {}
        label = None
    else:
        actuals, plan = _values(grouped.actual, year), _values(grouped.plan, year)
        uploaded = _values(grouped.baseline, year)
        if uploaded:
            # Dated at the month it is compared with: move it back onto its own year's months.
            baseline = {_shift_year(d, -1): v for d, v in uploaded.items()}
            label = f"Baseline ({fy_label(year - 1)} activity)"
        else:
            baseline = _values(grouped.actual, year - 1)
            label = f"Previous year actual ({fy_label(year - 1)})" if baseline else None
    keys = [*actuals, *plan, *(_shift_year(d, 1) for d in baseline)]
    first, last = (min(keys), max(keys)) if keys else (fy_start(year), fy_end(year))
    if kind != PeriodKind.YEAR:
        first, last = min(first, fy_start(year)), max(last, fy_end(year))
    shown = [(b.date, b.label) for b in breaks if first <= b.date <= _next_month(last)]
    return charts.MetricSeries(
        name=f"{metric.short_name}, {area.name}",
        unit=unit_text(metric),
        actuals=actuals,
        plan=plan,
        baseline=baseline,
        baseline_label=label,
        annual_target=_annual_target(grouped, year),
        target_is_annual_total=metric.aggregation == Aggregation.SUM,
        target_year=year if kind != PeriodKind.YEAR else None,
        breaks=shown,
    )


def _status(grouped: _Grouped, metric: Metric, year: int | None) -> MetricStatus:
    """`status.metric_status` with the catalogue's polarity, tolerance and aggregation.

    Annual metrics: the year's single value is judged as a closed year ("last" of one value)
    against the annual target or plan. Quarterly metrics sit on their quarters' first months
    and are judged year to date until all four quarters are in. A ratio metric whose actuals
    carry no numerator and denominator is judged on the mean of its values."""
    if year is None:
        return MetricStatus("data_not_available", "No actuals or plan uploaded for this area")
    kind = period_kind_of(metric)
    actual_obs = {d: o for d, o in grouped.actual.items() if _in_year(d, year)}
    actuals = {d: o.value for d, o in actual_obs.items()}
    plan = _values(grouped.plan, year)
    aggregation = metric.aggregation
    extra: dict = {}
    ratio_ready = actual_obs and all(
        o.numerator is not None and o.denominator for o in actual_obs.values()
    )
    if aggregation == Aggregation.RATIO and ratio_ready:
        extra = {
            "numerators": {d: o.numerator for d, o in actual_obs.items()},
            "denominators": {d: o.denominator for d, o in actual_obs.items()},
            "ratio_scale": float(metric.rate_per or 100),
        }
    elif aggregation == Aggregation.RATIO:
        aggregation = Aggregation.MEAN
    if kind == PeriodKind.YEAR:
        # One value a year: spread the plan over the months so "the full-year plan" exists.
        aggregation = Aggregation.LAST if aggregation != Aggregation.RATIO else aggregation
        plan = {
            m: v for v in plan.values() for m in charts.month_range(fy_start(year), fy_end(year))
        }
        extra["year_complete"] = bool(actuals) or None
    elif kind == PeriodKind.QUARTER:
        # Quarters sit on their first months: four quarters of actuals complete the year.
        extra["periods"] = [fy_start(year).replace(month=m) for m in (4, 7, 10)] + [
            date(year + 1, 1, 1)
        ]
    return metric_status(
        financial_year=year,
        actuals=actuals,
        plan=plan,
        polarity=metric.polarity,
        tolerance=float(metric.tolerance_percent),
        aggregation=aggregation,
        annual_target=_annual_target(grouped, year),
        **extra,
    )


def _sparkline_points(grouped: _Grouped, metric: Metric, year: int | None) -> list:
    if year is None:
        return []
    if period_kind_of(metric) == PeriodKind.YEAR:
        return sorted((d, v) for d, v in _values(grouped.actual).items() if d <= fy_end(year))
    return sorted(_values(grouped.actual, year).items())


def _latest(grouped: _Grouped, year: int | None) -> tuple[date, float] | None:
    if year is None:
        return None
    found = [
        (d, o.value) for d, o in grouped.actual.items() if d <= fy_end(year) and o.value is not None
    ]
    return max(found) if found else None


# --- metric page ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Version:
    """One value an observation has held: the current one or an earlier revision."""

    value: float | None
    status: str
    note: str
    upload_name: str
    uploaded_at: datetime | None
    uploaded_by: str
    upload_id: int | None = None
    replaced_at: datetime | None = None


@dataclass(frozen=True)
class Provenance:
    """Where a value on the page came from, with its earlier versions (newest first)."""

    period_start: date
    period_label: str
    kind: str
    kind_label: str
    current: Version
    earlier: tuple[Version, ...]


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
            or period_kind_of(self.metric) != PeriodKind.MONTH
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


def _person(user) -> str:
    if user is None:
        return "unknown"
    return user.get_full_name() or user.get_username()


def _version_of(record: Observation | ObservationRevision) -> Version:
    """A value as the provenance table shows it: the current one, or an earlier revision."""
    upload = record.upload
    return Version(
        value=record.value,
        status=record.get_status_display(),
        note=record.note,
        upload_name=upload.original_name,
        uploaded_at=upload.uploaded_at,
        uploaded_by=_person(upload.uploaded_by),
        upload_id=upload.pk,
        replaced_at=getattr(record, "replaced_at", None),
    )


def _period_label(obs: Observation) -> str:
    if obs.period_kind == PeriodKind.YEAR:
        return fy_label(financial_year_of(obs.period_start))
    if obs.period_kind == PeriodKind.QUARTER:
        number = (obs.period_start.month - 4) % 12 // 3 + 1
        return f"Q{number} {fy_label(financial_year_of(obs.period_start))}"
    return f"{obs.period_start:%b %Y}"


_KIND_ORDER = {"actual": 0, "plan": 1, "baseline": 2, "target": 3}


def _observations_for(area: Area, metric: Metric, *, with_history: bool):
    queryset = Observation.objects.filter(area=area, metric=metric).select_related(
        "upload__uploaded_by"
    )
    if with_history:
        queryset = queryset.prefetch_related(
            Prefetch(
                "revisions",
                queryset=ObservationRevision.objects.select_related("upload__uploaded_by"),
            )
        )
    return list(queryset.order_by("period_start", "kind"))


def metric_page(*, area: Area, metric: Metric, financial_year: int | None = None) -> MetricPage:
    """Everything the metric page shows for one financial year (default: the latest with an
    actual or a plan). Three queries: observations with their uploads, their revisions, and
    the metric's breakdowns and series breaks come with `metric_get` (see `metric_get`)."""
    observations = _observations_for(area, metric, with_history=True)
    grouped = _group(observations, metric)
    years = grouped.years()
    year = financial_year if financial_year is not None else grouped.default_year()
    breaks = list(metric.series_breaks.all())
    series = _series(grouped, metric, area, year, breaks) if year is not None else None
    table = charts.series_table(series) if series is not None else []
    if series is not None and period_kind_of(metric) != PeriodKind.MONTH:
        # Quarters and years sit on their first month: months between them are not periods.
        table = [r for r in table if any(r[k] is not None for k in ("actual", "plan", "baseline"))]
    shown_days = {r["month"] for r in table}
    standing_in = (
        series is not None
        and bool(series.baseline)
        and not _values(grouped.baseline, year)
        and period_kind_of(metric) != PeriodKind.YEAR
    )
    provenance = []
    for obs in observations:
        in_view = obs.period_start in shown_days or (
            year is not None
            and obs.kind == ObservationKind.TARGET
            and obs.period_start == fy_start(year)
        )
        baseline_for_view = year is not None and (
            (obs.kind == ObservationKind.BASELINE and _in_year(obs.period_start, year))
            or (
                # The previous year's actuals, when they stand in for the baseline.
                standing_in
                and obs.kind == ObservationKind.ACTUAL
                and _in_year(obs.period_start, year - 1)
            )
        )
        if not (in_view or baseline_for_view):
            continue
        provenance.append(
            Provenance(
                period_start=obs.period_start,
                period_label=_period_label(obs),
                kind=obs.kind,
                kind_label=obs.get_kind_display(),
                current=_version_of(obs),
                earlier=tuple(_version_of(r) for r in obs.revisions.all()),
            )
        )
    provenance.sort(key=lambda p: (p.period_start, _KIND_ORDER.get(p.kind, 9)))
    monthly_actuals = sorted(_values(grouped.actual).items())
    return MetricPage(
        area=area,
        metric=metric,
        financial_year=year,
        years=years,
        series=series,
        table=table,
        status=_status(grouped, metric, year),
        breaks=breaks,
        provenance=provenance,
        monthly_actuals=monthly_actuals,
        breakdowns=list(metric.breakdowns.all()),
        unit=unit_text(metric),
    )


def metric_get(code: str, *, with_related: bool = True) -> Metric:
    """The metric with its framework and parent, and (`with_related`) its breakdowns and series
    breaks: three queries, or one. Raises Metric.DoesNotExist."""
    metrics = Metric.objects.select_related("framework", "parent")
    if with_related:
        metrics = metrics.prefetch_related("series_breaks", "breakdowns")
    return metrics.get(code=code)


def area_get(code: str) -> Area:
    """Raises Area.DoesNotExist."""
    return Area.objects.get(code=code.strip().upper())


# --- status for other pages (workstreams) -------------------------------------------------


def metric_statuses_for(
    pairs: Sequence[tuple[Area, Metric]], *, financial_year: int | None = None
) -> dict[tuple[int, int], tuple[MetricStatus, list[tuple[date, float | None]]]]:
    """Status and sparkline points for many (area, metric) pairs in one query, keyed by
    (area id, metric id). Without `financial_year`, each pair's latest year with data."""
    if not pairs:
        return {}
    wanted = {(a.pk, m.pk) for a, m in pairs}
    observations = Observation.objects.filter(
        area_id__in={a for a, _ in wanted}, metric_id__in={m for _, m in wanted}
    ).only("area_id", "metric_id", "kind", "period_kind", "period_start", "value",
           "numerator", "denominator")  # fmt: skip
    by_pair: dict[tuple[int, int], list[Observation]] = defaultdict(list)
    for obs in observations:
        key = (obs.area_id, obs.metric_id)
        if key in wanted:
            by_pair[key].append(obs)
    result = {}
    for area, metric in pairs:
        grouped = _group(by_pair.get((area.pk, metric.pk), []), metric)
        year = financial_year if financial_year is not None else grouped.default_year()
        result[(area.pk, metric.pk)] = (
            _status(grouped, metric, year),
            _sparkline_points(grouped, metric, year),
        )
    return result


def metric_status_for(
    *, area: Area, metric: Metric, financial_year: int | None = None
) -> tuple[MetricStatus, list[tuple[date, float | None]]]:
    """One metric's status in one area and the points of its sparkline (one query)."""
    return metric_statuses_for([(area, metric)], financial_year=financial_year)[
        (area.pk, metric.pk)
    ]


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


def areas_with_data() -> list[Area]:
    """Areas with any observation: HWB areas first, then comparators, each by name."""
    areas = Area.objects.filter(pk__in=Observation.objects.values("area_id")).order_by(
        "-is_hwb", "name"
    )
    return list(areas)


def default_area(areas: Sequence[Area]) -> Area | None:
    """The first area with data, preferring HWB areas and, among them, the one with data for
    the most metrics, so the dashboard opens on an area with something to show (one query,
    run only when no area was chosen)."""
    if not areas:
        return None
    candidates = {a.pk: a for a in areas if a.is_hwb == areas[0].is_hwb}
    # Distinct (metric, area) pairs follow the unique index's leading columns, so the
    # database can read them from the index rather than sort every observation.
    pairs = (
        Observation.objects.filter(area_id__in=list(candidates))
        .order_by()
        .values_list("metric_id", "area_id")
        .distinct()
    )
    counts: dict[int, int] = defaultdict(int)
    for _, area_id in pairs:
        counts[area_id] += 1
    # `areas` is in name order, so max() keeps the first name among equal counts.
    return max(candidates.values(), key=lambda a: counts.get(a.pk, 0))


def frameworks_for_year(
    frameworks: Sequence[MetricFramework], year: int | None, with_data: Iterable[int] = ()
) -> list[tuple[MetricFramework, str]]:
    """The framework in force in the year (if any), the current framework, and any other
    framework whose metrics have data in the year (`with_data`: framework ids), such as the
    BCF 2017–19 DTOC series that ran on to February 2020."""
    chosen: list[tuple[MetricFramework, str]] = []
    with_data = set(with_data)
    for fw in frameworks:
        start = fy_start(year) if year is not None else None
        if start is not None and fw.starts <= start and (fw.ends is None or start <= fw.ends):
            chosen.append(
                (fw, "current framework" if fw.is_current else f"in force in {fy_label(year)}")
            )
    for fw in frameworks:
        if fw.is_current and fw not in [f for f, _ in chosen]:
            chosen.append((fw, "current framework"))
    for fw in frameworks:
        if fw.pk in with_data and fw not in [f for f, _ in chosen]:
            chosen.append((fw, f"has data for {fy_label(year)}"))
    return chosen


def dashboard(*, area_code: str | None = None, financial_year: int | None = None) -> Dashboard:
    """Small multiples for one area: the current framework's metrics and, when the year falls
    in an older framework's period, that framework's too. Five queries whatever the data:
    areas with data, the area's observation years, frameworks, metrics, observations (one
    more to find the default area when none is chosen, or when `area_code` names an area
    without data). Default area: `default_area`. Raises Area.DoesNotExist for an unknown
    code."""
    areas = areas_with_data()
    area = None
    if area_code:
        code = area_code.strip().upper()
        area = next((a for a in areas if a.code == code), None) or area_get(code)
    else:
        area = default_area(areas)
    if area is None:
        return Dashboard(areas, None, [], None, [])
    years = sorted(
        {
            financial_year_of(d)
            for d in Observation.objects.filter(
                area=area, kind__in=[ObservationKind.ACTUAL, ObservationKind.PLAN]
            )
            .values_list("period_start", flat=True)
            .distinct()
        },
        reverse=True,
    )
    year = financial_year if financial_year is not None else (years[0] if years else None)
    frameworks = list(MetricFramework.objects.all())
    # The whole catalogue is a few dozen rows: read it all, then keep the frameworks shown.
    metrics = list(Metric.objects.select_related("framework"))
    by_metric: dict[int, list[Observation]] = defaultdict(list)
    if year is not None:
        # The year and the year before (for the baseline), plus annual values up to the year.
        window = Q(period_start__gte=fy_start(year - 1), period_start__lte=fy_end(year)) | Q(
            period_kind=PeriodKind.YEAR, period_start__lte=fy_end(year)
        )
        for obs in Observation.objects.filter(window, area=area).only(
            "metric_id", "kind", "period_kind", "period_start", "value", "numerator",
            "denominator",
        ):  # fmt: skip
            by_metric[obs.metric_id].append(obs)
    framework_of = {m.pk: m.framework_id for m in metrics}
    with_data = {
        framework_of[pk]
        for pk, rows in by_metric.items()
        if any(
            o.kind in (ObservationKind.ACTUAL, ObservationKind.PLAN)
            and _in_year(o.period_start, year)
            for o in rows
        )
    }
    chosen = frameworks_for_year(frameworks, year, with_data)
    sections = []
    for fw, why in chosen:
        tiles = []
        for metric in [m for m in metrics if m.framework_id == fw.pk]:
            grouped = _group(by_metric.get(metric.pk, []), metric)
            status = _status(grouped, metric, year)
            has_data = bool(grouped.actual or grouped.plan)
            figure, table = None, []
            if has_data and year is not None:
                series = _series(grouped, metric, area, year, ())
                series = charts.MetricSeries(
                    name=metric.short_name,
                    unit=series.unit,
                    actuals=series.actuals,
                    plan=series.plan,
                )
                figure = charts.small_multiple(series, status_label=status.label)
                table = charts.series_table(series)
                if period_kind_of(metric) != PeriodKind.MONTH:
                    table = [r for r in table if r["actual"] is not None or r["plan"] is not None]
            tiles.append(
                Tile(
                    metric=metric,
                    status=status,
                    figure=figure,
                    table=table,
                    latest=_latest(grouped, year),
                    unit=unit_text(metric),
                    has_data=has_data,
                )
            )
        sections.append(FrameworkTiles(fw, why, tiles))
    # The framework with data for the year first: a 2017/18 view leads with BCF 2017–19.
    sections.sort(key=lambda s: not any(t.has_data for t in s.tiles))
    return Dashboard(areas, area, years, year, sections)


# --- comparison across areas --------------------------------------------------------------


@dataclass(frozen=True)
class AreaValue:
    area: Area
    value: float | None
    periods: int


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


_BASIS = {
    Aggregation.SUM: "total of the periods with actuals",
    Aggregation.MEAN: "average of the periods with actuals",
    Aggregation.LAST: "latest period with an actual",
    Aggregation.RATIO: "summed numerators over summed denominators (mean of values when "
    "an area sent only percentages)",
}


def _aggregate(metric: Metric, items: list[tuple[date, float | None, float | None, float | None]]):
    values = [(d, v) for d, v, _, _ in sorted(items) if v is not None]
    if not values:
        return None
    if metric.aggregation == Aggregation.SUM:
        return sum(v for _, v in values)
    if metric.aggregation == Aggregation.LAST:
        return values[-1][1]
    if metric.aggregation == Aggregation.RATIO:
        pairs = [(n, d) for _, _, n, d in items if n is not None and d]
        if pairs and len(pairs) == len(items):
            return sum(n for n, _ in pairs) / sum(d for _, d in pairs) * (metric.rate_per or 100)
    return sum(v for _, v in values) / len(values)


def comparison_years(metric: Metric) -> list[int]:
    days = (
        Observation.objects.filter(
            metric=metric, kind=ObservationKind.ACTUAL, period_kind=period_kind_of(metric)
        )
        .values_list("period_start", flat=True)
        .distinct()
    )
    return sorted({financial_year_of(d) for d in days}, reverse=True)


def comparison(*, metric: Metric, financial_year: int | None = None) -> Comparison:
    """One metric's actual for one financial year in every area with data, England and the
    quartiles of the (non-comparator) areas. Two queries: the years, then the values with
    their areas."""
    years = comparison_years(metric)
    year = financial_year if financial_year is not None else (years[0] if years else None)
    by_area: dict[int, list] = defaultdict(list)
    areas: dict[int, Area] = {}
    if year is not None:
        rows = Observation.objects.filter(
            metric=metric,
            kind=ObservationKind.ACTUAL,
            period_kind=period_kind_of(metric),
            period_start__gte=fy_start(year),
            period_start__lte=fy_end(year),
        ).values_list(
            "area_id", "area__code", "area__name", "area__is_comparator", "area__is_hwb",
            "period_start", "value", "numerator", "denominator",
        )  # fmt: skip
        # Plain tuples, not model instances: 150 areas × 12 months is 1,800 rows a request.
        for pk, code, name, is_comparator, is_hwb, day, value, num, den in rows:
            if pk not in areas:
                areas[pk] = Area(
                    pk=pk, code=code, name=name, is_comparator=is_comparator, is_hwb=is_hwb
                )
            by_area[pk].append((day, value, num, den))
    values = [
        AreaValue(areas[pk], _aggregate(metric, items), len(items)) for pk, items in by_area.items()
    ]
    england = next((v for v in values if v.area.code == ENGLAND_CODE), None)
    comparators = sorted(
        (v for v in values if v.area.is_comparator and v.area.code != ENGLAND_CODE),
        key=lambda v: v.area.name,
    )
    rows = sorted((v for v in values if not v.area.is_comparator), key=lambda v: v.area.name)
    quartile_values = charts.quartiles(v.value for v in rows)
    unit = unit_text(metric)
    figure = None
    if rows:
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
        basis=_BASIS.get(metric.aggregation, ""),
    )
