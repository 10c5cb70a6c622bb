"""django-tables2 Tables for the board reports, the milestone edit conflict and the plan
import pages (programmes/tables.py has the plan pages' tables)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import django_tables2 as tables
from django.http import HttpRequest
from django.template.defaultfilters import date as date_filter
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator, capfirst
from django.utils.timezone import localtime

from integration.reports import Count
from integration.tables import GOVUK_TABLE_ATTRS, ROW_HEADER, CaptionedTable
from integration.templatetags.integration_tags import govuk_tag
from programmes.choices import rating_label, tag_colour
from programmes.import_forms import ReferenceResolveForm
from programmes.models import Milestone, Programme, UnresolvedReference, Workstream
from programmes.tables import NUMERIC_COLUMN_ATTRS as NUMERIC
from programmes.templatetags.programme_tags import plan_date_text

if TYPE_CHECKING:
    from programmes.board_reports.changes import MilestoneChange
    from programmes.board_reports.coverage import CodeCoverage, FrameworkCoverage
    from programmes.board_reports.exceptions import ExceptionRow, WorkstreamGroup

_HIDDEN_CAPTION = "govuk-table__caption govuk-visually-hidden"
_CHANGED_TO = mark_safe(  # nosec B308 B703 - constant markup
    '<span aria-hidden="true">&#8594;</span><span class="govuk-visually-hidden"> changed to </span>'
)


def rating_tag(rating: str | None) -> SafeString:
    """The `{% rating_tag %}` markup: the rating's name in a tag of its colour."""
    return govuk_tag(rating_label(rating), tag_colour(rating or ""))


def _cell(css: str) -> dict[str, Any]:
    return {"td": {"class": f"govuk-table__cell {css}"}}


def _milestone_link(programme: Programme, milestone: Milestone) -> SafeString:
    """The reports' milestone cell: its ref in bold, then its title linking to its page."""
    return format_html(
        '<strong>{}</strong> <a class="govuk-link" href="{}">{}</a>',
        milestone.ref or "(no ref)",
        reverse("programmes:milestone_detail", args=[programme.slug, milestone.pk]),
        milestone.title,
    )


def _list(items: list[str], css: str) -> SafeString:
    return format_html(
        '<ul class="{}">{}</ul>', css, format_html_join("", "<li>{}</li>", ((i,) for i in items))
    )


class ChangesTable(CaptionedTable):
    """The changes report: each milestone that changed between two dates, what changed, and
    its rating, end date and narrative before and after."""

    caption = "Milestones that changed"

    milestone = tables.Column(verbose_name="Milestone", empty_values=())
    what = tables.Column(verbose_name="What changed", empty_values=())
    rating = tables.Column(verbose_name="Rating", empty_values=())
    end = tables.Column(
        verbose_name="End date", empty_values=(), attrs=_cell("govuk-body-s app-nowrap")
    )
    narrative = tables.Column(
        verbose_name="Narrative and path to green (changes marked)",
        empty_values=(),
        attrs=_cell("govuk-body-s"),
    )

    class Meta(CaptionedTable.Meta):
        pass

    def __init__(self, changes: list[MilestoneChange], *, programme: Programme) -> None:
        self.programme = programme
        super().__init__(changes)

    def render_milestone(self, record: MilestoneChange) -> SafeString:
        return format_html(
            '{}<br><span class="govuk-body-s">{}</span>',
            _milestone_link(self.programme, record.milestone),
            record.milestone.workstream,
        )

    def render_what(self, record: MilestoneChange) -> SafeString:
        return _list(record.labels, "govuk-list govuk-body-s")

    def render_rating(self, record: MilestoneChange) -> SafeString:
        after = rating_tag(record.after.rating)
        if "rating" in record.kinds:
            return format_html("{} {} {}", rating_tag(record.before.rating), _CHANGED_TO, after)
        return after

    def render_end(self, record: MilestoneChange) -> str:
        after = plan_date_text(record.after.end)
        if "date" not in record.kinds:
            return after
        html = format_html("{} {} {}", plan_date_text(record.before.end), _CHANGED_TO, after)
        days = record.slippage_days
        if days:
            moved = f"Slipped {days} days" if days > 0 else f"Brought forward {-days} days"
            return format_html("{}<br>{}", html, moved)
        return html

    def render_narrative(self, record: MilestoneChange) -> str:
        if "narrative" not in record.kinds:
            return "No change"
        return format_html(
            '<p class="govuk-body-s"><strong>Narrative:</strong> {}</p>'
            '<p class="govuk-body-s"><strong>Path to green:</strong> {}</p>',
            record.narrative_diff,
            record.path_to_green_diff,
        )


_DIRECTION = {
    "worse": ("&#8595;", "Worse than"),
    "better": ("&#8593;", "Better than"),
}


class ExceptionTable(CaptionedTable):
    """One workstream's exceptions on the exception report: each milestone needing the
    board's attention, its dates and rating then, why it is listed, its cause and path to
    green."""

    caption_class = _HIDDEN_CAPTION

    milestone = tables.Column(verbose_name="Milestone", empty_values=())
    leads = tables.Column(verbose_name="Leads", empty_values=())
    dates = tables.Column(verbose_name="Dates", empty_values=(), attrs=_cell("app-nowrap"))
    rating = tables.Column(verbose_name="Rating", empty_values=())
    why = tables.Column(verbose_name="Why it is here", empty_values=())
    cause = tables.Column(
        verbose_name="Cause and path to green", empty_values=(), attrs=_cell("govuk-body-s")
    )

    class Meta(CaptionedTable.Meta):
        attrs = {**GOVUK_TABLE_ATTRS, "class": "govuk-table app-exception-table"}

    def __init__(self, group: WorkstreamGroup, *, programme: Programme) -> None:
        self.programme = programme
        self.caption = f"Exceptions in {group.workstream}"
        super().__init__(group.rows)

    def render_milestone(self, record: ExceptionRow) -> SafeString:
        html = _milestone_link(self.programme, record.milestone)
        body = record.milestone.governance_body
        if body:
            return format_html(
                '{}<br><span class="govuk-body-s">Governance: {}</span>', html, body.acronym
            )
        return html

    def render_leads(self, record: ExceptionRow) -> str:
        m = record.milestone
        return ", ".join(str(p) for p in m.leads.all()) or m.lead_text

    def render_dates(self, record: ExceptionRow) -> SafeString:
        s = record.status
        return format_html(
            "Start: {}<br>End: {}<br>Forecast: {}",
            plan_date_text(s.baseline_start, s.baseline_start_precision) or "–",
            plan_date_text(s.baseline_end, s.baseline_end_precision) or "–",
            plan_date_text(s.forecast_end) or "as baseline",
        )

    def render_rating(self, record: ExceptionRow) -> SafeString:
        arrow, words = _DIRECTION.get(record.direction, ("&#8594;", "Previously"))
        return format_html(
            '{}<p class="govuk-body-s govuk-!-margin-top-1 govuk-!-margin-bottom-0">'
            '<span aria-hidden="true">{}</span> {} {}</p>',
            rating_tag(record.status.rating),
            mark_safe(arrow),  # nosec B308 B703 - a constant entity
            words,
            record.previous.rating_label,
        )

    def render_why(self, record: ExceptionRow) -> SafeString:
        return _list(record.reason_labels, "govuk-list govuk-body-s govuk-!-margin-bottom-0")

    def render_cause(self, record: ExceptionRow) -> SafeString:
        s = record.status
        parts = []
        if s.cause:
            parts.append(
                format_html('<p class="govuk-body-s"><strong>Cause:</strong> {}</p>', s.cause)
            )
        if s.path_to_green:
            parts.append(
                format_html(
                    '<p class="govuk-body-s"><strong>Path to green:</strong> {}</p>',
                    s.path_to_green,
                )
            )
        if not parts:
            parts.append(format_html("{}", "None recorded"))
        if s.as_of:
            parts.append(
                format_html(
                    '<p class="govuk-body-s govuk-!-margin-bottom-0">Last update {}</p>',
                    date_format(s.as_of, "j M Y"),
                )
            )
        return format_html_join(" ", "{}", ((p,) for p in parts))


class ConflictTable(CaptionedTable):
    """The stale-edit page: each field of a milestone as saved now and as the user sent it."""

    caption = "The saved version and yours"
    row_header = True

    label = tables.Column(verbose_name="Field", empty_values=())
    saved = tables.Column(verbose_name="Saved now", empty_values=())
    yours = tables.Column(verbose_name="Your version", empty_values=())
    differs = tables.Column(verbose_name="Different?", empty_values=())

    class Meta(CaptionedTable.Meta):
        pass

    def render_differs(self, value: bool) -> str:
        return govuk_tag("Different", "govuk-tag--yellow") if value else "Same"


# --- the plan import preview -------------------------------------------------------------------


def import_counts(report: dict[str, Any]) -> list[Count]:
    """What a plan import did or would do, as the preview's counts table lists it."""
    return [
        Count("Milestone rows", "rows", report.get("rows", 0)),
        Count("Workstreams", "workstreams", len(report.get("workstreams", []))),
        Count("Complete", "complete", report.get("complete", 0)),
        Count("New milestones", "created", report.get("created", 0)),
        Count("Updated", "updated", report.get("updated", 0)),
        Count("Unchanged", "unchanged", report.get("unchanged", 0)),
        Count("Taken out of the plan (not in this file)", "removed", report.get("removed", 0)),
        Count("Errors", "errors", len(report.get("errors", []))),
        Count("Warnings to check", "warnings", len(report.get("warnings", []))),
    ]


class ImportUnresolvedTable(CaptionedTable):
    """The cross-references a plan import kept as printed, for someone to review."""

    caption = "Cross-references kept for review"

    row = tables.Column(verbose_name="Row", attrs=NUMERIC, default="")
    ref = tables.Column(verbose_name="Ref", default="(none)")
    token = tables.Column(verbose_name="As printed", default="")
    candidates = tables.Column(verbose_name="Could be", empty_values=())

    class Meta(CaptionedTable.Meta):
        attrs = {**GOVUK_TABLE_ATTRS, "id": "unresolved"}

    def render_token(self, value: str) -> SafeString:
        return format_html("<code>{}</code>", value)

    def render_candidates(self, value: list[str] | None) -> str:
        return " or ".join(value or []) or "No known code"


class ImportWorkstreamTable(CaptionedTable):
    """The workstreams in a plan file, with their milestone rows and what importing does."""

    caption = "Workstreams"

    number = tables.Column(verbose_name="Number", default="")
    name = tables.Column(verbose_name="Name", default="")
    rows = tables.Column(verbose_name="Rows", attrs=NUMERIC, default="")
    action = tables.Column(verbose_name="Action", default="")

    class Meta(CaptionedTable.Meta):
        attrs = {**GOVUK_TABLE_ATTRS, "id": "workstreams"}

    def render_action(self, value: str) -> str:
        return capfirst(value)


class ImportChangeTable(CaptionedTable):
    """The milestones a plan import creates or updates, with the fields it changes."""

    caption = "New and updated milestones"

    row = tables.Column(verbose_name="Row", attrs=NUMERIC, default="")
    ref = tables.Column(verbose_name="Ref", default="")
    title = tables.Column(verbose_name="Milestone", default="")
    action = tables.Column(verbose_name="Action", default="")

    class Meta(CaptionedTable.Meta):
        attrs = {**GOVUK_TABLE_ATTRS, "id": "changes"}

    def render_action(self, value: str, record: dict[str, Any]) -> str:
        changes = record.get("changes")
        return capfirst(value) + (f": {', '.join(changes)}" if changes else "")


# --- the coverage matrix -----------------------------------------------------------------------


_NONE = mark_safe(  # nosec B308 B703 - constant markup
    '<span class="govuk-visually-hidden">none</span><span aria-hidden="true">–</span>'
)


class _CoverageCellColumn(tables.Column):
    """A workstream's open / complete milestones answering a code (a dash when none)."""

    def __init__(self, workstream: Workstream) -> None:
        header = format_html(
            '<span class="govuk-visually-hidden">Workstream </span><abbr title="{}">{}</abbr>'
            '<span class="govuk-visually-hidden"> open / complete</span>',
            workstream,
            workstream.number,
        )
        super().__init__(verbose_name=header, empty_values=(), attrs=NUMERIC)
        self.workstream_id = workstream.pk

    def render(self, record: CodeCoverage) -> SafeString:
        cell = record.cells.get(self.workstream_id)
        if cell and (cell.open or cell.complete):
            return format_html("{} / {}", cell.open, cell.complete)
        return _NONE


class CoverageTable(CaptionedTable):
    """One framework's codes against the programme's workstreams (a column each): open and
    complete milestones per cell, totals, the worst open rating and flags."""

    caption_class = _HIDDEN_CAPTION

    code = tables.Column(verbose_name="Code", empty_values=(), attrs={"td": ROW_HEADER})
    open = tables.Column(verbose_name="Open", attrs=NUMERIC)
    complete = tables.Column(verbose_name="Complete", attrs=NUMERIC)
    worst = tables.Column(verbose_name="Worst rating", empty_values=())
    flags = tables.Column(verbose_name="Flags", empty_values=(), attrs=_cell("govuk-body-s"))

    class Meta(CaptionedTable.Meta):
        attrs = {
            **GOVUK_TABLE_ATTRS,
            "class": "govuk-table app-coverage-table app-table--compact",
        }
        sequence = ("code", "...", "open", "complete", "worst", "flags")

    def __init__(self, coverage: FrameworkCoverage) -> None:
        self.caption = f"{coverage.framework.name}: open / complete milestones per workstream"
        extra = [(f"ws_{w.pk}", _CoverageCellColumn(w)) for w in coverage.workstreams]
        super().__init__(coverage.codes, extra_columns=extra)

    def render_code(self, record: CodeCoverage) -> SafeString:
        code = record.code
        if code.title:
            return format_html('{}<br><span class="govuk-body-s">{}</span>', code.code, code.title)
        return format_html("{}", code.code)

    def render_worst(self, record: CodeCoverage) -> str:
        if record.worst_rating:
            return rating_tag(record.worst_rating)
        return record.worst_rating_label

    def render_flags(self, record: CodeCoverage) -> str:
        if not record.flags:
            return "None"
        return format_html_join(
            "", "{} ", ((govuk_tag(f, "govuk-tag--orange"),) for f in record.flags)
        )


# --- cross-references to review ----------------------------------------------------------------


def _token(row: UnresolvedReference) -> SafeString:
    return format_html('<code class="app-token">{}</code>', row.raw_token)


class ReferenceReviewTable(CaptionedTable):
    """The cross-references still to review, each with its milestone, the code as printed and,
    for a programme manager, a form to choose the code it stands for (else the candidates)."""

    milestone = tables.Column(verbose_name="Milestone", empty_values=())
    token = tables.Column(verbose_name="As printed", empty_values=())

    class Meta(CaptionedTable.Meta):
        attrs = {**GOVUK_TABLE_ATTRS, "id": "unresolved"}
        row_attrs: dict[str, Any] = {"id": lambda record: f"unresolved-{record[0].pk}"}

    def __init__(
        self,
        rows: list[tuple[UnresolvedReference, ReferenceResolveForm]],
        *,
        request: HttpRequest,
        can_edit: bool,
    ) -> None:
        self.request = request
        self.can_edit = can_edit
        self.caption = f"{len(rows)} to review"
        heading = "Choose the code" if can_edit else "Could be"
        choose = tables.Column(verbose_name=heading, empty_values=())
        super().__init__(rows, extra_columns=[("choose", choose)])

    def render_milestone(self, record: tuple[UnresolvedReference, Any]) -> SafeString:
        m = record[0].milestone
        return format_html(
            '<strong>{}</strong> {}<br><span class="govuk-body-s">Workstream {}; cell read: '
            "<code>{}</code></span>",
            m.ref or "(no ref)",
            Truncator(m.title).chars(140),
            m.workstream.number,
            m.references_raw,
        )

    def render_token(self, record: tuple[UnresolvedReference, Any]) -> SafeString:
        row = record[0]
        return format_html('{}<br><span class="govuk-body-s">{}</span>', _token(row), row.message)

    def render_choose(self, record: tuple[UnresolvedReference, ReferenceResolveForm]) -> str:
        row, form = record
        if self.can_edit:
            return render_to_string(
                "programmes/import/includes/reference_resolve_form.html",
                {"row": row, "form": form},
                request=self.request,
            )
        return " or ".join(c.code for c in row.candidates.all()) or "No known code"


class ResolvedReferenceTable(CaptionedTable):
    """The cross-references someone has resolved: the code chosen, by whom and when."""

    caption = "Resolved"

    milestone = tables.Column(verbose_name="Milestone", empty_values=())
    token = tables.Column(verbose_name="As printed", empty_values=())
    code = tables.Column(verbose_name="Code", accessor="resolved_code__code")
    by = tables.Column(verbose_name="By", empty_values=())

    class Meta(CaptionedTable.Meta):
        attrs = {**GOVUK_TABLE_ATTRS, "id": "resolved"}

    def render_milestone(self, record: UnresolvedReference) -> SafeString:
        m = record.milestone
        return format_html(
            "<strong>{}</strong> {}", m.ref or "(no ref)", Truncator(m.title).chars(100)
        )

    def render_token(self, record: UnresolvedReference) -> SafeString:
        return _token(record)

    def render_by(self, record: UnresolvedReference) -> str:
        who = record.resolved_by
        name = (who.get_full_name() or who.username) if who else ""
        when = record.resolved_at
        return f"{name or 'Unknown'}, " + (
            date_filter(localtime(when), "j F Y H:i") if when else ""
        )
