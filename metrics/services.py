"""Metric writes: activity uploads (keep, validate and preview, apply or discard) and mapping
profiles (save, export, import). Views, `import_activity` and the demo loader only call these.

An upload is two-phase. `upload_create` keeps the file with its sha256, reads it with the chosen
(or guessed) profile and stores the validation report and a preview of what applying would
change. `upload_apply` applies it in one transaction, set-based (`metrics.bulk`); `upload_remap`
validates it again with another mapping; `upload_discard` sets it aside. Applying re-reads the
kept file, so what is applied is exactly what was uploaded, unless the same process validated it
a moment ago (the command line, the demo loader), which hands its parsed rows straight on.

Applying is always against what is stored now: the preview keeps the basis it was computed
against, and if the stored values for the file's keys changed since (another upload, a revert),
nothing is applied: the upload is previewed again and the report lists what changed since, by
which upload, who and when (`UploadStale`). Reverting an applied upload is `metrics.revert`.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser, User
from django.core.files.base import ContentFile
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.formats import date_format

from integration.findings import FindingLog
from integration.people import display_name, signed_in
from integration.roles import is_administrator
from integration.tabular import sha256_of
from metrics import bulk
from metrics.choices import UploadState
from metrics.ingest import (
    AreaResolver,
    Finding,
    IngestError,
    IngestResult,
    MetricRule,
    Profile,
    ProfileError,
    RawTable,
    guess_profile,
    map_columns,
    parse,
    profile_from_json,
    profile_to_json,
    read_table,
)
from metrics.models import AnalystArea, Area, MappingProfile, Metric, Upload

if TYPE_CHECKING:  # services only orchestrate; the frames are built in ingest and bulk
    from pandas import DataFrame

logger = logging.getLogger(__name__)
Someone = User | AnonymousUser | None  # who asked: the request's user, or None for a script

CHANGES_SHOWN = 200  # changed rows listed in the preview (the counts always cover every row)


class UploadError(Exception):
    """An upload cannot go on: unreadable file, blocking errors, or the wrong state. The message
    is written for the analyst."""


class UploadStale(UploadError):
    """Stored values changed since the preview: nothing was applied; the preview is renewed."""


STALE_MESSAGE = (
    "Values this file covers were changed since it was previewed, so nothing was applied. "
    "The preview below is against the values stored now, with what changed since; check it "
    "and apply again."
)


# --- catalogue and areas, as the pure ingest layer wants them ---------------------------------


def metric_rules_load() -> dict[str, MetricRule]:
    """The metric catalogue as ingest rules (from the reference data)."""
    from metrics.reference import metric_rules

    return metric_rules()


def area_resolver_build() -> AreaResolver:
    from metrics.areas import AreaResolver as DatabaseAreaResolver

    return DatabaseAreaResolver()


# --- preparing: read, parse, resolve ids, stage ----------------------------------------------


@dataclass
class Prepared:
    """An upload's file read and parsed, with database ids, staged for comparing and applying."""

    table: RawTable | None
    result: IngestResult
    frame: DataFrame
    learned: dict[str, str] = field(default_factory=dict)
    staged: bulk.Staged | None = None
    snapshot: dict[str, Any] = field(default_factory=dict)

    def close(self) -> None:
        if self.staged is not None:
            self.staged.close()
            self.staged = None


def _profile_of(upload: Upload) -> Profile:
    return Profile.from_dict(upload.profile_snapshot)


def _read(upload: Upload, content: bytes | None, profile: Profile) -> RawTable:
    if content is None:
        with upload.file.open("rb") as handle:
            content = handle.read()
    return read_table(content, upload.original_name, sheet=profile.sheet)


def _bulk_frame(result: IngestResult) -> DataFrame:
    """The records with database ids, for `metrics.bulk` to compare and apply."""
    frame, unknown = bulk.frame_from_records(result.records)
    if unknown:
        # The resolver and rules come from the same tables, so this means they changed meanwhile.
        missing = ", ".join(sorted(unknown))
        result.findings.append(
            _finding("error", f"These codes are no longer in the catalogue or areas: {missing}.")
        )
    return frame


def _finding(severity: str, message: str) -> Finding:
    return Finding(severity, None, None, None, message)


def _prepare(
    upload: Upload,
    profile: Profile,
    *,
    content: bytes | None = None,
    table: RawTable | None = None,
    rules: dict[str, MetricRule] | None = None,
    resolver: AreaResolver | None = None,
) -> Prepared:
    """Read and parse the kept file. An unreadable file gives a result with one error."""
    try:
        if table is None or table.sheet != profile.sheet:
            table = _read(upload, content, profile)
    except IngestError as exc:
        result = IngestResult(bulk.empty_frame(), [_finding("error", str(exc))], 0)
        return Prepared(None, result, bulk.empty_frame(), snapshot=profile.to_dict())
    resolver = resolver if resolver is not None else area_resolver_build()
    rules = rules if rules is not None else metric_rules_load()
    result = parse(table, profile, metrics=rules, resolve_area=resolver)
    frame = _bulk_frame(result) if not result.has_errors else bulk.empty_frame()
    learned = dict(getattr(resolver, "learned", {}) or {})
    return Prepared(table, result, frame, learned=learned, snapshot=profile.to_dict())


# --- the report ------------------------------------------------------------------------------


def _finding_dict(finding: Finding) -> dict[str, Any]:
    return {
        "row": finding.row,
        "column": finding.column,
        "value": finding.value,
        "message": finding.message,
    }


def _labels(changes: list[dict[str, Any]]) -> None:
    """Codes and names for the ids in a changed-rows sample (two small queries)."""
    metric_ids = {c["metric_id"] for c in changes}
    area_ids = {c["area_id"] for c in changes}
    metrics = dict(Metric.objects.filter(id__in=metric_ids).values_list("id", "code"))
    areas = {a.id: a for a in Area.objects.filter(id__in=area_ids).only("id", "code", "name")}
    for change in changes:
        area = areas.get(change.pop("area_id"))
        change["metric"] = metrics.get(change.pop("metric_id"), "")
        change["area_code"] = area.code if area else ""
        change["area_name"] = area.name if area else ""


def _report(
    upload: Upload, profile: Profile, prepared: Prepared, comparison: bulk.Comparison | None
) -> dict[str, Any]:
    result, table = prepared.result, prepared.table
    mapping: dict[str, Any] = {}
    if table is not None:
        mapped = map_columns(table.header, profile, title_lines=table.title_lines, log=FindingLog())
        mapping = {
            "roles": mapped.roles,
            "periods": {name: period.label for name, period in mapped.periods.items()},
            "measures": {name: list(pair) for name, pair in mapped.measures.items()},
            "totals": mapped.totals,
            "unused": mapped.unused,
        }
    same_file = [
        {"id": u.pk, "applied_at": u.applied_at.isoformat() if u.applied_at else None}
        for u in Upload.objects.filter(sha256=upload.sha256, state=UploadState.APPLIED)
        .exclude(pk=upload.pk)
        .only("pk", "applied_at")[:5]
    ]
    report: dict[str, Any] = {
        "file": upload.original_name,
        "sha256": upload.sha256,
        "profile": profile.name,
        "layout": profile.layout,
        "header": table.header if table is not None else [],
        "header_row": table.header_row if table is not None else None,
        "sheet": table.sheet if table is not None else None,
        "mapping": mapping,
        "rows": result.rows,
        "records": len(prepared.frame),
        "new": comparison.new if comparison else 0,
        "changed": comparison.changed if comparison else 0,
        "notes_updated": comparison.notes if comparison else 0,
        "unchanged": comparison.unchanged if comparison else 0,
        "changes": comparison.changes if comparison else [],
        "clear_empty_notes": upload.clear_empty_notes,
        "basis": comparison.basis.to_dict() if comparison else None,
        "errors": [_finding_dict(f) for f in result.errors],
        "warnings": [_finding_dict(f) for f in result.warnings],
        "aliases_learned": dict(prepared.learned),
        "same_file_applied": same_file,
    }
    report["blocked"] = bool(report["errors"])
    report["changes_published"] = bool(comparison and comparison.changed)
    return report


def _preview(upload: Upload, prepared: Prepared, *, keep_staged: bool) -> dict[str, Any]:
    """Compare with what is stored and write the report onto the upload (not saved here)."""
    profile = Profile.from_dict(prepared.snapshot)
    comparison = None
    if not prepared.result.has_errors:
        if prepared.staged is None:
            prepared.staged = _stage(upload, prepared)
        try:
            comparison = prepared.staged.compare(sample=CHANGES_SHOWN)
        finally:
            if not keep_staged:
                prepared.close()
        _labels(comparison.changes)
    report = _report(upload, profile, prepared, comparison)
    upload.report = report
    upload.previewed_at = timezone.now()
    upload.series = _series(prepared.frame)
    upload.rows = report["rows"]
    upload.new_count = report["new"]
    upload.changed_count = report["changed"]
    upload.unchanged_count = report["unchanged"]
    return report


def _stage(upload: Upload, prepared: Prepared) -> bulk.Staged:
    return bulk.stage(prepared.frame, clear_empty_notes=upload.clear_empty_notes)


def _series(frame: DataFrame) -> dict[str, list[int]]:
    """The metrics and areas a file covers, to tell when a newer upload covers them too."""
    if not len(frame):
        return {"metrics": [], "areas": []}
    return {
        "metrics": sorted(int(m) for m in frame["metric_id"].unique()),
        "areas": sorted(int(a) for a in frame["area_id"].unique()),
    }


# --- uploads ---------------------------------------------------------------------------------


def _file_keep(upload: Upload, filename: str, content: bytes) -> tuple[str, str]:
    """Store the original file where `Upload.file` says; return its name and sha256."""
    # Only the name's last part: a name is never used as a path ('../../etc/passwd.csv').
    name = upload.file.field.generate_filename(
        upload, filename.replace("\\", "/").rpartition("/")[2]
    )
    return upload.file.storage.save(name, ContentFile(content)), sha256_of(content)


def upload_create(
    *,
    content: bytes,
    filename: str,
    user: Someone = None,
    profile: MappingProfile | None = None,
    definition: Profile | None = None,
    is_demo: bool = False,
    clear_empty_notes: bool = False,
    keep_for_apply: bool = False,
    rules: dict[str, MetricRule] | None = None,
    resolver: AreaResolver | None = None,
) -> Upload:
    """Keep the file and its sha256, read it with `definition` (a profile not saved), or the saved
    `profile`, or one guessed from its header, and store the validation report and preview.
    Raises UploadError when the file cannot be read at all (nothing is kept then). With
    `keep_for_apply`, the parsed rows stay on the returned object for an `upload_apply`."""
    if not content or not content.strip():
        raise UploadError(f"'{filename}' is empty.")
    if definition is None and profile is not None:
        definition = Profile.from_dict(profile.definition)
    table = None
    if definition is None:
        try:
            table = read_table(content, filename)
        except IngestError as exc:
            raise UploadError(str(exc)) from None
        definition = guess_profile(table.header, title_lines=table.title_lines)
    upload = Upload(
        original_name=filename[:255],
        size=len(content),
        profile=profile,
        profile_snapshot=definition.to_dict(),
        state=UploadState.VALIDATED,
        uploaded_by=signed_in(user),
        is_demo=is_demo,
        clear_empty_notes=clear_empty_notes,
    )
    # The file is hashed and written to storage on another thread while it is parsed (hashlib
    # and file writes release the GIL): a quarter of a second saved on a 70 MB file.
    with ThreadPoolExecutor(max_workers=1) as pool:
        kept = pool.submit(_file_keep, upload, filename, content)
        try:
            prepared = _prepare(
                upload, definition, content=content, table=table, rules=rules, resolver=resolver
            )
        finally:
            upload.file.name, upload.sha256 = kept.result()
    try:
        if prepared.table is None:
            raise UploadError(prepared.result.errors[0].message)
        keep = keep_for_apply and not prepared.result.has_errors
        _preview(upload, prepared, keep_staged=keep)
        upload.save()
    except BaseException:
        upload.file.storage.delete(upload.file.name)  # nothing is kept of a refused file
        raise
    if keep:
        upload._prepared = prepared  # type: ignore[attr-defined]
    return upload


def upload_remap(
    *,
    upload: Upload,
    definition: Profile,
    profile: MappingProfile | None = None,
    rules: dict[str, MetricRule] | None = None,
    resolver: AreaResolver | None = None,
    clear_empty_notes: bool | None = None,
) -> Upload:
    """Validate the kept file again with another mapping (and, when given, another choice
    about empty notes), replacing the report and preview."""
    if upload.state not in (UploadState.VALIDATED, UploadState.FAILED):
        raise UploadError(f"This upload is {upload.get_state_display().lower()}; upload it again.")
    if clear_empty_notes is not None:
        upload.clear_empty_notes = clear_empty_notes
    prepared = _prepare(upload, definition, rules=rules, resolver=resolver)
    _preview(upload, prepared, keep_staged=False)
    upload.profile_snapshot = definition.to_dict()
    upload.profile = profile
    upload.state = UploadState.VALIDATED
    upload.save()
    return upload


def upload_preview(*, upload: Upload, clear_empty_notes: bool | None = None) -> dict[str, Any]:
    """Validate again with the upload's own mapping (e.g. after the catalogue or the stored
    values changed) and return the fresh report."""
    upload_remap(
        upload=upload,
        definition=_profile_of(upload),
        profile=upload.profile,
        clear_empty_notes=clear_empty_notes,
    )
    return upload.report


def upload_apply(
    *,
    upload: Upload,
    user: Someone = None,
    rules: dict[str, MetricRule] | None = None,
    resolver: AreaResolver | None = None,
) -> Upload:
    """Apply a validated upload in one transaction: new values inserted, changed values updated
    with their earlier versions kept as revisions, unchanged values left alone (so applying the
    same file twice changes nothing). Legacy codes matched by name are remembered as aliases.

    Raises UploadStale (nothing applied, the preview renewed) when the stored values changed
    since the preview, and UploadError when the upload has blocking errors or was applied or
    discarded already. Any other failure rolls everything back, records the failure on the
    upload (which stays retryable) and re-raises."""
    prepared: Prepared | None = getattr(upload, "_prepared", None)
    if prepared is not None and prepared.snapshot != upload.profile_snapshot:
        prepared.close()
        prepared = None
    try:
        with transaction.atomic():
            locked = _locked_open(upload)
            if prepared is None:
                prepared = _prepare(locked, _profile_of(locked), rules=rules, resolver=resolver)
            _refuse_errors(prepared)
            _refuse_unassigned_areas(prepared, user)
            if prepared.staged is None:
                prepared.staged = _stage(locked, prepared)
            now = timezone.now()
            expect = bulk.Basis.from_dict(locked.report.get("basis") or {"matched": -1})
            applied = prepared.staged.apply(upload_id=locked.pk, now=now, expect=expect)
            _aliases_remember(prepared.learned, locked)
            _applied_record(locked, user, now, rows=len(prepared.frame), applied=applied)
    except bulk.Stale:
        _stale_renew(upload, prepared)
        raise UploadStale(STALE_MESSAGE) from None
    except UploadError:
        raise
    except Exception as exc:
        _failure_record(upload, exc)
        raise
    finally:
        if prepared is not None:
            prepared.close()
        upload.__dict__.pop("_prepared", None)
    return locked


def _locked_open(upload: Upload) -> Upload:
    """The upload, locked for this transaction (always before the observations: one order)."""
    locked = Upload.objects.select_for_update().get(pk=upload.pk)
    if locked.state not in (UploadState.VALIDATED, UploadState.FAILED):
        raise UploadError(
            f"This upload is {locked.get_state_display().lower()} already; nothing was changed."
        )
    return locked


def _refuse_errors(prepared: Prepared) -> None:
    if prepared.result.has_errors:
        count = len(prepared.result.errors)
        raise UploadError(
            f"The file has {count:,} error{'s' if count != 1 else ''}; fix "
            f"{'them' if count != 1 else 'it'} and upload it again. Nothing was applied."
        )


def _refuse_unassigned_areas(prepared: Prepared, user: Someone) -> None:
    """Analysts publish only for the areas assigned to them (`AnalystArea`); administrators,
    and scripts run on the server (no user), for every area."""
    if user is None or is_administrator(user):
        return
    wanted = {int(a) for a in prepared.frame["area_id"].dropna().unique()}
    assigned = (
        AnalystArea.objects.filter(user_id=user.pk) if user.pk else AnalystArea.objects.none()
    )
    allowed = set(assigned.values_list("area_id", flat=True))
    refused = Area.objects.filter(pk__in=wanted - allowed).order_by("name")
    if refused:
        names = ", ".join(area.name for area in refused[:5])
        more = len(refused) - 5
        raise UploadError(
            f"You do not publish data for {names}{f' and {more} more' if more > 0 else ''}: "
            "an administrator assigns each analyst their areas. Nothing was applied."
        )


def _stale_renew(upload: Upload, prepared: Prepared | None) -> None:
    """After a refused apply: list what changed since the preview, then preview again against
    what is stored now, so the analyst sees both before applying."""
    fresh = Upload.objects.get(pk=upload.pk)
    old = fresh.report.get("basis")
    if prepared is None or prepared.result.has_errors:
        prepared = _prepare(fresh, _profile_of(fresh))
    count, since = 0, list[dict[str, Any]]()
    if old and old.get("checked_at") and not prepared.result.has_errors:
        if prepared.staged is None:
            prepared.staged = _stage(fresh, prepared)
        count, since = prepared.staged.changed_since(
            bulk.Basis.from_dict(old), sample=CHANGES_SHOWN
        )
        _labels(since)
        _publishers(since)
    _preview(fresh, prepared, keep_staged=False)
    fresh.report = {**fresh.report, "changed_since": since, "changed_since_count": count}
    fresh._change_reason = "Previewed again: stored values changed since the preview"  # type: ignore[attr-defined]
    fresh.save()
    upload.refresh_from_db()


def _publishers(changes: list[dict[str, Any]]) -> None:
    """Which upload wrote each value now stored, who applied (or reverted) it and when."""
    ids = {c["old_upload_id"] for c in changes}
    uploads = Upload.objects.filter(pk__in=ids).select_related("applied_by", "reverted_by")
    by_id = {u.pk: u for u in uploads}
    for change in changes:
        source = by_id.get(change["old_upload_id"])
        if source is None:
            continue
        when = source.reverted_at or source.applied_at
        change["by_file"] = source.original_name
        change["by_who"] = display_name(source.reverted_by or source.applied_by)
        change["by_when"] = when.isoformat() if when else ""
        change["by_action"] = "reverted" if source.reverted_at else "applied"


def _failure_record(upload: Upload, exc: BaseException) -> None:
    """Keep on the upload, in plain words, that applying failed and when; it stays
    retryable. If even that cannot be written (the database is down), it stays as it was,
    which is retryable too."""
    logger.exception("Applying upload %s failed", upload.pk, exc_info=exc)
    now = timezone.now()
    why = (
        " because the database could not be reached or refused the write"
        if isinstance(exc, DatabaseError)
        else ""
    )
    when = date_format(timezone.localtime(now), "j F Y \\a\\t H:i")
    report = {
        **upload.report,
        "failure": f"Applying failed on {when}{why}, so nothing was applied. Apply it again, "
        "or ask your system administrator if it keeps failing.",
        "failed_at": now.isoformat(),
    }
    upload.state, upload.report = UploadState.FAILED, report
    upload._change_reason = "Applying failed; nothing was applied"  # type: ignore[attr-defined]
    try:
        upload.save(update_fields=["state", "report"])
    except DatabaseError:
        logger.exception("Could not record the failure of upload %s", upload.pk)


def _applied_record(
    upload: Upload,
    user: Someone,
    now: datetime,
    *,
    rows: int,
    applied: bulk.Applied,
) -> None:
    """Mark the upload applied, with what applying did."""
    upload.state = UploadState.APPLIED
    upload.applied_by = signed_in(user)
    upload.applied_at = now
    upload.new_count = applied.inserted
    upload.changed_count = applied.changed
    upload.unchanged_count = rows - applied.inserted - applied.changed - applied.notes
    upload.report = {
        **upload.report,
        "new": applied.inserted,
        "changed": applied.changed,
        "notes_updated": applied.notes,
        "unchanged": upload.unchanged_count,
        "applied_at": now.isoformat(),
        "changed_since": [],
    }
    upload._change_reason = (  # type: ignore[attr-defined]
        f"Applied: {applied.inserted:,} new, {applied.changed:,} changed"
        + (f", {applied.notes:,} notes updated" if applied.notes else "")
    )
    upload.save()


def _aliases_remember(learned: dict[str, str], upload: Upload) -> None:
    if learned:
        from metrics.areas import area_aliases_remember

        area_aliases_remember(learned, upload=upload)


def upload_discard(*, upload: Upload, user: Someone = None) -> Upload:
    """Set a validated upload aside; its file is kept, nothing is applied."""
    with transaction.atomic():
        locked = Upload.objects.select_for_update().get(pk=upload.pk)
        if locked.state not in (UploadState.VALIDATED, UploadState.FAILED):
            raise UploadError(
                f"This upload is {locked.get_state_display().lower()}; it cannot be discarded."
            )
        locked.state = UploadState.DISCARDED
        locked.report = {
            **locked.report,
            "discarded_by": who.get_username() if (who := signed_in(user)) else "",
            "discarded_at": timezone.now().isoformat(),
        }
        locked.save()
    return locked


def upload_table(upload: Upload) -> RawTable:
    """The kept file read with the upload's mapping (for the mapping page); IngestError if not."""
    return _read(upload, None, _profile_of(upload))


# --- profiles --------------------------------------------------------------------------------


def profile_save(
    *,
    name: str,
    definition: Profile,
    user: Someone = None,
    source: str | None = None,
) -> MappingProfile:
    """Save a mapping under `name`, replacing a profile of that name."""
    name = name.strip()
    if not name:
        raise ProfileError("Give the profile a name.")
    definition = Profile.from_dict({**definition.to_dict(), "name": name})
    if source is not None:
        definition.source = source
    saved, created = MappingProfile.objects.get_or_create(
        name=name,
        defaults={
            "source": definition.source,
            "definition": definition.to_dict(),
            "created_by": signed_in(user),
        },
    )
    if not created:
        saved.source = definition.source
        saved.definition = definition.to_dict()
        saved.save()
    return saved


def profile_export(*, profile: MappingProfile) -> str:
    """The profile as JSON (format version 1, documented in the README)."""
    return profile_to_json(Profile.from_dict({**profile.definition, "name": profile.name}))


def profile_import(*, text: str, user: Someone = None, name: str | None = None) -> MappingProfile:
    """Save a profile from exported JSON. Raises ProfileError naming the bad key."""
    definition = profile_from_json(text)
    return profile_save(name=name or definition.name, definition=definition, user=user)
