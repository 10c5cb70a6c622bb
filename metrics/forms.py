"""Forms of the activity upload: the file, the column mapping, and profile import."""

from __future__ import annotations

import re
from contextlib import suppress
from datetime import date
from pathlib import PurePath
from typing import Any, cast

from django import forms
from django.conf import settings

from integration.uploads import upload_refusal
from metrics.ingest import KINDS, ROLES, Profile, ProfileError, profile_from_json
from metrics.ingest.mapping import MEASURE, SKIP, MappingAnswers, profile_from_answers
from metrics.models import Area, MappingProfile, Metric
from metrics.periods import PeriodError, fy_label, parse_financial_year

# The browser upload takes files up to this size; the command line takes any size.
UPLOAD_MAX_BYTES = getattr(settings, "METRICS_UPLOAD_MAX_BYTES", settings.UPLOAD_MAX_BYTES)
PROFILE_MAX_BYTES = 256 * 1024
EXTENSIONS = (".csv", ".txt", ".tsv", ".xlsx", ".xlsm")
LABELS_SHOWN = 40  # distinct row labels offered for mapping on the page

ROLE_LABELS = {
    "": "Not used",
    "area_code": "Area code",
    "area_name": "Area name",
    "period": "Period (a date, month, quarter or year)",
    "financial_year": "Financial year",
    "month_name": "Month name",
    "metric": "Metric (code or name)",
    "kind": "Kind (actual, plan, baseline, target)",
    "value": "Value",
    "numerator": "Numerator",
    "denominator": "Denominator",
    "status": "Status",
    "note": "Note",
    "month": "A month or period (wide file: one column per month)",
    "total": "A total (checked against the months, never stored)",
}


def _size(size: int) -> str:
    return f"{size / 1024 / 1024:,.0f} MB" if size >= 1024 * 1024 else f"{size / 1024:,.0f} KB"


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Activity file",
        help_text="CSV or Excel (.xlsx). Title or notes rows above the header are fine.",
        error_messages={
            "required": "Select an activity file",
            "empty": "The selected file is empty",
        },
    )
    profile = forms.ModelChoiceField(
        queryset=MappingProfile.objects.order_by("name"),
        required=False,
        empty_label="None: work out the columns from the header",
        label="Saved mapping profile (optional)",
        help_text="Choose the profile for this source so the file maps itself.",
    )

    clear_empty_notes = forms.BooleanField(
        required=False,
        label="Clear notes the file leaves empty",
        help_text="Otherwise a value with no note in the file keeps the note already stored.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if refusal := upload_refusal(upload):
            raise forms.ValidationError(refusal)
        name = upload.name or "file"
        suffix = PurePath(name).suffix.lower()
        if suffix == ".xls":
            raise forms.ValidationError(
                "The selected file is an old-style Excel (.xls) file: save it as .xlsx or CSV"
            )
        if suffix not in EXTENSIONS:
            raise forms.ValidationError("The selected file must be a CSV or Excel (.xlsx) file")
        if upload.size > UPLOAD_MAX_BYTES:
            raise forms.ValidationError(
                f"The selected file is {_size(upload.size)}; the browser upload takes files up "
                f"to {_size(UPLOAD_MAX_BYTES)}. Use the import_activity command for larger files"
            )
        if upload.size == 0:
            raise forms.ValidationError("The selected file is empty")
        return upload

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ",".join(EXTENSIONS)


class CheckForm(forms.Form):
    """Check a waiting upload again against the values stored now."""

    clear_empty_notes = UploadForm.base_fields["clear_empty_notes"]


class RevertForm(forms.Form):
    reason = forms.CharField(
        label="Why is this upload being reverted?",
        max_length=500,
        help_text="For example: the provider sent the wrong month; recorded with the revert.",
        error_messages={"required": "Say why the upload is being reverted"},
    )


class ProfileImportForm(forms.Form):
    file = forms.FileField(
        label="Profile file (JSON)",
        help_text="A profile exported from this service, or written by hand (see the README).",
        error_messages={"required": "Select a profile file", "empty": "The selected file is empty"},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = ".json"

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > PROFILE_MAX_BYTES:
            raise forms.ValidationError("The selected file is too large to be a profile")
        try:
            text = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError("The selected file is not a text (JSON) file") from None
        try:
            self.definition = profile_from_json(text)
        except ProfileError as exc:
            raise forms.ValidationError(f"The profile cannot be used: {exc}") from None
        return upload


class MappingForm(forms.Form):
    """One role per column of the file, defaults for what the file does not say, and what its
    row labels mean; saved optionally as a named profile."""

    default_area = forms.CharField(
        label="Area for every row",
        required=False,
        help_text="When the file has no area column: the area's ONS code, e.g. E08000031.",
        max_length=12,
    )
    default_metric = forms.ChoiceField(
        label="Metric for every row",
        required=False,
        help_text="When the file has no metric column.",
    )
    default_kind = forms.ChoiceField(
        label="Kind of every value unless a column or label says otherwise",
        choices=[(k, k.capitalize()) for k in KINDS],
    )
    financial_year = forms.CharField(
        label="Financial year of bare month columns (Apr … Mar)",
        required=False,
        help_text="For example 2017/18.",
        max_length=10,
    )
    save_as = forms.CharField(
        label="Save this mapping as a profile named (optional)",
        required=False,
        max_length=100,
        help_text="Next month's file from the same source then maps itself.",
    )
    source = forms.CharField(
        label="Source of these files (optional)", required=False, max_length=300
    )

    def __init__(
        self,
        *args,
        header: list[str],
        profile: Profile,
        mapping: dict,
        labels: list[str],
        examples: dict[str, list[str]] | None = None,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.header = header
        self.examples = examples or {}
        self.profile = profile
        self.labels = labels[:LABELS_SHOWN]
        metrics = list(Metric.objects.order_by("framework__starts", "position", "code"))
        metric_choices = [(m.code, f"{m.short_name} ({m.code})") for m in metrics]
        default_metric = cast(forms.ChoiceField, self.fields["default_metric"])
        default_metric.choices = [("", "None: from a column")] + metric_choices
        # A wide file with a column per measure: the column holds one metric's values.
        roles = list(ROLE_LABELS.items()) + [
            (f"{MEASURE}{m.code}", f"Values of {m.short_name} (one column per measure)")
            for m in metrics
        ]
        initial_roles = _initial_roles(header, mapping)
        self.column_fields = []
        for index, name in enumerate(header):
            field = f"column_{index}"
            self.fields[field] = forms.ChoiceField(
                label=f"Read column '{name}' as", choices=roles, required=False
            )
            self.initial.setdefault(field, initial_roles.get(name, ""))
            self.column_fields.append(field)
        self.label_fields = []
        label_choices = [("", "Work it out from the catalogue"), (SKIP, "Skip these rows")]
        kind_choices = [("", "The default kind")] + [(k, k.capitalize()) for k in KINDS]
        for index, text in enumerate(self.labels):
            metric_field, kind_field = f"label_{index}_metric", f"label_{index}_kind"
            self.fields[metric_field] = forms.ChoiceField(
                label=f"Metric for rows labelled '{text}'",
                choices=label_choices + metric_choices,
                required=False,
            )
            self.fields[kind_field] = forms.ChoiceField(
                label=f"Kind for rows labelled '{text}'", choices=kind_choices, required=False
            )
            if text in profile.metric_aliases:
                alias = profile.metric_aliases[text]
                self.initial.setdefault(metric_field, SKIP if alias is None else alias)
            self.initial.setdefault(kind_field, profile.kind_aliases.get(text, ""))
            self.label_fields.append((text, metric_field, kind_field))
        defaults = profile.defaults
        self.initial.setdefault("default_area", defaults.get("area_code", ""))
        self.initial.setdefault("default_metric", defaults.get("metric", ""))
        self.initial.setdefault("default_kind", defaults.get("kind", "actual"))
        self.initial.setdefault("financial_year", defaults.get("financial_year", ""))
        self.initial.setdefault("source", profile.source)

    # --- rendering helpers -------------------------------------------------------------------

    def column_rows(self) -> list[tuple[str, forms.BoundField, list[str]]]:
        return [
            (self.header[i], self[f], self.examples.get(self.header[i], []))
            for i, f in enumerate(self.column_fields)
        ]

    def label_rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [(text, self[m], self[k]) for text, m, k in self.label_fields]

    # --- validation --------------------------------------------------------------------------

    def clean_default_area(self) -> str:
        code = self.cleaned_data["default_area"].strip().upper()
        if code and not Area.objects.filter(code=code).exists():
            raise forms.ValidationError(f"'{code}' is not a known area code")
        return code

    def clean_financial_year(self) -> str:
        text = self.cleaned_data["financial_year"].strip()
        if not text:
            return ""
        try:
            return fy_label(int(text) if text.isdigit() else parse_financial_year(text))
        except (PeriodError, ValueError):
            raise forms.ValidationError(
                "Enter the financial year like 2017/18, or leave it empty"
            ) from None

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        chosen: dict[str, str] = {}
        for index, field in enumerate(self.column_fields):
            role = data.get(field) or ""
            if role in ROLES:
                if role in chosen:
                    self.add_error(
                        field,
                        f"'{self.header[index]}' and '{chosen[role]}' are both "
                        f"{ROLE_LABELS[role].lower()}: choose one",
                    )
                chosen[role] = self.header[index]
        return data

    def definition(self) -> Profile:
        """The profile the answers describe (`metrics.ingest.mapping` decides what they mean)."""
        data = self.cleaned_data
        answers = MappingAnswers(
            roles_by_column={
                self.header[i]: data.get(f) or "" for i, f in enumerate(self.column_fields)
            },
            default_kind=data["default_kind"],
            defaults={
                "area_code": data.get("default_area") or "",
                "metric": data.get("default_metric") or "",
                "financial_year": data.get("financial_year") or "",
            },
            labels=[
                (text, data.get(metric) or "", data.get(kind) or "")
                for text, metric, kind in self.label_fields
            ],
            name=data.get("save_as") or "",
            source=data.get("source") or "",
        )
        return profile_from_answers(answers, old=self.profile)


def _initial_roles(header: list[str], mapping: dict) -> dict[str, str]:
    roles = {column: role for role, column in (mapping.get("roles") or {}).items()}
    for column in mapping.get("periods") or {}:
        roles[column] = "month"
    for column, (metric, _kind) in (mapping.get("measures") or {}).items():
        roles[column] = f"{MEASURE}{metric}"
    for column in mapping.get("totals") or []:
        roles[column] = "total"
    return {h: roles.get(h, "") for h in header}


# --- the metric pages' GET forms: dashboard, metric page, comparison -----------------------
#
# Their selects offer what the page has data for, so the view builds the page for the query
# first and passes its choices in. A value the page cannot show is refused with a message
# naming what it can, and the select then shows the page's own choice (the field's initial).

_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


class PageChoiceField(forms.ChoiceField):
    """A select of a page's GET form, offering what the page has data for. With no choices
    (a page without data) any well-formed value passes: the page says there is nothing."""

    def validate(self, value: Any) -> None:
        forms.Field.validate(self, value)
        if value not in self.empty_values and self.choices and not self.valid_value(value):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params=self.choice_params(value),
            )

    def choice_params(self, value: Any) -> dict[str, str]:
        """What a refusal message may name (`%(value)s`, and more in subclasses)."""
        return {"value": str(value)}

    def bound_data(self, data: Any, initial: Any) -> Any:
        """The value the select shows: the one asked for when the page shows it, else the
        page's own choice (a refused or missing value shows what the page fell back to)."""
        try:
            value = self.to_python(data)
        except forms.ValidationError:
            return initial
        return value if value not in self.empty_values and self.valid_value(value) else initial


class AreaField(PageChoiceField):
    """An area by its ONS code, matched without regard to case (as `selectors.area_get`)."""

    default_error_messages = {
        "invalid_choice": "No area has the code “%(value)s”. Choose an area from the list",
    }

    def to_python(self, value: Any) -> str:
        return super().to_python(value).strip().upper()


class FinancialYearField(PageChoiceField):
    """A financial year as its start year ('2017') or its label ('2017/18'), one of the
    years the page has data for (choices: (start year, label), newest first)."""

    default_error_messages = {
        "invalid_choice": "There is no data for %(value)s. Choose a year with data: %(years)s",
    }

    def to_python(self, value: Any) -> int | None:
        text = super().to_python(value).strip()
        if not text:
            return None
        if text.isdigit() and len(text) == 4:
            year = int(text)
        else:
            try:
                year = parse_financial_year(text)
            except PeriodError:
                raise forms.ValidationError(
                    "Enter a financial year as its first year, like 2017 for 2017/18"
                ) from None
        if not 1990 <= year <= 2100:
            raise forms.ValidationError("Enter a financial year between 1990 and 2100")
        return year

    years: list[int] = []

    def offer(self, years: list[int]) -> None:
        """Offer the years a page has data for (newest first)."""
        self.years = list(years)
        self.choices = [(y, fy_label(y)) for y in years]

    def choice_params(self, value: Any) -> dict[str, str]:
        available = ", ".join(fy_label(y) for y in sorted(self.years))
        return {"value": fy_label(value), "years": available}

    @classmethod
    def requested(cls, text: str | None) -> int | None:
        """The year a query asks for, None when it asks for none or an ill-formed one (the
        form then says why): what the page is built for before the form checks it."""
        try:
            return cls(required=False).to_python(text)
        except forms.ValidationError:
            return None


class _YearForm(forms.Form):
    """A page's GET form with a financial year select offering `years` (newest first); the
    select shows the latest unless the query asks for another the page has."""

    year = FinancialYearField(required=False, label="Financial year")

    def __init__(self, *args: Any, years: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.year_field.offer(years)
        self.initial.setdefault("year", years[0] if years else None)

    @property
    def year_field(self) -> FinancialYearField:
        return cast(FinancialYearField, self.fields["year"])


class MetricPageForm(_YearForm):
    # Anything but "spc" shows plan and actuals: a link, not something a user types.
    view = forms.CharField(required=False)
    spc_from = forms.CharField(
        required=False,
        label="Recalculate the limits from",
        help_text="A month as year and month, for example 2017-04 (after a service change).",
    )

    def clean_spc_from(self) -> date | None:
        text = (self.cleaned_data.get("spc_from") or "").strip()
        if not text:
            return None
        match = _MONTH.match(text)
        if match:
            with suppress(ValueError):  # month 13, or year 0 off the calendar: the message below
                return date(int(match.group(1)), int(match.group(2)), 1)
        raise forms.ValidationError("Enter a month as year and month, like 2017-04")


class DashboardForm(_YearForm):
    """The dashboard's area (of `areas` with data, and `area`, the one shown) and year."""

    area = AreaField(required=False, label="Area")
    field_order = ["area", "year"]

    def __init__(self, *args: Any, areas: list[Area], area: Area | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offered = list(areas)
        if area is not None and area not in offered:
            offered.insert(0, area)
        field = cast(AreaField, self.fields["area"])
        field.choices = [(a.code, f"{a.name} ({a.code})") for a in offered]
        self.initial.setdefault("area", area.code if area else None)
        if area is not None:
            # '%' doubled: the message is a %-format string.
            name = area.name.replace("%", "%%")
            self.fields["year"].error_messages["invalid_choice"] = (
                f"{name} has no data for %(value)s. Choose a year with data: %(years)s"
            )


class ComparisonForm(_YearForm):
    # An unknown sort (a hand-edited link) falls back to sorting by area name.
    sort = forms.CharField(required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["year"].error_messages["invalid_choice"] = (
            "There are no actuals for %(value)s. Choose a year with data: %(years)s"
        )
