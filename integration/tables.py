"""Shared django-tables2 pieces: GOV.UK table markup for every table in the product."""

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


class GovukTable(tables.Table):
    """Base for the product's tables: GOV.UK classes, sort state for assistive technology."""

    class Meta:
        attrs = GOVUK_TABLE_ATTRS
        row_attrs = {"class": "govuk-table__row"}
        template_name = "includes/table.html"
