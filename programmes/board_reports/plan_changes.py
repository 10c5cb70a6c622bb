"""Changes to the plan itself between two dates, with who and why: baselines moved (re-baselined
or corrected), titles, leads, governance bodies and cross-references, read from baseline
revisions and the audit history (django-simple-history). Three queries however many milestones.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q

from integration.people import display_name
from programmes.board_reports.plan_history import (
    HistoricalMilestone,
    HistoricalReference,
    end_of_day,
    leads_history_model,
)
from programmes.choices import BaselineChange
from programmes.models import BaselineRevision, Milestone, Person

REBASELINED = "rebaselined"
CORRECTED = "corrected"
BASELINE = "baseline"
RETITLED = "retitled"
LEADS = "leads"
GOVERNANCE = "governance"
REFERENCES = "references"
PLAN_CHANGE_LABELS = {
    REBASELINED: "Re-baselined",
    CORRECTED: "Dates corrected",
    BASELINE: "Baseline changed by a plan import",
    RETITLED: "Retitled",
    LEADS: "Leads changed",
    GOVERNANCE: "Governance body changed",
    REFERENCES: "Cross-references changed",
}
_KIND_OF_REVISION = {
    BaselineChange.REBASELINE: (REBASELINED, "Re-baselined"),
    BaselineChange.CORRECTION: (CORRECTED, "Corrected"),
    BaselineChange.IMPORT: (BASELINE, "Baseline changed by a plan import"),
    BaselineChange.UNRECORDED: (BASELINE, "Baseline changed"),
}


@dataclass
class PlanChange:
    """One change to a milestone's plan, as the changes report words it."""

    kind: str
    text: str

    @property
    def label(self) -> str:
        return PLAN_CHANGE_LABELS[self.kind]


def _day(value: date | None) -> str:
    return f"{value:%-d %b %Y}" if value else "not given"


def _why_and_who(why: str, who: str) -> str:
    return f"({why}, by {who})" if why else f"(by {who})"


def _moved(before: date | None, after: date | None, name: str = "") -> str:
    prefix = f"{name} " if name else ""
    return f"{prefix}{_day(before)} → {_day(after)}"


def revision_change(revision: BaselineRevision) -> PlanChange:
    """ "Re-baselined: 30 Sep 2018 → 31 Dec 2018 (approved by HWB: …, by Jo Bloggs)"."""
    kind, words = _KIND_OF_REVISION[BaselineChange(revision.kind)]
    moves = []
    if revision.baseline_start != revision.new_baseline_start:
        moves.append(_moved(revision.baseline_start, revision.new_baseline_start, "start"))
    if revision.baseline_end != revision.new_baseline_end:
        name = "end" if moves else ""
        moves.append(_moved(revision.baseline_end, revision.new_baseline_end, name))
    why = revision.reason
    if revision.kind == BaselineChange.REBASELINE:
        approved = f"approved by {revision.approved_by.acronym if revision.approved_by else '?'}"
        if revision.approved_on:
            approved += f" on {_day(revision.approved_on)}"
        why = f"{approved}: {why}" if why else approved
    who = display_name(revision.recorded_by) if revision.recorded_by else "plan import"
    detail = "; ".join(moves) or "precision of the dates"
    return PlanChange(kind, f"{words}: {detail} {_why_and_who(why, who)}")


def plan_changes_between(
    milestones: list[Milestone], *, since: date, until: date
) -> dict[int, list[PlanChange]]:
    """Per milestone id, the changes to its plan after `since` up to the end of `until`. The
    milestones carry prefetched `baseline_revisions` and a `history_since` annotation."""
    changes: dict[int, list[PlanChange]] = defaultdict(list)
    for milestone in milestones:
        for revision in milestone.baseline_revisions.all():
            if since < revision.changed_on <= until:
                changes[milestone.id].append(revision_change(revision))
    ids = [m.id for m in milestones]
    starts = {h for m in milestones if (h := getattr(m, "history_since", None)) is not None}
    _field_changes(ids, starts, since, until, changes)
    _reference_changes(ids, since, until, changes)
    return changes


def _field_changes(
    ids: list[int],
    starts: set[int],
    since: date,
    until: date,
    changes: dict[int, list[PlanChange]],
) -> None:
    """Title, leads and governance body: each history row in the window against the one
    before it (the first against the row in force at `since`)."""
    window = Q(history_date__gte=end_of_day(since), history_date__lt=end_of_day(until))
    rows = list(
        HistoricalMilestone.objects.filter(Q(id__in=ids) & window | Q(history_id__in=starts))
        .select_related("history_user", "governance_body")
        .order_by("id", "history_date", "history_id")
    )
    leads: dict[int, list[Person]] = defaultdict(list)
    links = leads_history_model().objects.filter(history_id__in=[r.history_id for r in rows])
    for link in links.select_related("person"):
        leads[link.history_id].append(link.person)
    for start, end in _edits(rows):
        changes[end.id].extend(_row_changes(start, end, leads))


def _edits(rows: list[Any]) -> list[tuple[Any, Any]]:
    """(row before, last row) of each edit: consecutive rows of one milestone by the same
    person for the same reason are one edit (saving the milestone, then its leads, writes a
    row each), so its net change is reported once."""
    edits: list[tuple[Any, Any]] = []
    for before, after in zip(rows, rows[1:], strict=False):
        if before.id != after.id:
            continue
        same_edit = edits and edits[-1][1] is before and _author(before) == _author(after)
        edits[-1:] = [(edits[-1][0], after)] if same_edit else [*edits[-1:], (before, after)]
    return edits


def _author(row: Any) -> tuple[int | None, str]:
    return row.history_user_id, row.history_change_reason or ""


def _leads_words(row: Any, leads: dict[int, list[Person]]) -> str:
    names = ", ".join(sorted(str(p) for p in leads[row.history_id]))
    return row.lead_text or names or "none"


def _row_changes(before: Any, after: Any, leads: dict[int, list[Person]]) -> list[PlanChange]:
    who = display_name(after.history_user) if after.history_user else "unknown"
    why = _why_and_who(after.history_change_reason or "", who)
    found = []
    if before.title != after.title:
        found.append(PlanChange(RETITLED, f"Retitled: “{before.title}” → “{after.title}” {why}"))
    old_leads, new_leads = _leads_words(before, leads), _leads_words(after, leads)
    if old_leads != new_leads:
        found.append(PlanChange(LEADS, f"Leads changed: {old_leads} → {new_leads} {why}"))
    if before.governance_body_id != after.governance_body_id:
        old = before.governance_body.acronym if before.governance_body else "none"
        new = after.governance_body.acronym if after.governance_body else "none"
        found.append(PlanChange(GOVERNANCE, f"Governance body changed: {old} → {new} {why}"))
    return found


def _reference_changes(
    ids: list[int], since: date, until: date, changes: dict[int, list[PlanChange]]
) -> None:
    """Cross-references linked or unlinked in the window, one line per milestone and editor."""
    rows = (
        HistoricalReference.objects.filter(
            milestone_id__in=ids,
            history_date__gte=end_of_day(since),
            history_date__lt=end_of_day(until),
            history_type__in=["+", "-"],
        )
        .select_related("code", "history_user")
        .order_by("milestone_id", "history_date", "history_id")
    )
    grouped: dict[tuple[int, Any, str], dict[str, list[str]]] = defaultdict(
        lambda: {"+": [], "-": []}
    )
    for row in rows:
        key = (row.milestone_id, row.history_user, row.history_change_reason or "")
        grouped[key][row.history_type].append(row.code.code)
    for (milestone_id, user, why), codes in grouped.items():
        parts = [f"added {', '.join(codes['+'])}"] if codes["+"] else []
        parts += [f"removed {', '.join(codes['-'])}"] if codes["-"] else []
        who = display_name(user) if user else "unknown"
        text = f"Cross-references changed: {'; '.join(parts)} {_why_and_who(why, who)}"
        changes[milestone_id].append(PlanChange(REFERENCES, text))
