"""History pages of a programme, a workstream and a milestone: the page's own changes and its
parts', in plain English (integration.audit); readable by whoever can read the page (the
programme's members: `selectors.programme_for`)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse

from integration import audit
from integration.audit_views import history_render
from programmes import selectors
from programmes.choices import ImportState
from programmes.models import (
    BaselineRevision,
    MetricLink,
    Milestone,
    MilestoneReference,
    PlanImport,
    Programme,
    StatusUpdate,
    UnresolvedReference,
    Workstream,
)


def _milestone_changes(**where: Any) -> int:
    return audit.history_model(Milestone)._default_manager.filter(**where).count()


def _programme_crumbs(programme: Programme) -> list[tuple[str, str]]:
    return [
        ("Programmes", reverse("programmes:programme_list")),
        (programme.name, reverse("programmes:programme_detail", args=[programme.slug])),
    ]


def programme_history(request: HttpRequest, slug: str) -> HttpResponse:
    """The programme's settings, its workstreams and its plan imports (one entry each)."""
    programme = selectors.programme_for(request.user, slug)
    count = _milestone_changes(programme_id=programme.pk)
    scopes = [
        audit.Scope(Programme, Q(id=programme.pk)),
        audit.Scope(Workstream, Q(programme_id=programme.pk)),
        audit.Scope(PlanImport, Q(programme_id=programme.pk)),
    ]
    context = {
        "title": programme.name,
        "caption": programme.area,
        "breadcrumbs": _programme_crumbs(programme)[:1],
        "back_url": reverse("programmes:programme_detail", args=[programme.slug]),
        "history_url": request.path,
        "notes": [
            f"Its milestones have {count} recorded change{'s' if count != 1 else ''}: each "
            "milestone's History tab lists them, with its status updates and cross-references."
        ],
        "change_log_query": f"object_type=programmes.programme&object_id={programme.pk}",
    }
    return history_render(request, scopes=scopes, context=context)


def workstream_history(request: HttpRequest, slug: str, number: str) -> HttpResponse:
    programme = selectors.programme_for(request.user, slug)
    workstream = get_object_or_404(Workstream, programme=programme, number=number)
    count = _milestone_changes(workstream_id=workstream.pk)
    scopes = [
        audit.Scope(Workstream, Q(id=workstream.pk)),
        audit.Scope(MetricLink, Q(workstream_id=workstream.pk)),
    ]
    context = {
        "title": str(workstream),
        "caption": programme.name,
        "breadcrumbs": _programme_crumbs(programme),
        "back_url": reverse("programmes:workstream_detail", args=[slug, number]),
        "history_url": request.path,
        "notes": [
            f"Its milestones have {count} recorded change{'s' if count != 1 else ''}: each "
            "milestone's History tab lists them."
        ],
        "change_log_query": f"object_type=programmes.workstream&object_id={workstream.pk}",
    }
    return history_render(request, scopes=scopes, context=context)


def _imports_touching(milestone: Milestone) -> list[int]:
    """Applied plan imports whose report created or updated this milestone (matched by
    workstream and reference, or title when it has no reference): one query."""
    imports = PlanImport.objects.filter(
        programme_id=milestone.programme_id, state=ImportState.APPLIED
    ).values_list("pk", "report__milestones")
    number = milestone.workstream.number

    def touches(action: dict[str, Any]) -> bool:
        if action.get("action") not in ("created", "updated") or action.get("workstream") != number:
            return False
        if milestone.ref:
            return action.get("ref") == milestone.ref
        return action.get("title") == milestone.title[:100]

    return [pk for pk, actions in imports if any(touches(a) for a in actions or [])]


def _milestone_scopes(milestone: Milestone) -> list[audit.Scope]:
    """The milestone, its status updates, cross-references (resolved or not), metric links,
    baseline revisions (when they keep history) and the imports that changed it."""
    own = Q(milestone_id=milestone.pk)
    parts = [StatusUpdate, MilestoneReference, UnresolvedReference, MetricLink, BaselineRevision]
    return [
        audit.Scope(Milestone, Q(id=milestone.pk)),
        *(audit.Scope(model, own) for model in parts if audit.is_tracked(model)),
        audit.Scope(PlanImport, Q(id__in=_imports_touching(milestone))),
    ]


def milestone_history(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    programme = selectors.programme_for(request.user, slug)
    milestone = get_object_or_404(
        Milestone.objects.select_related("workstream"), programme=programme, pk=pk
    )
    context = {
        "title": f"{milestone.ref}: {milestone.title}" if milestone.ref else milestone.title,
        "caption": f"{milestone.workstream.number}. {milestone.workstream.name}",
        "breadcrumbs": [
            *_programme_crumbs(programme),
            ("Milestones", reverse("programmes:milestone_list", args=[slug])),
        ],
        "back_url": reverse("programmes:milestone_detail", args=[slug, pk]),
        "history_url": request.path,
        "change_log_query": f"object_type=programmes.milestone&object_id={milestone.pk}",
    }
    return history_render(request, scopes=_milestone_scopes(milestone), context=context)
