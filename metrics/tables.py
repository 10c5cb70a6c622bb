"""django-tables2 Tables for the upload pages and the comparison of one metric across areas."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any, cast

import django_tables2 as tables
from django.template.defaultfilters import date as date_filter
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.html import format_html
from django.utils.timezone import localtime

from integration.people import display_name
from integration.tables import GOVUK_TABLE_ATTRS, ROW_HEADER, CaptionedTable, GovukTable
from metrics.choices import UploadState
from metrics.models import MappingProfile, Upload
from metrics.periods import Period

if TYPE_CHECKING:
    from django.forms import BoundField

    from metrics.pages import Comparison, Tile
    from metrics.selectors import AreaValue, Provenance


def state_tag(state: str) -> str:
    """An upload's state as a tag; the words and colour come from UploadState."""
    known = UploadState(state) if state in UploadState.values else None
    return format_html(
        '<strong class="govuk-tag {}">{}</strong>',
        known.tag_class if known else "govuk-tag--grey",
        known.short_label if known else state,
    )


class NumericColumn(tables.Column):
    attrs = {
        "th": {"class": "govuk-table__header govuk-table__header--numeric"},
        "td": {"class": "govuk-table__cell govuk-table__cell--numeric"},
    }

    def render(self, value) -> str:
        return f"{value:,}"


NEWER_TAG = format_html(
    '<strong class="govuk-tag govuk-tag--yellow">{}</strong>',
    "Newer data published since this preview",
)


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

    def __init__(self, *args: Any, newer: frozenset[int] = frozenset(), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.newer = newer  # waiting uploads a newer applied upload has overtaken

    def render_state(self, value: str, record: Upload) -> str:
        if record.pk in self.newer:
            return format_html("{} {}", state_tag(record.state), NEWER_TAG)
        return state_tag(record.state)

    def render_uploaded(self, value, record: Upload) -> str:
        return _when_and_who(value, record.uploaded_by)

    def render_applied(self, value, record: Upload) -> str:
        return _when_and_who(value, record.applied_by)


def _when_and_who(value, user) -> str:
    who = display_name(user)
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
        number = _number(value, record.get("new_status"))
        if record.get("note_only"):
            return f"{number} (note updated: “{record.get('new_note', '')}”)"
        return number


class ChangedSinceTable(ChangeTable):
    """Values stored for a waiting upload's keys that changed after its preview: the value
    the preview saw, the value now, and which upload wrote it, who and when."""

    old = tables.Column(verbose_name="Value when previewed", empty_values=())
    new = tables.Column(verbose_name="Value now", empty_values=())
    by = tables.Column(verbose_name="Changed by", accessor="by_file", empty_values=())

    def render_by(self, value: str, record: dict) -> str:
        when = record.get("by_when")
        stamp = f"{localtime(datetime.fromisoformat(when)):%d/%m/%Y %H:%M}" if when else ""
        who = f" by {record['by_who']}" if record.get("by_who") else ""
        action = record.get("by_action", "applied")
        return f"{value or 'another upload'} ({action} {stamp}{who})"


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


# --- comparison of one metric across areas --------------------------------------------------

_NUMERIC_TH = {
    **cast(dict[str, Any], GOVUK_TABLE_ATTRS["th"]),
    "class": "govuk-table__header govuk-table__header--numeric",
}
_NUMERIC_TD = {"class": "govuk-table__cell govuk-table__cell--numeric"}


def _data_value(record: AreaValue) -> Any:
    return "" if record.value is None else record.value


class ComparisonTable(GovukTable):
    """One metric's value in every area, sortable by area, code or value (`?sort=`). Areas
    without a value always go last, whichever way the value column is sorted."""

    area = tables.Column(verbose_name="Area", order_by=("area__name",))
    code = tables.Column(verbose_name="Code", accessor="area__code")
    value = tables.Column(
        verbose_name="Value",
        default="–",
        attrs={"th": _NUMERIC_TH, "td": {**_NUMERIC_TD, "data-value": _data_value}},
    )
    periods = tables.Column(
        verbose_name="Periods with actuals",
        orderable=False,
        attrs={"th": _NUMERIC_TH, "td": _NUMERIC_TD},
    )

    class Meta(GovukTable.Meta):
        attrs = {**GOVUK_TABLE_ATTRS, "id": "table-comparison"}
        order_by_field = "sort"
        template_name = "metrics/includes/comparison_table.html"

    def __init__(self, comparison: Comparison, sort: str = "") -> None:
        self.comparison = comparison
        known = sort.lstrip("-") in ("area", "code", "value")
        # An unknown sort (a hand-edited link) falls back to sorting by area name.
        super().__init__(list(comparison.rows), order_by=sort if known else "area")
        self.columns["value"].column.verbose_name = f"Value ({comparison.unit})"

    @GovukTable.order_by.setter
    def order_by(self, value: Any) -> None:
        GovukTable.order_by.fset(self, value)
        if any(o.bare == "value" for o in self.order_by):
            rows = self.data.data
            rows[:] = [r for r in rows if r.value is not None] + [
                r for r in rows if r.value is None
            ]

    @property
    def records(self) -> list[AreaValue]:
        """The rows in the table's order, for the page's context and its downloads."""
        return list(self.data.data)

    def render_area(self, record: AreaValue) -> str:
        url = reverse("metrics:metric_detail", args=[record.area.code, self.comparison.metric.code])
        return format_html(
            '<a class="govuk-link" href="{}?year={}">{}</a>',
            url,
            self.comparison.financial_year,
            record.area.name,
        )

    def render_value(self, value: float) -> str:
        return floatformat(value, "-2g")


# --- the metric page: where each value came from ---------------------------------------------


def _figure(value: float | None, none: str = "–") -> str:
    return none if value is None else floatformat(value, "-2g")


def _when(value, fmt: str = "j M Y H:i") -> str:
    return date_filter(localtime(value), fmt) if value else ""


class ProvenanceTable(CaptionedTable):
    """Where each value on the metric page came from: the upload, when, by whom, and earlier
    versions. Rows are `selectors.Provenance`."""

    caption = "Source of each value"
    caption_class = "govuk-table__caption govuk-visually-hidden"

    period = tables.Column(verbose_name="Period", accessor="period_label", attrs={"td": ROW_HEADER})
    kind = tables.Column(verbose_name="Kind", accessor="kind_label")
    value = tables.Column(
        verbose_name="Value",
        accessor="current__value",
        empty_values=(),
        attrs={"th": _NUMERIC_TH, "td": _NUMERIC_TD},
    )
    upload = tables.TemplateColumn(
        verbose_name="Upload",
        template_code=(
            '<a class="govuk-link" '
            "href=\"{% url 'metrics:upload_detail' record.current.upload_id %}\">"
            "{{ record.current.upload_name }}</a>{% if record.current.note %}<br>"
            '<span class="govuk-body-s">{{ record.current.note }}</span>{% endif %}'
        ),
    )
    uploaded = tables.Column(verbose_name="Uploaded", accessor="current__uploaded_at")
    history = tables.TemplateColumn(
        verbose_name="History",
        template_name="metrics/includes/provenance_history.html",
    )

    class Meta(CaptionedTable.Meta):
        attrs = {**GOVUK_TABLE_ATTRS, "class": "govuk-table govuk-table--small-text-until-tablet"}

    def render_kind(self, value: str, record: Provenance) -> str:
        status = record.current.status
        return value if status == "Reported" else f"{value} ({status.lower()})"

    def render_value(self, value: float | None) -> str:
        return _figure(value)

    def render_uploaded(self, value, record: Provenance) -> str:
        return f"{_when(value)} by {record.current.uploaded_by}"


# --- a chart's numbers: the metric page's monthly table and each small multiple's -------------


def _month(record: dict) -> str:
    return f"{record['month']:%Y-%m-%d}"


def _value_attr(key: str):
    def data_value(record: dict) -> Any:
        value = record.get(key)
        return "" if value is None else value

    return data_value


def _series_cell(key: str) -> dict[str, Any]:
    return {**_NUMERIC_TD, "data-col": key, "data-value": _value_attr(key)}


class _SeriesColumn(tables.Column):
    """A numeric column of the chart's numbers; "–" where there is none."""

    def __init__(self, verbose_name: str, key: str | None = None, **kwargs: Any) -> None:
        td = _series_cell(key) if key else _NUMERIC_TD
        super().__init__(
            verbose_name=verbose_name,
            empty_values=(),
            attrs={"th": _NUMERIC_TH, "td": td},
            **kwargs,
        )


def _none(what: str) -> str:
    return format_html('<span class="govuk-visually-hidden">no {}</span>–', what)


class SeriesTable(CaptionedTable):
    """The metric chart's text alternative: the same numbers the chart draws, a row a month,
    with the baseline column when there is one and a totals footer when the year is a sum.
    Rows are `pages._series_rows` dicts; each cell says its column and raw value in `data-`
    attributes, so tests and scripts can read the numbers back."""

    label = tables.Column(verbose_name="Month", attrs={"td": ROW_HEADER})
    plan = _SeriesColumn("Plan", "plan")
    actual = _SeriesColumn("Actual", "actual")
    variance = _SeriesColumn("Variance")
    variance_pct = _SeriesColumn("Variance %")
    cumulative_variance = _SeriesColumn("Cumulative variance")
    baseline = _SeriesColumn("Baseline", "baseline")

    footer_template = "metrics/includes/series_totals.html"

    class Meta(CaptionedTable.Meta):
        attrs = {**GOVUK_TABLE_ATTRS, "class": "govuk-table app-series-table"}
        row_attrs: dict[str, Any] = {"data-month": _month}

    def __init__(
        self,
        rows: list[dict],
        *,
        table_id: str,
        caption: str,
        baseline_name: str | None = None,
        totals: dict | None = None,
    ) -> None:
        super().__init__(
            rows,
            attrs={**self._meta.attrs, "id": table_id, "data-series-table": ""},
            exclude=() if baseline_name else ("baseline",),
        )
        self.caption = caption
        self.baseline_name = baseline_name
        self.totals = totals
        if baseline_name:
            self.columns["baseline"].column.verbose_name = baseline_name

    def render_plan(self, value: float | None) -> str:
        if value is None:
            return _none("plan")
        return _figure(value)

    def render_actual(self, value: float | None) -> str:
        if value is None:
            return _none("actual")
        return _figure(value)

    def render_variance(self, value: float | None) -> str:
        return _figure(value)

    def render_variance_pct(self, value: float | None) -> str:
        return "–" if value is None else f"{floatformat(value, '1')}%"

    def render_cumulative_variance(self, value: float | None) -> str:
        return _figure(value)

    def render_baseline(self, value: float | None) -> str:
        return _figure(value)


class TileTable(CaptionedTable):
    """A small multiple's text alternative: the chart's plan and actual a period a row, read
    back like SeriesTable's through `data-` attributes."""

    caption_class = "govuk-table__caption govuk-table__caption--s"

    label = tables.Column(verbose_name="Period", attrs={"td": ROW_HEADER})
    plan = _SeriesColumn("Plan", "plan")
    actual = _SeriesColumn("Actual", "actual")

    class Meta(CaptionedTable.Meta):
        attrs = {
            **GOVUK_TABLE_ATTRS,
            "class": "govuk-table govuk-table--small-text-until-tablet",
            "data-series-table": "",
        }
        row_attrs: dict[str, Any] = {"data-month": _month}

    def __init__(self, tile: Tile) -> None:
        super().__init__(tile.table, attrs={**self._meta.attrs, "id": f"{tile.chart_id}-table"})
        self.caption = f"{tile.metric.short_name}: plan and actual ({tile.unit})"

    def render_plan(self, value: float | None) -> str:
        return _figure(value)

    def render_actual(self, value: float | None) -> str:
        return _figure(value)


class _FigureColumn(tables.Column):
    """A numeric column: the figure to `precision` (floatformat), "–" where there is none."""

    def __init__(self, verbose_name: str, precision: str = "-2g", **kwargs: Any) -> None:
        self.precision = precision
        super().__init__(
            verbose_name=verbose_name,
            empty_values=(),
            attrs={"th": _NUMERIC_TH, "td": _NUMERIC_TD},
            **kwargs,
        )

    def render(self, value: float | None) -> str:
        return "–" if value is None else floatformat(value, self.precision)


class CumulativeTable(CaptionedTable):
    """The year-to-date chart's text alternative: cumulative plan and actual a month a row.
    Rows are `pages.MetricPage.cumulative_rows` dicts."""

    caption = "Cumulative actual and plan"
    caption_class = "govuk-table__caption govuk-table__caption--s"

    label = tables.Column(verbose_name="Month", attrs={"td": ROW_HEADER})
    plan = _FigureColumn("Cumulative plan")
    actual = _FigureColumn("Cumulative actual")

    class Meta(CaptionedTable.Meta):
        pass

    def __init__(self, rows: list[dict], *, table_id: str) -> None:
        super().__init__(rows, attrs={**self._meta.attrs, "id": table_id})


# --- the metric page's XmR view -------------------------------------------------------------


class SpcTable(CaptionedTable):
    """The XmR chart's figures: every month's value with its segment's mean and limits, and the
    special-cause rules it triggers. Rows are `pages._spc_rows` dicts."""

    caption = "XmR figures"

    label = tables.Column(verbose_name="Month", attrs={"td": ROW_HEADER})
    value = _FigureColumn("Value")
    mean = _FigureColumn("Mean", "1g")
    lower = _FigureColumn("Lower limit", "1g")
    upper = _FigureColumn("Upper limit", "1g")
    rules = tables.Column(verbose_name="Rules triggered", default="None")

    class Meta(CaptionedTable.Meta):
        attrs = {
            **GOVUK_TABLE_ATTRS,
            "class": "govuk-table govuk-table--small-text-until-tablet",
            "id": "table-spc",
        }


# --- the upload mapping page: a form laid out as tables --------------------------------------


class _SelectColumn(tables.TemplateColumn):
    """A cell holding one of the mapping form's selects (the row's bound field under the
    column's name), its label for screen readers only: the row header says what it is for."""

    def __init__(self, verbose_name: str) -> None:
        super().__init__(
            verbose_name=verbose_name,
            template_code='{% load integration_tags %}{{ value|field_group:"label-hidden flush" }}',
        )


class MappingColumnsTable(CaptionedTable):
    """Each column of an uploaded file: its first values and the select saying how it is read.
    Rows are `MappingForm.column_rows()`."""

    caption = "Columns"

    column = tables.Column(verbose_name="Column", attrs={"td": ROW_HEADER})
    examples = tables.TemplateColumn(
        verbose_name="First values",
        template_code=(
            "{% for e in value %}<code>{{ e|truncatechars:40 }}</code>"
            "{% if not forloop.last %} · {% endif %}"
            '{% empty %}<span class="govuk-hint govuk-!-margin-0">empty</span>{% endfor %}'
        ),
    )
    field = _SelectColumn("Read as")

    class Meta(CaptionedTable.Meta):
        attrs = {**GOVUK_TABLE_ATTRS, "id": "columns"}

    def __init__(self, rows: list[tuple[str, BoundField, list[str]]]) -> None:
        super().__init__(
            [
                {
                    "column": name,
                    "examples": examples,
                    "field": field,
                }
                for name, field, examples in rows
            ]
        )


class MappingLabelsTable(CaptionedTable):
    """Each row label in a file's metric column with the selects for its metric and kind.
    Rows are `MappingForm.label_rows()`."""

    caption = "Row labels in the metric column"

    text = tables.Column(verbose_name="Label in the file", attrs={"td": ROW_HEADER})
    metric = _SelectColumn("Metric")
    kind = _SelectColumn("Kind")

    class Meta(CaptionedTable.Meta):
        attrs = {**GOVUK_TABLE_ATTRS, "id": "labels"}

    def __init__(self, rows: list[tuple[str, BoundField, BoundField]]) -> None:
        super().__init__(
            [
                {
                    "text": text,
                    "metric": metric,
                    "kind": kind,
                }
                for text, metric, kind in rows
            ]
        )
