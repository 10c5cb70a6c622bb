"""Upload pages: the list, a new upload, its column mapping, its report and preview, apply or
discard; mapping profiles (list, download, import).

Everyone signed in may read the uploads list, an upload's report and the profiles (where the
numbers came from is no secret); only analysts and administrators (`can_upload_metrics`) may
upload, map, apply, discard, download the original files or import profiles; only
administrators revert an applied upload. Others get a 403 page that says so.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import DatabaseError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.timezone import localtime
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_tables2 import RequestConfig

from integration.access import metric_uploaders, requires
from integration.exports import Column, export_if_requested, requested_format
from integration.reports import (
    Count,
    CountTable,
    findings_export_if_requested,
    findings_tables,
)
from integration.roles import can_upload_metrics, is_administrator
from metrics import services
from metrics.choices import UploadState
from metrics.forms import CheckForm, MappingForm, ProfileImportForm, RevertForm, UploadForm
from metrics.ingest import (
    IngestError,
    Profile,
    ProfileError,
    column_examples,
    normalise_header,
    row_labels,
)
from metrics.ingest.mapping import profile_changed
from metrics.models import MappingProfile, Upload
from metrics.revert import upload_revert
from metrics.tables import (
    ChangedSinceTable,
    ChangeTable,
    MappingColumnsTable,
    MappingLabelsTable,
    ProfileTable,
    UploadTable,
    state_tag,
)
from metrics.upload_checks import uploads_overtaken

UPLOADS_PER_PAGE = 25


UPLOAD_EXPORT = [
    Column("Upload", lambda u: u.pk),
    Column("File", lambda u: u.original_name),
    Column("State", lambda u: u.get_state_display()),
    Column("Rows", lambda u: u.rows),
    Column("New", lambda u: u.new_count),
    Column("Changed", lambda u: u.changed_count),
    Column("Unchanged", lambda u: u.unchanged_count),
    Column("Uploaded at", lambda u: localtime(u.uploaded_at)),
    Column("Uploaded by", lambda u: u.uploaded_by.get_username() if u.uploaded_by else ""),
    Column("Applied at", lambda u: localtime(u.applied_at) if u.applied_at else None),
    Column("Applied by", lambda u: u.applied_by.get_username() if u.applied_by else ""),
    Column("Demo data", lambda u: u.is_demo),
    Column("SHA-256", lambda u: u.sha256),
]


@require_GET
def upload_list(request: HttpRequest) -> HttpResponse:
    # One query for the page: the people come with each upload; the reports stay behind.
    uploads = Upload.objects.select_related("uploaded_by", "applied_by").defer(
        "report", "profile_snapshot"
    )
    if download := export_if_requested(
        request,
        rows=lambda: uploads.order_by("-uploaded_at", "-pk"),
        columns=UPLOAD_EXPORT,
        filename="uploads",
    ):
        return download
    table = UploadTable(uploads)
    RequestConfig(request, paginate={"per_page": UPLOADS_PER_PAGE}).configure(table)
    table.newer = uploads_overtaken(row.record for row in table.paginated_rows)
    return render(
        request,
        "metrics/upload_list.html",
        {
            "table": table,
            "can_upload": can_upload_metrics(request.user),
        },
    )


@metric_uploaders
@require_http_methods(["GET", "POST"])
def upload_create(request: HttpRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload_file = form.cleaned_data["file"]
        try:
            upload = services.upload_create(
                content=upload_file.read(),
                filename=upload_file.name,
                user=request.user,
                profile=form.cleaned_data["profile"],
                clear_empty_notes=form.cleaned_data["clear_empty_notes"],
            )
        except services.UploadError as exc:
            form.add_error("file", str(exc))
        except ProfileError as exc:
            form.add_error("profile", f"The saved profile cannot be used: {exc}")
        else:
            return redirect("metrics:upload_mapping", upload.pk)
    status = 400 if form.errors else 200
    return render(request, "metrics/uploads/new.html", {"form": form}, status=status)


@metric_uploaders
@require_http_methods(["GET", "POST"])
def upload_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    upload = get_object_or_404(Upload, pk=pk)
    if upload.state not in (UploadState.VALIDATED, UploadState.FAILED):
        messages.info(request, "This upload is finished; its mapping can no longer change.")
        return redirect("metrics:upload_detail", upload.pk)
    definition = Profile.from_dict(upload.profile_snapshot)
    mapping = upload.report.get("mapping") or {}
    try:
        table = services.upload_table(upload)
    except IngestError:
        table = None
    header = table.header if table is not None else upload.report.get("header", [])
    labels = row_labels(table, mapping)
    examples = column_examples(table)
    form = MappingForm(
        request.POST or None,
        header=header,
        profile=definition,
        mapping=mapping,
        labels=labels,
        examples=examples,
    )
    if request.method == "POST" and form.is_valid():
        new = form.definition()
        profile = upload.profile
        name = form.cleaned_data["save_as"].strip()
        if name:
            profile = services.profile_save(name=name, definition=new, user=request.user)
            messages.success(request, f"Saved the mapping as the profile '{name}'.")
        elif profile_changed(definition, new):
            profile = None  # no longer the saved profile's mapping
        services.upload_remap(upload=upload, definition=new, profile=profile)
        return redirect("metrics:upload_detail", upload.pk)
    report = upload.report
    return render(
        request,
        "metrics/uploads/mapping.html",
        {
            "upload": upload,
            "form": form,
            "columns_table": MappingColumnsTable(form.column_rows()),
            "labels_table": MappingLabelsTable(form.label_rows()),
            "report": report,
            "errors": report.get("errors", [])[:5],
            "more_labels": max(len(labels) - len(form.labels), 0),
            "header_row": report.get("header_row"),
        },
        status=400 if form.errors else 200,
    )


@require_GET
def upload_detail(request: HttpRequest, pk: int) -> HttpResponse:
    upload = get_object_or_404(
        Upload.objects.select_related("uploaded_by", "applied_by", "reverted_by", "profile"),
        pk=pk,
    )
    report = upload.report
    if requested_format(request) == "json":
        # The same report as `import_activity --report json`.
        data = {**report, "upload_id": upload.pk, "state": upload.state}
        response = JsonResponse(data, json_dumps_params={"indent": 2, "ensure_ascii": False})
        response["Content-Disposition"] = f'attachment; filename="upload-{upload.pk}.json"'
        return response
    if download := findings_export_if_requested(
        request, report=report, filename=f"upload-{upload.pk}-findings"
    ):
        return download
    return render(request, "metrics/uploads/detail.html", _detail_context(request, upload))


def _detail_context(request: HttpRequest, upload: Upload) -> dict[str, Any]:
    report = upload.report
    errors = report.get("errors", [])
    changes = report.get("changes", [])
    since = report.get("changed_since") or []
    reverted = report.get("reverted") or {}
    can_upload = can_upload_metrics(request.user)
    is_open = upload.state in (UploadState.VALIDATED, UploadState.FAILED)
    return {
        "upload": upload,
        "report": report,
        "state_tag": state_tag(upload.state),
        "errors": errors,
        **findings_tables(request, report),
        "count_table": CountTable(
            [
                Count("Rows in the file", "rows", upload.rows),
                Count("New values", "new", upload.new_count),
                Count("Changed values", "changed", upload.changed_count),
                Count("Notes updated (values unchanged)", "notes", report.get("notes_updated", 0)),
                Count("Unchanged values", "unchanged", upload.unchanged_count),
                Count("Errors", "errors", len(errors)),
                Count("Warnings to check", "warnings", len(report.get("warnings", []))),
            ]
        ),
        "change_table": ChangeTable(changes) if changes else None,
        "more_changes": max(upload.changed_count - len(changes), 0),
        "since_table": ChangedSinceTable(since) if since and is_open else None,
        "overtaken": is_open and upload.pk in uploads_overtaken([upload]),
        "reverted_table": ChangeTable(reverted["changes"]) if reverted.get("changes") else None,
        "can_upload": can_upload,
        "is_open": is_open,
        "can_apply": can_upload and is_open and not errors,
        "check_form": CheckForm(initial={"clear_empty_notes": upload.clear_empty_notes}),
        "revert_form": RevertForm()
        if upload.state == UploadState.APPLIED and is_administrator(request.user)
        else None,
    }


@metric_uploaders
@require_POST
def upload_apply(request: HttpRequest, pk: int) -> HttpResponse:
    upload = get_object_or_404(Upload, pk=pk)
    try:
        upload = services.upload_apply(upload=upload, user=request.user)
    except services.UploadStale as exc:
        messages.warning(request, str(exc))
        return redirect(reverse("metrics:upload_detail", args=[pk]) + "#changed-since")
    except services.UploadError as exc:
        messages.error(request, str(exc))
    except Exception as exc:  # the service rolled back and recorded the failure on the upload
        database = isinstance(exc, DatabaseError)
        messages.error(
            request,
            "Applying the file failed"
            + (" because the database could not be reached" if database else "")
            + ", so nothing was applied. Try again, or ask your system administrator if it "
            "keeps failing.",
        )
    else:
        notes = upload.report.get("notes_updated", 0)
        messages.success(
            request,
            f"Applied {upload.original_name}: {upload.new_count:,} new, "
            f"{upload.changed_count:,} changed, {upload.unchanged_count:,} unchanged"
            + (f", {notes:,} notes updated." if notes else "."),
        )
    return redirect("metrics:upload_detail", pk)


@metric_uploaders
@require_POST
def upload_check(request: HttpRequest, pk: int) -> HttpResponse:
    """Validate and preview again, e.g. after other uploads changed the stored values."""
    upload = get_object_or_404(Upload, pk=pk)
    form = CheckForm(request.POST)
    clear = form.cleaned_data["clear_empty_notes"] if form.is_valid() else None
    try:
        services.upload_preview(upload=upload, clear_empty_notes=clear)
    except services.UploadError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Checked the file again against the values stored now.")
    return redirect("metrics:upload_detail", pk)


@requires(is_administrator, message="Only administrators can revert an upload.")
@require_POST
def upload_revert_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Put back the values from before an applied upload, with a reason."""
    upload = get_object_or_404(Upload, pk=pk)
    form = RevertForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the upload is being reverted.")
        return redirect(reverse("metrics:upload_detail", args=[pk]) + "#revert")
    try:
        upload = upload_revert(upload=upload, reason=form.cleaned_data["reason"], user=request.user)
    except services.UploadError as exc:
        messages.error(request, str(exc))
    else:
        done = upload.report["reverted"]
        messages.success(
            request,
            f"Reverted {upload.original_name}: {done['restored']:,} values put back, "
            f"{done['withdrawn']:,} withdrawn.",
        )
    return redirect("metrics:upload_detail", pk)


@metric_uploaders
@require_POST
def upload_discard(request: HttpRequest, pk: int) -> HttpResponse:
    upload = get_object_or_404(Upload, pk=pk)
    try:
        services.upload_discard(upload=upload, user=request.user)
    except services.UploadError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Discarded {upload.original_name}; nothing was applied.")
    return redirect("metrics:upload_list")


@metric_uploaders
@require_GET
def upload_file(request: HttpRequest, pk: int) -> FileResponse:
    upload = get_object_or_404(Upload, pk=pk)
    try:
        handle = upload.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404("The original file is no longer in storage.") from None
    return FileResponse(handle, as_attachment=True, filename=upload.original_name)


# --- profiles ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def upload_profile_list(request: HttpRequest) -> HttpResponse:
    """Everyone signed in reads the profiles; analysts import them."""
    if request.method == "POST":
        return _profile_import(request)
    return _profile_page(request, ProfileImportForm())


@metric_uploaders
def _profile_import(request: HttpRequest) -> HttpResponse:
    form = ProfileImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _profile_page(request, form)
    saved = services.profile_save(
        name=form.definition.name, definition=form.definition, user=request.user
    )
    messages.success(request, f"Imported the profile '{saved.name}'.")
    return redirect("metrics:upload_profile_list")


def _profile_page(request: HttpRequest, form: ProfileImportForm) -> HttpResponse:
    table = ProfileTable(MappingProfile.objects.all())
    RequestConfig(request, paginate={"per_page": UPLOADS_PER_PAGE}).configure(table)
    return render(
        request,
        "metrics/uploads/profiles.html",
        {"table": table, "form": form, "can_upload": can_upload_metrics(request.user)},
        status=400 if form.errors else 200,
    )


@require_GET
def upload_profile_export(request: HttpRequest, pk: int) -> HttpResponse:
    profile = get_object_or_404(MappingProfile, pk=pk)
    filename = (normalise_header(profile.name) or "profile") + ".json"
    response = HttpResponse(
        services.profile_export(profile=profile), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
