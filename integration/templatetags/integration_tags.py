from django import template
from django.http import HttpRequest
from django.urls import reverse
from django.utils.safestring import SafeString

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
    side), "label-hidden" (the label for screen readers only)."""
    field.presentation = frozenset(options.split())
    return field.as_field_group()
