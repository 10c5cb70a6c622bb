"""A milestone's plan facts (reference, title, leads, governance body, cross-references) as
they stood at the end of any day in London, read from the audit history (django-simple-history)
set-based: one query per history table, never one per milestone.

Plan imports write their new milestones and cross-references with their first history rows
(`plan_import.writing`). A row from before history was kept has none; for it the current values
are the best record there is, and are used.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.apps import apps
from django.db.models import (
    CharField,
    DateTimeField,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
)
from django.utils import timezone

from programmes.models import GovernanceBody, Milestone, MilestoneReference, Person

# simple-history's generated models: untyped, so read as Any.
HistoricalMilestone: Any = Milestone.history.model
HistoricalReference: Any = MilestoneReference.history.model


def leads_history_model() -> Any:
    """simple-history's table of a milestone's leads at each of its history rows."""
    return apps.get_model("programmes", "HistoricalMilestone_leads")


def end_of_day(day: date) -> datetime:
    """The first instant after `day` in London: "as at a date" means by the end of it."""
    return datetime.combine(
        day + timedelta(days=1), time.min, tzinfo=timezone.get_default_timezone()
    )


@dataclass
class PlanAsOf:
    """What the plan said about a milestone on a date (besides its status and baseline)."""

    ref: str
    title: str
    lead_text: str
    leads: list[Person]
    governance_body: GovernanceBody | None
    reference_ids: set[int] = field(default_factory=set)

    @property
    def governance_body_id(self) -> int | None:
        return self.governance_body.pk if self.governance_body else None


def history_row_id(day: date) -> Subquery:
    """The id of a milestone's newest history row by the end of `day` (None without one), as
    an annotation on a Milestone query."""
    return Subquery(
        HistoricalMilestone.objects.filter(id=OuterRef("pk"), history_date__lt=end_of_day(day))
        .order_by("-history_date", "-history_id")
        .values("history_id")[:1]
    )


def plans_as_of(
    milestones: list[Milestone], days: dict[str, date]
) -> dict[int, dict[str, PlanAsOf]]:
    """Per milestone id, {day name: PlanAsOf}. The milestones carry `history_<name>`
    annotations (`history_row_id`) and prefetched leads. One query for the cross-references,
    and two more (history rows and their leads) only when some day has history to read."""
    wanted = {getattr(m, f"history_{name}") for m in milestones for name in days} - {None}
    rows: dict[int, Any] = {}
    leads: dict[int, list[Person]] = defaultdict(list)
    if wanted:
        rows = HistoricalMilestone.objects.select_related("governance_body").in_bulk(wanted)
        links = leads_history_model().objects.filter(history_id__in=wanted)
        for link in links.select_related("person"):
            leads[link.history_id].append(link.person)
    references = _reference_ids_as_of(milestones, days)
    plans: dict[int, dict[str, PlanAsOf]] = {}
    for milestone in milestones:
        plans[milestone.id] = {}
        for name in days:
            row = rows.get(getattr(milestone, f"history_{name}"))
            plan = _plan_from(row, leads) if row is not None else _plan_now(milestone)
            plan.reference_ids = references[milestone.id][name]
            plans[milestone.id][name] = plan
    return plans


def _plan_from(row: Any, leads: dict[int, list[Person]]) -> PlanAsOf:
    return PlanAsOf(
        ref=row.ref,
        title=row.title,
        lead_text=row.lead_text,
        leads=sorted(leads[row.history_id], key=lambda p: (p.initials, p.name)),
        governance_body=row.governance_body,
    )


def _plan_now(milestone: Milestone) -> PlanAsOf:
    return PlanAsOf(
        ref=milestone.ref,
        title=milestone.title,
        lead_text=milestone.lead_text,
        leads=list(milestone.leads.all()),
        governance_body=milestone.governance_body,
    )


# A current link in the union below: no date, and "=" for "stands now".
_NOW = "="


def _reference_ids_as_of(
    milestones: list[Milestone], days: dict[str, date]
) -> dict[int, dict[str, set[int]]]:
    """Each milestone's cross-referenced code ids on each day: the current links, corrected
    by every link's history (added after the day: not there yet; removed after it: still
    there). One query: the current links and their history as one union."""
    ids = [m.id for m in milestones]
    # Unordered: a union's parts may not be sorted (history tables sort newest first).
    now = (
        MilestoneReference.objects.filter(milestone_id__in=ids)
        .order_by()
        .values_list(
            "milestone_id",
            "code_id",
            Value(None, output_field=DateTimeField()),
            Value(_NOW, output_field=CharField()),
            Value(0, output_field=IntegerField()),
        )
    )
    history = (
        HistoricalReference.objects.filter(milestone_id__in=ids)
        .order_by()
        .values_list("milestone_id", "code_id", "history_date", "history_type", "history_id")
    )
    current: set[tuple[int, int]] = set()
    events: dict[tuple[int, int], list[tuple[datetime, int, str]]] = defaultdict(list)
    for milestone_id, code_id, when, kind, order in now.union(history, all=True):
        if kind == _NOW:
            current.add((milestone_id, code_id))
        else:
            events[(milestone_id, code_id)].append((when, order, kind))
    result: dict[int, dict[str, set[int]]] = {m: {name: set() for name in days} for m in ids}
    for key in current | events.keys():
        ordered = sorted(events.get(key, []))
        for name, day in days.items():
            if _linked_on(key in current, ordered, end_of_day(day)):
                result[key[0]][name].add(key[1])
    return result


def _linked_on(now: bool, events: list[tuple[datetime, int, str]], cutoff: datetime) -> bool:
    """Whether the link stood at `cutoff`: the last event before it decides; with none, the
    first event after it tells what stood before (an addition: nothing yet)."""
    before = [kind for when, _, kind in events if when < cutoff]
    if before:
        return before[-1] != "-"
    after = [kind for when, _, kind in events if when >= cutoff]
    if after:
        return after[0] != "+"
    return now


def milestone_as_shown(milestone: Milestone, plan: PlanAsOf) -> Milestone:
    """A copy of the milestone wearing its plan facts of a date, so a report's pages and
    exports that read `milestone.title`, `.leads.all()` or `.governance_body` show them as they
    were. The copy is never saved."""
    shown = copy.copy(milestone)
    shown.ref, shown.title, shown.lead_text = plan.ref, plan.title, plan.lead_text
    shown.governance_body = plan.governance_body
    # Related managers read prefetched rows from this cache; the copy gets its own, holding
    # the leads of the date.
    cache = dict(getattr(milestone, "_prefetched_objects_cache", {}))
    cache["leads"] = _fixed_queryset(Person.objects.all(), plan.leads)
    shown._prefetched_objects_cache = cache  # type: ignore[attr-defined]
    shown.reference_ids_as_of = plan.reference_ids  # type: ignore[attr-defined]
    return shown


def _fixed_queryset(query: QuerySet[Any], rows: list[Any]) -> QuerySet[Any]:
    """A queryset that answers with `rows` without asking the database (as a prefetch does)."""
    query._result_cache = list(rows)
    return query
