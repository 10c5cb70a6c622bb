"""Read models for the plan pages: each function states its joins so its query count is fixed."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Model, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from programmes import permissions, rules
from programmes.choices import SCALE_RATINGS, Rating, RatingScale
from programmes.models import (
    Milestone,
    MilestoneReference,
    Programme,
    StatusUpdate,
    UnresolvedReference,
    Workstream,
)
from programmes.querysets import overdue_q


def programme_for(user: User | AnonymousUser, slug: str) -> Programme:
    """The programme a page is about, with its owning body and the user's role in it
    (`member_role`); 404 when there is none or the user may not see it, so a programme is
    never confirmed to someone outside it. One query."""
    programme = get_object_or_404(
        Programme.objects.visible_to(user).with_member_role(user).select_related("owning_body"),
        slug=slug,
    )
    permissions.roles_remember(user, programme)
    return programme


def programme_ratings(programme: Programme) -> tuple[Rating, ...]:
    """The ratings a programme may use, worst first, as its scale defines them."""
    return tuple(Rating(r) for r in SCALE_RATINGS[RatingScale(programme.rating_scale)])


@dataclass
class RatingCount:
    rating: Rating
    count: int


def _rating_annotations(prefix: str, milestone_filter: Q) -> dict[str, Count]:
    """One conditional COUNT per rating, so a distribution costs no extra query."""
    return {
        f"n_{rating.value}": Count(
            f"{prefix}milestones",
            filter=milestone_filter & Q(**{f"{prefix}milestones__rating": rating.value}),
        )
        for rating in Rating
    }


def _distribution(obj: Model, ratings: Iterable[Rating]) -> list[RatingCount]:
    return [RatingCount(r, getattr(obj, f"n_{r.value}", 0)) for r in ratings]


def _current(prefix: str) -> Q:
    return Q(**{f"{prefix}milestones__removed_on__isnull": True})


def programme_list_rows(user: User | AnonymousUser) -> list[Programme]:
    """Every programme the user can see, each with `ratings` (a RatingCount per rating on its
    scale, plus any off-scale rating that is in use), `milestone_total` and the user's
    `member_role`. One query."""
    programmes = list(
        Programme.objects.visible_to(user)
        .with_member_role(user)
        .annotate(
            milestone_total=Count("milestones", filter=_current("")),
            **_rating_annotations("", _current("")),
        )
        .order_by("name")
    )
    for programme in programmes:
        # The list template reads `ratings`: an attribute for the page, not a model field.
        programme.ratings = _scale_distribution(programme, programme)
    return programmes


def _scale_distribution(obj: Model, programme: Programme) -> list[RatingCount]:
    on_scale = programme_ratings(programme)
    # A rating from an earlier scale or import still shows rather than silently vanishing.
    extra = [r for r in Rating if r not in on_scale and getattr(obj, f"n_{r.value}", 0) > 0]
    return _distribution(obj, (*on_scale, *extra))


@dataclass
class WorkstreamRow:
    """One line of the programme overview."""

    workstream: Workstream
    ratings: list[RatingCount]
    total: int
    overdue: int
    worst: Rating | None
    sros: list[Any] = field(default_factory=list)


def programme_overview(programme: Programme) -> tuple[list[WorkstreamRow], date]:
    """A row per workstream: SROs, counts per rating, worst rating and overdue count, as of
    the programme's reporting date (`rules.reporting_date`). Overdue is `rules.is_overdue`
    counted in SQL (`querysets.overdue_q`). Two queries in all.
    """
    as_of = rules.reporting_date(programme)
    current = _current("")
    workstreams = (
        Workstream.objects.filter(programme=programme)
        .annotate(
            total=Count("milestones", filter=current),
            overdue=Count("milestones", filter=overdue_q(as_of, prefix="milestones__")),
            **_rating_annotations("", current),
        )
        .prefetch_related("sros")
        .order_by("position", "number")
    )
    rows = []
    for ws in workstreams:
        ratings = _scale_distribution(ws, programme)
        worst = rules.worst_rating(rc.rating for rc in ratings if rc.count)
        rows.append(
            WorkstreamRow(
                workstream=ws,
                ratings=ratings,
                total=ws.total,
                overdue=ws.overdue,
                worst=Rating(worst) if worst else None,
                sros=list(ws.sros.all()),
            )
        )
    return rows, as_of


def milestone_list_queryset(programme: Programme) -> QuerySet[Milestone]:
    """The milestones of a programme with everything the list and exports show.

    Fixed shape: one query for the page, plus one each for leads, references (with their
    codes) and unresolved references, whatever the number of rows.
    """
    return (
        Milestone.objects.current()
        .filter(programme=programme)
        .select_related("workstream", "governance_body", "parent")
        .prefetch_related(
            "leads",
            _reference_rows(),
            Prefetch(
                "unresolved_references",
                queryset=UnresolvedReference.objects.filter(resolved_code__isnull=True),
                to_attr="open_unresolved",
            ),
        )
    )


def _reference_rows() -> Prefetch:
    """A milestone's cross-references in framework and code order, as `reference_rows`."""
    return Prefetch(
        "milestonereference_set",
        queryset=MilestoneReference.objects.select_related("code__framework").order_by(
            "code__framework__position", "code__position", "code__code"
        ),
        to_attr="reference_rows",
    )


def milestone_for_row(programme: Programme, pk: int) -> Milestone:
    """One milestone shaped exactly like a row of the list (for htmx row swaps)."""
    return get_object_or_404(milestone_list_queryset(programme), pk=pk)


def milestone_detail(programme: Programme, pk: int) -> Milestone:
    """A milestone with parent, sub-steps, leads, references, unresolved references and the
    full status history (newest first, with authors). A fixed number of queries."""
    return get_object_or_404(
        Milestone.objects.filter(programme=programme)
        .select_related("workstream", "governance_body", "parent")
        .prefetch_related(
            "leads",
            "workstream__sros",
            _reference_rows(),
            Prefetch(
                "unresolved_references",
                queryset=UnresolvedReference.objects.select_related(
                    "resolved_code", "framework", "resolved_by"
                ).prefetch_related("candidates"),
                to_attr="all_unresolved",
            ),
            Prefetch(
                "sub_steps",
                queryset=Milestone.objects.select_related("workstream").order_by("position", "id"),
                to_attr="sub_step_list",
            ),
            Prefetch(
                "status_updates",
                queryset=StatusUpdate.objects.select_related("author", "struck_by").order_by(
                    "-as_of", "-recorded_at", "-id"
                ),
                to_attr="status_history",
            ),
        ),
        pk=pk,
    )


def latest_status(milestone: Milestone) -> StatusUpdate | None:
    """The newest status update still standing (by as-of date, then time recorded), for
    pre-filling forms."""
    return StatusUpdate.objects.standing().filter(milestone=milestone).first()
