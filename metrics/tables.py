"""django-tables2 Tables for the upload pages."""

from __future__ import annotations

from datetime import date

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.timezone import localtime

from integration.tables import GovukTable
from metrics.models import MappingProfile, Upload
from metrics.periods import Period

STATE_TAGS = {
    "validated": "govuk-tag--blue",
    "applied": "govuk-tag--green",
    "discarded": "govuk-tag--grey",
    "failed": "govuk-tag--red",
}
STATE_WORDS = {
    "validated": "Waiting to be applied",
    "applied": "Applied",
    "discarded": "Discarded",
    "failed": "Failed",
}


def state_tag(state: str) -> str:
    return format_html(
        '<strong class="govuk-tag {}">{}</strong>',
        STATE_TAGS.get(state, "govuk-tag--grey"),
        STATE_WORDS.get(state, state),
    )


def _person(user) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


class NumericColumn(tables.Column):
    attrs = {
        "th": {"class": "govuk-table__header govuk-table__header--numeric"},
        "td": {"class": "govuk-table__cell govuk-table__cell--numeric"},
    }

    def render(self, value) -> str:
        return f"{value:,}"


class UploadTable(GovukTable):
    """The uploads list: what each file was, its state, counts, and who did what when."""

    original_name = tables.Column(verbose_name="File")
    state = tables.Column(verbose_name="State")
    rows = NumericColumn(verbose_name="Rows")
    new_count = NumericColumn(verbose_name="New")
    changed_count = NumericColumn(verbose_name="Changed")
    unchanged_count = NumericColumn(verbose_name="Unchanged")
    uploaded = tables.Column(
        verbose_name="Uploaded", accessor="uploaded_at", order_by="uploaded_at"
    )
    applied = tables.Column(verbose_name="Applied", accessor="applied_at", order_by="applied_at")

    class Meta(GovukTable.Meta):
        model = Upload
        fields = ()
        sequence = (
            "original_name",
            "state",
            "rows",
            "new_count",
            "changed_count",
            "unchanged_count",
            "uploaded",
            "applied",
        )
        order_by = "-uploaded"
        empty_text = "No files have been uploaded yet."

    def render_original_name(self, value: str, record: Upload) -> str:
        link = format_html(
            '<a class="govuk-link" href="{}">{}</a>',
            reverse("metrics:upload_detail", args=[record.pk]),
            value,
        )
        if record.is_demo:
            return format_html('{} <strong class="govuk-tag govuk-tag--orange">Demo</strong>', link)
        return link

    def render_state(self, value: str, record: Upload) -> str:
        return state_tag(record.state)

    def render_uploaded(self, value, record: Upload) -> str:
        return _when_and_who(value, record.uploaded_by)

    def render_applied(self, value, record: Upload) -> str:
        return _when_and_who(value, record.applied_by)


def _when_and_who(value, user) -> str:
    who = _person(user)
    return f"{localtime(value):%d/%m/%Y %H:%M}" + (f" by {who}" if who else "")


class ChangeTable(GovukTable):
    """Values applying would change: old → new."""

    area = tables.Column(verbose_name="Area", accessor="area_name", empty_values=())
    metric = tables.Column(verbose_name="Metric")
    kind = tables.Column(verbose_name="Kind")
    period_start = tables.Column(verbose_name="Period")
    old = tables.Column(verbose_name="Old value", empty_values=())
    new = tables.Column(verbose_name="New value", empty_values=())

    class Meta(GovukTable.Meta):
        orderable = False

    def render_area(self, value: str, record: dict) -> str:
        return f"{value} ({record.get('area_code', '')})"

    def render_period_start(self, value: str, record: dict) -> str:
        try:
            return Period(record.get("period_kind", ""), date.fromisoformat(value)).label
        except ValueError:
            return f"{value} ({record.get('period_kind', '')})"

    def render_old(self, value, record: dict) -> str:
        return _number(value, record.get("old_status"))

    def render_new(self, value, record: dict) -> str:
        return _number(value, record.get("new_status"))


def _number(value, status: str | None) -> str:
    if value is None:
        return f"none ({status})" if status else "none"
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.6g}"
    return text if status in (None, "reported") else f"{text} ({status})"


LAYOUT_WORDS = {
    "long": "One value a row",
    "wide_months": "A column per month",
    "wide_measures": "A column per measure",
}


class ProfileTable(GovukTable):
    name = tables.Column(verbose_name="Profile")
    source = tables.Column(verbose_name="Source", default="")
    layout = tables.Column(verbose_name="Layout", accessor="definition__layout", default="")
    updated_at = tables.Column(verbose_name="Last changed")
    export = tables.Column(verbose_name="", empty_values=(), orderable=False)

    class Meta(GovukTable.Meta):
        model = MappingProfile
        fields = ()
        sequence = ("name", "source", "layout", "updated_at", "export")
        order_by = "name"
        empty_text = "No profiles have been saved yet."

    def render_layout(self, value: str) -> str:
        return LAYOUT_WORDS.get(value, value)

    def render_updated_at(self, value) -> str:
        return f"{localtime(value):%d/%m/%Y %H:%M}"

    def render_export(self, record: MappingProfile) -> str:
        return format_html(
            '<a class="govuk-link" href="{}">Download<span class="govuk-visually-hidden"> {} '
            "as JSON</span></a>",
            reverse("metrics:upload_profile_export", args=[record.pk]),
            record.name,
        )
