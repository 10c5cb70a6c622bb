"""A milestone's status and baseline as they stood on any date, rebuilt from history.

Everything "as of" a date is read from status history (the newest StatusUpdate whose `as_of`
is on or before the date) and baseline revisions, never from the milestone's current
denormalised values, so a board can see exactly what it saw last month.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import OuterRef, Prefetch, Q, Subquery

from programmes import rules
from programmes.board_reports.plan_history import (
    PlanAsOf,
    history_row_id,
    milestone_as_shown,
    plans_as_of,
)
from programmes.choices import DatePrecision, Rating, rating_label
from programmes.models import BaselineRevision, GovernanceBody, Milestone, Programme, StatusUpdate
from programmes.services import BASELINE_FIELDS


def body_and_reporting_bodies(body: GovernanceBody) -> set[int]:
    """A governance body's id and those of every body reporting to it, at any depth."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for body_id, parent_id in GovernanceBody.objects.values_list("id", "reports_to_id"):
        children[parent_id].append(body_id)
    found: set[int] = set()
    queue = [body.id]
    while queue:
        current = queue.pop()
        if current not in found:
            found.add(current)
            queue.extend(children[current])
    return found


@dataclass
class StatusAsOf:
    """A milestone's status and baseline dates as they stood on a date, from its history."""

    rating: str = Rating.NOT_RATED
    forecast_end: date | None = None
    narrative: str = ""
    cause: str = ""
    path_to_green: str = ""
    as_of: date | None = None
    baseline_start: date | None = None
    baseline_start_precision: str = DatePrecision.BLANK
    baseline_end: date | None = None
    baseline_end_precision: str = DatePrecision.BLANK
    # Title, leads, governance body and cross-references then (None: as they are now).
    plan: PlanAsOf | None = None

    @property
    def rating_label(self) -> str:
        return rating_label(self.rating)

    @property
    def end(self) -> date | None:
        """The date it was expected to finish then (`rules.effective_end`)."""
        return rules.effective_end(self.forecast_end, self.baseline_end)

    def milestone(self, milestone: Milestone) -> Milestone:
        """The milestone as the plan described it then (`plan_history.milestone_as_shown`)."""
        return milestone if self.plan is None else milestone_as_shown(milestone, self.plan)

    @classmethod
    def build(
        cls,
        update: StatusUpdate | None,
        baseline: Milestone | BaselineRevision,
        plan: PlanAsOf | None = None,
    ) -> StatusAsOf:
        """From the newest status update then (if any), the baseline in force then and the
        plan's facts then."""
        dates: dict[str, Any] = {field: getattr(baseline, field) for field in BASELINE_FIELDS}
        if update is None:
            return cls(plan=plan, **dates)
        return cls(
            plan=plan,
            rating=update.rating,
            forecast_end=update.forecast_end,
            narrative=update.narrative,
            cause=update.cause,
            path_to_green=update.path_to_green,
            as_of=update.as_of,
            **dates,
        )


def baseline_as_of(milestone: Milestone, day: date) -> Milestone | BaselineRevision:
    """The milestone, or the revision of its baseline that was in force on `day`.

    A revision holds the dates that stood until `changed_on`, so the first revision changed
    after `day` is the one in force then; with none, the current dates are.
    """
    for revision in milestone.baseline_revisions.all():  # prefetched, oldest change first
        if revision.changed_on > day:
            return revision
    return milestone


def _baseline_revisions() -> Prefetch:
    """Oldest change first (`baseline_as_of`), with who recorded each and which body approved."""
    revisions = BaselineRevision.objects.select_related("approved_by", "recorded_by")
    return Prefetch("baseline_revisions", queryset=revisions.order_by("changed_on", "id"))


def _latest_update_id(day: date) -> Subquery:
    return Subquery(
        StatusUpdate.objects.standing()
        .filter(milestone=OuterRef("pk"), as_of__lte=day)
        .order_by("-as_of", "-recorded_at", "-id")
        .values("id")[:1]
    )


def milestones_as_of(
    programme: Programme,
    *,
    days: dict[str, date],
    body: GovernanceBody | None = None,
    workstream_ids: list[int] | None = None,
) -> tuple[list[Milestone], dict[int, dict[str, StatusAsOf]]]:
    """Milestones in the plan on any of `days`, with their status on each named day.

    Returns the milestones (workstream, SROs, leads and governance body loaded) and, per
    milestone id, {day name: StatusAsOf}, whose `plan` holds the title, leads, governance body
    and cross-references of that day. With `body`, only milestones reporting to it or a body
    below it on the latest of the days. A fixed number of queries: four for the milestones and
    their relations, one for the status rows, and up to three for the plan's history
    (`plan_history.plans_as_of`).
    """
    earliest, latest = min(days.values()), max(days.values())
    query = Milestone.objects.filter(programme=programme, added_on__lte=latest).filter(
        Q(removed_on__isnull=True) | Q(removed_on__gt=earliest)
    )
    if workstream_ids:
        query = query.filter(workstream_id__in=workstream_ids)
    annotations = {f"status_{name}": _latest_update_id(d) for name, d in days.items()}
    annotations |= {f"history_{name}": history_row_id(d) for name, d in days.items()}
    milestones = list(
        query.annotate(**annotations)
        .select_related("workstream", "governance_body")
        .prefetch_related("leads", _baseline_revisions(), Prefetch("workstream__sros"))
        .order_by("workstream__position", "workstream__number", "position", "id")
    )
    plans = plans_as_of(milestones, days)
    if body is not None:
        bodies = body_and_reporting_bodies(body)
        last = max(days, key=lambda name: days[name])
        milestones = [m for m in milestones if plans[m.id][last].governance_body_id in bodies]
    wanted = {getattr(m, f"status_{name}") for m in milestones for name in days} - {None}
    updates = StatusUpdate.objects.in_bulk(wanted)
    statuses = {
        m.id: {
            name: StatusAsOf.build(
                updates.get(getattr(m, f"status_{name}")), baseline_as_of(m, d), plans[m.id][name]
            )
            for name, d in days.items()
        }
        for m in milestones
    }
    return milestones, statuses


def in_plan_on(milestone: Milestone, day: date) -> bool:
    removed = milestone.removed_on is not None and milestone.removed_on <= day
    return milestone.added_on <= day and not removed


def complete_on(milestone: Milestone, status: StatusAsOf, day: date) -> bool:
    """`rules.is_complete` on `day`: completed by then, or rated Complete then."""
    return rules.is_complete(completed_on=milestone.completed_on, rating=status.rating, as_of=day)
