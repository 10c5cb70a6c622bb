"""django-tables2 Tables for the plan pages, and the matching export columns."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import django_tables2 as tables
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils.html import conditional_escape, escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime

from integration.exports import Column
from integration.people import display_name
from integration.tables import GOVUK_TABLE_ATTRS, CaptionedTable, GovukTable
from programmes import rules
from programmes.choices import RATING_SEVERITY, Rating, rating_label, tag_colour
from programmes.models import Milestone, PlanImport, Programme
from programmes.templatetags.programme_tags import plan_date_text

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
        self, *args: Any, programme: Programme, can_edit: bool = False, **kwargs: Any
    ) -> None:
        self.programme = programme
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
        return mark_safe(  # noqa: S308 - every cell is escaped above
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
        return mark_safe(f"{codes} {flagged}" if codes else flagged)  # noqa: S308 - escaped

    def render_actions(self, record: Milestone) -> str:
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
