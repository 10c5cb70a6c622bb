"""Forms for plan import and for resolving cross-references an import could not read."""

from collections.abc import Mapping
from datetime import date
from typing import Any, cast

from django import forms
from django.core.files.uploadedfile import UploadedFile

from integration.dates import today
from integration.uploads import upload_refusal
from programmes.models import FrameworkCode, Programme, UnresolvedReference
from programmes.plan_import import (
    ALLOWED_EXTENSIONS,
    MAX_FILE_BYTES,
    PlanFileError,
    plan_file_check,
)


class PlanImportUploadForm(forms.Form):
    """Upload a plan file: which programme, the file, and the date it was true."""

    programme = forms.ModelChoiceField(
        queryset=Programme.objects.order_by("name"),
        empty_label="Choose a programme",
        error_messages={"required": "Choose the programme the plan belongs to"},
    )
    file = forms.FileField(
        label="Plan file",
        help_text=(
            f"A CSV or Excel (.xlsx) file of up to {MAX_FILE_BYTES // 1024 // 1024} MB with the "
            "columns Workstream, Ref and Project milestone, and optionally Lead, Start Date, "
            "End Date, Status (G/A/R), Governance and CQC Cross reference key."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ALLOWED_EXTENSIONS)}),
        error_messages={
            "required": "Choose a plan file to upload",
            "empty": "The file is empty",
        },
    )
    as_of = forms.DateField(
        label="Date the file was true",
        help_text=(
            "The date its statuses and dates describe, for example the date of the board paper "
            "it came from. Write it as day/month/year, for example 06/09/2018."
        ),
        input_formats=["%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d %B %Y", "%d %b %Y"],
        widget=forms.DateInput(format="%d/%m/%Y"),
        error_messages={
            "required": "Enter the date the file was true",
            "invalid": "Enter the date as day/month/year, for example 06/09/2018",
        },
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.content = b""  # the file's bytes, once it is valid
        if not self.is_bound and "as_of" not in self.initial:
            self.initial["as_of"] = today()

    def clean_as_of(self) -> date:
        value = self.cleaned_data["as_of"]
        if value > today():
            raise forms.ValidationError("The date the file was true cannot be in the future")
        return value

    def clean_file(self) -> UploadedFile:
        upload = self.cleaned_data["file"]
        if refusal := upload_refusal(upload):
            raise forms.ValidationError(refusal)
        content = upload.read()
        try:
            plan_file_check(file_name=upload.name, content=content)
        except PlanFileError as exc:
            raise forms.ValidationError(str(exc)) from None
        self.content = content
        return upload


OTHER = "other"


class ReferenceResolveForm(forms.Form):
    """Choose the code an unresolved token stands for: a candidate, or any code of its framework.

    One form per token, posted on its own, so resolving is one step and needs no JavaScript.
    """

    choice = forms.ChoiceField(
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the code this reference stands for"},
    )
    other_code = forms.ModelChoiceField(
        queryset=FrameworkCode.objects.none(),
        required=False,
        label="Another code",
        empty_label="Choose a code",
    )

    def __init__(
        self, data: Mapping[str, Any] | None = None, *, unresolved: UnresolvedReference
    ) -> None:
        super().__init__(data, prefix=f"u{unresolved.pk}")
        self.unresolved = unresolved
        codes = list(unresolved.framework.codes.all())
        candidates = list(unresolved.candidates.all())
        choice = cast(forms.ChoiceField, self.fields["choice"])
        choice.choices = [
            *((str(c.pk), c.code) for c in candidates),
            (OTHER, "Another code" if candidates else "Choose a code"),
        ]
        where = unresolved.milestone.ref or "this milestone"
        choice.label = f"Code for “{unresolved.raw_token}” on {where}"
        other_code = cast(forms.ModelChoiceField, self.fields["other_code"])
        other_code.label = (
            f"Another code of {unresolved.framework.name} (choose “Another code” above)"
        )
        other_code.queryset = FrameworkCode.objects.filter(framework_id=unresolved.framework_id)
        other_code.choices = [("", "Choose a code")] + [
            (c.pk, f"{c.code}{' – ' + c.title if c.title else ''}") for c in codes
        ]
        if not candidates:
            choice.initial = OTHER
        self.candidate_ids = {str(c.pk) for c in candidates}

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        choice = cleaned.get("choice")
        if choice == OTHER:
            if not cleaned.get("other_code"):
                self.add_error("other_code", "Choose the code from the list")
            else:
                cleaned["code"] = cleaned["other_code"]
        elif choice in self.candidate_ids:
            cleaned["code"] = FrameworkCode.objects.get(pk=choice)
        return cleaned
