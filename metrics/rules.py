"""Pure rules about metrics, with no queries: a metric's observations of one area by kind and
financial year, and how the catalogue's settings
(polarity, tolerance, aggregation, frequency) turn them into an on-track status.

Selectors read observations and hand them here; page builders and other apps' read models use
the same objects, so "the latest year with data" or "a quarterly year is complete" is decided
once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from metrics.choices import Aggregation, ObservationKind, PeriodKind, period_kind_of
from metrics.periods import (
    financial_year_of,
    fy_last_month,
    fy_start,
    in_financial_year,
    month_range,
    quarter_starts,
)
from metrics.status import MetricStatus, metric_status

if TYPE_CHECKING:
    from metrics.models import Metric


class ObservationLike(Protocol):
    """What the rules read from an observation (a model instance or a lighter stand-in)."""

    kind: str
    period_kind: str
    period_start: date
    value: float | None
    numerator: float | None
    denominator: float | None


def metric_period_kind(metric: Metric) -> str:
    return period_kind_of(metric.frequency)


def _values_in(
    by_day: Mapping[date, ObservationLike], year: int | None = None
) -> dict[date, float | None]:
    return {d: o.value for d, o in by_day.items() if year is None or in_financial_year(d, year)}


@dataclass
class MetricObservations:
    """One (metric, area)'s observations of the metric's period kind, by kind and period start.
    An annual target of a monthly metric is kept with the year's other targets."""

    metric: Metric
    actual: dict[date, ObservationLike] = field(default_factory=dict)
    plan: dict[date, ObservationLike] = field(default_factory=dict)
    baseline: dict[date, ObservationLike] = field(default_factory=dict)
    target: dict[date, ObservationLike] = field(default_factory=dict)

    @classmethod
    def of(cls, metric: Metric, observations: Iterable[ObservationLike]) -> MetricObservations:
        grouped = cls(metric)
        wanted = metric_period_kind(metric)
        for obs in observations:
            if obs.period_kind == wanted:
                getattr(grouped, obs.kind)[obs.period_start] = obs
            elif obs.kind == ObservationKind.TARGET and obs.period_kind == PeriodKind.YEAR:
                grouped.target[obs.period_start] = obs
        return grouped

    @property
    def period_kind(self) -> str:
        return metric_period_kind(self.metric)

    @property
    def has_data(self) -> bool:
        return bool(self.actual or self.plan)

    def years(self) -> list[int]:
        """Financial years with an actual or a plan, newest first."""
        days = [*self.actual, *self.plan]
        return sorted({financial_year_of(d) for d in days}, reverse=True)

    def default_year(self) -> int | None:
        years = self.years()
        return years[0] if years else None

    def values(self, kind: str, year: int | None = None) -> dict[date, float | None]:
        """One kind's values by period start, in the financial year `year` (None: every year)."""
        return _values_in(getattr(self, kind), year)

    def annual_target(self, year: int) -> float | None:
        obs = self.target.get(fy_start(year))
        return None if obs is None or obs.value is None else float(obs.value)

    def sparkline_points(self, year: int | None) -> list[tuple[date, float | None]]:
        """The year's actuals; for an annual metric, every year's up to `year`."""
        if year is None:
            return []
        if self.period_kind == PeriodKind.YEAR:
            return sorted(
                (d, v) for d, v in self.values("actual").items() if d <= fy_last_month(year)
            )
        return sorted(self.values("actual", year).items())

    def latest(self, year: int | None) -> tuple[date, float] | None:
        """The latest actual up to the end of `year`."""
        if year is None:
            return None
        found = [
            (d, o.value)
            for d, o in self.actual.items()
            if d <= fy_last_month(year) and o.value is not None
        ]
        return max(found) if found else None

    def status(self, year: int | None) -> MetricStatus:
        """`status.metric_status` with the catalogue's polarity, tolerance and aggregation.

        Annual metrics: the year's single value is judged as a closed year ("last" of one
        value) against the annual target or plan. Quarterly metrics sit on their quarters' first
        months and are judged year to date until all four quarters are in. A ratio metric whose
        actuals carry no numerator and denominator is judged on the mean of its values."""
        if year is None:
            return MetricStatus("data_not_available", "No actuals or plan uploaded for this area")
        metric = self.metric
        aggregation, extra = self._status_settings(year)
        plan = self.values("plan", year)
        if self.period_kind == PeriodKind.YEAR:
            # One value a year: spread the plan over the months so "the full-year plan" exists.
            months = month_range(fy_start(year), fy_last_month(year))
            plan = {m: v for v in plan.values() for m in months}
        return metric_status(
            financial_year=year,
            actuals=self.values("actual", year),
            plan=plan,
            polarity=metric.polarity,
            tolerance=float(metric.tolerance_percent),
            aggregation=aggregation,
            annual_target=self.annual_target(year),
            **extra,
        )

    def _status_settings(self, year: int) -> tuple[str, dict[str, Any]]:
        """The aggregation the year is judged with, and `metric_status`'s extra arguments."""
        metric = self.metric
        actual_obs = [o for d, o in self.actual.items() if in_financial_year(d, year)]
        aggregation: str = metric.aggregation
        extra: dict[str, Any] = {}
        ratio_ready = actual_obs and all(
            o.numerator is not None and o.denominator for o in actual_obs
        )
        if aggregation == Aggregation.RATIO and ratio_ready:
            extra = {
                "numerators": {o.period_start: o.numerator for o in actual_obs},
                "denominators": {o.period_start: o.denominator for o in actual_obs},
                "ratio_scale": float(metric.rate_per or 100),
            }
        elif aggregation == Aggregation.RATIO:
            aggregation = Aggregation.MEAN
        if self.period_kind == PeriodKind.YEAR:
            aggregation = Aggregation.LAST if aggregation != Aggregation.RATIO else aggregation
            extra["year_complete"] = bool(actual_obs) or None
        elif self.period_kind == PeriodKind.QUARTER:
            # Quarters sit on their first months: four quarters of actuals complete the year.
            extra["periods"] = quarter_starts(year)
        return aggregation, extra
