"""Read models for the plan pages: each function states its joins so its query count is fixed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from programmes.choices import RATING_SEVERITY, SCALE_RATINGS, Rating
from programmes.models import (
    Milestone,
    MilestoneReference,
    Programme,
    StatusUpdate,
    UnresolvedReference,
    Workstream,
)


def reporting_date_or_today(programme: Programme) -> date:
    """The date the programme's pages are "as at": its reporting date, else today (London)."""
    return programme.reporting_date or timezone.localdate()


def programme_ratings(programme: Programme) -> tuple[Rating, ...]:
    """The ratings a programme may use, worst first, as its scale defines them."""
    return tuple(Rating(r) for r in SCALE_RATINGS[programme.rating_scale])


@dataclass
class RatingCount:
    rating: Rating
    count: int


def _rating_annotations(prefix: str, milestone_filter: Q) -> dict:
    """One conditional COUNT per rating, so a distribution costs no extra query."""
    return {
        f"n_{rating.value}": Count(
            f"{prefix}milestones",
            filter=milestone_filter & Q(**{f"{prefix}milestones__rating": rating.value}),
        )
        for rating in Rating
    }


def _distribution(obj, ratings) -> list[RatingCount]:
    return [RatingCount(r, getattr(obj, f"n_{r.value}", 0)) for r in ratings]


def _current(prefix: str) -> Q:
    return Q(**{f"{prefix}milestones__removed_on__isnull": True})


def programme_list_rows(user) -> list[Programme]:
    """Every programme the user can see, each with `ratings` (a RatingCount per rating on its
    scale, plus any off-scale rating that is in use) and `milestone_total`. One query."""
    programmes = list(
        Programme.objects.annotate(
            milestone_total=Count("milestones", filter=_current("")),
            **_rating_annotations("", _current("")),
        ).order_by("name")
        if user.is_authenticated
        else Programme.objects.none()
    )
    for programme in programmes:
        programme.ratings = _scale_distribution(programme, programme)
    return programmes


def _scale_distribution(obj, programme: Programme) -> list[RatingCount]:
    on_scale = programme_ratings(programme)
    # A rating from an earlier scale or import still shows rather than silently vanishing.
    extra = [r for r in Rating if r not in on_scale and getattr(obj, f"n_{r.value}", 0)]
    return _distribution(obj, (*on_scale, *extra))


@dataclass
class WorkstreamRow:
    """One line of the programme overview."""

    workstream: Workstream
    ratings: list[RatingCount]
    total: int
    overdue: int
    worst: Rating | None
    sros: list = field(default_factory=list)


def programme_overview(programme: Programme) -> tuple[list[WorkstreamRow], date]:
    """A row per workstream: SROs, counts per rating, worst rating and overdue count.

    Overdue means open (not complete, not removed) with an effective end (forecast, else
    baseline) before the programme's reporting date or today. Two queries in all.
    """
    as_at = reporting_date_or_today(programme)
    current = _current("")
    open_ = (
        current
        & Q(milestones__completed_on__isnull=True)
        & Q(milestones__rating__in=[r for r in Rating if r != Rating.COMPLETE])
    )
    workstreams = (
        Workstream.objects.filter(programme=programme)
        .annotate(
            total=Count("milestones", filter=current),
            overdue=Count(
                "milestones",
                filter=open_
                & (
                    Q(milestones__forecast_end__lt=as_at)
                    | Q(milestones__forecast_end__isnull=True, milestones__baseline_end__lt=as_at)
                ),
            ),
            **_rating_annotations("", current),
        )
        .prefetch_related("sros")
        .order_by("position", "number")
    )
    rows = []
    for ws in workstreams:
        ratings = _scale_distribution(ws, programme)
        used = [rc.rating for rc in ratings if rc.count]
        worst = max(used, key=lambda r: RATING_SEVERITY[r]) if used else None
        rows.append(
            WorkstreamRow(
                workstream=ws,
                ratings=ratings,
                total=ws.total,
                overdue=ws.overdue,
                worst=worst,
                sros=list(ws.sros.all()),
            )
        )
    return rows, as_at


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
                queryset=StatusUpdate.objects.select_related("author").order_by(
                    "-as_of", "-recorded_at", "-id"
                ),
                to_attr="history",
            ),
        ),
        pk=pk,
    )


def latest_status(milestone: Milestone) -> StatusUpdate | None:
    """The newest status update (by as-of date, then time recorded), for pre-filling forms."""
    return milestone.status_updates.order_by("-as_of", "-recorded_at", "-id").first()
