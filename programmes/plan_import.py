"""Plan import: read a CSV or Excel plan, preview what it would change, then apply it.

Two phases, one code path. `plan_import_preview` runs the whole import inside a transaction
that is rolled back, so the preview's counts are exactly what applying would do;
`plan_import_apply` re-reads the kept original file and runs it for real in one transaction.

Matching: refs are not unique (the Wiltshire plan has two rows "1.8"), so a milestone's stable
key is workstream number + ref + normalised title (`Milestone.import_key`). A corrected file
whose title or ref changed still finds its milestone through a unique (workstream, ref) or
(workstream, title) match. Milestones missing from a later file are marked removed, never
deleted. Statuses go into history through `status_record` at the file's as-of date, so an
older file never overwrites a newer current status.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from programmes import plan_parsing as pp
from programmes.choices import ImportState, LeadKind, Rating, StatusSource
from programmes.models import (
    Framework,
    GovernanceBody,
    Milestone,
    MilestoneReference,
    Organisation,
    Person,
    PlanImport,
    Programme,
    StatusUpdate,
    UnresolvedReference,
    Workstream,
)
from programmes.reference import DEFAULT_FRAMEWORK_SLUG
from programmes.services import baseline_revision_record, status_record, status_validate

MAX_FILE_BYTES = 10 * 1024 * 1024
ALLOWED_EXTENSIONS = (".csv", ".xlsx")
HEADER_SEARCH_ROWS = 10  # title rows above the header, as exported trackers often have

Cell = str | int | float | date | None


class PlanFileError(ValueError):
    """The file as a whole cannot be read as a plan; the message is for the person uploading."""


class PlanImportError(ValueError):
    """An import cannot be applied (it has errors, or was already applied or discarded)."""


# --------------------------------------------------------------------------------------------
# Reading the file
# --------------------------------------------------------------------------------------------


@dataclass
class PlanTable:
    """The file's plan rows keyed by canonical column, with the headers as the file wrote them."""

    headers: dict[str, str]  # canonical -> header as written
    rows: list[tuple[int, dict[str, Cell]]]  # (spreadsheet row number, canonical -> cell)
    findings: list[pp.Finding]


def plan_file_check(*, file_name: str, content: bytes) -> None:
    """Reject what cannot be a plan file before anything is stored: type, size, emptiness."""
    extension = PurePath(file_name or "").suffix.lower()
    if extension == ".xls":
        raise PlanFileError(
            "The file is an old-style Excel file (.xls). Save it as .xlsx or CSV and upload again."
        )
    if extension not in ALLOWED_EXTENSIONS:
        raise PlanFileError(
            f"“{file_name}” is not a CSV or Excel file. Upload a .csv or .xlsx file."
        )
    if len(content) > MAX_FILE_BYTES:
        raise PlanFileError(
            f"The file is {len(content) / 1024 / 1024:.1f} MB; the largest plan file accepted "
            f"is {MAX_FILE_BYTES // 1024 // 1024} MB."
        )
    if not content.strip():
        raise PlanFileError("The file is empty.")


def plan_file_read(*, file_name: str, content: bytes) -> PlanTable:
    """Read the file into plan rows, finding the header row; file-level problems raise."""
    plan_file_check(file_name=file_name, content=content)
    findings: list[pp.Finding] = []
    if PurePath(file_name).suffix.lower() == ".csv":
        grid = _read_csv(content, findings)
    else:
        grid = _read_xlsx(content)
    header_index = _find_header_row(grid)
    if header_index is None:
        raise PlanFileError("The file has no rows.")
    headers = ["" if h is None else str(h).strip() for h in grid[header_index]]
    mapping, header_findings = pp.map_plan_columns(headers)
    errors = [f for f in header_findings if f.level == "error"]
    if errors:
        raise PlanFileError(" ".join(f.message for f in errors))
    findings.extend(header_findings)
    positions = {canon: headers.index(header) for canon, header in mapping.items()}
    rows: list[tuple[int, dict[str, Cell]]] = []
    for offset, values in enumerate(grid[header_index + 1 :], start=header_index + 2):
        cells = {canon: _cell(values, position) for canon, position in positions.items()}
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells.values()):
            continue  # blank rows separate sections in trackers; they are not milestones
        rows.append((offset, cells))
    if not rows:
        raise PlanFileError("The file has a header row but no milestone rows.")
    return PlanTable(headers=mapping, rows=rows, findings=findings)


def _read_csv(content: bytes, findings: list[pp.Finding]) -> list[list[Cell]]:
    if b"\x00" in content:
        raise PlanFileError(
            "The file is not a text CSV file (it looks like a binary file). "
            "Save the plan as CSV (UTF-8) or .xlsx and upload again."
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("cp1252")
        except UnicodeDecodeError:
            raise PlanFileError(
                "The file's characters cannot be read: it is neither UTF-8 nor Windows text. "
                "Save it as “CSV UTF-8” and upload again."
            ) from None
        findings.append(
            pp.Finding(
                "warning",
                "The file is not UTF-8; it was read as Windows text (cp1252). "
                "Check names with accents or special characters.",
            )
        )
    try:
        return [list(r) for r in csv.reader(io.StringIO(text, newline=""))]
    except csv.Error as exc:
        raise PlanFileError(f"The CSV file is damaged and cannot be read ({exc}).") from None


def _read_xlsx(content: bytes) -> list[list[Cell]]:
    import openpyxl

    unreadable = PlanFileError(
        "The file is not a readable Excel workbook. Open it in Excel, save it as .xlsx "
        "and upload again."
    )
    # A damaged workbook can fail in the zip, XML or openpyxl layers with many exception
    # types; any of them means the same thing to the person uploading it.
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:
        raise unreadable from None
    try:
        sheets = [[list(r) for r in ws.iter_rows(values_only=True)] for ws in workbook.worksheets]
    except Exception:
        raise unreadable from None
    finally:
        workbook.close()
    # The first sheet that has a plan header row; trackers often have a cover sheet first.
    for grid in sheets:
        index = _find_header_row(grid, require_plan=True)
        if index is not None:
            return grid
    return sheets[0] if sheets else []


def _find_header_row(grid: list[list[Cell]], *, require_plan: bool = False) -> int | None:
    first_non_blank = None
    for index, row in enumerate(grid[:HEADER_SEARCH_ROWS]):
        texts = [str(v) for v in row if v is not None and str(v).strip()]
        if not texts:
            continue
        if first_non_blank is None:
            first_non_blank = index
        found = {pp.canonical_header(t) for t in texts}
        if all(required in found for required in pp.REQUIRED_COLUMNS):
            return index
    return None if require_plan else first_non_blank


def _cell(values: list[Cell], position: int) -> Cell:
    if position >= len(values):
        return None
    value = values[position]
    if value is None or isinstance(value, date):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int | float):
        return value  # kept a number, so a Ref typed as 1.1 can be flagged
    # PostgreSQL text cannot hold NUL; it is never meaningful in a plan cell.
    return str(value).replace("\x00", "").strip()


# --------------------------------------------------------------------------------------------
# Parsing rows
# --------------------------------------------------------------------------------------------

_REF_PREFIX = re.compile(r"^\s*(\d+)(?:\.|$)")
_DIGITS = re.compile(r"^\d+$")
_COMPLETED_SECTION = re.compile(r"\bcomplete(d)?\b", re.IGNORECASE)


@dataclass
class ParsedRow:
    row: int
    workstream_text: str
    workstream_number: str
    ref: str
    title: str
    lead_text: str
    leads: list[pp.LeadToken]
    start: pp.PlanDate
    end: pp.PlanDate
    status: pp.StatusParse
    complete: bool
    completed_on: date | None
    governance: str
    references: pp.ReferenceParse
    section: str
    sub_group: str
    parent_ref: str
    forecast_end: date | None
    forecast_reason: str
    narrative: str
    cause: str
    path_to_green: str
    errors: list[pp.Finding] = field(default_factory=list)
    key: str = ""

    @property
    def rating(self) -> str:
        return Rating.COMPLETE if self.complete else self.status.rating


def _text(cells: dict[str, Cell], canon: str) -> str:
    value = cells.get(canon)
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def title_key(title: str) -> str:
    """A title compared ignoring case, punctuation and spacing (typo fixes still differ)."""
    return re.sub(r"[^a-z0-9]+", " ", pp.normalise_text(title).lower()).strip()


def import_key(number: str, ref: str, title: str) -> str:
    """The stable key of a milestone: workstream number, ref and normalised title."""
    key = title_key(title)
    digest = hashlib.sha1(key.encode()).hexdigest()[:12]
    return f"{number}|{pp.normalise_text(ref)}|{key[:60]}|{digest}"[:200]


class _RowParser:
    def __init__(self, *, programme: Programme, table: PlanTable, as_of: date, codes: dict):
        self.programme = programme
        self.table = table
        self.as_of = as_of
        self.codes = codes
        self.findings: list[pp.Finding] = []

    def column(self, canon: str) -> str:
        return self.table.headers.get(canon, canon)

    def finding(self, level, row, canon, value, message) -> pp.Finding:
        found = pp.Finding(level, message, self.column(canon) if canon else None, value, row)
        self.findings.append(found)
        return found

    def parse(self, row: int, cells: dict[str, Cell]) -> ParsedRow:
        errors: list[pp.Finding] = []

        def error(canon, value, message):
            errors.append(self.finding("error", row, canon, value, message))

        def warn(canon, value, message):
            self.finding("warning", row, canon, value, message)

        title = pp.normalise_text(_text(cells, "title"))
        if not title:
            error("title", "", "The row has no milestone text; every milestone needs one.")
        ref_cell = cells.get("ref")
        ref = pp.normalise_text(_text(cells, "ref"))
        if ref_cell is not None and not isinstance(ref_cell, str) and ref:
            warn(
                "ref",
                ref,
                f"Ref {ref} is stored as a number, so 1.1 and 1.10 cannot be told apart. "
                "Format the Ref column as text.",
            )
        parent_ref = pp.normalise_text(_text(cells, "parent_ref"))

        start_raw = cells.get("start")
        end_raw = cells.get("end")
        start = self._date(row, "start", start_raw, self.as_of.year, error, warn)
        context = start.value.year if start.value else self.as_of.year
        end = self._date(row, "end", end_raw, context, error, warn)
        if (
            end.assumed_year
            and start.value
            and end.value
            and (end.as_end() or end.value) < start.value
        ):
            # "Nov" to "Feb" with no years runs into the next year.
            end = pp.PlanDate(
                end.value.replace(year=end.value.year + 1), end.precision, end.raw, True
            )
        if start.value and end.value and (end.as_end() or end.value) < start.value:
            error(
                "end",
                end.raw,
                f"The end date “{end.raw}” is before the start date “{start.raw}”.",
            )

        status_text = _text(cells, "status")
        try:
            status = pp.parse_status(status_text, scale=self.programme.rating_scale)
        except pp.PlanParseError as exc:
            error("status", status_text, str(exc))
            status = pp.StatusParse(pp.NOT_RATED, status_text)
        if status.warning:
            warn("status", status_text, status.warning)
        section = pp.normalise_text(_text(cells, "section"))
        complete = status.rating == pp.COMPLETE or bool(_COMPLETED_SECTION.search(section))

        completed_on = self._day(row, "completed_date", cells.get("completed_date"), error)
        forecast_end = self._day(row, "forecast_end", cells.get("forecast_end"), error)

        lead_text = _text(cells, "leads")
        references_text = _text(cells, "references")
        references = pp.parse_references(references_text, codes_by_framework=self.codes)
        for correction in references.corrections:
            warn("references", correction.raw, correction.message)
        for unresolved in references.unresolved:
            warn("references", unresolved.raw, unresolved.message)

        parsed = ParsedRow(
            row=row,
            workstream_text=pp.normalise_text(_text(cells, "workstream")),
            workstream_number=pp.normalise_text(_text(cells, "workstream_number")),
            ref=ref,
            title=title,
            lead_text=lead_text,
            leads=pp.split_leads(lead_text),
            start=start,
            end=end,
            status=status,
            complete=complete,
            completed_on=completed_on,
            governance=pp.normalise_text(_text(cells, "governance")),
            references=references,
            section=section,
            sub_group=pp.normalise_text(_text(cells, "sub_group")),
            parent_ref=parent_ref,
            forecast_end=forecast_end,
            forecast_reason=_text(cells, "forecast_reason"),
            narrative=_text(cells, "progress"),
            cause=_text(cells, "cause"),
            path_to_green=_text(cells, "path_to_green"),
            errors=errors,
        )
        self._status_rules(parsed, error)
        self._length_rules(parsed, error)
        return parsed

    def _length_rules(self, parsed: ParsedRow, error) -> None:
        """Cells longer than their database column: an error, never a crash or a silent cut."""
        checks = [
            ("workstream", parsed.workstream_text, Workstream, "name"),
            ("ref", parsed.ref, Milestone, "ref"),
            ("leads", parsed.lead_text, Milestone, "lead_text"),
            ("section", parsed.section, Milestone, "section"),
            ("sub_group", parsed.sub_group, Milestone, "sub_group"),
            ("references", parsed.references.raw, Milestone, "references_raw"),
            ("start", parsed.start.raw, Milestone, "baseline_start_raw"),
            ("end", parsed.end.raw, Milestone, "baseline_end_raw"),
            ("status", parsed.status.raw, StatusUpdate, "rating_raw"),
            ("governance", parsed.governance, Milestone, "governance_raw"),
        ]
        checks += [("leads", lead.text, Person, "name") for lead in parsed.leads]
        checks += [
            ("references", u.raw, UnresolvedReference, "raw_token")
            for u in parsed.references.unresolved
        ]
        reported: set[str] = set()
        for canon, value, model, name in checks:
            limit = model._meta.get_field(name).max_length
            if len(value) > limit and canon not in reported:
                reported.add(canon)
                error(
                    canon,
                    value[:60],
                    f"This cell is {len(value)} characters long; at most {limit} fit here.",
                )

    def _date(self, row, canon, value, context_year, error, warn) -> pp.PlanDate:
        try:
            parsed = pp.parse_month_date(value, context_year=context_year)
        except pp.PlanParseError as exc:
            error(canon, "" if value is None else str(value), str(exc))
            return pp.PlanDate(None, "blank", "" if value is None else str(value))
        if parsed.warning:
            warn(canon, parsed.raw, parsed.warning)
        return parsed

    def _day(self, row, canon, value, error) -> date | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        try:
            parsed = pp.parse_month_date(value)
        except pp.PlanParseError as exc:
            error(canon, str(value), str(exc))
            return None
        if parsed.precision != "day":
            error(canon, str(value), f"“{parsed.raw}” must be a day, such as 31/03/2019.")
            return None
        return parsed.value

    def _status_rules(self, parsed: ParsedRow, error) -> None:
        """The same rules as a status update in the browser (services.status_validate)."""
        probe = Milestone(programme=self.programme, baseline_end=parsed.end.as_end())
        problems = status_validate(
            milestone=probe,
            rating=parsed.rating,
            cause=parsed.cause,
            path_to_green=parsed.path_to_green,
            forecast_end=parsed.forecast_end,
            forecast_reason=parsed.forecast_reason,
        )
        columns = {
            "rating": "status",
            "cause": "cause",
            "path_to_green": "path_to_green",
            "forecast_reason": "forecast_end",
        }
        for name, messages in problems.items():
            canon = columns.get(name, "status")
            for message in messages:
                if name in ("cause", "path_to_green") and canon not in self.table.headers:
                    message += f" (add a “{pp.PLAN_COLUMNS[canon][0]}” column)"
                error(canon, _value_for(parsed, canon), message)


def _value_for(parsed: ParsedRow, canon: str) -> str:
    return {
        "status": parsed.status.raw,
        "cause": parsed.cause,
        "path_to_green": parsed.path_to_green,
        "forecast_end": parsed.forecast_end.isoformat() if parsed.forecast_end else "",
    }.get(canon, "")


# --------------------------------------------------------------------------------------------
# Running the import
# --------------------------------------------------------------------------------------------


def _finding_dict(f: pp.Finding) -> dict[str, Any]:
    return {"row": f.row, "column": f.column, "value": f.value, "message": f.message}


class _Run:
    """One pass over a plan file against the database; writes, and the caller may roll back."""

    def __init__(self, *, programme: Programme, table: PlanTable, as_of: date, user, sha: str):
        self.programme = programme
        self.table = table
        self.as_of = as_of
        self.user = user
        self.sha = sha
        frameworks = list(Framework.objects.prefetch_related("codes"))
        # Findings name a framework by its codes' common prefix ("the only AOI code it can be").
        self.frameworks = {framework_label(f): f for f in frameworks}
        self.codes = {
            (label, c.code): c for label, f in self.frameworks.items() for c in f.codes.all()
        }
        self.parser = _RowParser(
            programme=programme,
            table=table,
            as_of=as_of,
            codes={label: [c.code for c in f.codes.all()] for label, f in self.frameworks.items()},
        )
        self.findings = self.parser.findings
        self.findings.extend(table.findings)
        self.default_framework = next(
            (f for f in frameworks if f.slug == DEFAULT_FRAMEWORK_SLUG),
            frameworks[0] if frameworks else None,
        )
        latest = PlanImport.objects.filter(
            programme=programme, state=ImportState.APPLIED
        ).aggregate(latest=Max("as_of"))["latest"]
        self.latest_as_of: date | None = latest
        self.older = latest is not None and as_of < latest
        self.actions: list[dict[str, Any]] = []
        self.pending: list[tuple[ParsedRow, Milestone, list[Person]]] = []
        self.new_references: list[MilestoneReference] = []
        self.counts = Counter()

    def warn(self, row, canon, value, message) -> None:
        column = self.table.headers.get(canon, canon) if canon else None
        self.findings.append(pp.Finding("warning", message, column, value, row))

    def error(self, row, canon, value, message) -> None:
        column = self.table.headers.get(canon, canon) if canon else None
        self.findings.append(pp.Finding("error", message, column, value, row))

    # -- top level -------------------------------------------------------------------------

    def execute(self) -> dict[str, Any]:
        if not self.frameworks:
            self.warn(
                None,
                None,
                None,
                "No cross-reference frameworks are set up, so codes are kept as text only.",
            )
        if self.older:
            self.warn(
                None,
                None,
                self.as_of.isoformat(),
                f"This file is as at {self.as_of:%d %B %Y}, before the last applied import "
                f"({self.latest_as_of:%d %B %Y}). Its statuses are added to history at their "
                "date; it does not change the current plan or remove milestones.",
            )
        earlier = (
            PlanImport.objects.filter(
                programme=self.programme, sha256=self.sha, state=ImportState.APPLIED
            )
            .order_by("-decided_at")
            .first()
        )
        if earlier is not None:
            self.warn(
                None,
                None,
                earlier.original_name,
                f"This same file was applied on {timezone.localtime(earlier.decided_at):%d %B %Y} "
                f"(as at {earlier.as_of:%d %B %Y}); applying it again changes nothing it set.",
            )
        parsed = [self.parser.parse(row, cells) for row, cells in self.table.rows]
        workstreams = self._workstreams(parsed)
        self._keys(parsed)
        good = [p for p in parsed if not p.errors]
        matches = self._match(good)
        self._people_and_bodies_load()
        saved: dict[int, Milestone] = {}
        for position, p in enumerate(good, start=1):
            milestone = matches.get(p.row)
            saved[p.row] = self._row(p, milestone, workstreams[p.workstream_number], position)
        self._create_pending()
        self._parents(good, saved)
        # With errors nothing applies, and rows with errors would look removed: say nothing.
        has_errors = any(f.level == "error" for f in self.findings)
        removed = [] if has_errors else self._removed({m.pk for m in saved.values()})
        errors = [_finding_dict(f) for f in self.findings if f.level == "error"]
        warnings = [_finding_dict(f) for f in self.findings if f.level == "warning"]
        errors.sort(key=lambda f: f["row"] or 0)
        warnings.sort(key=lambda f: f["row"] or 0)
        ws_rows = Counter(p.workstream_number for p in parsed)
        return {
            "programme": self.programme.slug,
            "as_of": self.as_of.isoformat(),
            "sha256": self.sha,
            "rows": len(parsed),
            "complete": sum(1 for p in parsed if p.complete),
            "created": self.counts["created"],
            "updated": self.counts["updated"],
            "unchanged": self.counts["unchanged"],
            "removed": len(removed),
            "workstreams": [
                {
                    "number": ws.number,
                    "name": ws.name,
                    "rows": ws_rows[number],
                    "action": self.ws_actions[number],
                }
                for number, ws in sorted(workstreams.items(), key=lambda kv: _number_key(kv[0]))
            ],
            "milestones": self.actions,
            "removed_milestones": removed,
            "unresolved": [
                {
                    "row": p.row,
                    "ref": p.ref,
                    "title": p.title[:100],
                    "token": u.raw,
                    "candidates": [c.code for c in u.candidates],
                }
                for p in parsed
                for u in p.references.unresolved
            ],
            "errors": errors,
            "warnings": warnings,
        }

    # -- workstreams -----------------------------------------------------------------------

    def _workstreams(self, parsed: list[ParsedRow]) -> dict[str, Workstream]:
        existing = {ws.number: ws for ws in self.programme.workstreams.all()}
        by_name = {title_key(ws.name): ws for ws in existing.values()}
        prefixes: dict[str, Counter] = defaultdict(Counter)
        for p in parsed:
            if _DIGITS.match(p.workstream_text) and not p.workstream_number:
                # A "Theme" column holding numbers is the number, not a name.
                p.workstream_number, p.workstream_text = p.workstream_text, ""
            match = _REF_PREFIX.match(p.ref) or _REF_PREFIX.match(p.parent_ref)
            if match and p.workstream_text:
                prefixes[title_key(p.workstream_text)][match[1]] += 1
        # Keyed by the name ignoring case and punctuation: "ALPHA" and "Alpha" are one theme.
        numbers_of_name: dict[str, str] = {}
        next_free = max([int(n) for n in existing if n.isdigit()] + [0])
        for p in parsed:
            if p.workstream_number or not p.workstream_text:
                continue
            name = p.workstream_text
            key = title_key(name)
            if key not in numbers_of_name:
                if prefixes[key]:
                    numbers_of_name[key] = prefixes[key].most_common(1)[0][0]
                elif key in by_name:
                    numbers_of_name[key] = by_name[key].number
                else:
                    used = set(numbers_of_name.values()) | set(existing)
                    next_free += 1
                    while str(next_free) in used:
                        next_free += 1
                    numbers_of_name[key] = str(next_free)
                    self.warn(
                        p.row,
                        "workstream",
                        name,
                        f"No ref gives workstream “{name}” a number; it is numbered {next_free}.",
                    )
            p.workstream_number = numbers_of_name[key]
        names_of_number: dict[str, str] = {}
        for p in parsed:
            if not p.workstream_number:
                match = _REF_PREFIX.match(p.ref)
                if match:
                    p.workstream_number = match[1]
                else:
                    p.errors.append(
                        pp.Finding(
                            "error",
                            "The row has no workstream, and its ref does not say which one.",
                            self.table.headers.get("workstream"),
                            "",
                            p.row,
                        )
                    )
                    self.findings.append(p.errors[-1])
                    continue
            if p.workstream_text:
                earlier = names_of_number.setdefault(p.workstream_number, p.workstream_text)
                if title_key(earlier) != title_key(p.workstream_text):
                    p.errors.append(
                        pp.Finding(
                            "error",
                            f"Workstreams “{earlier}” and “{p.workstream_text}” both have "
                            f"number {p.workstream_number}. Give each workstream its own number.",
                            self.table.headers.get("workstream"),
                            p.workstream_text,
                            p.row,
                        )
                    )
                    self.findings.append(p.errors[-1])
            match = _REF_PREFIX.match(p.ref)
            if match and match[1] != p.workstream_number:
                self.warn(
                    p.row,
                    "ref",
                    p.ref,
                    f"Ref {p.ref} does not start with its workstream's number "
                    f"({p.workstream_number}).",
                )
        limit = Workstream._meta.get_field("number").max_length
        for p in parsed:
            if len(p.workstream_number) > limit and not p.errors:
                p.errors.append(
                    pp.Finding(
                        "error",
                        f"Workstream number “{p.workstream_number[:30]}” is longer than "
                        f"{limit} characters.",
                        self.table.headers.get("workstream_number")
                        or self.table.headers.get("ref"),
                        p.workstream_number[:60],
                        p.row,
                    )
                )
                self.findings.append(p.errors[-1])
        result: dict[str, Workstream] = {}
        self.ws_actions: dict[str, str] = {}
        # Names only from rows without errors: an error row's text may not even fit.
        good_names: dict[str, str] = {}
        for p in parsed:
            if not p.errors and p.workstream_text:
                good_names.setdefault(p.workstream_number, p.workstream_text)
        for p in parsed:
            number = p.workstream_number
            if p.errors or not number or number in result:
                continue  # a row with errors creates nothing, not even its workstream
            name = good_names.get(number, "")
            ws = existing.get(number)
            if ws is None:
                ws = Workstream.objects.create(
                    programme=self.programme,
                    number=number,
                    name=name or f"Workstream {number}",
                    position=int(number) if number.isdigit() else 0,
                )
                self.ws_actions[number] = "created"
            elif name and name != ws.name and not self.older:
                ws.name = name
                ws.save(update_fields=["name"])
                self.ws_actions[number] = "updated"
            else:
                self.ws_actions[number] = "unchanged"
            result[number] = ws
        return result

    # -- matching --------------------------------------------------------------------------

    def _keys(self, parsed: list[ParsedRow]) -> None:
        first_row: dict[str, int] = {}
        for p in parsed:
            if p.errors:
                continue
            p.key = import_key(p.workstream_number, p.ref, p.title)
            if p.key in first_row:
                p.errors.append(
                    pp.Finding(
                        "error",
                        f"This row repeats row {first_row[p.key]} (same workstream, ref and "
                        "milestone text). Remove one of them.",
                        self.table.headers.get("title"),
                        p.title[:100],
                        p.row,
                    )
                )
                self.findings.append(p.errors[-1])
            else:
                first_row[p.key] = p.row

    def _match(self, rows: list[ParsedRow]) -> dict[int, Milestone]:
        # Everything the row comparison reads, fetched once: a fixed number of queries
        # however long the plan is.
        existing = list(
            Milestone.objects.filter(programme=self.programme)
            .select_related("workstream", "governance_body")
            .prefetch_related("leads", "unresolved_references", "milestonereference_set")
            .order_by(F("removed_on").asc(nulls_first=True), "position", "id")
        )
        self.in_force: dict[int, StatusUpdate] = {}
        for update in StatusUpdate.objects.filter(
            milestone__programme=self.programme, as_of__lte=self.as_of
        ).order_by("milestone_id", "-as_of", "-recorded_at", "-id"):
            self.in_force.setdefault(update.milestone_id, update)
        by_key: dict[str, list[Milestone]] = defaultdict(list)
        for m in existing:
            computed = import_key(m.workstream.number, m.ref, m.title)
            by_key[computed].append(m)
            if m.import_key and m.import_key != computed:
                by_key[m.import_key].append(m)
        matched: dict[int, Milestone] = {}
        taken: set[int] = set()

        def take(p: ParsedRow, m: Milestone) -> None:
            matched[p.row] = m
            taken.add(m.pk)

        for p in rows:
            for m in by_key.get(p.key, []):
                if m.pk not in taken:
                    take(p, m)
                    break
        # A corrected title keeps its ref; a corrected ref keeps its title. Only a unique pair
        # on both sides is matched, so two "1.8" rows are never confused.
        for attribute in ("ref", "title"):

            def signature(number, ref, title, attribute=attribute):
                value = ref if attribute == "ref" else title_key(title)
                return (number, value) if value else None

            incoming: dict[tuple, list[ParsedRow]] = defaultdict(list)
            for p in rows:
                if p.row not in matched:
                    sig = signature(p.workstream_number, p.ref, p.title)
                    if sig:
                        incoming[sig].append(p)
            candidates: dict[tuple, list[Milestone]] = defaultdict(list)
            for m in existing:
                if m.pk not in taken:
                    sig = signature(m.workstream.number, m.ref, m.title)
                    if sig:
                        candidates[sig].append(m)
            for sig, ps in incoming.items():
                ms = candidates.get(sig, [])
                if len(ps) == 1 and len(ms) == 1:
                    take(ps[0], ms[0])
        return matched

    # -- people and governance bodies -------------------------------------------------------

    def _people_and_bodies_load(self) -> None:
        self.by_initials: dict[str, Person] = {}
        self.by_name: dict[str, Person] = {}
        for person in Person.objects.order_by("id"):
            if person.initials:
                self.by_initials.setdefault(person.initials.upper(), person)
            if person.name:
                self.by_name.setdefault(pp.normalise_text(person.name).lower(), person)
        self.bodies: dict[str, GovernanceBody] = {}
        for body in GovernanceBody.objects.all():
            for alias in [body.acronym, *body.aliases, *body.former_names]:
                self.bodies.setdefault(pp.normalise_text(alias).upper(), body)

    def _people(self, tokens: list[pp.LeadToken]) -> list[Person]:
        people: list[Person] = []
        for token in tokens:
            if token.kind == "placeholder":
                continue
            if token.kind == "initials":
                person = self.by_initials.get(token.text.upper())
                if person is None:
                    person = Person.objects.create(initials=token.text, kind=LeadKind.PERSON)
                    self.by_initials[token.text.upper()] = person
            else:
                person = person_for_name(token.text, token.kind, cache=self.by_name)
            if person not in people:
                people.append(person)
        return people

    def _body(self, p: ParsedRow) -> GovernanceBody | None:
        if not p.governance:
            return None
        key = p.governance.upper()
        body = self.bodies.get(key)
        if body is not None:
            return body
        if len(p.governance) > GovernanceBody._meta.get_field("acronym").max_length:
            self.warn(
                p.row,
                "governance",
                p.governance,
                f"“{p.governance}” is too long for a governance body's acronym; it is kept as "
                "text only.",
            )
            return None
        body = GovernanceBody.objects.create(acronym=p.governance)
        self.bodies[key] = body
        self.warn(
            p.row,
            "governance",
            p.governance,
            f"Governance body “{p.governance}” is not known, so it is added. An administrator "
            "can give it its full name, or make it an alias of an existing body.",
        )
        return body

    # -- one row -----------------------------------------------------------------------------

    def _row(
        self, p: ParsedRow, milestone: Milestone | None, ws: Workstream, position: int
    ) -> Milestone:
        body = self._body(p)
        people = self._people(p.leads)
        values = {
            "workstream": ws,
            "ref": p.ref,
            "title": p.title,
            "sub_group": p.sub_group,
            "section": p.section,
            "lead_text": p.lead_text,
            "baseline_start": p.start.value,
            "baseline_start_precision": p.start.precision,
            "baseline_start_raw": p.start.raw,
            "baseline_end": p.end.as_end(),
            "baseline_end_precision": p.end.precision,
            "baseline_end_raw": p.end.raw,
            "governance_body": body,
            "governance_raw": p.governance,
            "references_raw": p.references.raw,
            "position": position,
            "import_key": p.key,
        }
        changed: list[str] = []
        if milestone is None:
            # Saved with the other new rows in one bulk insert (_create_pending).
            milestone = Milestone(
                programme=self.programme,
                added_on=self.as_of,
                # A row only an older file has was in the plan then and gone by the next file.
                removed_on=self.latest_as_of if self.older else None,
                **values,
            )
            self.pending.append((p, milestone, people))
            action = "created"
        else:
            action = "unchanged"
            if not self.older:
                baseline_revision_record(
                    milestone=milestone, new_values=values, changed_on=self.as_of
                )
                for name, value in values.items():
                    if getattr(milestone, name) != value:
                        setattr(milestone, name, value)
                        changed.append(name)
                if milestone.removed_on is not None:
                    milestone.removed_on = None
                    changed.append("removed_on")
                if changed:
                    milestone.version += 1
                    milestone.save()
        if action != "created":
            if not self.older:
                if set(milestone.leads.all()) != set(people):
                    milestone.leads.set(people)
                    changed.append("leads")
                if self._references(p, milestone, created=False):
                    changed.append("references")
            if self._status(p, milestone, created=False):
                changed.append("status")
        # "position" alone moves when rows above are added or removed; that is not a change.
        meaningful = [c for c in changed if c not in ("position", "import_key")]
        if action != "created":
            action = "updated" if meaningful else "unchanged"
        self.counts[action] += 1
        self.actions.append(
            {
                "row": p.row,
                "ref": p.ref,
                "title": p.title[:100],
                "workstream": ws.number,
                "action": action,
                "changes": sorted(set(meaningful)) if action == "updated" else [],
            }
        )
        return milestone

    def _create_pending(self) -> None:
        """Insert the new milestones, their leads and links in bulk, then record statuses."""
        if not self.pending:
            return
        Milestone.objects.bulk_create([m for _, m, _ in self.pending], batch_size=500)
        through = Milestone.leads.through
        through.objects.bulk_create(
            [
                through(milestone_id=m.pk, person_id=person.pk)
                for _, m, people in self.pending
                for person in people
            ],
            batch_size=1000,
        )
        for p, m, _ in self.pending:
            self._references(p, m, created=True)
        MilestoneReference.objects.bulk_create(self.new_references, batch_size=1000)
        for p, m, _ in self.pending:
            self._status(p, m, created=True)

    def _references(self, p: ParsedRow, milestone: Milestone, *, created: bool) -> bool:
        """Make the milestone's links and unresolved tokens match the cell; True if changed."""
        corrected = {c.code: c.raw for c in p.references.corrections}
        desired: dict[int, tuple[str, bool]] = {}
        for code in p.references.codes:
            obj = self.codes[(code.framework, code.code)]
            desired[obj.pk] = (corrected.get(code, code.code), code in corrected)
        changed = False
        existing_unresolved = (
            {}
            if created
            else {(u.framework_id, u.raw_token): u for u in milestone.unresolved_references.all()}
        )
        keep: set[int] = set()
        for token in p.references.unresolved:
            framework = (
                self.frameworks[token.candidates[0].framework]
                if token.candidates
                else self.default_framework
            )
            if framework is None:
                continue
            current = existing_unresolved.get((framework.pk, token.raw))
            if current is None:
                current = UnresolvedReference.objects.create(
                    milestone=milestone,
                    framework=framework,
                    raw_token=token.raw,
                    message=token.message[:300],
                )
                current.candidates.set(
                    [self.codes[(c.framework, c.code)] for c in token.candidates]
                )
                existing_unresolved[(framework.pk, token.raw)] = current
                changed = True
            keep.add(current.pk)
            if current.resolved_code_id:
                # A person chose the code earlier; the same token in a later file keeps it.
                desired.setdefault(current.resolved_code_id, (token.raw, False))
        stale = [u.pk for u in existing_unresolved.values() if u.pk not in keep]
        if stale:
            UnresolvedReference.objects.filter(pk__in=stale).delete()
            changed = True
        current_refs = (
            {} if created else {r.code_id: r for r in milestone.milestonereference_set.all()}
        )
        gone = [r.pk for code_id, r in current_refs.items() if code_id not in desired]
        if gone:
            MilestoneReference.objects.filter(pk__in=gone).delete()
            changed = True
        new = [
            MilestoneReference(
                milestone=milestone, code_id=code_id, raw_token=raw[:50], auto_corrected=auto
            )
            for code_id, (raw, auto) in desired.items()
            if code_id not in current_refs
        ]
        if new and created:
            self.new_references.extend(new)  # inserted with the other new rows' links
        elif new:
            MilestoneReference.objects.bulk_create(new)
            changed = True
        for code_id, (raw, auto) in desired.items():
            ref = current_refs.get(code_id)
            if ref is not None and ref.auto_corrected != auto:
                ref.raw_token, ref.auto_corrected = raw[:50], auto
                ref.save(update_fields=["raw_token", "auto_corrected"])
                changed = True
        return changed

    def _status(self, p: ParsedRow, milestone: Milestone, *, created: bool) -> bool:
        """Record the file's status at its as-of date when it differs from history there."""
        compare = {"rating": p.rating, "rating_raw": p.status.raw, "forecast_end": p.forecast_end}
        for canon, attribute in (
            ("progress", "narrative"),
            ("cause", "cause"),
            ("path_to_green", "path_to_green"),
        ):
            if canon in self.table.headers:
                compare[attribute] = getattr(p, attribute)
        if not created:
            in_force = self.in_force.get(milestone.pk)
            if in_force is not None and all(getattr(in_force, k) == v for k, v in compare.items()):
                return False
        try:
            status_record(
                milestone=milestone,
                rating=p.rating,
                rating_raw=p.status.raw,
                as_of=self.as_of,
                author=self.user,
                author_name="" if self.user else "Plan import",
                narrative=p.narrative,
                cause=p.cause,
                path_to_green=p.path_to_green,
                forecast_end=p.forecast_end,
                forecast_reason=p.forecast_reason,
                source=StatusSource.IMPORT,
                completed_on=p.completed_on,
            )
        except ValidationError as exc:  # the parser checks the same rules; belt and braces
            for message in exc.messages:
                self.error(p.row, "status", p.status.raw, message)
            return False
        return True

    # -- parents and removals ------------------------------------------------------------------

    def _parents(self, rows: list[ParsedRow], saved: dict[int, Milestone]) -> None:
        last_by_ref: dict[tuple[str, str], Milestone] = {}
        for p in rows:
            milestone = saved[p.row]
            parent = None
            if p.parent_ref:
                parent = last_by_ref.get((p.workstream_number, p.parent_ref))
                if parent is None:
                    self.warn(
                        p.row,
                        "parent_ref",
                        p.parent_ref,
                        f"No earlier row of this workstream has ref {p.parent_ref}; the row is "
                        "imported without a parent.",
                    )
            if p.ref:
                last_by_ref[(p.workstream_number, p.ref)] = milestone
            if self.older and not (milestone.added_on == self.as_of and milestone.removed_on):
                continue
            if milestone.parent_id != (parent.pk if parent else None):
                milestone.parent = parent
                milestone.save(update_fields=["parent"])
                action = next(a for a in self.actions if a["row"] == p.row)
                if action["action"] == "unchanged":
                    action["action"] = "updated"
                    self.counts["unchanged"] -= 1
                    self.counts["updated"] += 1
                if action["action"] == "updated":
                    action["changes"] = sorted({*action["changes"], "parent"})

    def _removed(self, kept: set[int]) -> list[dict[str, Any]]:
        if self.older:
            return []
        gone = list(
            Milestone.objects.filter(programme=self.programme, removed_on__isnull=True)
            .exclude(pk__in=kept)
            .select_related("workstream")
        )
        for m in gone:
            m.removed_on = self.as_of
            m.version += 1
            m.save(update_fields=["removed_on", "version", "updated_at"])
        return [
            {"ref": m.ref, "title": m.title[:100], "workstream": m.workstream.number} for m in gone
        ]


def framework_label(framework: Framework) -> str:
    """The letters every code of the framework starts with ("AOI"), else its slug."""
    prefixes = {re.match(r"[A-Za-z]*", c.code)[0] for c in framework.codes.all()}
    if len(prefixes) == 1 and (prefix := prefixes.pop()):
        return prefix
    return framework.slug


def _number_key(number: str) -> tuple[int, str]:
    return (int(number), "") if number.isdigit() else (10**6, number)


_BRACKETS = re.compile(r"\s*\(([^)]*)\)$")


def person_for_name(text: str, kind: str, *, cache: dict[str, Person] | None = None) -> Person:
    """The person (or team) with this name, created if new; "Name (ORG)" sets the organisation."""
    name = text
    organisation = None
    match = _BRACKETS.search(text)
    if match and kind != "team":
        name = text[: match.start()].strip()
        organisation, _ = Organisation.objects.get_or_create(
            name=match[1].strip(), defaults={"short_name": match[1].strip()[:50]}
        )
    key = pp.normalise_text(name).lower()
    if cache is not None and key in cache:
        return cache[key]
    person = Person.objects.filter(name__iexact=name).order_by("id").first()
    if person is None:
        person = Person.objects.create(
            name=name,
            kind=LeadKind.TEAM if kind == "team" else LeadKind.PERSON,
            organisation=organisation,
        )
    if cache is not None:
        cache[key] = person
    return person


# --------------------------------------------------------------------------------------------
# Services
# --------------------------------------------------------------------------------------------


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _run(*, programme: Programme, content: bytes, file_name: str, as_of: date, user, write: bool):
    table = plan_file_read(file_name=file_name, content=content)
    with transaction.atomic():
        report = _Run(
            programme=programme, table=table, as_of=as_of, user=user, sha=_sha256(content)
        ).execute()
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
    user=None,
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
        user=user,
        write=False,
    )
    plan_import = PlanImport(
        programme=programme,
        original_name=PurePath(file_name).name[:255],
        size=len(content),
        sha256=report["sha256"],
        as_of=as_of,
        report=report,
        uploaded_by=user,
    )
    if keep:
        plan_import.file.save(
            f"{report['sha256'][:16]}{PurePath(file_name).suffix.lower()}",
            ContentFile(content),
            save=False,
        )
        plan_import.save()
    return plan_import


@transaction.atomic
def plan_import_apply(*, plan_import: PlanImport, user=None) -> PlanImport:
    """Apply a previewed import in one transaction, re-reading the kept original file."""
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
    if _sha256(content) != plan_import.sha256:
        raise PlanImportError("The kept file has changed since it was previewed; upload it again.")
    report = _run(
        programme=plan_import.programme,
        content=content,
        file_name=plan_import.original_name,
        as_of=plan_import.as_of,
        user=user or plan_import.uploaded_by,
        write=True,
    )
    if report["errors"]:
        raise PlanImportError(
            f"The file has {len(report['errors'])} error(s); correct them and upload it again."
        )
    plan_import.state = ImportState.APPLIED
    plan_import.report = report
    plan_import.decided_by = user
    plan_import.decided_at = timezone.now()
    plan_import.save(update_fields=["state", "report", "decided_by", "decided_at"])
    return plan_import


def plan_import_discard(*, plan_import: PlanImport, user=None) -> PlanImport:
    """Mark a previewed import discarded; the kept file stays, so nothing is lost."""
    if plan_import.state != ImportState.PREVIEWED:
        raise PlanImportError(f"This import is already {plan_import.get_state_display().lower()}.")
    plan_import.state = ImportState.DISCARDED
    plan_import.decided_by = user
    plan_import.decided_at = timezone.now()
    plan_import.save(update_fields=["state", "decided_by", "decided_at"])
    return plan_import
