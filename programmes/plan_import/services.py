"""Plan import services: preview, apply or discard an import, and create a programme for one.

Two phases, one code path. `plan_import_preview` runs the whole import inside a transaction
that is rolled back, so the preview's counts are exactly what applying would do;
`plan_import_apply` re-reads the kept original file and runs it for real in one transaction.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import PurePath
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from integration.findings import Finding, findings_report
from integration.people import signed_in
from integration.tabular import sha256_of
from programmes.choices import ImportState
from programmes.models import Milestone, PlanImport, Programme, Workstream
from programmes.plan_import.matching import (
    ImportContext,
    import_context_load,
    keys_assign,
    milestones_load,
    milestones_match,
    statuses_in_force,
    workstreams_number,
)
from programmes.plan_import.reading import PlanTable, plan_file_read
from programmes.plan_import.rows import PlanRow, RowRules, rows_read
from programmes.plan_import.writing import PlanWriter


class PlanImportError(ValueError):
    """An import cannot be applied (it has errors, or was already applied or discarded)."""


def _rows_prepared(
    context: ImportContext, table: PlanTable, findings: list[Finding]
) -> list[PlanRow]:
    """Every row parsed, numbered and keyed, and checked, before anything is written."""
    rules = RowRules(
        programme=context.programme,
        table=table,
        as_of=context.as_of,
        codes=context.codes_by_label,
    )
    rows = rows_read(rules, findings)
    rows = workstreams_number(rows, context=context, table=table, findings=findings)
    return keys_assign(rows, table, findings)


def _import_run(
    *, programme: Programme, table: PlanTable, as_of: date, user: User | None, sha: str
) -> dict[str, Any]:
    """One pass over a plan file against the database; writes, and the caller may roll back."""
    context = import_context_load(programme=programme, as_of=as_of, sha=sha)
    findings = [*table.findings, *context.findings]
    rows = _rows_prepared(context, table, findings)
    good = [p for p in rows if not p.has_errors]
    matches = milestones_match(good, milestones_load(programme))
    writer = PlanWriter(
        context=context,
        table=table,
        user=user,
        in_force=statuses_in_force(programme, as_of),
        findings=findings,
    )
    workstreams = writer.workstreams_save(rows)
    writer.people_and_bodies_load()
    saved: dict[int, Milestone] = {}
    for position, p in enumerate(good, start=1):
        milestone = matches.get(p.row)
        saved[p.row] = writer.row_save(p, milestone, workstreams[p.workstream_number], position)
    writer.pending_create()
    writer.parents_set(good, saved)
    # With errors nothing applies, and rows with errors would look removed: say nothing.
    has_errors = any(f.is_error for f in findings)
    removed = [] if has_errors else writer.removed_mark({m.pk for m in saved.values()})
    return _report(context, rows, writer, workstreams, removed, findings, sha)


def _report(
    context: ImportContext,
    rows: list[PlanRow],
    writer: PlanWriter,
    workstreams: dict[str, Workstream],
    removed: list[dict[str, Any]],
    findings: list[Finding],
    sha: str,
) -> dict[str, Any]:
    """The report the preview page, the JSON output and the command show."""
    report = findings_report(findings)
    for items in report.values():
        items.sort(key=lambda f: f["row"] or 0)
    rows_of = Counter(p.workstream_number for p in rows)
    return {
        "programme": context.programme.slug,
        "as_of": context.as_of.isoformat(),
        "sha256": sha,
        "rows": len(rows),
        "complete": sum(1 for p in rows if p.complete),
        "created": writer.counts["created"],
        "updated": writer.counts["updated"],
        "unchanged": writer.counts["unchanged"],
        "removed": len(removed),
        "workstreams": [
            {
                "number": ws.number,
                "name": ws.name,
                "rows": rows_of[number],
                "action": writer.workstream_actions[number],
            }
            for number, ws in sorted(workstreams.items(), key=lambda kv: _number_key(kv[0]))
        ],
        "milestones": writer.actions,
        "removed_milestones": removed,
        "unresolved": [
            {
                "row": p.row,
                "ref": p.ref,
                "title": p.title[:100],
                "token": u.raw,
                "candidates": [c.code for c in u.candidates],
            }
            for p in rows
            for u in p.references.unresolved
        ],
        "errors": report["errors"],
        "warnings": report["warnings"],
    }


def _number_key(number: str) -> tuple[int, str]:
    return (int(number), "") if number.isdigit() else (10**6, number)


def _run(
    *,
    programme: Programme,
    content: bytes,
    file_name: str,
    as_of: date,
    user: User | None,
    write: bool,
) -> dict[str, Any]:
    table = plan_file_read(file_name=file_name, content=content)
    with transaction.atomic():
        report = _import_run(
            programme=programme, table=table, as_of=as_of, user=user, sha=sha256_of(content)
        )
        if not write or report["errors"]:
            transaction.set_rollback(True)
    report["file"] = file_name
    return report


def plan_import_preview(
    *,
    programme: Programme,
    file_name: str,
    content: bytes,
    as_of: date,
    user: User | AnonymousUser | None = None,
    keep: bool = True,
) -> PlanImport:
    """Validate the file and report what applying it would do, changing nothing in the plan.

    Raises PlanFileError when the file as a whole cannot be read (nothing is stored then).
    Otherwise returns a PlanImport in state "previewed" holding the original file, its
    sha256 and the report; with `keep=False` (a dry run) nothing is saved at all.
    """
    report = _run(
        programme=programme,
        content=content,
        file_name=file_name,
        as_of=as_of,
        user=signed_in(user),
        write=False,
    )
    plan_import = PlanImport(
        programme=programme,
        original_name=PurePath(file_name).name[:255],
        size=len(content),
        sha256=report["sha256"],
        as_of=as_of,
        report=report,
        uploaded_by=signed_in(user),
    )
    if keep:
        plan_import.file.save(
            f"{report['sha256'][:16]}{PurePath(file_name).suffix.lower()}",
            ContentFile(content),
            save=False,
        )
        plan_import.save()
    return plan_import


class PlanImportStale(PlanImportError):
    """The plan changed since the preview: nothing was applied and the preview was renewed."""


def plan_import_apply(
    *, plan_import: PlanImport, user: User | AnonymousUser | None = None
) -> PlanImport:
    """Apply a previewed import in one transaction, re-reading the kept original file.

    The run against today's plan must do exactly what the preview said (the same milestones
    created, updated with the same fields, and removed). If the plan changed meanwhile, nothing
    is applied: the new run is stored as the fresh preview, with what differs, and
    PlanImportStale says so."""
    with transaction.atomic():
        applied, report = _apply_locked(plan_import, user)
    if applied is not None:
        return applied
    plan_import.report = report
    plan_import._change_reason = "Previewed again: the plan changed since the preview"  # type: ignore[attr-defined]
    plan_import.save(update_fields=["report"])
    raise PlanImportStale(
        "The plan has changed since this file was previewed, so nothing was applied. "
        "The preview below is what importing would do now; check it and import again."
    )


def _apply_locked(
    plan_import: PlanImport, user: User | AnonymousUser | None
) -> tuple[PlanImport | None, dict[str, Any]]:
    """Apply, or roll back and return the fresh report when it differs from the preview."""
    plan_import = PlanImport.objects.select_for_update().get(pk=plan_import.pk)
    # One import at a time per programme: a second waits here, then sees the first's result.
    Programme.objects.select_for_update().filter(pk=plan_import.programme_id).first()
    if plan_import.state != ImportState.PREVIEWED:
        raise PlanImportError(
            f"This import is already {plan_import.get_state_display().lower()}; upload the "
            "file again to import it."
        )
    with plan_import.file.open("rb") as handle:
        content = handle.read()
    if sha256_of(content) != plan_import.sha256:
        raise PlanImportError("The kept file has changed since it was previewed; upload it again.")
    report = _run(
        programme=plan_import.programme,
        content=content,
        file_name=plan_import.original_name,
        as_of=plan_import.as_of,
        user=signed_in(user) or plan_import.uploaded_by,
        write=True,
    )
    if report["errors"]:
        raise PlanImportError(
            f"The file has {len(report['errors'])} error(s); correct them and upload it again."
        )
    differences = report_differences(plan_import.report, report)
    if differences:
        transaction.set_rollback(True)
        return None, {**report, "changed_since_preview": differences}
    plan_import.state = ImportState.APPLIED
    plan_import.report = report
    plan_import.decided_by = signed_in(user)
    plan_import.decided_at = timezone.now()
    plan_import._change_reason = (  # type: ignore[attr-defined]
        f"Applied: {report['created']} new, {report['updated']} updated, "
        f"{report['removed']} removed"
    )
    plan_import.save(update_fields=["state", "report", "decided_by", "decided_at"])
    return plan_import, report


def _actions(report: dict[str, Any]) -> dict[str, tuple[str, tuple[str, ...], str]]:
    """What a run does to each milestone, keyed by its reference (else its row)."""
    done = {
        str(m.get("ref") or f"row {m['row']}"): (
            m["action"],
            tuple(m.get("changes") or ()),
            m.get("title", ""),
        )
        for m in report.get("milestones", [])
    }
    for m in report.get("removed_milestones", []):
        done[str(m.get("ref") or m.get("title"))] = ("removed", (), m.get("title", ""))
    return done


def report_differences(preview: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """In plain words, each milestone the run does something different to than the preview
    said (empty when they agree)."""
    before, after = _actions(preview), _actions(now)
    lines = []
    for key in sorted(before.keys() | after.keys()):
        was, is_now = before.get(key), after.get(key)
        if was == is_now:
            continue
        title = (is_now or was or ("", (), ""))[2]
        lines.append(f"{key} {title}: the preview said {_said(was)}; now {_said(is_now)}")
    return lines


def _said(action: tuple[str, tuple[str, ...], str] | None) -> str:
    if action is None:
        return "nothing"
    verb, changes, _ = action
    return f"{verb} ({', '.join(changes)})" if changes else verb


def plan_import_discard(
    *, plan_import: PlanImport, user: User | AnonymousUser | None = None
) -> PlanImport:
    """Mark a previewed import discarded; the kept file stays, so nothing is lost."""
    if plan_import.state != ImportState.PREVIEWED:
        raise PlanImportError(f"This import is already {plan_import.get_state_display().lower()}.")
    plan_import.state = ImportState.DISCARDED
    plan_import.decided_by = signed_in(user)
    plan_import.decided_at = timezone.now()
    plan_import.save(update_fields=["state", "decided_by", "decided_at"])
    return plan_import


def plan_import_programme_create(*, slug: str, name: str | None = None) -> Programme:
    """A new programme for a first plan import (`import_plan --create`), named after its slug
    unless a name is given."""
    return Programme.objects.create(slug=slug, name=name or slug)
