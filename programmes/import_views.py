"""Plan import in the browser (upload, preview, confirm or discard) and reference review.

Thin views: the forms check input, `programmes.plan_import` and `programmes.reference` do the
work, and `integration.roles.can_edit_plans` is the only rights check.
"""

from functools import wraps

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from integration.roles import can_edit_plans
from programmes.choices import ImportState
from programmes.import_forms import PlanImportUploadForm, ReferenceResolveForm
from programmes.models import FrameworkCode, PlanImport, Programme, UnresolvedReference
from programmes.plan_import import (
    PlanFileError,
    PlanImportError,
    plan_import_apply,
    plan_import_discard,
    plan_import_preview,
)
from programmes.reference import unresolved_reference_resolve

FINDINGS_SHOWN = 500  # a very damaged file still renders quickly; the JSON has them all


def plan_editors_only(view):
    """403 with a page that says why, for anyone who may not change plans."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not can_edit_plans(request.user):
            return render(request, "programmes/import/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped


@plan_editors_only
@require_http_methods(["GET", "POST"])
def plan_import_upload(request: HttpRequest) -> HttpResponse:
    initial = {}
    if slug := request.GET.get("programme"):
        initial["programme"] = Programme.objects.filter(slug=slug).first()
    else:
        only = list(Programme.objects.all()[:2])
        if len(only) == 1:
            initial["programme"] = only[0]
    form = PlanImportUploadForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            plan_import = plan_import_preview(
                programme=form.cleaned_data["programme"],
                file_name=upload.name,
                content=form.content,
                as_of=form.cleaned_data["as_of"],
                user=request.user,
            )
        except PlanFileError as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("programmes:plan_import_detail", pk=plan_import.pk)
    status = 400 if form.errors else 200
    recent = PlanImport.objects.select_related("programme", "uploaded_by")[:10]
    return render(
        request,
        "programmes/import/upload.html",
        {"form": form, "recent": recent},
        status=status,
    )


@plan_editors_only
def plan_import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan_import = get_object_or_404(
        PlanImport.objects.select_related("programme", "uploaded_by", "decided_by"), pk=pk
    )
    report = plan_import.report
    context = {
        "plan_import": plan_import,
        "programme": plan_import.programme,
        "report": report,
        "errors": report.get("errors", [])[:FINDINGS_SHOWN],
        "warnings": report.get("warnings", [])[:FINDINGS_SHOWN],
        "more_errors": max(0, len(report.get("errors", [])) - FINDINGS_SHOWN),
        "more_warnings": max(0, len(report.get("warnings", [])) - FINDINGS_SHOWN),
        "changed": [m for m in report.get("milestones", []) if m["action"] != "unchanged"],
        "can_apply": plan_import.state == ImportState.PREVIEWED and not report.get("errors"),
        "is_previewed": plan_import.state == ImportState.PREVIEWED,
    }
    return render(request, "programmes/import/preview.html", context)


@plan_editors_only
@require_POST
def plan_import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    plan_import = get_object_or_404(PlanImport.objects.select_related("programme"), pk=pk)
    try:
        plan_import = plan_import_apply(plan_import=plan_import, user=request.user)
    except PlanImportError as exc:
        messages.error(request, str(exc))
        return redirect("programmes:plan_import_detail", pk=pk)
    report = plan_import.report
    messages.success(
        request,
        f"Plan imported as at {plan_import.as_of.day} {plan_import.as_of:%B %Y}: "
        f"{report['created']} created, "
        f"{report['updated']} updated, {report['unchanged']} unchanged, "
        f"{report['removed']} removed.",
    )
    return redirect("programmes:plan_import_detail", pk=pk)


@plan_editors_only
@require_POST
def plan_import_discard_view(request: HttpRequest, pk: int) -> HttpResponse:
    plan_import = get_object_or_404(PlanImport, pk=pk)
    try:
        plan_import_discard(plan_import=plan_import, user=request.user)
    except PlanImportError as exc:
        messages.error(request, str(exc))
        return redirect("programmes:plan_import_detail", pk=pk)
    messages.success(request, f"Import of {plan_import.original_name} discarded; nothing changed.")
    return redirect(
        reverse("programmes:plan_import_upload") + f"?programme={plan_import.programme.slug}"
    )


def _unresolved_rows(programme: Programme):
    return (
        UnresolvedReference.objects.filter(
            milestone__programme=programme, milestone__removed_on__isnull=True
        )
        .select_related(
            "milestone", "milestone__workstream", "framework", "resolved_code", "resolved_by"
        )
        .prefetch_related(
            "candidates",
            Prefetch("framework__codes", queryset=FrameworkCode.objects.order_by("position")),
        )
        .order_by("resolved_at", "milestone__workstream__position", "milestone__position", "id")
    )


@require_http_methods(["GET", "POST"])
def reference_review(request: HttpRequest, slug: str) -> HttpResponse:
    programme = get_object_or_404(Programme, slug=slug)
    can_edit = can_edit_plans(request.user)
    if request.method == "POST" and not can_edit:
        return render(request, "programmes/import/forbidden.html", status=403)
    rows = list(_unresolved_rows(programme))
    forms = {row.pk: ReferenceResolveForm(unresolved=row) for row in rows}
    status = 200
    if request.method == "POST":
        try:
            target = next(r for r in rows if str(r.pk) == request.POST.get("unresolved"))
        except StopIteration:
            messages.error(
                request, "That reference is no longer listed; the page has been refreshed."
            )
            return redirect("programmes:reference_review", slug=slug)
        form = ReferenceResolveForm(request.POST, unresolved=target)
        forms[target.pk] = form
        if form.is_valid():
            try:
                unresolved_reference_resolve(
                    unresolved=target, code=form.cleaned_data["code"], user=request.user
                )
            except ValidationError as exc:
                form.add_error("choice", exc.messages[0])
            else:
                messages.success(
                    request,
                    f"“{target.raw_token}” on {target.milestone.ref or 'the milestone'} "
                    f"now links to {form.cleaned_data['code'].code}.",
                )
                return redirect("programmes:reference_review", slug=slug)
        status = 400
    open_rows = [(r, forms[r.pk]) for r in rows if r.resolved_code_id is None]
    done_rows = [r for r in rows if r.resolved_code_id is not None]
    invalid = next((f for _, f in open_rows if f.is_bound and f.errors), None)
    return render(
        request,
        "programmes/import/reference_review.html",
        {
            "programme": programme,
            "open_rows": open_rows,
            "done_rows": done_rows,
            "can_edit": can_edit,
            "invalid_form": invalid,
        },
        status=status,
    )
