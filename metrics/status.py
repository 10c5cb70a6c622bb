"""On-track status of a BCF metric for one financial year, in the national BCF reporting
vocabulary: "On track", "Not on track", "Data not available", and, once the year is complete,
"Achieved" / "Not achieved".

Pure: plain dicts of month-start date → value in, a `MetricStatus` out. The words and tag
colours come from `metrics.choices`, how a year's value is made from `periods.year_value`.

Year to date compares the actuals, aggregated over the months that have them, with the plan
aggregated over the same months, so a late upload never makes a metric look off track. A
tolerance (percent of plan) widens "on track"; it does not widen "achieved", which is a
statement about the target itself.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from metrics.choices import (
    AGGREGATION_WORD,
    ON_TRACK_COLOURS,
    Aggregation,
    OnTrack,
    Polarity,
    polarity_words,
)
from metrics.periods import fy_label, months_of_financial_year, year_value

Values = Mapping[date, float | None]


@dataclass(frozen=True)
class MetricStatus:
    """The status, its label and GOV.UK tag class, and the reason in words. Label, colour and
    tag class are fields (derived from `code`) so that `dataclasses.asdict` carries them."""

    code: str
    reason: str
    actual: float | None = None
    plan: float | None = None
    variance_pct: float | None = None
    months_with_actuals: int = 0
    label: str = field(init=False)
    colour: str = field(init=False)
    tag_class: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "label", OnTrack(self.code).label)
        object.__setattr__(self, "colour", ON_TRACK_COLOURS[self.code])
        object.__setattr__(self, "tag_class", f"govuk-tag--{ON_TRACK_COLOURS[self.code]}")


@dataclass(frozen=True)
class _Plan:
    """The plan side of the comparison, aggregated the same way as the actuals."""

    values: Values
    numerators: Values | None
    denominators: Values | None
    aggregation: str
    ratio_scale: float

    def over(self, months: list[date]) -> float | None:
        """The plan aggregated over `months`, or None if any of them has no plan."""
        if self.aggregation == "ratio" and self.numerators is not None and self.denominators:
            pairs = [(self.numerators.get(m), self.denominators.get(m)) for m in months]
            if any(n is None or not d for n, d in pairs):
                return None
            ratio_pairs = [(float(n), float(d)) for n, d in pairs if n is not None and d]
            return year_value("ratio", [], ratio_pairs=ratio_pairs, ratio_scale=self.ratio_scale)
        picked = [self.values.get(m) for m in months]
        if any(v is None for v in picked):
            return None
        # A ratio planned as monthly rates: year_value takes their mean, the comparable figure.
        return year_value(self.aggregation, [float(v) for v in picked if v is not None])


def metric_status(
    *,
    financial_year: int,
    actuals: Values,
    plan: Values,
    polarity: str,
    tolerance: float = 0.0,
    aggregation: str = "sum",
    numerators: Values | None = None,
    denominators: Values | None = None,
    plan_numerators: Values | None = None,
    plan_denominators: Values | None = None,
    ratio_scale: float = 100.0,
    year_complete: bool | None = None,
    annual_target: float | None = None,
    periods: Sequence[date] | None = None,
) -> MetricStatus:
    """The status of one metric in one area for the financial year starting April
    `financial_year`.

    - `tolerance` is a percentage of plan (2.5 means within 2.5% of plan is still on track);
      a variance exactly at the tolerance is on track.
    - `aggregation`: "sum" (counts such as admissions), "mean" (monthly rates), "last" (the
      latest month), or "ratio" (Σ numerators / Σ denominators × `ratio_scale`, e.g. the share
      still at home 91 days after reablement). For "ratio", `actuals` is ignored and the plan
      comes from `plan_numerators`/`plan_denominators` when given, else from the mean of
      `plan` over the same months.
    - `periods`: the first days of the periods a full year has; by default its 12 months (a
      quarterly metric passes its 4 quarters, so four quarters of actuals complete the year).
    - `year_complete`: None means "complete once every period has actuals"; pass True for a
      year closed with months missing (a mean, ratio or latest value is then judged on the
      months there are; a total is "Data not available"). A complete year is judged against
      `annual_target`, or the full-year plan when there is no target.
    """
    _check_settings(polarity, aggregation, tolerance)
    months = list(periods or [p.start for p in months_of_financial_year(financial_year)])
    observed, actual = _observed(
        months, actuals, numerators, denominators, aggregation, ratio_scale
    )
    label = fy_label(financial_year)
    if actual is None:
        return MetricStatus("data_not_available", f"No actuals uploaded for {label}")
    planned = _Plan(plan, plan_numerators, plan_denominators, aggregation, ratio_scale)
    complete = len(observed) == len(months) if year_complete is None else year_complete
    if complete and aggregation == "sum" and len(observed) < len(months):
        return _incomplete_total(months, observed, label)
    if complete:
        goal, goal_name = (
            (float(annual_target), "the annual target")
            if annual_target is not None
            else (planned.over(months), "the full-year plan")
        )
        return _full_year(actual, goal, goal_name, len(observed), aggregation, polarity, label)
    return _year_to_date(
        actual, planned.over(sorted(observed)), observed, polarity, tolerance, label
    )


def _incomplete_total(months: Sequence[date], observed: Sequence[date], label: str) -> MetricStatus:
    """A total with months missing would flatter a lower-is-better count; say so instead."""
    gaps = ", ".join(f"{m:%b %Y}" for m in months if m not in observed)
    return MetricStatus(
        "data_not_available",
        f"{label} is closed but has no actuals for {gaps}, so its total is incomplete",
        months_with_actuals=len(observed),
    )


def _check_settings(polarity: str, aggregation: str, tolerance: float) -> None:
    if polarity not in Polarity.values:
        raise ValueError(f"Polarity must be one of {sorted(Polarity.values)}, not {polarity!r}")
    if aggregation not in Aggregation.values:
        raise ValueError(f"Aggregation must be one of {sorted(Aggregation.values)}")
    if tolerance < 0:
        raise ValueError("Tolerance cannot be negative")


# --- what was observed --------------------------------------------------------------------


def _observed(
    months: list[date],
    actuals: Values,
    numerators: Values | None,
    denominators: Values | None,
    aggregation: str,
    ratio_scale: float,
) -> tuple[list[date], float | None]:
    """The months with an actual (for a ratio, a numerator and a non-zero denominator), and
    the year's value made from them (None when there are none)."""
    if aggregation != "ratio":
        found = {m: float(v) for m in months if (v := actuals.get(m)) is not None}
        return list(found), year_value(aggregation, list(found.values())) if found else None
    if numerators is None or denominators is None:
        raise ValueError("A ratio needs numerators and denominators")
    pairs: dict[date, tuple[float, float]] = {}
    for m in months:
        num, den = numerators.get(m), denominators.get(m)
        if num is not None and den:  # a zero denominator is no data, not an infinite rate
            pairs[m] = (float(num), float(den))
    if not pairs:
        return [], None
    value = year_value("ratio", [], ratio_pairs=list(pairs.values()), ratio_scale=ratio_scale)
    return list(pairs), value


# --- judgements ---------------------------------------------------------------------------


def _year_to_date(
    actual: float,
    planned: float | None,
    observed: Sequence[date],
    polarity: str,
    tolerance: float,
    label: str,
) -> MetricStatus:
    count = len(observed)
    if planned is None:
        return MetricStatus(
            "data_not_available",
            f"No plan for some months with actuals, so {label} cannot be compared with plan",
            actual=actual,
            months_with_actuals=count,
        )
    pct = _variance_pct(actual, planned)
    on_track = _within(pct, tolerance, polarity)
    if pct is None:
        reason = "Year to date above a plan of zero"
    elif round(pct, 1) == 0:
        reason = "Year to date in line with plan"
    else:
        reason = f"Year to date {abs(pct):.1f}% {'above' if pct > 0 else 'below'} plan"
    if on_track and pct is not None and _worse(pct, polarity):
        reason += f", within the {_number(tolerance)}% tolerance"
    reason += f"; {polarity_words(polarity)}"
    code = "on_track" if on_track else "not_on_track"
    return MetricStatus(code, reason, actual, planned, pct, count)


def _full_year(
    actual: float,
    goal: float | None,
    goal_name: str,
    count: int,
    aggregation: str,
    polarity: str,
    label: str,
) -> MetricStatus:
    if goal is None:
        return MetricStatus(
            "data_not_available",
            f"{label} is complete but has neither an annual target nor a full-year plan",
            actual=actual,
            months_with_actuals=count,
        )
    pct = _variance_pct(actual, goal)
    if pct is None:
        gap = "above zero"
    elif round(pct, 1) == 0:
        gap = "level with it"
    else:
        gap = f"{abs(pct):.1f}% {'above' if pct > 0 else 'below'}"
    reason = (
        f"{label} {AGGREGATION_WORD[aggregation]} {_number(actual)} against {goal_name} of "
        f"{_number(goal)} ({gap}); {polarity_words(polarity)}"
    )
    if count < 12:
        reason += f"; {count} of 12 months have actuals"
    code = "achieved" if _within(pct, 0.0, polarity) else "not_achieved"
    return MetricStatus(code, reason, actual, goal, pct, count)


def _variance_pct(actual: float, planned: float) -> float | None:
    """Percentage difference from plan; None when the plan is zero and the actual is not."""
    if planned == 0:
        return 0.0 if actual == 0 else None
    # Rounded so that 2.5000000001% from float arithmetic does not fall outside a 2.5% band.
    return round((actual - planned) / abs(planned) * 100, 9)


def _worse(pct: float, polarity: str) -> bool:
    return pct > 0 if polarity == "lower_is_better" else pct < 0


def _within(pct: float | None, tolerance: float, polarity: str) -> bool:
    if pct is None:
        return False
    return pct <= tolerance if polarity == "lower_is_better" else pct >= -tolerance


def _number(value: float) -> str:
    """1,758 for whole numbers, 85.7 otherwise: figures as the source documents print them."""
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.1f}"
