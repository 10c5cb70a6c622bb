"""The exception report: every milestone that needed the board's attention on a date, with
the reasons, rebuilt from history (see `history`). A fixed number of queries however many
milestones and history rows there are.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from programmes import rules
from programmes.board_reports.history import StatusAsOf, complete_on, in_plan_on, milestones_as_of
from programmes.choices import DatePrecision
from programmes.models import GovernanceBody, Milestone, Programme, Workstream

# Reasons a milestone is in the exception report, in the order they are listed.
REASON_RATING = "rating"
REASON_OVERDUE = "overdue"
REASON_WORSENED = "worsened"
REASON_SLIPPED = "slipped"
REASON_STALE = "stale"
REASON_NO_END_DATE = "no_end_date"
REASON_LABELS = {
    REASON_RATING: "Rated at or worse than the threshold",
    REASON_OVERDUE: "Overdue",
    REASON_WORSENED: "Worse than last period",
    REASON_SLIPPED: "Forecast has slipped",
    REASON_STALE: "No update this period or last",
    REASON_NO_END_DATE: "No end date, and started",
}


@dataclass
class ExceptionRow:
    milestone: Milestone
    status: StatusAsOf
    previous: StatusAsOf
    reasons: list[str]
    days_overdue: int | None
    end: date | None

    @property
    def direction(self) -> str:
        """ "worse", "better" or "same": the rating's move since the previous period."""
        return rules.direction(self.status.rating, self.previous.rating)

    @property
    def reason_labels(self) -> list[str]:
        labels = []
        for reason in self.reasons:
            label = REASON_LABELS[reason]
            if reason == REASON_OVERDUE:
                label = f"Overdue by {self.days_overdue} days"
            labels.append(label)
        return labels


@dataclass
class WorkstreamGroup:
    workstream: Workstream
    rows: list[ExceptionRow] = field(default_factory=list)


@dataclass
class ExceptionReport:
    programme: Programme
    as_of: date
    previous_as_of: date
    body: GovernanceBody | None
    groups: list[WorkstreamGroup]
    reason_counts: Counter
    milestones_considered: int

    @property
    def rows(self) -> list[ExceptionRow]:
        return [row for group in self.groups for row in group.rows]

    @property
    def summary(self) -> list[tuple[str, int]]:
        """(reason label, number of milestones listed for it), every reason shown."""
        return [(label, self.reason_counts[reason]) for reason, label in REASON_LABELS.items()]


def exception_reasons(
    programme: Programme, milestone: Milestone, now: StatusAsOf, before: StatusAsOf, as_of: date
) -> tuple[list[str], int | None, date | None]:
    """Why a milestone needs the board's attention on `as_of` (empty when it does not)."""
    if complete_on(milestone, now, as_of):
        return [], None, now.end
    reasons = []
    threshold = rules.severity(programme.exception_threshold)
    if now.rating in rules.JUDGED_RATINGS and rules.severity(now.rating) >= threshold:
        reasons.append(REASON_RATING)
    end = now.end
    days_overdue = rules.days_overdue(end, as_of=as_of)
    if days_overdue:
        reasons.append(REASON_OVERDUE)
    if rules.is_worse(now.rating, before.rating):
        reasons.append(REASON_WORSENED)
    slipped = rules.slippage_days(now.forecast_end, now.baseline_end)
    if slipped > programme.slippage_tolerance_days:
        reasons.append(REASON_SLIPPED)
    if rules.is_stale(now.as_of, as_of=as_of):
        reasons.append(REASON_STALE)
    undefined_end = now.baseline_end is None or (
        now.baseline_end_precision == DatePrecision.UNDEFINED
    )
    if undefined_end and now.baseline_start and now.baseline_start <= as_of:
        reasons.append(REASON_NO_END_DATE)
    return reasons, days_overdue, end


def exception_report(
    programme: Programme,
    *,
    as_of: date,
    body: GovernanceBody | None = None,
    workstream_ids: list[int] | None = None,
) -> ExceptionReport:
    """Every milestone that needed attention on `as_of`, grouped by workstream, with reasons."""
    previous = rules.previous_period_end(as_of)
    milestones, statuses = milestones_as_of(
        programme,
        days={"now": as_of, "before": previous},
        body=body,
        workstream_ids=workstream_ids,
    )
    groups: dict[int, WorkstreamGroup] = {}
    counts: Counter = Counter()
    considered = 0
    for milestone in milestones:
        if not in_plan_on(milestone, as_of):
            continue
        considered += 1
        now, before = statuses[milestone.id]["now"], statuses[milestone.id]["before"]
        reasons, days_overdue, end = exception_reasons(programme, milestone, now, before, as_of)
        if not reasons:
            continue
        counts.update(reasons)
        group = groups.setdefault(milestone.workstream_id, WorkstreamGroup(milestone.workstream))
        # Shown with its title, leads and governance body as they stood on the date.
        shown = now.milestone(milestone)
        group.rows.append(ExceptionRow(shown, now, before, reasons, days_overdue, end))
    return ExceptionReport(
        programme=programme,
        as_of=as_of,
        previous_as_of=previous,
        body=body,
        groups=list(groups.values()),
        reason_counts=counts,
        milestones_considered=considered,
    )
