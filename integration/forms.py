from django import forms
from django.contrib.auth.forms import AuthenticationForm


def govuk_widgets(form: forms.Form) -> None:
    """GOV.UK classes on each widget, and its hint joined to it for screen readers."""
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(widget, forms.Select):
            css = "govuk-select"
        elif isinstance(widget, forms.FileInput):
            css = "govuk-file-upload"
        elif isinstance(widget, forms.Textarea):
            css = "govuk-textarea"
        else:
            css = "govuk-input"
        widget.attrs.setdefault("class", css)
        if field.help_text:
            widget.attrs.setdefault("aria-describedby", f"id_{form.add_prefix(name)}-hint")


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
