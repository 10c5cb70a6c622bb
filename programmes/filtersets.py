"""django-filter FilterSets for the plan pages."""

from __future__ import annotations

from datetime import date

import django_filters
from django import forms
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import Exists, OuterRef, QuerySet

from programmes.models import (
    FrameworkCode,
    GovernanceBody,
    Milestone,
    MilestoneReference,
    Person,
    Programme,
)
from programmes.querysets import MilestoneQuerySet
from programmes.selectors import programme_ratings


class CodeChoiceField(django_filters.fields.ChoiceField):
    """A select of codes that also accepts a typed code ("?reference=aoi8") in a URL."""

    # Free text reaches the database, and PostgreSQL refuses NUL characters in strings.
    default_validators = [ProhibitNullCharactersValidator()]

    def valid_value(self, value) -> bool:
        return True


class CodeFilter(django_filters.ChoiceFilter):
    field_class = CodeChoiceField


class CheckboxFilter(django_filters.Filter):
    """A filter switched on by one checkbox. The box sends `yes`, as the "overdue only" links
    do; any value given switches it on (a checkbox's meaning), none leaves it off."""

    field_class = forms.BooleanField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", forms.CheckboxInput(attrs={"value": "yes"}))
        super().__init__(*args, **kwargs)


class MilestoneFilterSet(django_filters.FilterSet):
    """Filters of the milestone list and its exports.

    Choice lists are plain lists built once (one query each), so validating and rendering
    the form costs the same queries whatever the data.
    """

    q = django_filters.CharFilter(
        label="Search", method="filter_text", widget=forms.TextInput(attrs={"type": "search"})
    )
    workstream = django_filters.ChoiceFilter(
        label="Workstream", method="filter_workstream", empty_label="All workstreams"
    )
    rating = django_filters.MultipleChoiceFilter(
        label="Rating", method="filter_rating", widget=forms.CheckboxSelectMultiple
    )
    lead = django_filters.ChoiceFilter(label="Lead", method="filter_lead", empty_label="Any lead")
    governance = django_filters.ChoiceFilter(
        label="Governance body", method="filter_governance", empty_label="Any body"
    )
    reference = CodeFilter(
        label="Cross-reference", method="filter_reference", empty_label="Any cross-reference"
    )
    overdue = CheckboxFilter(label="Overdue only", method="filter_overdue")
    due_within = django_filters.NumberFilter(
        label="Due in the next (days)", method="filter_due_within", min_value=0, max_value=3650
    )

    class Meta:
        model = Milestone
        fields: list[str] = []

    def __init__(self, *args, programme: Programme, as_of: date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.programme = programme
        self.as_of = as_of
        f = self.form.fields
        f["workstream"].choices = [
            (str(pk), f"{number}. {name}")
            for pk, number, name in programme.workstreams.values_list("pk", "number", "name")
        ]
        f["rating"].choices = [(r.value, r.label) for r in programme_ratings(programme)]
        f["lead"].choices = [
            (str(p.pk), str(p))
            for p in Person.objects.filter(milestones_led__programme=programme)
            .distinct()
            .order_by("initials", "name")
        ]
        f["governance"].choices = [
            (str(b.pk), str(b))
            for b in GovernanceBody.objects.filter(milestones__programme=programme)
            .distinct()
            .order_by("acronym")
        ]
        f["reference"].choices = self._reference_choices()
        f["due_within"].widget.attrs.update({"inputmode": "numeric"})

    def _reference_choices(self) -> list:
        """Codes grouped by framework. The value is the code itself ("AOI8"), qualified by the
        framework's slug only where two frameworks share a code."""
        codes = list(
            FrameworkCode.objects.select_related("framework").order_by(
                "framework__position", "framework__name", "position", "code"
            )
        )
        seen: dict[str, int] = {}
        self._codes: dict[str, int] = {}
        for c in codes:
            seen[c.code.upper()] = seen.get(c.code.upper(), 0) + 1
        groups: dict[str, list] = {}
        for c in codes:
            key = c.code if seen[c.code.upper()] == 1 else f"{c.framework.slug}:{c.code}"
            self._codes[key.upper()] = c.pk
            label = f"{c.code} – {c.title}" if c.title else c.code
            groups.setdefault(c.framework.name, []).append((key, label))
        return list(groups.items())

    # Each filter is a method so that it can use the programme's reporting date and avoid
    # duplicate rows (Exists rather than joins).

    def filter_text(self, qs: MilestoneQuerySet, name: str, value: str) -> QuerySet:
        return qs.matching_text(value)

    def filter_workstream(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(workstream_id=value) if value else qs

    def filter_rating(self, qs: QuerySet, name: str, value: list[str]) -> QuerySet:
        return qs.filter(rating__in=value) if value else qs

    def filter_lead(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        if not value:
            return qs
        through = Milestone.leads.through.objects.filter(
            milestone_id=OuterRef("pk"), person_id=value
        )
        return qs.filter(Exists(through))

    def filter_governance(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        return qs.filter(governance_body_id=value) if value else qs

    def filter_reference(self, qs: QuerySet, name: str, value: str) -> QuerySet:
        """Exactly the milestones citing the code. A bare code shared by two frameworks
        matches either; an unknown code matches nothing (rather than being ignored)."""
        value = (value or "").strip()
        if not value:
            return qs
        code_id = self._codes.get(value.upper())
        if code_id is not None:
            refs = MilestoneReference.objects.filter(milestone_id=OuterRef("pk"), code_id=code_id)
        else:
            refs = MilestoneReference.objects.filter(
                milestone_id=OuterRef("pk"), code__code__iexact=value
            )
        return qs.filter(Exists(refs))

    def filter_overdue(self, qs: QuerySet, name: str, value: bool) -> QuerySet:
        if not value:
            return qs
        return qs.filter(pk__in=Milestone.objects.overdue(as_of=self.as_of).values("pk"))

    def filter_due_within(self, qs: QuerySet, name: str, value) -> QuerySet:
        if value is None:
            return qs
        due = Milestone.objects.due_within(as_of=self.as_of, days=int(value))
        return qs.filter(pk__in=due.values("pk"))

    @property
    def active(self) -> bool:
        """Whether any filter is applied, for the "Clear filters" link and the summary."""
        data = self.form.cleaned_data if self.form.is_valid() else {}
        return any(v not in (None, "", [], False) for v in data.values())
