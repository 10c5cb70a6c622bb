"""Query shapes for programme plans, named for what the pages ask.

"Complete", "effective end", "overdue" and "due within" are rules of `programmes.rules`; the
methods here are the same rules written as SQL so lists can filter and count in the database.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Case, IntegerField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce

from integration.roles import is_administrator
from programmes.choices import MEMBERSHIP_STRENGTH, MembershipRole, Rating

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    Someone = User | AnonymousUser

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


# -- who sees and edits what: the SQL form of `programmes.permissions` ---------------------------


def _signed_in(user: Someone) -> bool:
    return bool(user.is_authenticated and user.is_active)


class MembershipQuerySet(models.QuerySet):
    def of_user(self, user: Someone) -> MembershipQuerySet:
        """The memberships that count for `user`: their own and their teams'."""
        if not _signed_in(user):
            return self.none()
        return self.filter(Q(user_id=user.pk) | Q(team__members=user.pk))

    def programme_ids(self, *roles: MembershipRole) -> models.QuerySet:
        """A subquery of programme ids, for `id__in=` filters."""
        chosen = self.filter(role__in=roles) if roles else self
        return chosen.values("programme_id")


def _memberships(qs: models.QuerySet) -> MembershipQuerySet:
    """The Membership manager, reached through the app registry (models import this module)."""
    return qs.model._meta.apps.get_model("programmes", "Membership").objects


class ProgrammeQuerySet(models.QuerySet):
    def visible_to(self, user: Someone) -> ProgrammeQuerySet:
        """Administrators read every programme; anyone else only those they are a member of
        (themselves or through a team). Everything else answers 404 and is never listed."""
        if is_administrator(user):
            return self
        return self.filter(id__in=_memberships(self).of_user(user).programme_ids())

    def with_member_role(self, user: Someone) -> ProgrammeQuerySet:
        """Annotate `member_role`: the strongest role `user` holds in each programme (their
        own or a team's), None when they hold none."""
        ranked = (
            _memberships(self)
            .of_user(user)
            .filter(programme_id=OuterRef("pk"))
            .annotate(
                strength=Case(
                    *(When(role=role, then=Value(n)) for role, n in MEMBERSHIP_STRENGTH.items()),
                    output_field=IntegerField(),
                )
            )
            .order_by("strength")
            .values("role")[:1]
        )
        return self.annotate(member_role=Subquery(ranked))

    def editable_by(self, user: Someone) -> ProgrammeQuerySet:
        """Programmes whose plan, settings and members `user` may change: managers'."""
        if is_administrator(user):
            return self
        mine = _memberships(self).of_user(user)
        return self.filter(id__in=mine.programme_ids(MembershipRole.MANAGER))


class MilestoneQuerySet(models.QuerySet):
    def visible_to(self, user: Someone) -> MilestoneQuerySet:
        """Milestones of the programmes `user` can see (`ProgrammeQuerySet.visible_to`)."""
        if is_administrator(user):
            return self
        return self.filter(programme_id__in=_memberships(self).of_user(user).programme_ids())

    def status_editable_by(self, user: Someone) -> MilestoneQuerySet:
        """Milestones whose status and forecast `user` may record: every milestone of a
        programme they manage; as a contributor, those of their assigned workstreams and
        those they lead (`Person.user`)."""
        if is_administrator(user):
            return self
        mine = _memberships(self).of_user(user)
        contributing = mine.filter(role=MembershipRole.CONTRIBUTOR)
        led = self.model._default_manager.filter(leads__user=user.pk).values("id")
        return self.filter(
            Q(programme_id__in=mine.programme_ids(MembershipRole.MANAGER))
            | Q(workstream_id__in=contributing.values("workstreams"))
            | Q(programme_id__in=contributing.programme_ids(), id__in=led)
        )

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
