"""Upload pages: the list, a new upload, its column mapping, its report and preview, apply or
discard; mapping profiles (list, download, import).

Everyone signed in may read the uploads list, an upload's report and the profiles (where the
numbers came from is no secret); only analysts and administrators (`can_upload_metrics`) may
upload, map, apply, discard, download the original files or import profiles. Others get a 403
page that says so.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.timezone import localtime
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_tables2 import RequestConfig

from integration.access import metric_uploaders
from integration.exports import Column, export_if_requested, requested_format
from integration.reports import (
    Count,
    CountTable,
    findings_export_if_requested,
    findings_tables,
)
from integration.roles import can_upload_metrics
from metrics import services
from metrics.choices import UploadState
from metrics.forms import MappingForm, ProfileImportForm, UploadForm
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
from metrics.tables import (
    ChangeTable,
    MappingColumnsTable,
    MappingLabelsTable,
    ProfileTable,
    UploadTable,
    state_tag,
)

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
        Upload.objects.select_related("uploaded_by", "applied_by", "profile"), pk=pk
    )
    report = upload.report
    errors = report.get("errors", [])
    changes = report.get("changes", [])
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
    can_upload = can_upload_metrics(request.user)
    return render(
        request,
        "metrics/uploads/detail.html",
        {
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
                    Count("Unchanged values", "unchanged", upload.unchanged_count),
                    Count("Errors", "errors", len(errors)),
                    Count("Warnings to check", "warnings", len(report.get("warnings", []))),
                ]
            ),
            "change_table": ChangeTable(changes) if changes else None,
            "more_changes": max(upload.changed_count - len(changes), 0),
            "can_upload": can_upload,
            "is_open": upload.state in (UploadState.VALIDATED, UploadState.FAILED),
            "can_apply": can_upload
            and upload.state in (UploadState.VALIDATED, UploadState.FAILED)
            and not errors,
        },
    )


@metric_uploaders
@require_POST
def upload_apply(request: HttpRequest, pk: int) -> HttpResponse:
    upload = get_object_or_404(Upload, pk=pk)
    try:
        upload = services.upload_apply(upload=upload, user=request.user)
    except services.UploadError as exc:
        messages.error(request, str(exc))
    except Exception:  # the service rolled back, marked the upload failed and logged it
        messages.error(
            request,
            "Applying the file failed, so nothing was applied. Try again, or ask your system "
            "administrator if it keeps failing.",
        )
    else:
        messages.success(
            request,
            f"Applied {upload.original_name}: {upload.new_count:,} new, "
            f"{upload.changed_count:,} changed, {upload.unchanged_count:,} unchanged.",
        )
    return redirect("metrics:upload_detail", pk)


@metric_uploaders
@require_POST
def upload_check(request: HttpRequest, pk: int) -> HttpResponse:
    """Validate and preview again, e.g. after other uploads changed the stored values."""
    upload = get_object_or_404(Upload, pk=pk)
    try:
        services.upload_preview(upload=upload)
    except services.UploadError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Checked the file again against the values stored now.")
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
