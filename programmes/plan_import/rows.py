"""Plan import, step 2: each row fully parsed and validated into plain values before anything
is written. A row with an error is kept (it is reported) but never written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from django.db.models import CharField, Model

from integration.findings import Finding
from programmes.choices import Rating
from programmes.models import Milestone, Person, Programme, StatusUpdate, UnresolvedReference
from programmes.models import Workstream as WorkstreamModel
from programmes.plan_import import parsing as pp
from programmes.plan_import.reading import Cell, PlanTable
from programmes.services import status_validate

_COMPLETED_SECTION = re.compile(r"\bcomplete(d)?\b", re.IGNORECASE)


@dataclass(frozen=True)
class PlanRow:
    """One plan row as plain values, with the raw text beside every parsed one."""

    row: int
    workstream_text: str
    workstream_number: str
    ref: str
    title: str
    lead_text: str
    leads: tuple[pp.LeadToken, ...]
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
    has_errors: bool = False
    key: str = ""  # the stable import key, once the workstream number is known

    @property
    def rating(self) -> str:
        return Rating.COMPLETE if self.complete else self.status.rating


class RowLog:
    """Findings of one row, naming the columns as the file wrote them."""

    def __init__(self, table: PlanTable, row: int | None, findings: list[Finding]) -> None:
        self.table = table
        self.row = row
        self.findings = findings
        self.errors = 0

    def error(self, canon: str | None, value: str | None, message: str) -> None:
        self.errors += 1
        self._add("error", canon, value, message)

    def warn(self, canon: str | None, value: str | None, message: str) -> None:
        self._add("warning", canon, value, message)

    def _add(self, severity: str, canon: str | None, value: str | None, message: str) -> None:
        self.findings.append(Finding(severity, self.row, self.table.column(canon), value, message))


def max_length(model: type[Model], name: str) -> int:
    """The most characters a text column holds."""
    column = model._meta.get_field(name)
    assert isinstance(column, CharField) and column.max_length is not None
    return column.max_length


def _text(cells: Mapping[str, Cell], canon: str) -> str:
    value = cells.get(canon)
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _clean(cells: Mapping[str, Cell], canon: str) -> str:
    return pp.normalise_text(_text(cells, canon))


@dataclass(frozen=True)
class RowRules:
    """What reading a row needs besides its cells: the programme's scale and the known codes."""

    programme: Programme
    table: PlanTable
    as_of: date
    codes: Mapping[str, Sequence[str]]  # framework label -> its codes


def row_read(
    rules: RowRules, row: int, cells: Mapping[str, Cell], findings: list[Finding]
) -> PlanRow:
    """Parse and check one row; its findings are added to `findings`."""
    log = RowLog(rules.table, row, findings)
    title = _clean(cells, "title")
    if not title:
        log.error("title", "", "The row has no milestone text; every milestone needs one.")
    ref = _ref(cells, log)
    start, end = _dates(cells, rules.as_of, log)
    status = _status(cells, rules.programme.rating_scale, log)
    section = _clean(cells, "section")
    completed_on = _day("completed_date", cells.get("completed_date"), log)
    forecast_end = _day("forecast_end", cells.get("forecast_end"), log)
    lead_text = _text(cells, "leads")
    parsed = PlanRow(
        row=row,
        workstream_text=_clean(cells, "workstream"),
        workstream_number=_clean(cells, "workstream_number"),
        ref=ref,
        title=title,
        lead_text=lead_text,
        leads=tuple(pp.split_leads(lead_text)),
        start=start,
        end=end,
        status=status,
        complete=status.rating == Rating.COMPLETE or bool(_COMPLETED_SECTION.search(section)),
        completed_on=completed_on,
        governance=_clean(cells, "governance"),
        references=_references(cells, rules.codes, log),
        section=section,
        sub_group=_clean(cells, "sub_group"),
        parent_ref=_clean(cells, "parent_ref"),
        forecast_end=forecast_end,
        forecast_reason=_text(cells, "forecast_reason"),
        narrative=_text(cells, "progress"),
        cause=_text(cells, "cause"),
        path_to_green=_text(cells, "path_to_green"),
    )
    _status_rules(parsed, rules, log)
    _length_rules(parsed, log)
    return replace(parsed, has_errors=True) if log.errors else parsed


def _ref(cells: Mapping[str, Cell], log: RowLog) -> str:
    ref_cell = cells.get("ref")
    ref = _clean(cells, "ref")
    if ref_cell is not None and not isinstance(ref_cell, str) and ref:
        log.warn(
            "ref",
            ref,
            f"Ref {ref} is stored as a number, so 1.1 and 1.10 cannot be told apart. "
            "Format the Ref column as text.",
        )
    return ref


def _dates(cells: Mapping[str, Cell], as_of: date, log: RowLog) -> tuple[pp.PlanDate, pp.PlanDate]:
    start = _date("start", cells.get("start"), as_of.year, log)
    context = start.value.year if start.value else as_of.year
    end = _date("end", cells.get("end"), context, log)
    if end.assumed_year and start.value and end.value and (end.as_end() or end.value) < start.value:
        # "Nov" to "Feb" with no years runs into the next year.
        end = pp.PlanDate(end.value.replace(year=end.value.year + 1), end.precision, end.raw, True)
    if start.value and end.value and (end.as_end() or end.value) < start.value:
        log.error(
            "end", end.raw, f"The end date “{end.raw}” is before the start date “{start.raw}”."
        )
    return start, end


def _date(canon: str, value: Cell, context_year: int, log: RowLog) -> pp.PlanDate:
    try:
        parsed = pp.parse_month_date(_date_input(value), context_year=context_year)
    except pp.PlanParseError as exc:
        log.error(canon, "" if value is None else str(value), str(exc))
        return pp.PlanDate(None, "blank", "" if value is None else str(value))
    if parsed.warning:
        log.warn(canon, parsed.raw, parsed.warning)
    return parsed


def _date_input(value: Cell) -> str | date | None:
    return value if value is None or isinstance(value, str | date) else str(value)


def _day(canon: str, value: Cell, log: RowLog) -> date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        parsed = pp.parse_month_date(_date_input(value))
    except pp.PlanParseError as exc:
        log.error(canon, str(value), str(exc))
        return None
    if parsed.precision != "day":
        log.error(canon, str(value), f"“{parsed.raw}” must be a day, such as 31/03/2019.")
        return None
    return parsed.value


def _status(cells: Mapping[str, Cell], scale: str, log: RowLog) -> pp.StatusParse:
    text = _text(cells, "status")
    try:
        status = pp.parse_status(text, scale=scale)
    except pp.PlanParseError as exc:
        log.error("status", text, str(exc))
        status = pp.StatusParse(Rating.NOT_RATED, text)
    if status.warning:
        log.warn("status", text, status.warning)
    return status


def _references(
    cells: Mapping[str, Cell], codes: Mapping[str, Sequence[str]], log: RowLog
) -> pp.ReferenceParse:
    references = pp.parse_references(_text(cells, "references"), codes_by_framework=codes)
    for correction in references.corrections:
        log.warn("references", correction.raw, correction.message)
    for unresolved in references.unresolved:
        log.warn("references", unresolved.raw, unresolved.message)
    return references


def _length_rules(parsed: PlanRow, log: RowLog) -> None:
    """Cells longer than their database column: an error, never a crash or a silent cut."""
    checks = [
        ("workstream", parsed.workstream_text, WorkstreamModel, "name"),
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
        limit = max_length(model, name)
        if len(value) > limit and canon not in reported:
            reported.add(canon)
            log.error(
                canon,
                value[:60],
                f"This cell is {len(value)} characters long; at most {limit} fit here.",
            )


# Which column a status rule's complaint is about.
_STATUS_COLUMNS = {
    "rating": "status",
    "cause": "cause",
    "path_to_green": "path_to_green",
    "forecast_reason": "forecast_end",
}


def _status_rules(parsed: PlanRow, rules: RowRules, log: RowLog) -> None:
    """The same rules as a status update in the browser (services.status_validate)."""
    probe = Milestone(programme=rules.programme, baseline_end=parsed.end.as_end())
    problems = status_validate(
        milestone=probe,
        rating=parsed.rating,
        cause=parsed.cause,
        path_to_green=parsed.path_to_green,
        forecast_end=parsed.forecast_end,
        forecast_reason=parsed.forecast_reason,
    )
    for name, messages in problems.items():
        canon = _STATUS_COLUMNS.get(name, "status")
        for message in messages:
            if name in ("cause", "path_to_green") and canon not in rules.table.headers:
                message += f" (add a “{pp.PLAN_COLUMNS[canon][0]}” column)"
            log.error(canon, _value_for(parsed, canon), message)


def _value_for(parsed: PlanRow, canon: str) -> str:
    return {
        "status": parsed.status.raw,
        "cause": parsed.cause,
        "path_to_green": parsed.path_to_green,
        "forecast_end": parsed.forecast_end.isoformat() if parsed.forecast_end else "",
    }.get(canon, "")


def rows_read(rules: RowRules, findings: list[Finding]) -> list[PlanRow]:
    """Every row of the table, parsed and checked, in file order."""
    return [row_read(rules, number, cells, findings) for number, cells in rules.table.rows]
