"""Plan pages: programme list and overview, milestone list (with exports), milestone page,
create/edit forms and status updates (full page, or inline from the list with htmx).

Views only route: selectors read, `pages` composes, services write, `integration.access`
decides who may write and `integration.exports` answers `?format=csv|xlsx`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from django_tables2 import RequestConfig

from integration.access import require_perm, requires
from integration.exports import export_if_requested
from integration.htmx import htmx_event_header
from integration.roles import is_administrator
from programmes import pages, rules, selectors, services
from programmes.choices import MembershipRole, rating_label
from programmes.filtersets import MilestoneFilterSet
from programmes.forms import MilestoneForm, StatusStrikeForm, StatusUpdateForm
from programmes.models import Milestone, Programme, StatusUpdate
from programmes.permissions import CHANGE_MILESTONE_STATUS, CHANGE_PROGRAMME
from programmes.tables import (
    MILESTONE_EXPORT_COLUMNS,
    MilestoneTable,
    ProgrammeTable,
    StatusHistoryTable,
)

PER_PAGE = 50


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def signed_in_user(request: HttpRequest) -> User:
    """The user of a request that an access rule has let through (never anonymous)."""
    return cast(User, request.user)


def may_change(request: HttpRequest, programme: Programme) -> bool:
    """Whether the page offers changes to the programme's plan (its managers')."""
    return request.user.has_perm(CHANGE_PROGRAMME, programme)


def status_table_rights(request: HttpRequest, programme: Programme) -> dict[str, Any]:
    """Which rows of the milestone list offer "Update status": all for managers, a
    contributor's own milestones (`status_editable_by`), none for viewers."""
    if may_change(request, programme):
        return {"can_edit": True}
    if getattr(programme, "member_role", None) != MembershipRole.CONTRIBUTOR:
        return {"can_edit": False}
    mine = Milestone.objects.status_editable_by(signed_in_user(request)).filter(programme=programme)
    return {"can_edit": True, "editable_ids": frozenset(mine.values_list("pk", flat=True))}


PLAN_CHANGE_REFUSED = "Only the programme's managers and administrators can change its plan."


def require_plan_change(request: HttpRequest, programme: Programme) -> None:
    require_perm(request, CHANGE_PROGRAMME, programme, message=PLAN_CHANGE_REFUSED)


def add_service_errors(form: Form, error: ValidationError) -> None:
    """A service's refusal shown on the form: on its field, else above the form."""
    for field_name, field_messages in error.message_dict.items():
        for message in field_messages:
            form.add_error(field_name if field_name in form.fields else None, message)


@require_GET
def programme_list(request: HttpRequest) -> HttpResponse:
    programmes = selectors.programme_list_rows(request.user)
    return render(
        request,
        "programmes/programme_list.html",
        {
            "programmes": programmes,
            "table": ProgrammeTable(programmes),
            # Managers of a listed programme may import; read from the rows, not a query.
            "can_import": is_administrator(request.user)
            or any(getattr(p, "member_role", None) == MembershipRole.MANAGER for p in programmes),
        },
    )


@require_GET
def programme_detail(request: HttpRequest, slug: str) -> HttpResponse:
    programme = selectors.programme_for(request.user, slug)
    context = pages.programme_overview(programme)
    context["can_edit"] = may_change(request, programme)
    return render(request, "programmes/programme_detail.html", context)


@require_GET
def milestone_list(request: HttpRequest, slug: str) -> HttpResponse:
    programme = selectors.programme_for(request.user, slug)
    as_of = rules.reporting_date(programme)
    filterset = MilestoneFilterSet(
        request.GET,
        queryset=selectors.milestone_list_queryset(programme),
        programme=programme,
        as_of=as_of,
    )
    rights = status_table_rights(request, programme)
    table = MilestoneTable(filterset.qs, programme=programme, **rights)

    def every_row() -> Iterator[Milestone]:
        # Every matching row in the table's order, not one page.
        RequestConfig(request, paginate=False).configure(table)
        return (row.record for row in table.rows)

    download = export_if_requested(
        request,
        rows=every_row,
        columns=MILESTONE_EXPORT_COLUMNS,
        filename=f"{programme.slug}-milestones",
    )
    if download is not None:
        return download
    RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(table)
    return render(
        request,
        "programmes/milestone_list.html",
        {
            "programme": programme,
            "as_of": as_of,
            "filterset": filterset,
            "form": filterset.form,
            "table": table,
            "can_edit": may_change(request, programme),
        },
    )


@require_GET
def milestone_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    programme = selectors.programme_for(request.user, slug)
    milestone = selectors.milestone_detail(programme, pk)
    as_of = rules.reporting_date(programme)
    return render(
        request,
        "programmes/milestone_detail.html",
        {
            "programme": programme,
            "milestone": milestone,
            "as_of": as_of,
            "history_table": StatusHistoryTable(list(getattr(milestone, "status_history", ()))),
            "can_strike": is_administrator(request.user),
            "can_edit": may_change(request, programme),
            "can_record_status": request.user.has_perm(CHANGE_MILESTONE_STATUS, milestone),
        },
    )


@require_http_methods(["GET", "POST"])
def milestone_create(request: HttpRequest, slug: str) -> HttpResponse:
    programme = selectors.programme_for(request.user, slug)
    require_plan_change(request, programme)
    form = MilestoneForm(request.POST or None, programme=programme)
    if request.method == "POST" and form.is_valid():
        try:
            milestone = services.milestone_create(programme=programme, **form.service_kwargs())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Milestone {milestone.ref or milestone.title[:40]} added.")
            return redirect("programmes:milestone_detail", programme.slug, milestone.pk)
    return render(
        request,
        "programmes/milestone_form.html",
        {"programme": programme, "form": form, "milestone": None},
    )


@require_http_methods(["GET", "POST"])
def milestone_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    programme = selectors.programme_for(request.user, slug)
    require_plan_change(request, programme)
    milestone = get_object_or_404(
        Milestone.objects.filter(programme=programme)
        .select_related("workstream", "governance_body", "parent")
        .prefetch_related("leads", "milestonereference_set"),
        pk=pk,
    )
    form = MilestoneForm(request.POST or None, programme=programme, milestone=milestone)
    if request.method == "POST" and form.is_valid():
        try:
            services.milestone_update(
                milestone=milestone,
                expected_version=form.cleaned_data.get("version"),
                user=signed_in_user(request),
                **form.service_kwargs(),
                **form.reason_kwargs(),
            )
        except services.MilestoneConflict as conflict:
            context = pages.milestone_conflict(programme, form, conflict.current)
            return render(request, "programmes/milestone_conflict.html", context, status=409)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Milestone saved.")
            return redirect("programmes:milestone_detail", programme.slug, milestone.pk)
    return render(
        request,
        "programmes/milestone_form.html",
        {"programme": programme, "form": form, "milestone": milestone},
    )


def _row_response(request: HttpRequest, programme: Programme, pk: int) -> HttpResponse:
    milestone = selectors.milestone_for_row(programme, pk)
    table = MilestoneTable(
        [milestone], programme=programme, **status_table_rights(request, programme)
    )
    return render(request, "programmes/includes/milestone_row_fragment.html", {"table": table})


@require_GET
def milestone_row(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """One row of the milestone list (htmx puts it back when an inline form is cancelled)."""
    return _row_response(request, selectors.programme_for(request.user, slug), pk)


def _status_form(request: HttpRequest, milestone: Milestone) -> StatusUpdateForm:
    """The status form: bound to a POST that saves; unbound, starting empty of cause and path
    to green unless the person asked for "Same as last update" (a link, or a button that
    keeps what they typed)."""
    # Ids carry the milestone, so an inline form never shares ids with the list's filters or
    # with another row's open form.
    auto_id = f"status-{milestone.pk}-%s"
    if request.method == "POST" and SAME_AS_LAST in request.POST:
        initial = pages.status_form_copied(milestone, request.POST)
        return StatusUpdateForm(milestone=milestone, initial=initial, auto_id=auto_id)
    same_as_last = SAME_AS_LAST in request.GET
    return StatusUpdateForm(
        request.POST if request.method == "POST" else None,
        milestone=milestone,
        initial=pages.status_form_initial(milestone, same_as_last=same_as_last),
        auto_id=auto_id,
    )


SAME_AS_LAST = "same_as_last"


@require_http_methods(["GET", "POST"])
def status_update(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Record a status update: a full page without JavaScript, a row fragment under htmx."""
    programme = selectors.programme_for(request.user, slug)
    milestone = get_object_or_404(
        Milestone.objects.filter(programme=programme).select_related("programme", "workstream"),
        pk=pk,
    )
    require_perm(
        request,
        CHANGE_MILESTONE_STATUS,
        milestone,
        message="You can record status only on milestones of your workstreams or that you lead; "
        "ask the programme's manager.",
    )
    form = _status_form(request, milestone)
    # The programme's reporting date is its "now" (today unless a manager set it): an update
    # made before a board is the status for that board's period, so its reports show it.
    status_as_of = rules.reporting_date(programme)
    if form.is_bound and form.is_valid():
        try:
            update = services.status_record(
                milestone=milestone,
                as_of=status_as_of,
                author=signed_in_user(request),
                **form.service_kwargs(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _status_recorded(request, programme, milestone, update)
    context = {
        "programme": programme,
        "milestone": milestone,
        "form": form,
        "action": reverse("programmes:status_update", args=[programme.slug, milestone.pk]),
        "cancel": reverse("programmes:milestone_row", args=[programme.slug, milestone.pk]),
        "colspan": len(MilestoneTable([], programme=programme, can_edit=True).columns),
        "status_as_of": status_as_of,
        **pages.status_form_context(milestone),
    }
    if _is_htmx(request):
        # 200 even with errors, so htmx swaps the form (with its error summary) into the row.
        return render(request, "programmes/includes/status_form_row.html", context)
    return render(request, "programmes/status_update.html", context)


def _status_recorded(
    request: HttpRequest, programme: Programme, milestone: Milestone, update: StatusUpdate
) -> HttpResponse:
    message = (
        f"Status of {milestone.ref or milestone.title[:40]} recorded as "
        f"{rating_label(update.rating)}."
    )
    if _is_htmx(request):
        response = _row_response(request, programme, milestone.pk)
        response["HX-Trigger"] = htmx_event_header("statusRecorded", message=message)
        return response
    messages.success(request, message)
    return redirect("programmes:milestone_detail", programme.slug, milestone.pk)


@require_http_methods(["GET", "POST"])
@requires(is_administrator, message="Only administrators can strike out a status update.")
def status_strike(request: HttpRequest, slug: str, pk: int, update_pk: int) -> HttpResponse:
    """Strike out a status update entered in error: kept and shown struck through, never
    deleted; the milestone's current status comes from the newest update still standing."""
    programme = selectors.programme_for(request.user, slug)
    update = get_object_or_404(
        StatusUpdate.objects.select_related("milestone"),
        pk=update_pk,
        milestone_id=pk,
        milestone__programme=programme,
    )
    form = StatusStrikeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.status_strike(
                update=update, user=signed_in_user(request), reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"The update as at {update.as_of:%-d %B %Y} is struck out.")
            return redirect("programmes:milestone_detail", programme.slug, pk)
    context = {"programme": programme, "milestone": update.milestone, "update": update}
    return render(request, "programmes/status_strike.html", {**context, "form": form})
