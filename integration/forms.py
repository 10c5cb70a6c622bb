"""The one way a form field is drawn: GOV.UK markup through Django's form renderer.

`FORM_RENDERER` (settings) is `GovukFormRenderer`, so every form in the project, django-filter's
included, renders `{{ field.as_field_group }}` with `templates/django/forms/field.html` (label or
fieldset and legend, hint, error message, the field) and binds its fields as `GovukBoundField`,
which gives each widget its GOV.UK class, error modifier and the hint and error ids it is
described by. Forms declare fields and validation only; they do not style widgets.
"""

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.forms.renderers import TemplatesSetting
from django.forms.widgets import Input

from integration.roles import is_administrator

# Widget class -> (GOV.UK class, its error modifier). Checked in order: the first match wins, so
# subclasses come before their bases (CheckboxSelectMultiple is a RadioSelect, a clearable file
# input is a file input).
_WIDGET_CLASSES: tuple[tuple[type[forms.Widget], str, str], ...] = (
    (forms.CheckboxSelectMultiple, "govuk-checkboxes__input", ""),
    (forms.RadioSelect, "govuk-radios__input", ""),
    (forms.CheckboxInput, "govuk-checkboxes__input", ""),
    (forms.Select, "govuk-select", "govuk-select--error"),
    (forms.SelectMultiple, "govuk-select", "govuk-select--error"),
    (forms.FileInput, "govuk-file-upload", "govuk-file-upload--error"),
    (forms.Textarea, "govuk-textarea", "govuk-textarea--error"),
    (forms.HiddenInput, "", ""),
    (Input, "govuk-input", "govuk-input--error"),
)

# Presentation a template may ask of one field with the `field_group` filter
# (integration_tags): "width-N" sizes a text input for N characters (GOV.UK's fixed widths),
# "inline" puts radios or checkboxes side by side, "label-hidden" keeps the label for screen
# readers only (a table row labels the field on screen), "flush" drops the group's bottom margin
# (a field in a table cell).
FIXED_WIDTHS = (2, 3, 4, 5, 10, 20, 30)


def widget_classes(widget: forms.Widget, *, has_errors: bool) -> list[str]:
    """The GOV.UK classes of a widget, with the error modifier when its field has errors."""
    for widget_class, css, error_css in _WIDGET_CLASSES:
        if isinstance(widget, widget_class):
            return [c for c in (css, error_css if has_errors else "") if c]
    return []


class GovukBoundField(forms.BoundField):
    """A bound field whose widget carries the GOV.UK classes and the GOV.UK ids of its hint
    (`<id>-hint`) and error message (`<id>-error`) in aria-describedby."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.presentation: frozenset[str] = frozenset()

    @property
    def hint_id(self) -> str:
        return f"{self.auto_id}-hint"

    @property
    def error_id(self) -> str:
        return f"{self.auto_id}-error"

    @property
    def aria_describedby(self) -> str | None:
        if self.field.widget.attrs.get("aria-describedby") or not self.auto_id:
            return None
        ids = [self.hint_id] if self.help_text else []
        if self.errors:
            ids.append(self.error_id)
        return " ".join(ids) or None

    @property
    def inline(self) -> bool:
        return "inline" in self.presentation

    @property
    def label_hidden(self) -> bool:
        return "label-hidden" in self.presentation

    @property
    def flush(self) -> bool:
        return "flush" in self.presentation

    def width_class(self) -> str:
        for option in self.presentation:
            if option.startswith("width-") and int(option[6:]) in FIXED_WIDTHS:
                return f"govuk-input--{option}"
        return ""

    def build_widget_attrs(
        self, attrs: dict[str, Any], widget: forms.Widget | None = None
    ) -> dict[str, Any]:
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        classes = widget_classes(widget, has_errors=bool(self.errors))
        classes.append(self.width_class())
        # A class the form or template gives (e.g. govuk-!-width-one-half) is kept, after ours.
        for given in (widget.attrs.get("class", ""), attrs.get("class", "")):
            classes.extend(str(given).split())
        if css := " ".join(dict.fromkeys(c for c in classes if c)):
            attrs["class"] = css
        if self.inline and widget.use_fieldset:
            attrs["govuk_inline"] = True  # read by radio.html and checkbox_select.html only
        return attrs


class GovukFormRenderer(TemplatesSetting):
    """Django's renderer reading templates/ first, so the GOV.UK field and widget templates in
    templates/django/forms/ replace Django's own, and fields bind as `GovukBoundField`."""

    field_template_name = "django/forms/field.html"
    bound_field_class = GovukBoundField


class SignInForm(AuthenticationForm):
    """Django's sign-in form with messages in plain English for the GOV.UK error summary."""

    error_messages = {
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account has been switched off. Ask an administrator to restore it.",
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"


class AdminSignInForm(AdminAuthenticationForm):
    """The admin site's own sign-in page, open to the Administrator role like the admin itself
    (`integration.admin`), not only to Django's `is_staff` accounts."""

    error_messages = {
        **SignInForm.error_messages,
        "invalid_login": (
            "Enter a correct username and password for an administrator's account. "
            "Both are case-sensitive."
        ),
    }

    def confirm_login_allowed(self, user: User) -> None:
        # Active accounts only, as on the project's sign-in page; then the role, not is_staff.
        AuthenticationForm.confirm_login_allowed(self, user)
        if not is_administrator(user):
            raise ValidationError(self.error_messages["invalid_login"], code="invalid_login")
