"""Query shapes for programme plans, named for what the pages ask."""

from datetime import date, timedelta

from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce

from programmes.choices import Rating


class MilestoneQuerySet(models.QuerySet):
    def visible_to(self, user) -> "MilestoneQuerySet":
        """Every signed-in user reads every programme for now; per-programme rights come later."""
        return self if user.is_authenticated else self.none()

    def current(self) -> "MilestoneQuerySet":
        """Milestones still in the plan (not removed)."""
        return self.filter(removed_on__isnull=True)

    def open(self) -> "MilestoneQuerySet":
        return self.current().filter(completed_on__isnull=True).exclude(rating=Rating.COMPLETE)

    def with_effective_end(self) -> "MilestoneQuerySet":
        """Annotate `end`: the forecast end when there is one, else the baseline end."""
        return self.annotate(end=Coalesce("forecast_end", "baseline_end"))

    def overdue(self, *, on: date) -> "MilestoneQuerySet":
        return self.open().with_effective_end().filter(end__lt=on)

    def due_within(self, *, on: date, days: int) -> "MilestoneQuerySet":
        return (
            self.open().with_effective_end().filter(end__gte=on, end__lte=on + timedelta(days=days))
        )

    def matching_text(self, text: str) -> "MilestoneQuerySet":
        text = text.strip()
        if not text:
            return self
        return self.filter(
            Q(title__icontains=text) | Q(ref__iexact=text) | Q(lead_text__icontains=text)
        )
