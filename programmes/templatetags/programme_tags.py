"""Template helpers for plan pages: rating tags (text always shown) and plan dates."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django import template
from django.utils.safestring import SafeString

from programmes.choices import DatePrecision, rating_label, tag_colour

if TYPE_CHECKING:
    from programmes.models import Milestone
    from programmes.tables import MilestoneTable

register = template.Library()


def plan_date_text(value: date | None, precision: str = DatePrecision.DAY) -> str:
    """A plan date as people read it: "Sep 2018" for a month, "To be defined", "6 Sep 2018"."""
    if precision == DatePrecision.UNDEFINED:
        return "To be defined"
    if value is None:
        return ""
    if precision == DatePrecision.MONTH:
        return f"{value:%b %Y}"
    return f"{value.day} {value:%b %Y}"


@register.inclusion_tag("programmes/includes/rating_tag.html")
def rating_tag(value: str | None) -> dict[str, str]:
    """A GOV.UK tag showing the rating's name; the colour (`choices.tag_colour`) only
    reinforces the text."""
    return {"label": rating_label(value), "css": tag_colour(value or "")}


@register.filter
def plan_date(value: date | None, precision: str = DatePrecision.DAY) -> str:
    return plan_date_text(value, precision)


@register.filter
def day_date(value: date | None) -> str:
    return plan_date_text(value, DatePrecision.DAY)


@register.filter
def milestone_row(table: MilestoneTable, record: Milestone) -> SafeString:
    """A milestone list row rendered by its table (see MilestoneTable.row_html)."""
    return table.row_html(record)
