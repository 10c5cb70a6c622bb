"""The audit trail's pages: the site-wide change log (administrators) and the History page
every programme, workstream, milestone and metric page links to (`history_render`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from integration import audit, roles
from integration.access import requires
from integration.exports import Column, export_if_requested, export_links
from integration.filtersets import ChangeLogFilterSet
from integration.tables import ChangeTable

PER_PAGE = 50
# A download holds at most this many changes (newest first): a year of a busy service.
EXPORT_CAP = 20_000
_EXPORT_CHUNK = 500

administrators = requires(
    roles.is_administrator, message="Only administrators can see the site-wide change log."
)


def _change_table(request: HttpRequest, log: audit.ChangeLog) -> ChangeTable:
    table = ChangeTable(log)
    table.paginate(page=request.GET.get("page", 1), per_page=PER_PAGE)
    return table


def _export_rows(
    log: audit.ChangeLog,
) -> Iterator[tuple[audit.ChangeEntry, audit.FieldChange | None]]:
    """One row per field changed (one per change without fields), newest first, in chunks."""
    total = min(len(log), EXPORT_CAP)
    for start in range(0, total, _EXPORT_CHUNK):
        for entry in log[start : min(start + _EXPORT_CHUNK, total)]:
            if not entry.changes:
                yield entry, None
            for change in entry.changes:
                yield entry, change


def _field(row: tuple[audit.ChangeEntry, audit.FieldChange | None], name: str) -> str:
    change = row[1]
    if change is None:
        return ""
    if name == "old":
        return change.old if not (change.added or change.removed) else ", ".join(change.removed)
    return change.new if not (change.added or change.removed) else ", ".join(change.added)


EXPORT_COLUMNS: Sequence[Column] = (
    Column("When", lambda r: r[0].when),
    Column("Who", lambda r: r[0].who),
    Column("Type", lambda r: r[0].object_type),
    Column("Record", lambda r: r[0].object_label),
    Column("Action", lambda r: r[0].action),
    Column("Summary", lambda r: r[0].summary),
    Column("Field", lambda r: r[1].label if r[1] else ""),
    Column("Old value (or removed)", lambda r: _field(r, "old")),
    Column("New value (or added)", lambda r: _field(r, "new")),
    Column("Reason", lambda r: r[0].reason),
    Column("Link", lambda r: r[0].url),
)


@administrators
def change_log(request: HttpRequest) -> HttpResponse:
    """Every change to every record, filterable by who, type of record and date; as CSV or
    Excel with the same filters."""
    filterset = ChangeLogFilterSet(request.GET)
    index = None
    if filterset.is_valid():
        index = audit.change_index(filterset.scopes(), narrow=filterset.narrow)
    log = audit.ChangeLog(index)
    download = export_if_requested(
        request, rows=lambda: _export_rows(log), columns=EXPORT_COLUMNS, filename="change-log"
    )
    if download is not None:
        return download
    context = {
        "filterset": filterset,
        "form": filterset.form,
        "table": _change_table(request, log),
        "exports": export_links(request),
    }
    return render(request, "integration/audit/change_log.html", context)


def history_render(
    request: HttpRequest, *, scopes: Sequence[audit.Scope], context: dict[str, Any]
) -> HttpResponse:
    """An object's History page: its changes and its parts' (`scopes`), newest first, paged.

    `context` names the object: `title`, `caption`, `back_url`, `breadcrumbs` (label, url)
    and optionally `notes` (lines under the heading) and `change_log_query` (administrators
    get a link to the change log filtered to the object)."""
    log = audit.ChangeLog(audit.change_index(scopes))
    page = {**context, "table": _change_table(request, log)}
    return render(request, "integration/audit/object_history.html", page)
