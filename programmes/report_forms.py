"""Query-string forms for the board reports: dates, governance body and workstreams."""

from datetime import date
from typing import Any, cast

from django import forms

from programmes.models import GovernanceBody, Programme, Workstream

DATE_HELP = "For example, 6 September 2018 is 2018-09-06 or 06/09/2018"
# Reports read history from these years: a date outside them is a typing slip, and year 1 or
# 9999 would run the month arithmetic off the calendar.
FIRST_YEAR, LAST_YEAR = 2000, 2100


class ReportDateField(forms.DateField):
    """A date a report is worked out for: a real date between 2000 and 2100."""

    def validate(self, value: date | None) -> None:
        super().validate(value)
        if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise forms.ValidationError(
                f"Enter a date between {FIRST_YEAR} and {LAST_YEAR}. {DATE_HELP}"
            )


class ExceptionReportForm(forms.Form):
    as_of = ReportDateField(
        required=False, label="As at", help_text=DATE_HELP, error_messages={"invalid": ""}
    )
    body = forms.ModelChoiceField(
        queryset=GovernanceBody.objects.none(),
        required=False,
        label="Governance body (and the bodies that report to it)",
        empty_label="All governance bodies",
    )
    workstream = forms.ModelMultipleChoiceField(
        queryset=Workstream.objects.none(),
        required=False,
        label="Workstreams (none ticked means all)",
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, programme: Programme, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["as_of"].error_messages["invalid"] = (
            f"Enter the 'as at' date as a real date. {DATE_HELP}"
        )
        body = cast(forms.ModelChoiceField, self.fields["body"])
        body.queryset = GovernanceBody.objects.order_by("acronym")
        workstream = cast(forms.ModelMultipleChoiceField, self.fields["workstream"])
        workstream.queryset = programme.workstreams.order_by("position")


class ChangesForm(forms.Form):
    since = ReportDateField(required=False, label="From", help_text=DATE_HELP)
    until = ReportDateField(required=False, label="To", help_text=DATE_HELP)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("since", "The 'from' date must be on or before the 'to' date")
        return data


class ReportingDateForm(forms.Form):
    reporting_date = ReportDateField(
        label="New reporting date",
        help_text="Reports are 'as at' this date by default. " + DATE_HELP,
        error_messages={
            "required": "Enter the new reporting date",
            "invalid": f"Enter the reporting date as a real date. {DATE_HELP}",
        },
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
