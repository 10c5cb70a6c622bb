"""Every multi-step write to programme plans. Views and commands call these only."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from integration.dates import today
from integration.people import display_name
from metrics.models import Area, Metric
from programmes import rules
from programmes.choices import (
    RATINGS_NEEDING_RECOVERY,
    SCALE_RATINGS,
    BaselineChange,
    MembershipRole,
    Rating,
    RatingScale,
    StatusSource,
    rating_label,
)
from programmes.models import (
    BaselineRevision,
    FrameworkCode,
    GovernanceBody,
    Membership,
    MetricLink,
    Milestone,
    MilestoneReference,
    Person,
    Programme,
    StatusUpdate,
    Team,
    Workstream,
)


def _set_change_reason(obj: Model, reason: str, user: User | None = None) -> None:
    """The reason (and, outside a request, the user) simple-history writes on the next history
    rows of `obj`: its documented `_change_reason` and `_history_user` attributes, which the
    model classes do not declare."""
    obj._change_reason = reason  # type: ignore[attr-defined]
    if user is not None:
        obj._history_user = user  # type: ignore[attr-defined]


def status_validate(
    *,
    milestone: Milestone,
    rating: str,
    cause: str,
    path_to_green: str,
    forecast_end: date | None,
    forecast_reason: str,
) -> dict[str, list[str]]:
    """The rules every status update obeys, as field -> messages (empty when valid)."""
    errors: dict[str, list[str]] = {}
    allowed = SCALE_RATINGS[RatingScale(milestone.programme.rating_scale)]
    if rating not in allowed:
        labels = ", ".join(Rating(r).label for r in allowed)
        errors.setdefault("rating", []).append(
            f"{rating_label(rating) if rating in Rating.values else repr(rating)} is not on this "
            f"programme's scale. Choose one of: {labels}"
        )
    if rating in RATINGS_NEEDING_RECOVERY:
        label = Rating(rating).label
        if not cause.strip():
            errors.setdefault("cause", []).append(f"Enter the cause of the {label} rating")
        if not path_to_green.strip():
            errors.setdefault("path_to_green", []).append(
                f"Enter the path to green (recovery actions) for the {label} rating"
            )
    baseline_end = milestone.baseline_end
    if (
        forecast_end
        and baseline_end
        and forecast_end > baseline_end
        and not forecast_reason.strip()
    ):
        errors.setdefault("forecast_reason", []).append(
            f"Enter why the forecast end is later than the baseline end ({baseline_end:%d %B %Y})"
        )
    return errors


def _status_denormalise(
    *, milestone: Milestone, update: StatusUpdate | None, completed_on: date | None
) -> None:
    """Copy the newest status onto the milestone, for fast lists (none left: not rated)."""
    milestone.rating = update.rating if update else Rating.NOT_RATED
    milestone.forecast_end = update.forecast_end if update else None
    milestone.status_as_of = update.as_of if update else None
    if update is not None and update.rating == Rating.COMPLETE:
        milestone.completed_on = completed_on or milestone.completed_on or update.as_of
    else:
        milestone.completed_on = None  # reopened: a newer status says it is not done
    milestone.version += 1
    milestone.updated_at = timezone.now()
    milestone.save(
        update_fields=[
            "rating",
            "forecast_end",
            "status_as_of",
            "completed_on",
            "version",
            "updated_at",
        ]
    )


def _milestone_locked(milestone: Milestone) -> Milestone:
    """The milestone re-read inside the caller's transaction with its row locked, so
    concurrent status writes queue up: each sees the one before and every version counts."""
    return Milestone.objects.select_for_update().select_related("programme").get(pk=milestone.pk)


def _refresh_from(milestone: Milestone, current: Milestone) -> None:
    """Give the caller's object the values just saved, as if it had been reloaded."""
    for name in ("rating", "forecast_end", "status_as_of", "completed_on", "version"):
        setattr(milestone, name, getattr(current, name))


@transaction.atomic
def status_record(
    *,
    milestone: Milestone,
    rating: str,
    as_of: date,
    author: User | None = None,
    author_name: str = "",
    narrative: str = "",
    cause: str = "",
    path_to_green: str = "",
    forecast_end: date | None = None,
    forecast_reason: str = "",
    rating_raw: str = "",
    source: str = StatusSource.BROWSER,
    completed_on: date | None = None,
) -> StatusUpdate:
    """Validate and append a status update, then denormalise it onto the milestone.

    Raises ValidationError (with a dict of field messages) when a rule is broken. The
    milestone's current values change only if this update is the newest by `as_of`, so an
    import of an older plan lands in history without overwriting today's status. The
    milestone row is locked first, so the current rating is always the newest history row's.
    A Green or Complete update carries no cause or path to green (`rules.carries_recovery`).
    """
    current = _milestone_locked(milestone)
    errors = status_validate(
        milestone=current,
        rating=rating,
        cause=cause,
        path_to_green=path_to_green,
        forecast_end=forecast_end,
        forecast_reason=forecast_reason,
    )
    if errors:
        raise ValidationError(errors)
    if not rules.carries_recovery(rating):
        cause = path_to_green = ""
    update = StatusUpdate.objects.create(
        milestone=current,
        rating=rating,
        rating_raw=rating_raw,
        narrative=narrative,
        cause=cause,
        path_to_green=path_to_green,
        forecast_end=forecast_end,
        forecast_reason=forecast_reason,
        as_of=as_of,
        author=author,
        author_name=author_name or display_name(author),
        source=source,
    )
    if current.status_as_of is None or as_of >= current.status_as_of:
        _status_denormalise(milestone=current, update=update, completed_on=completed_on)
        _refresh_from(milestone, current)
    return update


@transaction.atomic
def status_strike(*, update: StatusUpdate, user: User, reason: str) -> StatusUpdate:
    """Strike out a status update entered in error: kept, marked with who, when and why, and
    ignored from then on; the milestone's current status is recomputed from the newest update
    that still stands. Raises ValidationError without a reason or when already struck."""
    milestone = _milestone_locked(update.milestone)
    update = StatusUpdate.objects.select_for_update().get(pk=update.pk)
    if update.is_struck:
        raise ValidationError({"reason": ["This update has already been struck out"]})
    if not reason.strip():
        raise ValidationError({"reason": ["Enter why this update is being struck out"]})
    update.struck_at = timezone.now()
    update.struck_by = user
    update.struck_reason = reason.strip()
    _set_change_reason(update, f"Struck out: {update.struck_reason}")
    update.save(update_fields=sorted(StatusUpdate.STRIKE_FIELDS))
    standing = StatusUpdate.objects.standing().filter(milestone=milestone).first()
    _status_denormalise(milestone=milestone, update=standing, completed_on=None)
    return update


# --------------------------------------------------------------------------------------------
# Milestone create and edit
# --------------------------------------------------------------------------------------------

# The fields the create/edit form changes; anything else (status, import keys) is not its job.
MILESTONE_EDITABLE_FIELDS = (
    "workstream",
    "ref",
    "title",
    "sub_group",
    "parent",
    "lead_text",
    "baseline_start",
    "baseline_start_precision",
    "baseline_start_raw",
    "baseline_end",
    "baseline_end_precision",
    "baseline_end_raw",
    "governance_body",
)


class MilestoneConflict(Exception):
    """Someone saved the milestone after the editor opened it: `current` is what is saved now."""

    def __init__(self, current: Milestone) -> None:
        super().__init__(f"Milestone {current.pk} changed (now version {current.version}).")
        self.current = current


def _milestone_check(
    *, programme: Programme, values: dict[str, Any], milestone: Milestone | None
) -> None:
    errors: dict[str, list[str]] = {}
    workstream = values.get("workstream")
    if workstream is None or workstream.programme_id != programme.pk:
        errors["workstream"] = ["Choose a workstream of this programme"]
    parent = values.get("parent")
    if parent is not None:
        if parent.programme_id != programme.pk:
            errors["parent"] = ["Choose a milestone of this programme"]
        elif milestone is not None:
            ancestor = parent
            while ancestor is not None:
                if ancestor.pk == milestone.pk:
                    errors["parent"] = ["A milestone cannot be a sub-step of itself"]
                    break
                ancestor = ancestor.parent
    if not (values.get("title") or "").strip():
        errors["title"] = ["Enter the milestone"]
    unknown = set(values) - set(MILESTONE_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable here: {', '.join(sorted(unknown))}")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def milestone_create(
    *,
    programme: Programme,
    values: dict[str, Any],
    leads: Iterable[Person] = (),
    references: Iterable[FrameworkCode] = (),
    added_on: date | None = None,
) -> Milestone:
    """Add a milestone to a programme's plan, at the end of its workstream."""
    _milestone_check(programme=programme, values=values, milestone=None)
    last = (
        Milestone.objects.filter(workstream=values["workstream"])
        .order_by("-position")
        .values_list("position", flat=True)
        .first()
    )
    milestone = Milestone.objects.create(
        programme=programme,
        added_on=added_on or today(),
        position=(last or 0) + 1,
        **values,
    )
    milestone.leads.set(leads)
    _references_set(milestone, references, reason="")
    return milestone


BASELINE_FIELDS = (
    "baseline_start",
    "baseline_start_precision",
    "baseline_end",
    "baseline_end_precision",
)


@dataclass(frozen=True)
class BaselineReason:
    """Why a milestone's baseline dates move: a re-baseline a governance body approved
    (optionally on a date), or a correction of dates entered wrongly (saying what was wrong)."""

    kind: str
    reason: str = ""
    approved_by: GovernanceBody | None = None
    approved_on: date | None = None

    def errors(self) -> dict[str, list[str]]:
        if self.kind == BaselineChange.REBASELINE and self.approved_by is None:
            return {"approved_by": ["Choose the governance body that approved the re-baseline"]}
        if self.kind == BaselineChange.CORRECTION and not self.reason.strip():
            return {"baseline_reason": ["Enter what was wrong with the dates"]}
        if self.kind not in (BaselineChange.REBASELINE, BaselineChange.CORRECTION):
            return {"baseline_change": [BASELINE_REASON_MISSING]}
        return {}

    def summary(self) -> str:
        """In words, for the milestone's history: "Re-baselined, approved by HWB on …"."""
        if self.kind == BaselineChange.CORRECTION:
            return f"Dates corrected: {self.reason.strip()}"
        approved = f"Re-baselined, approved by {self.approved_by}"
        if self.approved_on:
            approved += f" on {self.approved_on:%-d %b %Y}"
        return f"{approved}: {self.reason.strip()}" if self.reason.strip() else approved


BASELINE_REASON_MISSING = (
    "Say why the dates change: a re-baseline approved by a governance body, or a correction"
)


def baseline_moves(milestone: Milestone, new_values: dict[str, Any]) -> bool:
    """Whether `new_values` move the milestone's baseline dates (or their precision)."""
    return any(
        new_values.get(name, getattr(milestone, name)) != getattr(milestone, name)
        for name in BASELINE_FIELDS
    )


def baseline_revision_record(
    *,
    milestone: Milestone,
    new_values: dict[str, Any],
    changed_on: date,
    why: BaselineReason | None = None,
    recorded_by: User | None = None,
) -> bool:
    """Keep the milestone's baseline as it stood before `new_values` take effect on
    `changed_on`, with the new dates and why (no `why`: a plan import moved them); call it
    before saving. Returns whether the baseline changed."""
    if not baseline_moves(milestone, new_values):
        return False
    BaselineRevision.objects.create(
        milestone=milestone,
        changed_on=changed_on,
        new_baseline_start=new_values.get("baseline_start", milestone.baseline_start),
        new_baseline_end=new_values.get("baseline_end", milestone.baseline_end),
        kind=why.kind if why else BaselineChange.IMPORT,
        reason=why.reason.strip() if why else "",
        approved_by=why.approved_by if why else None,
        approved_on=why.approved_on if why else None,
        recorded_by=recorded_by,
        **{field: getattr(milestone, field) for field in BASELINE_FIELDS},
    )
    return True


def _milestone_reason_check(
    milestone: Milestone, values: dict[str, Any], why: BaselineReason | None
) -> None:
    """Moving baseline dates needs a reason (`BaselineReason`); other edits do not."""
    if not baseline_moves(milestone, values):
        return
    errors = why.errors() if why else {"baseline_change": [BASELINE_REASON_MISSING]}
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def milestone_update(
    *,
    milestone: Milestone,
    expected_version: int | None,
    values: dict[str, Any],
    leads: Iterable[Person] = (),
    references: Iterable[FrameworkCode] = (),
    user: User | None = None,
    change_reason: str = "",
    baseline_reason: BaselineReason | None = None,
) -> Milestone:
    """Save an edit unless someone saved in between (then raise MilestoneConflict).

    The row is locked while the version is compared, so two editors cannot both win. Moving
    the baseline dates needs `baseline_reason` and is kept as a BaselineRevision taking effect
    on the programme's reporting date; `change_reason` (else the baseline reason) is the
    reason on every history row the edit writes. References kept from an import keep their
    raw text and correction flag.
    """
    current = Milestone.objects.select_for_update().get(pk=milestone.pk)
    if expected_version is None or current.version != expected_version:
        raise MilestoneConflict(current)
    _milestone_check(programme=current.programme, values=values, milestone=current)
    _milestone_reason_check(current, values, baseline_reason)
    moved = baseline_revision_record(
        milestone=current,
        new_values=values,
        changed_on=rules.reporting_date(current.programme),
        why=baseline_reason,
        recorded_by=user,
    )
    for name, value in values.items():
        setattr(current, name, value)
    current.version += 1
    reason = change_reason.strip()
    if moved and baseline_reason is not None:
        reason = "; ".join(filter(None, [baseline_reason.summary(), reason]))
    _set_change_reason(current, reason, user)
    current.save(update_fields=[*values, "version", "updated_at"])
    current.leads.set(leads)
    _references_set(current, references, reason=reason, user=user)
    return current


def _references_set(
    milestone: Milestone, codes: Iterable[FrameworkCode], *, reason: str, user: User | None = None
) -> None:
    """Link exactly `codes`, one row at a time so each link added or removed is in the audit
    history with the edit's reason (a bulk `set()` would leave additions unrecorded)."""
    wanted = {code.pk: code for code in codes}
    for link in milestone.milestonereference_set.exclude(code_id__in=wanted):
        _set_change_reason(link, reason, user)
        link.delete()
    kept = set(milestone.milestonereference_set.values_list("code_id", flat=True))
    for code_id, code in wanted.items():
        if code_id not in kept:
            link = MilestoneReference(milestone=milestone, code=code)
            _set_change_reason(link, reason, user)
            link.save()


def programme_reporting_date_set(*, programme: Programme, reporting_date: date) -> Programme:
    """Move the date the programme's reports are "as at" (when a reporting period closes)."""
    programme.reporting_date = reporting_date
    programme.save(update_fields=["reporting_date", "updated_at"])
    return programme


def metric_link_add(
    *,
    workstream: Workstream,
    metric: Metric,
    area: Area,
    milestone: Milestone | None = None,
    note: str = "",
    user: User | None = None,
) -> MetricLink:
    """Link a workstream (or one of its milestones) to a metric in an area it aims to move."""
    if milestone is not None and milestone.workstream_id != workstream.id:
        raise ValidationError({"milestone": "Choose a milestone of this workstream"})
    duplicate = MetricLink.objects.filter(
        workstream=workstream, milestone=milestone, metric=metric, area=area
    )
    if duplicate.exists():
        raise ValidationError(
            {"metric": f"{metric.short_name} in {area.name} is already linked here"}
        )
    return MetricLink.objects.create(
        workstream=workstream,
        milestone=milestone,
        metric=metric,
        area=area,
        note=note.strip(),
        created_by=user,
    )


def metric_link_remove(*, link: MetricLink) -> None:
    link.delete()


# -- memberships: who takes part in a programme ----------------------------------------------


def _membership_check(
    *, programme: Programme, role: str, workstreams: Iterable[Workstream]
) -> list[Workstream]:
    chosen = list(workstreams)
    if role not in MembershipRole.values:
        raise ValidationError(
            {"role": f"{role!r} is not a role: choose manager, contributor or viewer"}
        )
    if any(ws.programme_id != programme.pk for ws in chosen):
        raise ValidationError({"workstreams": "Choose workstreams of this programme only"})
    # Only contributors are limited to workstreams; managers and viewers cover the whole plan.
    return chosen if role == MembershipRole.CONTRIBUTOR else []


def _last_manager_keep(membership: Membership, new_role: str | None) -> None:
    """A programme keeps at least one manager, so someone can always manage its members."""
    if membership.role != MembershipRole.MANAGER or new_role == MembershipRole.MANAGER:
        return
    others = membership.programme.memberships.filter(role=MembershipRole.MANAGER).exclude(
        pk=membership.pk
    )
    if not others.exists():
        raise ValidationError(
            {"role": "A programme needs at least one manager: make someone else manager first"}
        )


@transaction.atomic
def membership_add(
    *,
    programme: Programme,
    role: str,
    user: User | None = None,
    team: Team | None = None,
    workstreams: Iterable[Workstream] = (),
    by: User | None = None,
    reason: str = "",
) -> Membership:
    """Give a user, or a whole team, a role in the programme (history keeps who and why)."""
    if (user is None) == (team is None):
        raise ValidationError({"user": "Choose a person or a team, not both"})
    chosen = _membership_check(programme=programme, role=role, workstreams=workstreams)
    if programme.memberships.filter(user=user, team=team).exists():
        who = display_name(user) if user is not None else str(team)
        raise ValidationError({"user": f"{who} is already a member of this programme"})
    membership = Membership(programme=programme, user=user, team=team, role=role)
    _set_change_reason(membership, reason or f"Added as {MembershipRole(role).label}", by)
    membership.save()
    membership.workstreams.set(chosen)
    return membership


@transaction.atomic
def membership_change(
    *,
    membership: Membership,
    role: str,
    workstreams: Iterable[Workstream] = (),
    by: User | None = None,
    reason: str = "",
) -> Membership:
    """Change a member's role or assigned workstreams."""
    chosen = _membership_check(programme=membership.programme, role=role, workstreams=workstreams)
    _last_manager_keep(membership, role)
    membership.role = role
    _set_change_reason(membership, reason or f"Role set to {MembershipRole(role).label}", by)
    membership.save()
    membership.workstreams.set(chosen)
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, by: User | None = None, reason: str = "") -> None:
    """Take a member out of the programme: they no longer see it."""
    _last_manager_keep(membership, None)
    _set_change_reason(membership, reason or "Removed from the programme", by)
    membership.delete()
