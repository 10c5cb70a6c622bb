"""Typed reads for the metric pages and for other apps: the catalogue, areas with data, one
(area, metric)'s observations with where each value came from, the observations of an area's
dashboard year, one metric's year value in every area, and on-track status for many pairs.

Selectors read and return data, never figures or HTML: `metrics.pages` composes them with
`metrics.charts` into what a template shows. Every function runs a fixed number of queries
whatever the number of areas, metrics and months (ARCHITECTURE.md, convention 4; the page
tests lock the counts). Observations are read once and grouped in Python by
`metrics.rules.MetricObservations`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Prefetch, Q

from integration.people import display_name
from metrics.choices import ObservationKind, PeriodKind, period_kind_of
from metrics.models import (
    Area,
    Metric,
    MetricFramework,
    Observation,
    ObservationRevision,
)
from metrics.periods import Period, financial_year_of, fy_last_month, fy_start, year_value
from metrics.rules import MetricObservations
from metrics.status import MetricStatus

ENGLAND_CODE = "E92000001"


# --- the catalogue and areas ---------------------------------------------------------------


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


def frameworks() -> list[MetricFramework]:
    return list(MetricFramework.objects.all())


def catalogue() -> list[Metric]:
    """Every metric with its framework (the whole catalogue is a few dozen rows)."""
    return list(Metric.objects.select_related("framework"))


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


# --- one metric in one area, with where each value came from --------------------------------


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


def _version_of(record: Observation | ObservationRevision) -> Version:
    """A value as the provenance table shows it: the current one, or an earlier revision."""
    upload = record.upload
    return Version(
        value=record.value,
        status=record.get_status_display(),
        note=record.note,
        upload_name=upload.original_name,
        uploaded_at=upload.uploaded_at,
        uploaded_by=display_name(upload.uploaded_by) or "unknown",
        upload_id=upload.pk,
        replaced_at=getattr(record, "replaced_at", None),
    )


def provenance_of(obs: Observation) -> Provenance:
    """The observation's current value and earlier versions (needs `with_history`)."""
    return Provenance(
        period_start=obs.period_start,
        period_label=Period(obs.period_kind, obs.period_start).label,
        kind=obs.kind,
        kind_label=obs.get_kind_display(),
        current=_version_of(obs),
        earlier=tuple(_version_of(r) for r in obs.revisions.all()),
    )


def metric_observations(area: Area, metric: Metric, *, with_history: bool) -> list[Observation]:
    """Every observation of the metric in the area with its upload and uploader, by period and
    kind; `with_history` adds their earlier versions (one query more)."""
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


# --- an area's dashboard --------------------------------------------------------------------

_STATUS_FIELDS = (
    "area_id", "metric_id", "kind", "period_kind", "period_start", "value", "numerator",
    "denominator",
)  # fmt: skip


def observation_years(area: Area) -> list[int]:
    """Financial years in which the area has an actual or a plan, newest first."""
    days = (
        Observation.objects.filter(
            area=area, kind__in=[ObservationKind.ACTUAL, ObservationKind.PLAN]
        )
        .values_list("period_start", flat=True)
        .distinct()
    )
    return sorted({financial_year_of(d) for d in days}, reverse=True)


def observations_by_metric(area: Area, year: int) -> dict[int, list[Observation]]:
    """The area's observations of the year and the year before (for the baseline), plus annual
    values up to the year, by metric id (one query)."""
    window = Q(period_start__gte=fy_start(year - 1), period_start__lte=fy_last_month(year)) | Q(
        period_kind=PeriodKind.YEAR, period_start__lte=fy_last_month(year)
    )
    by_metric: dict[int, list[Observation]] = defaultdict(list)
    for obs in Observation.objects.filter(window, area=area).only(*_STATUS_FIELDS[1:]):
        by_metric[obs.metric_id].append(obs)
    return by_metric


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
    ).only(*_STATUS_FIELDS)
    by_pair: dict[tuple[int, int], list[Observation]] = defaultdict(list)
    for obs in observations:
        key = (obs.area_id, obs.metric_id)
        if key in wanted:
            by_pair[key].append(obs)
    result = {}
    for area, metric in pairs:
        grouped = MetricObservations.of(metric, by_pair.get((area.pk, metric.pk), []))
        year = financial_year if financial_year is not None else grouped.default_year()
        result[(area.pk, metric.pk)] = (grouped.status(year), grouped.sparkline_points(year))
    return result


def metric_status_for(
    *, area: Area, metric: Metric, financial_year: int | None = None
) -> tuple[MetricStatus, list[tuple[date, float | None]]]:
    """One metric's status in one area and the points of its sparkline (one query)."""
    return metric_statuses_for([(area, metric)], financial_year=financial_year)[
        (area.pk, metric.pk)
    ]


# --- one metric across areas ----------------------------------------------------------------


@dataclass(frozen=True)
class AreaValue:
    """One area's value of a metric for a financial year, and how many periods made it."""

    area: Area
    value: float | None
    periods: int


_Item = tuple[date, float | None, float | None, float | None]


def comparison_years(metric: Metric) -> list[int]:
    """Financial years with an actual of the metric in any area, newest first."""
    days = (
        Observation.objects.filter(
            metric=metric,
            kind=ObservationKind.ACTUAL,
            period_kind=period_kind_of(metric.frequency),
        )
        .values_list("period_start", flat=True)
        .distinct()
    )
    return sorted({financial_year_of(d) for d in days}, reverse=True)


def _year_value_of(metric: Metric, items: list[_Item]) -> float | None:
    """The area's year from its (period, value, numerator, denominator) items; a ratio uses
    the numerators and denominators only when every period has them."""
    values = [v for _, v, _, _ in sorted(items, key=lambda i: i[0]) if v is not None]
    if not values:
        return None
    pairs = [(n, d) for _, _, n, d in items if n is not None and d]
    return year_value(
        metric.aggregation,
        values,
        ratio_pairs=pairs if len(pairs) == len(items) else (),
        ratio_scale=float(metric.rate_per or 100),
    )


def area_values(metric: Metric, year: int) -> list[AreaValue]:
    """The metric's actual for the financial year in every area with one (one query)."""
    rows = Observation.objects.filter(
        metric=metric,
        kind=ObservationKind.ACTUAL,
        period_kind=period_kind_of(metric.frequency),
        period_start__gte=fy_start(year),
        period_start__lte=fy_last_month(year),
    ).values_list(
        "area_id", "area__code", "area__name", "area__is_comparator", "area__is_hwb",
        "period_start", "value", "numerator", "denominator",
    )  # fmt: skip
    by_area: dict[int, list[_Item]] = defaultdict(list)
    areas: dict[int, Area] = {}
    # Plain tuples, not model instances: 150 areas × 12 months is 1,800 rows a request.
    for pk, code, name, is_comparator, is_hwb, day, value, num, den in rows:
        if pk not in areas:
            areas[pk] = Area(
                pk=pk, code=code, name=name, is_comparator=is_comparator, is_hwb=is_hwb
            )
        by_area[pk].append((day, value, num, den))
    return [
        AreaValue(areas[pk], _year_value_of(metric, items), len(items))
        for pk, items in by_area.items()
    ]
