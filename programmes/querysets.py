"""Query shapes for programme plans, named for what the pages ask.

"Complete", "effective end", "overdue" and "due within" are rules of `programmes.rules`; the
methods here are the same rules written as SQL so lists can filter and count in the database.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce

from programmes.choices import Rating

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

OPEN_RATINGS = [rating.value for rating in Rating if rating != Rating.COMPLETE]


def open_q(prefix: str = "") -> Q:
    """Still in the plan and not complete (`rules.is_complete`), as a Q over `prefix` fields."""
    return Q(
        **{
            f"{prefix}removed_on__isnull": True,
            f"{prefix}completed_on__isnull": True,
            # A positive list, not a negation: inside an aggregate over a join a negated
            # condition would become a subquery.
            f"{prefix}rating__in": OPEN_RATINGS,
        }
    )


def overdue_q(as_of: date, prefix: str = "") -> Q:
    """Open, with an effective end (`rules.effective_end`: forecast, else baseline) before
    `as_of` (`rules.is_overdue`), as a Q that an aggregate's filter can use."""
    ends_before = Q(**{f"{prefix}forecast_end__lt": as_of}) | Q(
        **{f"{prefix}forecast_end__isnull": True, f"{prefix}baseline_end__lt": as_of}
    )
    return open_q(prefix) & ends_before


class MilestoneQuerySet(models.QuerySet):
    def visible_to(self, user: AbstractBaseUser | AnonymousUser) -> MilestoneQuerySet:
        """Every signed-in user reads every programme for now; per-programme rights come later."""
        return self if user.is_authenticated else self.none()

    def current(self) -> MilestoneQuerySet:
        """Milestones still in the plan (not removed)."""
        return self.filter(removed_on__isnull=True)

    def open(self) -> MilestoneQuerySet:
        """Current and not complete (`rules.is_complete`)."""
        return self.filter(open_q())

    def with_effective_end(self) -> MilestoneQuerySet:
        """Annotate `end`: the forecast end when there is one, else the baseline end
        (`rules.effective_end`)."""
        return self.annotate(end=Coalesce("forecast_end", "baseline_end"))

    def overdue(self, *, as_of: date) -> MilestoneQuerySet:
        """`rules.is_overdue` in SQL."""
        return self.open().with_effective_end().filter(end__lt=as_of)

    def due_within(self, *, as_of: date, days: int) -> MilestoneQuerySet:
        """`rules.is_due_within` in SQL."""
        return (
            self.open()
            .with_effective_end()
            .filter(end__gte=as_of, end__lte=as_of + timedelta(days=days))
        )

    def matching_text(self, text: str) -> MilestoneQuerySet:
        text = text.strip()
        if not text:
            return self
        return self.filter(
            Q(title__icontains=text) | Q(ref__iexact=text) | Q(lead_text__icontains=text)
        )


class StatusUpdateQuerySet(models.QuerySet):
    def standing(self) -> StatusUpdateQuerySet:
        """Updates not struck out as entered in error: the only ones reports and the
        milestone's current status read."""
        return self.filter(struck_at__isnull=True)
