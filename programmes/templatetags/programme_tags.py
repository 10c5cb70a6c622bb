"""Template helpers for plan pages: rating tags (text always shown) and plan dates."""

from datetime import date

from django import template

from programmes.choices import RATING_TAG_CLASSES, DatePrecision, Rating

register = template.Library()


def rating_label(value) -> str:
    try:
        return Rating(value).label
    except ValueError:
        return str(value or "")


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
def rating_tag(value) -> dict:
    """A GOV.UK tag showing the rating's name; the colour only reinforces the text."""
    try:
        rating = Rating(value)
    except ValueError:
        return {"label": rating_label(value), "css": "govuk-tag--grey"}
    return {"label": rating.label, "css": RATING_TAG_CLASSES[rating]}


@register.filter
def plan_date(value: date | None, precision: str = DatePrecision.DAY) -> str:
    return plan_date_text(value, precision)


@register.filter
def day_date(value: date | None) -> str:
    return plan_date_text(value, DatePrecision.DAY)


@register.filter
def milestone_row(table, record):
    """A milestone list row rendered by its table (see MilestoneTable.row_html)."""
    return table.row_html(record)
