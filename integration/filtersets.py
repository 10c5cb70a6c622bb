"""django-filter FilterSets of the shared pages: the site-wide change log."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import django_filters
from django import forms
from django.contrib.auth.models import User
from django.db.models import Model, Q, QuerySet

from integration import audit
from integration.people import display_name


class ChangeLogFilterSet(django_filters.FilterSet):
    """Filters of the change log. Every historical table has the same `history_user` and
    `history_date` columns, so the same filters narrow each table (`narrow`); the object type
    and object id choose which tables and rows (`scopes`)."""

    user = django_filters.ModelChoiceFilter(
        label="Changed by",
        field_name="history_user",
        queryset=User.objects.order_by("first_name", "last_name", "username"),
        empty_label="Anyone",
    )
    object_type = django_filters.ChoiceFilter(
        label="Type of record", method="filter_nothing", empty_label="Any type"
    )
    object_id = django_filters.NumberFilter(
        label="Record number", method="filter_nothing", min_value=1, widget=forms.HiddenInput
    )
    date_from = django_filters.DateFilter(
        label="From (date)",
        field_name="history_date",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    date_to = django_filters.DateFilter(
        label="To (date)",
        field_name="history_date",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    class Meta:
        model = User  # not filtered itself: the filters narrow each historical table
        fields: list[str] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("queryset", User.objects.none())
        super().__init__(*args, **kwargs)
        self.form.fields["object_type"].choices = audit.model_choices()
        # People by the name every page shows, not their user name.
        self.form.fields["user"].label_from_instance = display_name

    def filter_nothing(self, queryset: QuerySet, name: str, value: object) -> QuerySet:
        """Chooses tables (see `scopes`), not rows of one table."""
        return queryset

    @property
    def active(self) -> bool:
        return self.is_bound and any(self.form.cleaned_data.values())

    def narrow(self, queryset: QuerySet) -> QuerySet:
        return self.filter_queryset(queryset)

    def scopes(self) -> list[audit.Scope]:
        data = self.form.cleaned_data
        models: Iterable[type[Model]] = audit.tracked_models()
        if data.get("object_type"):
            models = [m for m in models if audit.model_label(m) == data["object_type"]]
        object_id = data.get("object_id")
        if object_id and data.get("object_type"):
            return [audit.Scope(m, Q(**{m._meta.pk.attname: int(object_id)})) for m in models]
        return [audit.Scope(m) for m in models]
