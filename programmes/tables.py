"""django-tables2 Tables for the plan pages, and the matching export columns."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

import django_tables2 as tables
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.utils.html import conditional_escape, escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.timezone import localtime

from integration.exports import Column
from integration.people import display_name
from integration.tables import GOVUK_TABLE_ATTRS, CaptionedTable, GovukTable
from integration.templatetags.integration_tags import govuk_tag
from programmes import rules
from programmes.choices import RATING_SEVERITY, Rating, rating_label, tag_colour
from programmes.models import Milestone, PlanImport, Programme, StatusUpdate
from programmes.templatetags.programme_tags import plan_date_text

if TYPE_CHECKING:
    from programmes.board_reports.worklist import (
        ProgrammeSummary,
        ProgrammeWorklist,
        WorklistItem,
    )
    from programmes.metric_links import LinkedMetric
    from programmes.selectors import WorkstreamRow

PLAN_ORDER = ("workstream__position", "workstream__number", "position", "id")


def reference_codes(milestone: Milestone) -> list[str]:
    rows = getattr(milestone, "reference_rows", None)
    if rows is None:
        rows = milestone.milestonereference_set.select_related("code")
    return [r.code.code for r in rows]


def unresolved_tokens(milestone: Milestone) -> list[str]:
    rows = getattr(milestone, "open_unresolved", None)
    if rows is None:
        rows = milestone.unresolved_references.filter(resolved_code__isnull=True)
    return [u.raw_token for u in rows]


def governance_text(milestone: Milestone) -> str:
    if milestone.governance_body is not None:
        return milestone.governance_body.acronym
    return milestone.governance_raw


def _tag(rating: str) -> str:
    return format_html(
        '<strong class="govuk-tag {}">{}</strong>', tag_colour(rating), rating_label(rating)
    )


class MilestoneTable(GovukTable):
    """The milestone list: one row per tracker row, with the status update action."""

    ref = tables.Column(
        verbose_name="Ref",
        empty_values=(),
        order_by=PLAN_ORDER,
        attrs={"td": {"class": "govuk-table__cell app-nowrap"}},
    )
    title = tables.Column(verbose_name="Milestone", linkify=False)
    workstream = tables.Column(
        verbose_name="Workstream", order_by=("workstream__position", "workstream__number")
    )
    leads = tables.Column(verbose_name="Leads", empty_values=(), orderable=False)
    start = tables.Column(
        verbose_name="Start",
        accessor="baseline_start",
        empty_values=(),
        order_by=("baseline_start", *PLAN_ORDER),
    )
    end = tables.Column(
        verbose_name="End",
        accessor="baseline_end",
        empty_values=(),
        order_by=("baseline_end", *PLAN_ORDER),
    )
    forecast_end = tables.Column(
        verbose_name="Forecast end", empty_values=(), order_by=("forecast_end", *PLAN_ORDER)
    )
    rating = tables.Column(verbose_name="Rating", empty_values=())
    governance = tables.Column(
        verbose_name="Governance",
        empty_values=(),
        order_by=("governance_body__acronym", "governance_raw", *PLAN_ORDER),
    )
    references = tables.Column(verbose_name="References", empty_values=(), orderable=False)
    completed = tables.Column(
        verbose_name="Completed",
        accessor="completed_on",
        empty_values=(),
        order_by=("completed_on", *PLAN_ORDER),
    )
    actions = tables.Column(verbose_name="Action", empty_values=(), orderable=False)

    class Meta(GovukTable.Meta):
        model = Milestone
        fields = ()
        # The results heading above the table ("25 milestones match these filters") names it.
        attrs = {**GOVUK_TABLE_ATTRS, "aria-labelledby": "results-heading"}
        sequence = (
            "ref",
            "title",
            "workstream",
            "leads",
            "start",
            "end",
            "forecast_end",
            "rating",
            "governance",
            "references",
            "completed",
            "actions",
        )
        row_attrs: dict[str, Any] = {
            "class": "govuk-table__row",
            "id": lambda record: f"milestone-row-{record.pk}",
        }
        empty_text = "No milestones match these filters."
        per_page = 50

    def __init__(
        self,
        *args: Any,
        programme: Programme,
        can_edit: bool = False,
        editable_ids: frozenset[int] | None = None,
        **kwargs: Any,
    ) -> None:
        self.programme = programme
        # None: every row may be updated; else only these (a contributor's milestones).
        self.editable_ids = editable_ids
        self._cell_plan: list[tuple[Callable[..., Any], str]] | None = None
        if not can_edit:
            kwargs["exclude"] = (*kwargs.get("exclude", ()), "actions")
        super().__init__(*args, **kwargs)

    def row_html(self, record: Milestone) -> SafeString:
        """One row's HTML: the markup django-tables2's row loop makes, from the same columns,
        attributes and `render_*` methods, without its per-cell template lookups and signature
        introspection. Kept because benchmarks/milestone_list.py (2,000 milestones, first page
        of 50 rows) measured the plain django-tables2 row loop 2-3 times slower (about 80 ms
        against 190-250 ms a page). The header, sorting and pagination stay django-tables2's;
        the `milestone_row` template filter calls this for the list and the htmx row swap."""
        if self._cell_plan is None:
            self._cell_plan = [
                (getattr(self, f"render_{c.name}"), c.attrs["td"].as_html()) for c in self.columns
            ]
        cells = "".join(
            f"<td {attrs}>{conditional_escape(render(record=record))}</td>"
            for render, attrs in self._cell_plan
        )
        # Every cell is escaped above.
        return mark_safe(  # noqa: S308  # nosec B308 B703
            f'<tr class="govuk-table__row" id="milestone-row-{record.pk}">{cells}</tr>'
        )

    def _milestone_url(self, record: Milestone) -> str:
        return reverse("programmes:milestone_detail", args=[self.programme.slug, record.pk])

    def render_ref(self, record: Milestone) -> str:
        return record.ref or "–"

    def render_title(self, record: Milestone) -> str:
        link = format_html(
            '<a class="govuk-link" href="{}">{}</a>', self._milestone_url(record), record.title
        )
        if record.parent is not None:
            parent = record.parent.ref or record.parent.title[:40]
            return format_html(
                '{}<br><span class="govuk-body-s govuk-!-margin-0">Sub-step of {}</span>',
                link,
                parent,
            )
        return link

    def render_workstream(self, record: Milestone) -> str:
        return f"{record.workstream.number}. {record.workstream.name}"

    def render_leads(self, record: Milestone) -> str:
        return rules.leads_text(record)

    def render_start(self, record: Milestone) -> str:
        return plan_date_text(record.baseline_start, record.baseline_start_precision)

    def render_end(self, record: Milestone) -> str:
        return plan_date_text(record.baseline_end, record.baseline_end_precision)

    def render_forecast_end(self, record: Milestone) -> str:
        return plan_date_text(record.forecast_end)

    def render_completed(self, record: Milestone) -> str:
        return plan_date_text(record.completed_on)

    def render_rating(self, record: Milestone) -> str:
        return _tag(record.rating)

    def order_rating(self, queryset: QuerySet, is_descending: bool):
        """Sort by severity (Red worst), not alphabetically by the stored value."""
        severity = Case(
            *[When(rating=r.value, then=Value(RATING_SEVERITY[r])) for r in Rating],
            default=Value(0),
            output_field=IntegerField(),
        )
        queryset = queryset.annotate(rating_severity=severity).order_by(
            ("-" if is_descending else "") + "rating_severity", *PLAN_ORDER
        )
        return queryset, True

    def render_governance(self, record: Milestone) -> str:
        return governance_text(record)

    def render_references(self, record: Milestone) -> str:
        codes = escape(", ".join(reference_codes(record)))
        unresolved = unresolved_tokens(record)
        if not unresolved:
            return codes
        flagged = " ".join(
            f'<strong class="govuk-tag govuk-tag--grey">{escape(t)} unresolved</strong>'
            for t in unresolved
        )
        # Both parts are escaped above.
        return mark_safe(f"{codes} {flagged}" if codes else flagged)  # noqa: S308  # nosec B308 B703

    def render_actions(self, record: Milestone) -> str:
        if self.editable_ids is not None and record.pk not in self.editable_ids:
            return ""
        url = reverse("programmes:status_update", args=[self.programme.slug, record.pk])
        # htmx swaps the row for the form; without JavaScript the link opens the full page.
        return format_html(
            '<a class="govuk-link" href="{}" hx-get="{}" hx-target="closest tr" '
            'hx-swap="outerHTML">'
            'Update status<span class="govuk-visually-hidden"> of {}</span></a>',
            url,
            url,
            record.ref or record.title[:60],
        )


def _plan_date(attr: str):
    return lambda m: plan_date_text(getattr(m, attr), getattr(m, f"{attr}_precision"))


MILESTONE_EXPORT_COLUMNS: tuple[Column, ...] = (
    Column("ref", lambda m: m.ref),
    Column("title", lambda m: m.title),
    Column("workstream", lambda m: f"{m.workstream.number}. {m.workstream.name}"),
    Column("leads", rules.leads_text),
    Column("start", _plan_date("baseline_start")),
    Column("end", _plan_date("baseline_end")),
    Column("forecast_end", lambda m: m.forecast_end),
    Column("rating", lambda m: rating_label(m.rating)),
    Column("governance", governance_text),
    Column("references", lambda m: ", ".join(reference_codes(m))),
    Column("completed", lambda m: m.completed_on),
    Column("unresolved_references", lambda m: ", ".join(unresolved_tokens(m))),
    Column("parent_ref", lambda m: m.parent.ref if m.parent_id else ""),
    Column("status_as_of", lambda m: m.status_as_of),
)


# --- the programme list, overview and milestone history ---------------------------------------

NUMERIC_COLUMN_ATTRS = {
    "th": {
        **cast(dict[str, Any], GOVUK_TABLE_ATTRS["th"]),
        "class": "govuk-table__header govuk-table__header--numeric",
    },
    "td": {"class": "govuk-table__cell govuk-table__cell--numeric"},
}
_HIDDEN_CAPTION = "govuk-table__caption govuk-table__caption--m govuk-visually-hidden"


def rating_counts_html(ratings: Any) -> SafeString:
    """Counts beside a tag naming each rating (never colour alone), the zero counts left out."""
    items = format_html_join(
        "", "<li>{} {}</li>", ((_tag(rc.rating), rc.count) for rc in ratings if rc.count)
    )
    return format_html('<ul class="govuk-list app-rating-list">{}</ul>', items)


class ProgrammeTable(CaptionedTable):
    """The programme list: each programme with its milestone count at each rating."""

    caption = "Programmes with the number of milestones at each rating"
    caption_class = _HIDDEN_CAPTION
    row_header = True

    class Meta(CaptionedTable.Meta):
        pass

    name = tables.Column(verbose_name="Programme", empty_values=())
    area = tables.Column(verbose_name="Area", empty_values=())
    reporting_date = tables.Column(verbose_name="Reporting date", empty_values=())
    milestone_total = tables.Column(verbose_name="Milestones", attrs=NUMERIC_COLUMN_ATTRS)
    ratings = tables.Column(verbose_name="Ratings", empty_values=())

    def render_name(self, record: Programme) -> SafeString:
        link = format_html(
            '<a class="govuk-link" href="{}">{}</a>',
            reverse("programmes:programme_detail", args=[record.slug]),
            record.name,
        )
        if record.is_demo:
            return format_html("{} {}", link, govuk_tag("Demo", "govuk-tag--grey"))
        return link

    def render_area(self, record: Programme) -> str:
        return record.area or "Not given"

    def render_reporting_date(self, record: Programme) -> str:
        return plan_date_text(record.reporting_date) if record.reporting_date else "Today"

    def render_ratings(self, record: Any) -> SafeString:
        return rating_counts_html(record.ratings)


def _people_or_text(people: Any, text: str) -> str:
    """Linked people's names, else the name as written (the workstream and history pages)."""
    return ", ".join(str(p) for p in people) or text


class WorkstreamMilestoneTable(CaptionedTable):
    """A workstream's milestones, in plan order, with their ratings."""

    caption_class = "govuk-table__caption govuk-visually-hidden"

    ref = tables.Column(verbose_name="Ref", empty_values=())
    title = tables.Column(verbose_name="Milestone", empty_values=())
    leads = tables.Column(verbose_name="Leads", empty_values=())
    end = tables.Column(
        verbose_name="End",
        empty_values=(),
        attrs={"td": {"class": "govuk-table__cell app-nowrap"}},
    )
    rating = tables.Column(verbose_name="Rating", empty_values=())

    class Meta(CaptionedTable.Meta):
        empty_text = "No milestones yet."

    def __init__(self, data: Any, *, programme: Programme, caption: str) -> None:
        self.programme = programme
        self.caption = caption
        super().__init__(data)

    def render_ref(self, record: Milestone) -> str:
        return record.ref or "–"

    def render_title(self, record: Milestone) -> SafeString:
        return format_html(
            '<a class="govuk-link" href="{}">{}</a>',
            reverse("programmes:milestone_detail", args=[self.programme.slug, record.pk]),
            record.title,
        )

    def render_leads(self, record: Milestone) -> str:
        return _people_or_text(record.leads.all(), record.lead_text)

    def render_end(self, record: Milestone) -> str:
        return plan_date_text(record.baseline_end, record.baseline_end_precision)

    def render_rating(self, record: Milestone) -> str:
        return _tag(record.rating)


class _RatingCountColumn(tables.Column):
    """How many of a workstream's milestones have the rating at `index` on the programme's scale."""

    def __init__(self, index: int, label: str) -> None:
        super().__init__(verbose_name=label, empty_values=(), attrs=NUMERIC_COLUMN_ATTRS)
        self.index = index

    def render(self, record: WorkstreamRow) -> int:
        return record.ratings[self.index].count


class WorkstreamOverviewTable(CaptionedTable):
    """The programme overview: a row per workstream with its SROs, a count per rating on the
    programme's scale (one column each), the worst rating, overdue and linked metrics."""

    caption_class = "govuk-table__caption govuk-visually-hidden"
    row_header = True

    workstream = tables.Column(verbose_name="Workstream", empty_values=())
    sros = tables.Column(verbose_name="SROs", empty_values=())
    worst = tables.Column(verbose_name="Worst rating", empty_values=())
    overdue = tables.Column(verbose_name="Overdue", empty_values=(), attrs=NUMERIC_COLUMN_ATTRS)
    total = tables.Column(verbose_name="Total", attrs=NUMERIC_COLUMN_ATTRS)
    metrics = tables.Column(
        verbose_name="Metrics it aims to move",
        empty_values=(),
        attrs={"td": {"class": "govuk-table__cell govuk-body-s"}},
    )

    class Meta(CaptionedTable.Meta):
        sequence = ("workstream", "sros", "...", "worst", "overdue", "total", "metrics")
        empty_text = "This programme has no workstreams yet."

    def __init__(
        self,
        rows: list[WorkstreamRow],
        *,
        programme: Programme,
        ratings: tuple[Rating, ...],
        linked_metrics: dict[int, list[LinkedMetric]],
        caption: str,
    ) -> None:
        self.programme = programme
        self.linked_metrics = linked_metrics
        self.caption = caption
        extra = [(f"rating_{i}", _RatingCountColumn(i, r.label)) for i, r in enumerate(ratings)]
        super().__init__(rows, extra_columns=extra)

    def render_workstream(self, record: WorkstreamRow) -> SafeString:
        ws = record.workstream
        return format_html(
            '<a class="govuk-link" href="{}">{}. {}</a>',
            reverse("programmes:workstream_detail", args=[self.programme.slug, ws.number]),
            ws.number,
            ws.name,
        )

    def render_sros(self, record: WorkstreamRow) -> str:
        return _people_or_text(record.sros, record.workstream.sro_text or "Not given")

    def render_worst(self, record: WorkstreamRow) -> str:
        return _tag(record.worst) if record.worst else "No milestones"

    def render_overdue(self, record: WorkstreamRow) -> str:
        if not record.overdue:
            return "0"
        url = reverse("programmes:milestone_list", args=[self.programme.slug])
        return format_html(
            '<a class="govuk-link" href="{}?workstream={}&amp;overdue=yes">{}'
            '<span class="govuk-visually-hidden"> overdue in {}</span></a>',
            url,
            record.workstream.pk,
            record.overdue,
            record.workstream.name,
        )

    def render_metrics(self, record: WorkstreamRow) -> str:
        items = self.linked_metrics.get(record.workstream.pk) or []
        if not items:
            return "None linked"
        return format_html_join(
            "",
            '<a class="govuk-link" href="{}">{}</a>: {}<br>',
            (
                (
                    reverse(
                        "metrics:metric_detail",
                        args=[item.link.area.code, item.link.metric.code],
                    ),
                    item.link.metric.short_name,
                    govuk_tag(item.status.label, item.status.tag_class),
                )
                for item in items
            ),
        )


def _text_or_dash(text: str) -> str:
    """Multi-line text as written (line breaks kept, escaped), or a dash when there is none."""
    return linebreaksbr(text, autoescape=True) or "–"


class StatusHistoryTable(CaptionedTable):
    """A milestone's status updates, newest first, with who recorded each and how."""

    caption = "Status updates, newest first"
    caption_class = "govuk-table__caption govuk-visually-hidden"

    as_of = tables.Column(verbose_name="As at", empty_values=())
    rating = tables.Column(verbose_name="Rating", empty_values=())
    narrative = tables.Column(verbose_name="Progress", empty_values=())
    cause = tables.Column(verbose_name="Cause", empty_values=())
    path_to_green = tables.Column(verbose_name="Path to green", empty_values=())
    forecast_end = tables.Column(verbose_name="Forecast end", empty_values=())
    recorded_by = tables.Column(verbose_name="Recorded by", empty_values=())

    class Meta(CaptionedTable.Meta):
        pass

    def render_as_of(self, record: StatusUpdate) -> str:
        return plan_date_text(record.as_of)

    def render_rating(self, record: StatusUpdate) -> str:
        if record.struck_at is not None:  # said in words, not by the strikethrough alone
            return format_html(
                '<del>{}</del><br><span class="govuk-body-s">{}</span>',
                _tag(record.rating),
                rules.struck_text(
                    record.struck_at, display_name(record.struck_by), record.struck_reason
                ),
            )
        if record.rating_raw:
            return format_html(
                '{}<br><span class="govuk-body-s">Imported as “{}”</span>',
                _tag(record.rating),
                record.rating_raw,
            )
        return _tag(record.rating)

    def render_narrative(self, record: StatusUpdate) -> str:
        return _text_or_dash(record.narrative)

    def render_cause(self, record: StatusUpdate) -> str:
        return _text_or_dash(record.cause)

    def render_path_to_green(self, record: StatusUpdate) -> str:
        return _text_or_dash(record.path_to_green)

    def render_forecast_end(self, record: StatusUpdate) -> str:
        when = plan_date_text(record.forecast_end) or "–"
        if record.forecast_reason:
            return format_html(
                '{}<br><span class="govuk-body-s">Why later: {}</span>',
                when,
                record.forecast_reason,
            )
        return when

    def render_recorded_by(self, record: StatusUpdate) -> str:
        return format_html(
            '{}<br><span class="govuk-body-s">{} · {}</span>',
            record.author_name or "Unknown",
            date_format(localtime(record.recorded_at), "j M Y, H:i"),
            record.get_source_display(),
        )


# --- the home page ------------------------------------------------------------------------------

WORKLIST_ROWS = 25  # the home page shows this many; the exception report has them all


class WorklistTable(CaptionedTable):
    """A programme manager's milestones due, overdue or stale in one programme (the first
    WORKLIST_ROWS), with a link to update each one's status."""

    caption_class = "govuk-table__caption govuk-visually-hidden"

    milestone = tables.Column(verbose_name="Milestone", empty_values=())
    leads = tables.Column(verbose_name="Leads", empty_values=())
    why = tables.Column(
        verbose_name="Why",
        empty_values=(),
        attrs={"td": {"class": "govuk-table__cell govuk-body-s"}},
    )
    action = tables.Column(
        # A fixed string of our own markup.
        verbose_name=mark_safe('<span class="govuk-visually-hidden">Action</span>'),  # nosec B308
        empty_values=(),
    )

    class Meta(CaptionedTable.Meta):
        pass

    def __init__(self, worklist: ProgrammeWorklist) -> None:
        self.programme = worklist.programme
        self.caption = f"Milestones needing attention in {worklist.programme.name}"
        super().__init__(worklist.items[:WORKLIST_ROWS])

    def render_milestone(self, record: WorklistItem) -> str:
        m = record.milestone
        html = format_html(
            '<strong>{}</strong> <a class="govuk-link" href="{}">{}</a>',
            m.ref or "(no ref)",
            reverse("programmes:milestone_detail", args=[self.programme.slug, m.pk]),
            Truncator(m.title).words(18),
        )
        if record.led_by_user:
            return format_html("{} {}", html, govuk_tag("You lead this", "govuk-tag--blue"))
        return html

    def render_leads(self, record: WorklistItem) -> str:
        return _people_or_text(record.milestone.leads.all(), record.milestone.lead_text)

    def render_why(self, record: WorklistItem) -> str:
        return "; ".join(record.labels)

    def render_action(self, record: WorklistItem) -> str:
        return format_html(
            '<a class="govuk-link" href="{}">Update status'
            '<span class="govuk-visually-hidden"> of {}</span></a>',
            reverse("programmes:status_update", args=[self.programme.slug, record.milestone.pk]),
            record.milestone.ref,
        )


class ProgrammeSummaryTable(CaptionedTable):
    """Each programme with how many of its milestones are exceptions, and why."""

    caption = "Programmes and their exceptions"
    caption_class = "govuk-table__caption govuk-visually-hidden"

    programme = tables.Column(verbose_name="Programme", empty_values=())
    as_of = tables.Column(verbose_name="Reports as at", empty_values=())
    exceptions = tables.Column(
        verbose_name="Milestones needing attention", empty_values=(), attrs=NUMERIC_COLUMN_ATTRS
    )
    of_which = tables.Column(
        verbose_name="Of which",
        empty_values=(),
        attrs={"td": {"class": "govuk-table__cell govuk-body-s"}},
    )

    class Meta(CaptionedTable.Meta):
        pass

    def render_programme(self, record: ProgrammeSummary) -> str:
        p = record.programme
        link = format_html(
            '<a class="govuk-link" href="{}">{}</a>',
            reverse("programmes:programme_detail", args=[p.slug]),
            p.name,
        )
        if p.is_demo:
            return format_html("{} {}", link, govuk_tag("Demo data", "govuk-tag--orange"))
        return link

    def render_as_of(self, record: ProgrammeSummary) -> str:
        return date_format(record.report.as_of, "j M Y")

    def render_exceptions(self, record: ProgrammeSummary) -> str:
        return format_html(
            '<a class="govuk-link" href="{}">{}'
            '<span class="govuk-visually-hidden"> exceptions in {}</span></a>',
            reverse("programmes:exception_report", args=[record.programme.slug]),
            len(record.report.rows),
            record.programme.name,
        )

    def render_of_which(self, record: ProgrammeSummary) -> str:
        return format_html_join(
            "", "{}: {}<br>", ((label, n) for label, n in record.report.summary if n)
        )


class PlanImportTable(CaptionedTable):
    """The plan-import page's recent imports: the file, its programme, date and state."""

    caption = "Recent imports"

    original_name = tables.Column(verbose_name="File")
    programme = tables.Column(verbose_name="Programme", accessor="programme__name")
    as_of = tables.Column(verbose_name="True as at")
    uploaded_at = tables.Column(verbose_name="Uploaded")
    state = tables.Column(verbose_name="State")

    class Meta(CaptionedTable.Meta):
        attrs = {**GOVUK_TABLE_ATTRS, "id": "recent-imports"}

    def render_original_name(self, value: str, record: PlanImport) -> str:
        return format_html(
            '<a class="govuk-link" href="{}">{}</a>',
            reverse("programmes:plan_import_detail", args=[record.pk]),
            value,
        )

    def render_as_of(self, value) -> str:
        return date_filter(value, "j M Y")

    def render_uploaded_at(self, value, record: PlanImport) -> str:
        who = display_name(record.uploaded_by)
        return date_filter(localtime(value), "j M Y H:i") + (f" by {who}" if who else "")

    def render_state(self, record: PlanImport) -> str:
        return record.get_state_display()
