"""What changed between two dates: ratings, dates and narratives, and milestones added,
completed or removed, rebuilt from history (see `history`)."""

from __future__ import annotations

import difflib
import html
from dataclasses import dataclass, field
from datetime import date

from django.utils.safestring import SafeString, mark_safe

from programmes.board_reports.history import StatusAsOf, complete_on, in_plan_on, milestones_as_of
from programmes.board_reports.plan_changes import (
    BASELINE,
    CORRECTED,
    PLAN_CHANGE_LABELS,
    REBASELINED,
    PlanChange,
    plan_changes_between,
)
from programmes.models import Milestone, Programme


def word_diff(before: str, after: str) -> SafeString:
    """A word-level diff as HTML: <del> for removed words, <ins> for added ones.

    Each change also carries visually hidden text, so the diff is not conveyed by
    strikethrough and colour alone.
    """
    old, new = before.split(), after.split()
    parts: list[str] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(html.escape(" ".join(old[i1:i2])))
            continue
        if op in ("delete", "replace"):
            removed = html.escape(" ".join(old[i1:i2]))
            parts.append(
                f'<del class="app-diff-del"><span class="govuk-visually-hidden">removed: </span>'
                f"{removed}</del>"
            )
        if op in ("insert", "replace"):
            added = html.escape(" ".join(new[j1:j2]))
            parts.append(
                f'<ins class="app-diff-ins"><span class="govuk-visually-hidden">added: </span>'
                f"{added}</ins>"
            )
    # Every piece of text is escaped above.
    return mark_safe(" ".join(parts))  # noqa: S308  # nosec B308 B703


@dataclass
class MilestoneChange:
    milestone: Milestone
    before: StatusAsOf
    after: StatusAsOf
    kinds: list[str]
    slippage_days: int | None = None
    # Re-baselined, corrected, retitled, re-led, re-governed: each with who and why.
    plan_changes: list[PlanChange] = field(default_factory=list)

    @property
    def labels(self) -> list[str]:
        """What changed, in words: the plan's changes first, then the status's. A moved end
        that a baseline change explains is not called a forecast change."""
        explained = self.before.forecast_end == self.after.forecast_end and any(
            change.kind in (REBASELINED, CORRECTED, BASELINE) for change in self.plan_changes
        )
        return [change.text for change in self.plan_changes] + [
            CHANGE_LABELS[kind] for kind in self.kinds if not (kind == "date" and explained)
        ]

    @property
    def plan_kinds(self) -> set[str]:
        return {change.kind for change in self.plan_changes}

    @property
    def narrative_diff(self) -> SafeString:
        return word_diff(self.before.narrative, self.after.narrative)

    @property
    def path_to_green_diff(self) -> SafeString:
        return word_diff(self.before.path_to_green, self.after.path_to_green)


CHANGE_LABELS = {
    "added": "Added to the plan",
    "removed": "Removed from the plan",
    "completed": "Completed",
    "rating": "Rating changed",
    "date": "Forecast date changed",
    "narrative": "Narrative or path to green changed",
}


@dataclass
class ChangesReport:
    programme: Programme
    since: date
    until: date
    changes: list[MilestoneChange]

    def of_kind(self, kind: str) -> list[MilestoneChange]:
        return [c for c in self.changes if kind in c.kinds or kind in c.plan_kinds]

    @property
    def summary(self) -> list[tuple[str, int]]:
        """(kind of change, number of milestones), every kind shown."""
        labels = CHANGE_LABELS | PLAN_CHANGE_LABELS
        return [(label, len(self.of_kind(kind))) for kind, label in labels.items()]


def _change_kinds(
    milestone: Milestone, before: StatusAsOf, after: StatusAsOf, since: date, until: date
) -> list[str]:
    in_before, in_after = in_plan_on(milestone, since), in_plan_on(milestone, until)
    if not in_before and in_after:
        return ["added"]
    if in_before and not in_after:
        return ["removed"]
    if not in_after:
        return []
    kinds = []
    if complete_on(milestone, after, until) and not complete_on(milestone, before, since):
        kinds.append("completed")
    if before.rating != after.rating:
        kinds.append("rating")
    if before.end != after.end:
        kinds.append("date")
    texts_before = (before.narrative, before.path_to_green)
    if texts_before != (after.narrative, after.path_to_green):
        kinds.append("narrative")
    return kinds


def changes_between(programme: Programme, *, since: date, until: date) -> ChangesReport:
    """Rating, date and narrative changes, milestones added, completed or removed, and changes
    to the plan (baselines, titles, leads, governance bodies, cross-references) with who and
    why. Each milestone is shown as it stood at `until`."""
    milestones, statuses = milestones_as_of(programme, days={"since": since, "until": until})
    plan_changes = plan_changes_between(milestones, since=since, until=until)
    changes = []
    for milestone in milestones:
        before, after = statuses[milestone.id]["since"], statuses[milestone.id]["until"]
        kinds = _change_kinds(milestone, before, after, since, until)
        planned = plan_changes.get(milestone.id, [])
        if not kinds and not planned:
            continue
        slippage = (after.end - before.end).days if before.end and after.end else None
        shown = after.milestone(milestone)
        changes.append(MilestoneChange(shown, before, after, kinds, slippage, planned))
    return ChangesReport(programme=programme, since=since, until=until, changes=changes)
