"""Forms for the plan pages: milestone create/edit and status updates (GOV.UK markup in
templates; the rules themselves live in `services`)."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from django import forms
from django.contrib.auth.models import User
from django.db.models import Q

from integration.people import display_name
from metrics.models import Area, Metric
from programmes import services
from programmes.choices import BaselineChange, DatePrecision, MembershipRole
from programmes.models import (
    FrameworkCode,
    GovernanceBody,
    Milestone,
    Person,
    Programme,
    Team,
    Workstream,
)
from programmes.plan_import.parsing import PlanDate, PlanParseError, parse_month_date
from programmes.selectors import programme_ratings
from programmes.templatetags.programme_tags import plan_date_text


def _choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


def _model_field(form: forms.Form, name: str) -> forms.ModelChoiceField[Any]:
    return cast(forms.ModelChoiceField, form.fields[name])


def _milestone_label(milestone: Milestone) -> str:
    return f"{milestone.ref} {milestone.title[:80]}".strip()


def _metric_label(metric: Metric) -> str:
    return f"{metric.short_name} ({metric.framework})"


DATE_HINT = "A day, such as 31/03/2019, or a month, such as Sept 2018"


class PlanDateField(forms.CharField):
    """A plan date typed as a day ("31/03/2019") or a month ("Sept 2018"), optionally
    "To be defined". Cleans to a PlanDate; an end date in a month means that month's last day.
    """

    def __init__(
        self, *, allow_undefined: bool = False, is_end: bool = False, **kwargs: Any
    ) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 100)
        super().__init__(**kwargs)
        self.allow_undefined = allow_undefined
        self.is_end = is_end

    def clean(self, value: Any) -> PlanDate:
        text = super().clean(value)
        try:
            parsed = parse_month_date(text)
        except PlanParseError as exc:
            raise forms.ValidationError(str(exc)) from None
        if parsed.precision == DatePrecision.UNDEFINED and not self.allow_undefined:
            raise forms.ValidationError(f"Enter {str(self.label).lower()} as a day or a month")
        if self.is_end and parsed.precision == DatePrecision.MONTH:
            return PlanDate(parsed.as_end(), parsed.precision, parsed.raw)
        return parsed


def plan_date_initial(value: date | None, precision: str, raw: str) -> str:
    """What the edit form shows: the text as typed or imported, else the date as read."""
    return raw or plan_date_text(value, precision)


class StatusUpdateForm(forms.Form):
    """A status update as a programme manager types it; as-of is today, set by the view."""

    rating = forms.ChoiceField(
        label="Rating",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select a rating",
            "invalid_choice": "Select a rating on this programme's scale",
        },
    )
    narrative = forms.CharField(
        label="Progress since the last update",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
    )
    cause = forms.CharField(
        label="Cause",
        help_text="Why the milestone is off track. Needed for Red, Amber/Red and Amber; "
        "not kept for Green or Complete.",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )
    path_to_green = forms.CharField(
        label="Path to green",
        help_text="The recovery actions, with owners and dates. "
        "Needed for Red, Amber/Red and Amber; not kept for Green or Complete.",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
    )
    forecast_end = PlanDateField(
        label="Forecast end date",
        help_text=f"When it will now finish. {DATE_HINT}.",
        is_end=True,
    )
    forecast_reason = forms.CharField(
        label="Reason for a late forecast",
        help_text="Needed when the forecast end is later than the baseline end.",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
    )

    def __init__(self, *args: Any, milestone: Milestone, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.milestone = milestone
        self.rating_choices = [(r.value, r.label) for r in programme_ratings(milestone.programme)]
        _choice_field(self, "rating").choices = self.rating_choices

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if self.errors.get("rating") or self.errors.get("forecast_end"):
            return data
        forecast: PlanDate | None = data.get("forecast_end")
        problems = services.status_validate(
            milestone=self.milestone,
            rating=data.get("rating", ""),
            cause=data.get("cause", ""),
            path_to_green=data.get("path_to_green", ""),
            forecast_end=forecast.value if forecast else None,
            forecast_reason=data.get("forecast_reason", ""),
        )
        for field_name, messages in problems.items():
            for message in messages:
                self.add_error(field_name if field_name in self.fields else None, message)
        return data

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        forecast: PlanDate | None = data.get("forecast_end")
        return {
            "rating": data["rating"],
            "narrative": data["narrative"],
            "cause": data["cause"],
            "path_to_green": data["path_to_green"],
            "forecast_end": forecast.value if forecast else None,
            "forecast_reason": data["forecast_reason"],
        }


class StatusStrikeForm(forms.Form):
    """Why an administrator strikes out a status update entered in error."""

    reason = forms.CharField(
        label="Why is this update being struck out?",
        help_text="For example: entered against the wrong milestone. The update stays in the "
        "history, struck through, with this reason, your name and today's date.",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        error_messages={"required": "Enter why this update is being struck out"},
    )


class MilestoneForm(forms.Form):
    """Create or edit a milestone. `version` detects a stale edit (someone saved in between)."""

    workstream: forms.ModelChoiceField[Workstream] = forms.ModelChoiceField(
        label="Workstream",
        queryset=None,
        empty_label="Choose a workstream",
        error_messages={
            "required": "Choose the workstream",
            "invalid_choice": "Choose a workstream of this programme",
        },  # noqa: E501
    )
    ref = forms.CharField(
        label="Reference",
        required=False,
        max_length=30,
        help_text="For example, 1.25. It need not be unique.",
    )  # noqa: E501
    title = forms.CharField(
        label="Milestone",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=5000,
        error_messages={"required": "Enter the milestone"},
    )
    sub_group = forms.CharField(label="Sub-group", required=False, max_length=300)
    parent: forms.ModelChoiceField[Milestone] = forms.ModelChoiceField(
        label="Sub-step of",
        queryset=None,
        required=False,
        empty_label="None (a milestone in its own right)",
    )
    lead_text = forms.CharField(
        label="Leads as written",
        required=False,
        max_length=300,
        help_text="As the plan prints them, for example SG/ Sara McClellan, or a team such as Public Health.",  # noqa: E501
    )
    leads: forms.ModelMultipleChoiceField[Person] = forms.ModelMultipleChoiceField(
        label="Lead people",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick the people or teams who lead it. People are added by an administrator.",
    )
    baseline_start = PlanDateField(label="Start date", help_text=f"{DATE_HINT}.")
    baseline_end = PlanDateField(
        label="End date",
        help_text=f"{DATE_HINT}, or To be defined.",
        allow_undefined=True,
        is_end=True,
    )
    governance_body: forms.ModelChoiceField[GovernanceBody] = forms.ModelChoiceField(
        label="Governance body", queryset=None, required=False, empty_label="None"
    )
    references: forms.ModelMultipleChoiceField[FrameworkCode] = forms.ModelMultipleChoiceField(
        label="Cross-references",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # Why: asked on edit only. The rules (dates need a reason) are `services.BaselineReason`.
    change_reason = forms.CharField(
        label="Why are you changing this? (optional)",
        help_text="For a new title, leads or governance body. It is kept in the milestone's "
        "history and shown in the changes report.",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    baseline_change = forms.ChoiceField(
        label="If you change the start or end date, why?",
        choices=[
            (BaselineChange.REBASELINE, "A re-baseline approved by a governance body"),
            (BaselineChange.CORRECTION, "A correction: the dates were entered wrongly"),
        ],
        required=False,
        widget=forms.RadioSelect,
    )
    approved_by: forms.ModelChoiceField[GovernanceBody] = forms.ModelChoiceField(
        label="Approved by",
        queryset=None,
        required=False,
        empty_label="Choose the governance body",
        help_text="For a re-baseline.",
    )
    approved_on = PlanDateField(
        label="Date approved (optional)", help_text="For example, 4/10/2018."
    )
    baseline_reason = forms.CharField(
        label="What was wrong, or more about the re-baseline",
        help_text="Needed for a correction.",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    # The fields that say why, not what: never compared on the stale-edit page.
    REASON_FIELDS = (
        "change_reason",
        "baseline_change",
        "approved_by",
        "approved_on",
        "baseline_reason",
    )

    def __init__(
        self,
        *args: Any,
        programme: Programme,
        milestone: Milestone | None = None,
        **kwargs: Any,
    ) -> None:
        if milestone is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(milestone)
        super().__init__(*args, **kwargs)
        self.programme = programme
        self.milestone = milestone
        _model_field(self, "workstream").queryset = programme.workstreams.order_by(
            "position", "number"
        )
        parents = (
            Milestone.objects.filter(programme=programme)
            .current()
            .order_by("workstream__position", "position", "id")
        )
        if milestone is not None:
            parents = parents.exclude(pk=milestone.pk)
        _model_field(self, "parent").queryset = parents
        # Setting label_from_instance on the field is Django's documented way to label choices;
        # the stubs type it as a method.
        _model_field(self, "parent").label_from_instance = _milestone_label  # type: ignore[method-assign,assignment]
        _model_field(self, "leads").queryset = Person.objects.order_by("initials", "name")
        _model_field(self, "governance_body").queryset = GovernanceBody.objects.order_by("acronym")
        _model_field(self, "approved_by").queryset = GovernanceBody.objects.order_by("acronym")
        _model_field(self, "references").queryset = FrameworkCode.objects.select_related(
            "framework"
        ).order_by("framework__position", "framework__name", "position", "code")

    @staticmethod
    def initial_for(milestone: Milestone) -> dict[str, Any]:
        return {
            "workstream": milestone.workstream_id,
            "ref": milestone.ref,
            "title": milestone.title,
            "sub_group": milestone.sub_group,
            "parent": milestone.parent_id,
            "lead_text": milestone.lead_text,
            "leads": [p.pk for p in milestone.leads.all()],
            "baseline_start": plan_date_initial(
                milestone.baseline_start,
                milestone.baseline_start_precision,
                milestone.baseline_start_raw,
            ),
            "baseline_end": plan_date_initial(
                milestone.baseline_end, milestone.baseline_end_precision, milestone.baseline_end_raw
            ),
            "governance_body": milestone.governance_body_id,
            "references": [r.code_id for r in milestone.milestonereference_set.all()],
            "version": milestone.version,
        }

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        start: PlanDate | None = data.get("baseline_start")
        end: PlanDate | None = data.get("baseline_end")
        if start and end and start.value and end.value and end.value < start.value:
            self.add_error("baseline_end", "The end date must be the same as or after the start")
        parent = data.get("parent")
        if parent is not None and self.milestone is not None:
            # A milestone cannot be a sub-step of its own sub-step.
            ancestor = parent
            while ancestor is not None:
                if ancestor.pk == self.milestone.pk:
                    self.add_error("parent", "A milestone cannot be a sub-step of its own sub-step")
                    break
                ancestor = ancestor.parent
        return data

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        values = {
            "workstream": data["workstream"],
            "ref": data["ref"].strip(),
            "title": data["title"].strip(),
            "sub_group": data["sub_group"].strip(),
            "parent": data["parent"],
            "lead_text": data["lead_text"].strip(),
            "governance_body": data["governance_body"],
        }
        for name in ("baseline_start", "baseline_end"):
            parsed: PlanDate = data[name]
            values[name] = parsed.value
            values[f"{name}_precision"] = parsed.precision
            values[f"{name}_raw"] = parsed.raw
        return {
            "values": values,
            "leads": list(data["leads"]),
            "references": list(data["references"]),
        }

    def reason_kwargs(self) -> dict[str, Any]:
        """Why the edit is made, for `services.milestone_update`."""
        data = self.cleaned_data
        approved_on: PlanDate | None = data.get("approved_on")
        baseline_reason = (
            services.BaselineReason(
                kind=data["baseline_change"],
                reason=data.get("baseline_reason", ""),
                approved_by=data.get("approved_by"),
                approved_on=approved_on.value if approved_on else None,
            )
            if data.get("baseline_change")
            else None
        )
        return {"change_reason": data.get("change_reason", ""), "baseline_reason": baseline_reason}

    def reference_groups(self) -> list[tuple[str, list[dict[str, Any]]]]:
        """Cross-reference checkboxes grouped by framework, for a fieldset per framework."""
        selected = {str(v) for v in (self["references"].value() or [])}
        groups: dict[str, list[dict[str, Any]]] = {}
        for code in _model_field(self, "references").queryset or ():
            groups.setdefault(code.framework.name, []).append(
                {"code": code, "checked": str(code.pk) in selected}
            )
        return list(groups.items())


class MetricLinkForm(forms.Form):
    """Link a workstream, or one of its milestones, to a metric in an area."""

    metric = forms.ModelChoiceField(
        queryset=Metric.objects.select_related("framework").order_by("framework", "position"),
        label="Metric",
        empty_label="Choose a metric",
        error_messages={"required": "Choose the metric this work aims to move"},
    )
    area = forms.ModelChoiceField(
        queryset=Area.objects.filter(Q(is_hwb=True) | Q(is_comparator=True)).order_by("name"),
        label="Area",
        empty_label="Choose an area",
        error_messages={"required": "Choose the area the metric is measured for"},
    )
    milestone = forms.ModelChoiceField(
        queryset=Milestone.objects.none(),
        required=False,
        label="Milestone (optional)",
        empty_label="The whole workstream",
    )
    note = forms.CharField(
        required=False,
        max_length=300,
        label="How does this work move the metric? (optional)",
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, workstream: Workstream, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        milestone = _model_field(self, "milestone")
        milestone.queryset = workstream.milestones.current().order_by("position")
        # As in MilestoneForm: Django's documented way to label choices, typed as a method.
        milestone.label_from_instance = _milestone_label  # type: ignore[method-assign,assignment]
        metric = _model_field(self, "metric")
        metric.label_from_instance = _metric_label  # type: ignore[method-assign,assignment]


# -- programme members ------------------------------------------------------------------------


def _user_label(user: User) -> str:
    return f"{display_name(user)} ({user.get_username()})"


class MembershipChangeForm(forms.Form):
    """A member's role and, for contributors, the workstreams they record status on."""

    role = forms.ChoiceField(
        choices=MembershipRole.choices,
        label="Role",
        widget=forms.RadioSelect,
        help_text=(
            "Managers change the whole plan and its members; contributors record status and "
            "forecasts on their workstreams' milestones and those they lead; viewers read."
        ),
        error_messages={"required": "Choose a role"},
    )
    workstreams = forms.ModelMultipleChoiceField(
        queryset=Workstream.objects.none(),
        required=False,
        label="Workstreams (contributors only)",
        widget=forms.CheckboxSelectMultiple,
    )
    reason = forms.CharField(
        required=False, max_length=300, label="Why (optional, kept in the history)"
    )

    def __init__(self, *args: Any, programme: Programme, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        workstreams = cast(forms.ModelMultipleChoiceField, self.fields["workstreams"])
        workstreams.queryset = programme.workstreams.order_by("position", "number")


class MembershipAddForm(MembershipChangeForm):
    """Add a person, or a whole partner organisation's team, to the programme."""

    user = forms.ModelChoiceField(
        queryset=User.objects.filter(is_active=True).order_by("username"),
        required=False,
        label="Person",
        empty_label="Choose a person",
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.select_related("organisation"),
        required=False,
        label="Or a team",
        empty_label="Choose a team",
    )
    field_order = ["user", "team", "role", "workstreams", "reason"]

    def __init__(self, *args: Any, programme: Programme, **kwargs: Any) -> None:
        super().__init__(*args, programme=programme, **kwargs)
        # Django's documented way to label choices, typed as a method.
        _model_field(self, "user").label_from_instance = _user_label  # type: ignore[method-assign,assignment]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if bool(data.get("user")) == bool(data.get("team")):
            self.add_error("user", "Choose a person or a team (one of them)")
        return data
