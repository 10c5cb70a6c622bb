"""Shared django-tables2 pieces: GOV.UK table markup for every table in the product."""

from typing import Any

import django_tables2 as tables


def _aria_sort(bound_column) -> str | None:
    """aria-sort on sortable headers, so screen readers announce the current order."""
    if not bound_column.orderable:
        return None
    if bound_column.is_ordered:
        descending = bound_column.order_by_alias.is_descending
        return "descending" if descending else "ascending"
    return "none"


GOVUK_TABLE_ATTRS = {
    "class": "govuk-table",
    "thead": {"class": "govuk-table__head"},
    "tbody": {"class": "govuk-table__body"},
    "th": {"class": "govuk-table__header", "scope": "col", "aria-sort": _aria_sort},
    "td": {"class": "govuk-table__cell"},
}


# The most rows one page of a table shows, whatever `?per_page=` asks: one request's work is
# bounded (the exports give every row).
MAX_PER_PAGE = 500


class GovukTable(tables.Table):
    """Base for the product's tables: GOV.UK classes, sort state for assistive technology."""

    class Meta:
        attrs = GOVUK_TABLE_ATTRS
        row_attrs = {"class": "govuk-table__row"}
        template_name = "includes/table.html"

    def paginate(self, *args: Any, per_page: int | None = None, **kwargs: Any) -> None:
        """Pages of 1 to MAX_PER_PAGE rows: a typed `?per_page=-1` or a million is brought
        within them rather than failing or loading every row."""
        if per_page is not None:
            per_page = min(max(per_page, 1), MAX_PER_PAGE)
        super().paginate(*args, per_page=per_page, **kwargs)


# A column whose cells are row headers: includes/table_captioned.html renders them as <th>.
ROW_HEADER = {"class": "govuk-table__header", "scope": "row"}


class CaptionedTable(GovukTable):
    """A GOV.UK table with a caption, row headers (`ROW_HEADER` columns, or the first column when
    `row_header`) and, if set, a footer template. Rows are the ones the page has already
    fetched, in the page's order: no sorting. django-tables2 reads only a class's own Meta:
    each subclass declares `class Meta(CaptionedTable.Meta)`, or it gets none of these."""

    caption = ""
    caption_class = "govuk-table__caption govuk-table__caption--m"
    footer_template = ""
    # True: the first column is the row header, for tables whose first column is computed.
    row_header = False

    class Meta(GovukTable.Meta):
        orderable = False
        template_name = "includes/table_captioned.html"


class ChangeTable(GovukTable):
    """The audit trail: one row per change, newest first, each field old → new (the change log
    and every History tab). Rows are `integration.audit.ChangeEntry`, built page by page."""

    when = tables.TemplateColumn(
        template_code='<span class="govuk-body-s">{{ value|date:"j M Y H:i" }}</span>',
        verbose_name="When",
    )
    who = tables.Column(verbose_name="Who")
    what = tables.TemplateColumn(
        template_name="includes/history_what.html", verbose_name="What", accessor="object_label"
    )
    changes = tables.TemplateColumn(
        template_name="includes/history_changes.html", verbose_name="Change", accessor="action"
    )

    class Meta(GovukTable.Meta):
        orderable = False
        empty_text = "No changes have been recorded."
