"""Template tags shared by every app: navigation, the one form field, and the GOV.UK components
written on many pages (tag, summary list row, downloads)."""

from typing import Any

from django import template
from django.http import HttpRequest
from django.template.base import FilterExpression, NodeList, Parser, Token
from django.template.context import Context
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from integration.exports import export_links
from integration.forms import GovukBoundField

register = template.Library()

# (label, URL name, is this section active for a resolved request?)
_SECTIONS = (
    ("Programmes", "programmes:programme_list", lambda ns, name: ns == "programmes"),
    ("Metrics", "metrics:dashboard", lambda ns, name: ns == "metrics" and "upload" not in name),
    ("Uploads", "metrics:upload_list", lambda ns, name: ns == "metrics" and "upload" in name),
)


@register.simple_tag
def nav_items(request: HttpRequest) -> list[dict]:
    """The main navigation, with the current section marked for aria-current."""
    match = getattr(request, "resolver_match", None)
    ns = match.namespace if match else ""
    name = (match.url_name or "") if match else ""
    return [
        {"label": label, "href": reverse(url_name), "active": is_active(ns, name)}
        for label, url_name, is_active in _SECTIONS
    ]


@register.filter
def css_string(value: object) -> str:
    """Text as the body of a CSS string (for @page running headers): no breaking out of it."""
    text = str(value)
    escaped = "".join(c if c.isalnum() or c in " ,.–-/()'" else f"\\{ord(c):06x}" for c in text)
    return escaped


@register.filter
def get_item(mapping: dict, key: object) -> object:
    """mapping[key] in a template (None when absent)."""
    return mapping.get(key)


@register.filter
def field_group(field: GovukBoundField, options: str) -> SafeString:
    """The one GOV.UK field group (as `{{ field.as_field_group }}`) with presentation options,
    space-separated: "width-N" (a fixed-width input), "inline" (radios or checkboxes side by
    side), "label-hidden" (the label for screen readers only), "flush" (no bottom margin: a
    field in a table cell)."""
    field.presentation = frozenset(options.split())
    return field.as_field_group()


@register.simple_tag(name="tag")
def govuk_tag(text: object, colour: str = "", **data: object) -> SafeString:
    """A GOV.UK tag. Its text says it all; the colour (a `govuk-tag--*` class) only reinforces it
    and is chosen by the vocabulary the text comes from (programmes.choices for ratings,
    metrics.status for on-track states), never here. `data` become data-* attributes.
    Python callers (tables) call this function for the same markup."""
    css = f"govuk-tag {colour}" if colour else "govuk-tag"
    attrs = format_html_join(
        "", ' data-{}="{}"', ((k.replace("_", "-"), v) for k, v in data.items())
    )
    return format_html('<strong class="{}"{}>{}</strong>', css, attrs, text)


@register.inclusion_tag("includes/downloads.html", takes_context=True)
def downloads(
    context: Context,
    what: str,
    *,
    lead: str = "Download this report",
    printable: bool = False,
    exports: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The "CSV or Excel" links of a list or report page, with the page's own filters and sort
    (integration.exports.export_links), and the print button of a printable report."""
    return {
        "what": what,
        "lead": lead,
        "printable": printable,
        "exports": exports or export_links(context["request"]),
    }


class SummaryRowNode(template.Node):
    def __init__(self, key: FilterExpression, attrs: dict[str, FilterExpression], body: NodeList):
        self.key, self.attrs, self.body = key, attrs, body

    def render(self, context: Context) -> str:
        attrs = format_html_join(
            "", ' {}="{}"', ((name, value.resolve(context)) for name, value in self.attrs.items())
        )
        return format_html(
            '<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">{}</dt>'
            '<dd class="govuk-summary-list__value"{}>{}</dd></div>',
            self.key.resolve(context),
            attrs,
            # The body is template output, escaped by the template engine as it rendered.
            SafeString(self.body.render(context)),  # nosec B703
        )


@register.tag
def summary_row(parser: Parser, token: Token) -> SummaryRowNode:
    """One row of a GOV.UK summary list:
    `{% summary_row "Key" [data_reference="england" ...] %}value{% endsummary_row %}`.
    Keyword arguments become attributes of the value cell (underscores as hyphens)."""
    key, *options = token.split_contents()[1:]
    attrs = {}
    for option in options:
        name, _, value = option.partition("=")
        attrs[name.replace("_", "-")] = parser.compile_filter(value)
    body = parser.parse(("endsummary_row",))
    parser.delete_first_token()
    return SummaryRowNode(parser.compile_filter(key), attrs, body)
