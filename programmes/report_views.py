"""Board reports: exception report, changes since the last board, coverage; each also as
CSV and Excel (`?format=csv|xlsx`) with the page's rows and columns, and printable as an
A4 board pack."""

from collections.abc import Callable
from datetime import date

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from integration.access import require_perm
from integration.exports import Column, export_if_requested
from programmes import board_reports, rules, selectors, services
from programmes.board_reports.coverage import FrameworkCoverage
from programmes.choices import DatePrecision
from programmes.models import GovernanceBody, Programme, Workstream
from programmes.permissions import CHANGE_PROGRAMME
from programmes.report_forms import ChangesForm, ExceptionReportForm, ReportingDateForm
from programmes.report_tables import ChangesTable, CoverageTable, ExceptionTable
from programmes.views import may_change

_DIRECTION_WORDS = {"worse": "Worse", "better": "Better", "same": "No change", "changed": "Changed"}


def _undefined(status: board_reports.StatusAsOf) -> str:
    return "To be defined" if status.baseline_end_precision == DatePrecision.UNDEFINED else ""


def _sros(workstream: Workstream) -> str:
    return ", ".join(str(p) for p in workstream.sros.all()) or workstream.sro_text


EXCEPTION_COLUMNS = [
    Column("ref", lambda r: r.milestone.ref),
    Column("title", lambda r: r.milestone.title),
    Column("workstream", lambda r: str(r.milestone.workstream)),
    Column("sro", lambda r: _sros(r.milestone.workstream)),
    Column("leads", lambda r: rules.leads_text(r.milestone)),
    Column("governance", lambda r: r.milestone.governance_body or r.milestone.governance_raw),
    Column("rating", lambda r: r.status.rating_label),
    Column("previous_rating", lambda r: r.previous.rating_label),
    Column("direction", lambda r: _DIRECTION_WORDS[r.direction]),
    Column("baseline_start", lambda r: r.status.baseline_start),
    Column("baseline_end", lambda r: r.status.baseline_end or _undefined(r.status)),
    Column("forecast_end", lambda r: r.status.forecast_end),
    Column("days_overdue", lambda r: r.days_overdue),
    Column("reasons", lambda r: "; ".join(r.reason_labels)),
    Column("cause", lambda r: r.status.cause),
    Column("path_to_green", lambda r: r.status.path_to_green),
    Column("status_as_of", lambda r: r.status.as_of),
]


def exception_report(request: HttpRequest, slug: str) -> HttpResponse:
    programme = selectors.programme_for(request.user, slug)
    form = ExceptionReportForm(request.GET or None, programme=programme)
    filters = form.cleaned_data if form.is_valid() else {}
    as_of = filters.get("as_of") or rules.reporting_date(programme)
    report = board_reports.exception_report(
        programme,
        as_of=as_of,
        body=filters.get("body"),
        workstream_ids=[w.id for w in filters.get("workstream") or []],
    )
    download = export_if_requested(
        request,
        rows=lambda: report.rows,
        columns=EXCEPTION_COLUMNS,
        filename=f"{programme.slug}-exceptions-{as_of:%Y-%m-%d}",
    )
    if download is not None:
        return download
    return render(
        request,
        "programmes/reports/exception_report.html",
        {
            "programme": programme,
            "form": form,
            "report": report,
            "exception_groups": [
                (group, ExceptionTable(group, programme=programme)) for group in report.groups
            ],
            "print_title": _print_title(programme, "Exception report", as_of, report.body),
            "reporting_date_form": ReportingDateForm(),
            "can_edit": may_change(request, programme),
        },
    )


CHANGE_COLUMNS = [
    Column("ref", lambda c: c.milestone.ref),
    Column("title", lambda c: c.milestone.title),
    Column("workstream", lambda c: str(c.milestone.workstream)),
    Column("changes", lambda c: "; ".join(c.labels)),
    Column("rating_before", lambda c: c.before.rating_label),
    Column("rating_after", lambda c: c.after.rating_label),
    Column("end_before", lambda c: c.before.end),
    Column("end_after", lambda c: c.after.end),
    Column("slippage_days", lambda c: c.slippage_days),
    Column("narrative_before", lambda c: c.before.narrative),
    Column("narrative_after", lambda c: c.after.narrative),
    Column("path_to_green_before", lambda c: c.before.path_to_green),
    Column("path_to_green_after", lambda c: c.after.path_to_green),
]


def changes(request: HttpRequest, slug: str) -> HttpResponse:
    programme = selectors.programme_for(request.user, slug)
    form = ChangesForm(request.GET or None)
    dates = form.cleaned_data if form.is_valid() else {}
    until = dates.get("until") or rules.reporting_date(programme)
    since = dates.get("since") or rules.previous_period_end(until)
    report = board_reports.changes_between(programme, since=since, until=until)
    download = export_if_requested(
        request,
        rows=lambda: report.changes,
        columns=CHANGE_COLUMNS,
        filename=f"{programme.slug}-changes-{since:%Y-%m-%d}-to-{until:%Y-%m-%d}",
    )
    if download is not None:
        return download
    return render(
        request,
        "programmes/reports/changes.html",
        {
            "programme": programme,
            "form": form,
            "report": report,
            "changes_table": ChangesTable(report.changes, programme=programme),
            "print_title": _print_title(programme, f"Changes from {since:%-d %B %Y}", until, None),
        },
    )


def coverage(request: HttpRequest, slug: str) -> HttpResponse:
    programme = selectors.programme_for(request.user, slug)
    as_of = rules.reporting_date(programme)
    frameworks = board_reports.coverage(programme, as_of=as_of)
    download = export_if_requested(
        request,
        rows=lambda: [(fw, code) for fw in frameworks for code in fw.codes],
        columns=_coverage_columns(frameworks[0].workstreams if frameworks else []),
        filename=f"{programme.slug}-coverage-{as_of:%Y-%m-%d}",
    )
    if download is not None:
        return download
    return render(
        request,
        "programmes/reports/coverage.html",
        {
            "programme": programme,
            "frameworks": frameworks,
            "framework_tables": [(fw, CoverageTable(fw)) for fw in frameworks],
            "as_of": as_of,
            "print_title": _print_title(programme, "Cross-reference coverage", as_of, None),
        },
    )


CoverageRow = tuple[FrameworkCoverage, board_reports.CodeCoverage]


def _open_and_complete(workstream_id: int) -> Callable[[CoverageRow], str]:
    def cell(row: CoverageRow) -> str:
        counts = row[1].cells[workstream_id]
        return f"{counts.open}/{counts.complete}"

    return cell


def _coverage_columns(workstreams: list[Workstream]) -> list[Column]:
    columns = [
        Column("framework", lambda r: r[0].framework.name),
        Column("code", lambda r: r[1].code.code),
        Column("title", lambda r: r[1].code.title),
    ]
    columns += [
        Column(f"workstream {w.number} open/complete", _open_and_complete(w.id))
        for w in workstreams
    ]
    return columns + [
        Column("open", lambda r: r[1].open),
        Column("complete", lambda r: r[1].complete),
        Column("worst_rating", lambda r: r[1].worst_rating_label),
        Column("flags", lambda r: "; ".join(r[1].flags)),
    ]


@require_POST
def reporting_date_set(request: HttpRequest, slug: str) -> HttpResponse:
    programme = selectors.programme_for(request.user, slug)
    require_perm(
        request,
        CHANGE_PROGRAMME,
        programme,
        message="Only programme managers can move the reporting date.",
    )
    form = ReportingDateForm(request.POST)
    if not form.is_valid():
        for error in form.errors["reporting_date"]:
            messages.error(request, str(error))
        return redirect("programmes:exception_report", slug=slug)
    new_date = form.cleaned_data["reporting_date"]
    services.programme_reporting_date_set(programme=programme, reporting_date=new_date)
    messages.success(request, f"Reports are now as at {new_date:%-d %B %Y}.")
    return redirect("programmes:exception_report", slug=slug)


def _print_title(
    programme: Programme, report: str, as_of: date, body: GovernanceBody | None
) -> str:
    """The running header of the printed board pack."""
    parts = [programme.name, report]
    if body is not None:
        parts.append(f"{body.acronym} and reporting bodies")
    parts.append(f"as at {as_of:%-d %B %Y}")
    return " – ".join(parts)
