"""What the audit trail needs to know about plan objects: their pages, and an applied plan
import as one line. Registered with `integration.audit` when the app is ready."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Model
from django.urls import reverse

from integration.audit import Describer, describer_register
from programmes.choices import ImportState
from programmes.models import (
    MetricLink,
    Milestone,
    MilestoneReference,
    PlanImport,
    Programme,
    StatusUpdate,
    UnresolvedReference,
    Workstream,
)


def _slugs(programme_ids: set[Any]) -> dict[Any, str]:
    """Programme slugs for links: one query for a whole page of objects."""
    return dict(Programme.objects.filter(pk__in=programme_ids).values_list("pk", "slug"))


def _programme_links(objects: Sequence[Programme]) -> list[str]:
    return [reverse("programmes:programme_detail", args=[p.slug]) for p in objects]


def _workstream_links(objects: Sequence[Workstream]) -> list[str]:
    slugs = _slugs({w.programme_id for w in objects})
    return [
        reverse("programmes:workstream_detail", args=[slugs[w.programme_id], w.number])
        if w.programme_id in slugs
        else ""
        for w in objects
    ]


def _milestone_url(slugs: dict[Any, str], milestone: Milestone | None) -> str:
    if milestone is None or milestone.programme_id not in slugs:
        return ""
    return reverse(
        "programmes:milestone_detail", args=[slugs[milestone.programme_id], milestone.pk]
    )


def _milestone_links(objects: Sequence[Milestone]) -> list[str]:
    slugs = _slugs({m.programme_id for m in objects})
    return [_milestone_url(slugs, m) for m in objects]


def _parent_milestone(obj: Model) -> Milestone | None:
    """The milestone a status update or cross-reference belongs to (already attached by the
    audit trail; None when it has been deleted since)."""
    try:
        return getattr(obj, "milestone", None)
    except Milestone.DoesNotExist:
        return None


def _milestone_child_links(objects: Sequence[Model]) -> list[str]:
    milestones = [_parent_milestone(o) for o in objects]
    slugs = _slugs({m.programme_id for m in milestones if m is not None})
    return [_milestone_url(slugs, m) for m in milestones]


def _import_links(objects: Sequence[PlanImport]) -> list[str]:
    return [reverse("programmes:plan_import_detail", args=[i.pk]) for i in objects]


def _counts(report: dict[str, Any]) -> str:
    counts = [f"{report.get(k, 0)} {k}" for k in ("updated", "created", "removed") if report.get(k)]
    return ", ".join(counts) or "no changes"


def _import_summaries(pairs: Sequence[tuple[PlanImport, PlanImport | None]]) -> list[str]:
    """ "Applied plan import #7: 3 updated, 1 created", counted from the import's report (not
    kept in history, so read from the import: one query for the page)."""
    decided = [
        new.pk
        for new, old in pairs
        if new.state != ImportState.PREVIEWED and (old is None or old.state != new.state)
    ]
    reports: dict[Any, Any] = {}
    if decided:
        reports = dict(PlanImport.objects.filter(pk__in=decided).values_list("pk", "report"))
    lines = []
    for new, _old in pairs:
        if new.pk not in reports:
            lines.append("")
        elif new.state == ImportState.APPLIED:
            lines.append(f"Applied plan import #{new.pk}: {_counts(reports[new.pk] or {})}")
        else:
            lines.append(f"{new.get_state_display()} plan import #{new.pk}")
    return lines


def register() -> None:
    describer_register(Programme, Describer(links=_programme_links))
    describer_register(Workstream, Describer(links=_workstream_links))
    describer_register(Milestone, Describer(links=_milestone_links))
    for child in (StatusUpdate, MilestoneReference, UnresolvedReference, MetricLink):
        describer_register(child, Describer(links=_milestone_child_links))
    describer_register(
        PlanImport,
        Describer(links=_import_links, summaries=_import_summaries, actor=lambda i: "Plan import"),
    )
