"""Plan pages: programme list and overview, milestone list (with exports), milestone page,
create/edit forms and status updates (full page, or inline from the list with htmx).

Views stay thin: selectors read, services write, `roles.can_edit_plans` decides who may write.
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods
from django_tables2 import RequestConfig

from integration.exports import export_response
from integration.roles import can_edit_plans
from programmes import selectors, services
from programmes.choices import Rating
from programmes.filtersets import MilestoneFilterSet
from programmes.forms import MilestoneForm, StatusUpdateForm
from programmes.metric_links import programme_linked_metrics
from programmes.models import Milestone, Programme
from programmes.tables import MILESTONE_EXPORT_COLUMNS, MilestoneTable

PER_PAGE = 50


def _programme(slug: str) -> Programme:
    return get_object_or_404(Programme.objects.select_related("owning_body"), slug=slug)


def _require_editor(request: HttpRequest) -> None:
    if not can_edit_plans(request.user):
        raise PermissionDenied("Only programme managers and administrators can change plans.")


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _add_service_errors(form, error: ValidationError) -> None:
    for field_name, field_messages in error.message_dict.items():
        for message in field_messages:
            form.add_error(field_name if field_name in form.fields else None, message)


@require_GET
def programme_list(request: HttpRequest) -> HttpResponse:
    programmes = selectors.programme_list_rows(request.user)
    return render(request, "programmes/programme_list.html", {"programmes": programmes})


@require_GET
def programme_detail(request: HttpRequest, slug: str) -> HttpResponse:
    programme = _programme(slug)
    rows, as_at = selectors.programme_overview(programme)
    totals = {
        "milestones": sum(r.total for r in rows),
        "overdue": sum(r.overdue for r in rows),
    }
    return render(
        request,
        "programmes/programme_detail.html",
        {
            "programme": programme,
            "rows": rows,
            "as_at": as_at,
            "totals": totals,
            "ratings": selectors.programme_ratings(programme),
            "linked_metrics": programme_linked_metrics(programme),
        },
    )


@require_GET
def milestone_list(request: HttpRequest, slug: str) -> HttpResponse:
    programme = _programme(slug)
    as_at = selectors.reporting_date_or_today(programme)
    filterset = MilestoneFilterSet(
        request.GET,
        queryset=selectors.milestone_list_queryset(programme),
        programme=programme,
        as_at=as_at,
    )
    file_format = request.GET.get("format", "").strip().lower()
    can_edit = can_edit_plans(request.user)
    table = MilestoneTable(filterset.qs, programme=programme, can_edit=can_edit)
    if file_format:
        # Every matching row in the table's order, not one page.
        RequestConfig(request, paginate=False).configure(table)
        return export_response(
            rows=(row.record for row in table.rows),
            columns=MILESTONE_EXPORT_COLUMNS,
            filename=f"{programme.slug}-milestones",
            file_format=file_format,
        )
    RequestConfig(request, paginate={"per_page": PER_PAGE}).configure(table)
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("format", None)
    exports = {}
    for fmt in ("csv", "xlsx"):
        query["format"] = fmt
        exports[fmt] = query.urlencode()
    return render(
        request,
        "programmes/milestone_list.html",
        {
            "programme": programme,
            "as_at": as_at,
            "filterset": filterset,
            "form": filterset.form,
            "table": table,
            "exports": exports,
        },
    )


@require_GET
def milestone_detail(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    programme = _programme(slug)
    milestone = selectors.milestone_detail(programme, pk)
    as_at = selectors.reporting_date_or_today(programme)
    return render(
        request,
        "programmes/milestone_detail.html",
        {"programme": programme, "milestone": milestone, "as_at": as_at},
    )


@require_http_methods(["GET", "POST"])
def milestone_create(request: HttpRequest, slug: str) -> HttpResponse:
    programme = _programme(slug)
    _require_editor(request)
    form = MilestoneForm(request.POST or None, programme=programme)
    if request.method == "POST" and form.is_valid():
        try:
            milestone = services.milestone_create(programme=programme, **form.service_kwargs())
        except ValidationError as error:
            _add_service_errors(form, error)
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
    programme = _programme(slug)
    _require_editor(request)
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
                **form.service_kwargs(),
            )
        except services.MilestoneConflict as conflict:
            return _conflict(request, programme, form, conflict.current)
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, "Milestone saved.")
            return redirect("programmes:milestone_detail", programme.slug, milestone.pk)
    return render(
        request,
        "programmes/milestone_form.html",
        {"programme": programme, "form": form, "milestone": milestone},
    )


def _conflict(request, programme, form: MilestoneForm, current: Milestone) -> HttpResponse:
    """Someone saved in between: show both versions, and the user's form to save again."""
    current = (
        Milestone.objects.select_related("workstream", "governance_body", "parent")
        .prefetch_related("leads", "milestonereference_set__code")
        .get(pk=current.pk)
    )
    saved = MilestoneForm(programme=programme, milestone=current)
    comparison = []
    for name in form.fields:
        if name == "version":
            continue
        theirs = _display(saved, name, saved.initial.get(name))
        yours = _display(
            form,
            name,
            form.data.getlist(name) if name in ("leads", "references") else form.data.get(name, ""),
        )
        comparison.append(
            {
                "label": form.fields[name].label,
                "saved": theirs,
                "yours": yours,
                "differs": theirs != yours,
            }
        )
    data = form.data.copy()
    data["version"] = current.version
    retry = MilestoneForm(data, programme=programme, milestone=current)
    retry.is_valid()
    return render(
        request,
        "programmes/milestone_conflict.html",
        {
            "programme": programme,
            "milestone": current,
            "comparison": comparison,
            "form": retry,
        },
        status=409,
    )


def _display(form: MilestoneForm, name: str, value) -> str:
    """A field's value as text for the conflict page (choices shown by their labels)."""
    field = form.fields[name]
    if name in ("leads", "references"):
        chosen = {str(v) for v in (value or [])}
        return ", ".join(str(o) for o in field.queryset if str(o.pk) in chosen) or "None"
    if name in ("workstream", "parent", "governance_body"):
        if value in (None, ""):
            return "None"
        obj = field.queryset.filter(pk=value).first() if str(value).isdigit() else None
        return field.label_from_instance(obj) if obj else str(value)
    return str(value or "").strip() or "None"


def _row_response(request, programme: Programme, pk: int) -> HttpResponse:
    milestone = selectors.milestone_for_row(programme, pk)
    table = MilestoneTable([milestone], programme=programme, can_edit=can_edit_plans(request.user))
    return render(request, "programmes/includes/milestone_row_fragment.html", {"table": table})


@require_GET
def milestone_row(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """One row of the milestone list (htmx puts it back when an inline form is cancelled)."""
    return _row_response(request, _programme(slug), pk)


@require_http_methods(["GET", "POST"])
def status_update(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Record a status update: a full page without JavaScript, a row fragment under htmx."""
    programme = _programme(slug)
    _require_editor(request)
    milestone = get_object_or_404(
        Milestone.objects.filter(programme=programme).select_related("programme", "workstream"),
        pk=pk,
    )
    latest = selectors.latest_status(milestone)
    initial = {"rating": milestone.rating}
    if latest is not None:
        # Cause and recovery usually carry over; the narrative is new each time.
        initial.update(
            cause=latest.cause,
            path_to_green=latest.path_to_green,
            forecast_end=f"{latest.forecast_end:%d/%m/%Y}" if latest.forecast_end else "",
            forecast_reason=latest.forecast_reason,
        )
    # Ids carry the milestone, so an inline form never shares ids with the list's filters or
    # with another row's open form.
    form = StatusUpdateForm(
        request.POST or None,
        milestone=milestone,
        initial=initial,
        auto_id=f"status-{milestone.pk}-%s",
    )
    # The programme's reporting date is its "now" (today unless a manager set it): an update
    # made before a board is the status for that board's period, so its reports show it.
    status_as_of = selectors.reporting_date_or_today(programme)
    if request.method == "POST" and form.is_valid():
        try:
            update = services.status_record(
                milestone=milestone,
                as_of=status_as_of,
                author=request.user,
                **form.service_kwargs(),
            )
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            message = (
                f"Status of {milestone.ref or milestone.title[:40]} recorded as "
                f"{Rating(update.rating).label}."
            )
            if _is_htmx(request):
                response = _row_response(request, programme, milestone.pk)
                response["HX-Trigger"] = json.dumps({"statusRecorded": {"message": message}})
                return response
            messages.success(request, message)
            return redirect("programmes:milestone_detail", programme.slug, milestone.pk)
    context = {
        "programme": programme,
        "milestone": milestone,
        "form": form,
        "action": reverse("programmes:status_update", args=[programme.slug, milestone.pk]),
        "cancel": reverse("programmes:milestone_row", args=[programme.slug, milestone.pk]),
        "colspan": len(MilestoneTable([], programme=programme, can_edit=True).columns),
        "status_as_of": status_as_of,
    }
    if _is_htmx(request):
        # 200 even with errors, so htmx swaps the form (with its error summary) into the row.
        return render(request, "programmes/includes/status_form_row.html", context)
    return render(request, "programmes/status_update.html", context)
