"""Plan import in the browser (upload, preview, confirm or discard) and reference review.

Thin views: the forms check input, `programmes.plan_import` and `programmes.reference` do the
work. Rights: `permissions.plan_importers` lets managers of some programme (and
administrators) in; each import and review is then checked against its own programme.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from integration.access import require_perm
from integration.reports import CountTable, findings_export_if_requested, findings_tables
from programmes import selectors
from programmes.choices import ImportState
from programmes.import_forms import PlanImportUploadForm, ReferenceResolveForm
from programmes.models import FrameworkCode, PlanImport, Programme, UnresolvedReference
from programmes.permissions import CHANGE_PROGRAMME, plan_importers
from programmes.plan_import import (
    PlanFileError,
    PlanImportError,
    plan_import_apply,
    plan_import_discard,
    plan_import_preview,
)
from programmes.reference import unresolved_reference_resolve
from programmes.report_tables import (
    ImportChangeTable,
    ImportUnresolvedTable,
    ImportWorkstreamTable,
    ReferenceReviewTable,
    ResolvedReferenceTable,
    import_counts,
)
from programmes.tables import PlanImportTable
from programmes.views import may_change

IMPORT_REFUSED = "Only the programme's managers and administrators can import its plan."


def _plan_import(request: HttpRequest, pk: int, *related: str) -> PlanImport:
    """An import of a programme the user manages: 404 when they cannot see the programme,
    403 when they can see but not change it."""
    visible = Programme.objects.visible_to(request.user)
    plan_import = get_object_or_404(
        PlanImport.objects.filter(programme__in=visible).select_related("programme", *related),
        pk=pk,
    )
    require_perm(request, CHANGE_PROGRAMME, plan_import.programme, message=IMPORT_REFUSED)
    return plan_import


@plan_importers
@require_http_methods(["GET", "POST"])
def plan_import_upload(request: HttpRequest) -> HttpResponse:
    editable = Programme.objects.editable_by(request.user)
    initial = {}
    if slug := request.GET.get("programme"):
        initial["programme"] = editable.filter(slug=slug).first()
    else:
        only = list(editable[:2])
        if len(only) == 1:
            initial["programme"] = only[0]
    form = PlanImportUploadForm(request.POST or None, request.FILES or None, initial=initial)
    # Only the programmes this user manages can be chosen (or posted).
    form.fields["programme"].queryset = editable  # type: ignore[attr-defined]
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
    recent = list(
        PlanImport.objects.filter(programme__in=editable).select_related(
            "programme", "uploaded_by"
        )[:10]
    )
    return render(
        request,
        "programmes/import/upload.html",
        {"form": form, "recent_table": PlanImportTable(recent) if recent else None},
        status=status,
    )


@plan_importers
def plan_import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan_import = _plan_import(request, pk, "uploaded_by", "decided_by")
    report = plan_import.report
    if download := findings_export_if_requested(
        request, report=report, filename=f"plan-import-{plan_import.pk}-findings"
    ):
        return download
    changed = [m for m in report.get("milestones", []) if m["action"] != "unchanged"]
    context = {
        "plan_import": plan_import,
        "programme": plan_import.programme,
        "report": report,
        "errors": report.get("errors", []),
        **findings_tables(request, report),
        "count_table": CountTable(import_counts(report)),
        "unresolved_table": (
            ImportUnresolvedTable(report["unresolved"]) if report.get("unresolved") else None
        ),
        "workstream_table": ImportWorkstreamTable(report.get("workstreams", [])),
        "change_table": ImportChangeTable(changed) if changed else None,
        "can_apply": plan_import.state == ImportState.PREVIEWED and not report.get("errors"),
        "is_previewed": plan_import.state == ImportState.PREVIEWED,
        "state_tag_class": ImportState(plan_import.state).tag_class,
    }
    return render(request, "programmes/import/preview.html", context)


@plan_importers
@require_POST
def plan_import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    plan_import = _plan_import(request, pk)
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


@plan_importers
@require_POST
def plan_import_discard_view(request: HttpRequest, pk: int) -> HttpResponse:
    plan_import = _plan_import(request, pk)
    try:
        plan_import_discard(plan_import=plan_import, user=request.user)
    except PlanImportError as exc:
        messages.error(request, str(exc))
        return redirect("programmes:plan_import_detail", pk=pk)
    messages.success(request, f"Import of {plan_import.original_name} discarded; nothing changed.")
    return redirect(
        reverse("programmes:plan_import_upload") + f"?programme={plan_import.programme.slug}"
    )


def _unresolved_rows(programme: Programme) -> QuerySet[UnresolvedReference]:
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
    """Everyone may read the references kept for review; plan editors resolve them."""
    if request.method == "POST":
        return _reference_resolve(request, slug)
    programme = selectors.programme_for(request.user, slug)
    rows = list(_unresolved_rows(programme))
    forms = {row.pk: ReferenceResolveForm(unresolved=row) for row in rows}
    return _reference_page(request, programme, rows, forms, status=200)


def _reference_resolve(request: HttpRequest, slug: str) -> HttpResponse:
    programme = selectors.programme_for(request.user, slug)
    require_perm(
        request,
        CHANGE_PROGRAMME,
        programme,
        message="Only the programme's managers and administrators can resolve references.",
    )
    rows = list(_unresolved_rows(programme))
    target = next((r for r in rows if str(r.pk) == request.POST.get("unresolved")), None)
    if target is None:
        messages.error(request, "That reference is no longer listed; the page has been refreshed.")
        return redirect("programmes:reference_review", slug=slug)
    forms = {row.pk: ReferenceResolveForm(unresolved=row) for row in rows}
    form = forms[target.pk] = ReferenceResolveForm(request.POST, unresolved=target)
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
    return _reference_page(request, programme, rows, forms, status=400)


def _reference_page(
    request: HttpRequest,
    programme: Programme,
    rows: list[UnresolvedReference],
    forms: dict[int, ReferenceResolveForm],
    *,
    status: int,
) -> HttpResponse:
    open_rows = [(r, forms[r.pk]) for r in rows if r.resolved_code_id is None]
    done_rows = [r for r in rows if r.resolved_code_id is not None]
    invalid = next((f for _, f in open_rows if f.is_bound and f.errors), None)
    return render(
        request,
        "programmes/import/reference_review.html",
        {
            "programme": programme,
            "open_table": (
                ReferenceReviewTable(
                    open_rows, request=request, can_edit=may_change(request, programme)
                )
                if open_rows
                else None
            ),
            "done_table": ResolvedReferenceTable(done_rows) if done_rows else None,
            "invalid_form": invalid,
        },
        status=status,
    )
