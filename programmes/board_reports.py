"""Read models for board reporting: the exception report as at any date, what changed
between two dates, and cross-reference coverage.

Everything "as at" a date is rebuilt from status history (the newest StatusUpdate whose
`as_of` is on or before the date), never from the milestone's current denormalised values,
so a board can see exactly what it saw last month. Each function runs a fixed number of
queries however many milestones and history rows there are.
"""

from __future__ import annotations

import difflib
import html
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils.safestring import SafeString, mark_safe

from programmes.choices import RATING_SEVERITY, DatePrecision, Rating
from programmes.models import (
    Framework,
    GovernanceBody,
    Milestone,
    MilestoneReference,
    Programme,
    StatusUpdate,
    UnresolvedReference,
    Workstream,
)
from programmes.services import BASELINE_FIELDS

# Reasons a milestone is in the exception report, in the order they are listed.
REASON_RATING = "rating"
REASON_OVERDUE = "overdue"
REASON_WORSENED = "worsened"
REASON_SLIPPED = "slipped"
REASON_STALE = "stale"
REASON_NO_END_DATE = "no_end_date"
REASON_LABELS = {
    REASON_RATING: "Rated at or worse than the threshold",
    REASON_OVERDUE: "Overdue",
    REASON_WORSENED: "Worse than last period",
    REASON_SLIPPED: "Forecast has slipped",
    REASON_STALE: "No update this period or last",
    REASON_NO_END_DATE: "No end date, and started",
}
# Ratings that carry a judgement on delivery; Not rated and Complete never count as "worse".
_JUDGED = frozenset(RATING_SEVERITY) - {Rating.NOT_RATED, Rating.COMPLETE}


def reporting_date(programme: Programme) -> date:
    """The date the programme's reports are "as at" by default: its reporting date, or today."""
    return programme.reporting_date or date.today()


def month_start(day: date) -> date:
    return day.replace(day=1)


def previous_period_end(as_of: date) -> date:
    """The end of the previous reporting month: the comparison point for "worse than"."""
    return month_start(as_of) - timedelta(days=1)


def body_and_reporting_bodies(body: GovernanceBody) -> set[int]:
    """A governance body's id and those of every body reporting to it, at any depth."""
    children: dict[int | None, list[int]] = defaultdict(list)
    for body_id, parent_id in GovernanceBody.objects.values_list("id", "reports_to_id"):
        children[parent_id].append(body_id)
    found, queue = set(), [body.id]
    while queue:
        current = queue.pop()
        if current not in found:
            found.add(current)
            queue.extend(children[current])
    return found


@dataclass
class StatusAsAt:
    """A milestone's status and baseline dates as they stood on a date, from its history."""

    rating: str = Rating.NOT_RATED
    forecast_end: date | None = None
    narrative: str = ""
    cause: str = ""
    path_to_green: str = ""
    as_of: date | None = None
    baseline_start: date | None = None
    baseline_start_precision: str = DatePrecision.BLANK
    baseline_end: date | None = None
    baseline_end_precision: str = DatePrecision.BLANK

    @property
    def rating_label(self) -> str:
        return Rating(self.rating).label

    @property
    def end(self) -> date | None:
        """The date it was expected to finish then: the forecast, else the baseline end."""
        return self.forecast_end or self.baseline_end

    @classmethod
    def build(cls, update: StatusUpdate | None, baseline: object) -> StatusAsAt:
        """From the newest status update then (if any) and the baseline in force then."""
        dates = {field: getattr(baseline, field) for field in BASELINE_FIELDS}
        if update is None:
            return cls(**dates)
        return cls(
            rating=update.rating,
            forecast_end=update.forecast_end,
            narrative=update.narrative,
            cause=update.cause,
            path_to_green=update.path_to_green,
            as_of=update.as_of,
            **dates,
        )


def baseline_as_at(milestone: Milestone, day: date) -> object:
    """The milestone, or the revision of its baseline that was in force on `day`.

    A revision holds the dates that stood until `changed_on`, so the first revision changed
    after `day` is the one in force then; with none, the current dates are.
    """
    for revision in milestone.baseline_revisions.all():  # prefetched, oldest change first
        if revision.changed_on > day:
            return revision
    return milestone


def _latest_update_id(day: date) -> Subquery:
    return Subquery(
        StatusUpdate.objects.filter(milestone=OuterRef("pk"), as_of__lte=day)
        .order_by("-as_of", "-recorded_at", "-id")
        .values("id")[:1]
    )


def milestones_as_at(
    programme: Programme,
    *,
    days: dict[str, date],
    body: GovernanceBody | None = None,
    workstream_ids: list[int] | None = None,
) -> tuple[list[Milestone], dict[int, dict[str, StatusAsAt]]]:
    """Milestones in the plan on any of `days`, with their status on each named day.

    Returns the milestones (workstream, SROs, leads and governance body loaded) and, per
    milestone id, {day name: StatusAsAt}. Three queries for the milestones and their
    relations, one for all the status rows needed.
    """
    earliest, latest = min(days.values()), max(days.values())
    milestones = Milestone.objects.filter(programme=programme, added_on__lte=latest).filter(
        Q(removed_on__isnull=True) | Q(removed_on__gt=earliest)
    )
    if body is not None:
        milestones = milestones.filter(governance_body_id__in=body_and_reporting_bodies(body))
    if workstream_ids:
        milestones = milestones.filter(workstream_id__in=workstream_ids)
    milestones = (
        milestones.annotate(**{f"status_{name}": _latest_update_id(d) for name, d in days.items()})
        .select_related("workstream", "governance_body")
        .prefetch_related(
            "leads",
            "baseline_revisions",
            Prefetch("workstream__sros"),
        )
        .order_by("workstream__position", "workstream__number", "position", "id")
    )
    milestones = list(milestones)
    wanted = {getattr(m, f"status_{name}") for m in milestones for name in days} - {None}
    updates = StatusUpdate.objects.in_bulk(wanted)
    statuses = {
        m.id: {
            name: StatusAsAt.build(updates.get(getattr(m, f"status_{name}")), baseline_as_at(m, d))
            for name, d in days.items()
        }
        for m in milestones
    }
    return milestones, statuses


def _in_plan_on(milestone: Milestone, day: date) -> bool:
    removed = milestone.removed_on is not None and milestone.removed_on <= day
    return milestone.added_on <= day and not removed


def _slippage_days(forecast_end: date | None, baseline_end: date | None) -> int:
    return (forecast_end - baseline_end).days if forecast_end and baseline_end else 0


def _complete_on(milestone: Milestone, status: StatusAsAt, day: date) -> bool:
    completed = milestone.completed_on is not None and milestone.completed_on <= day
    return completed or status.rating == Rating.COMPLETE


@dataclass
class ExceptionRow:
    milestone: Milestone
    status: StatusAsAt
    previous: StatusAsAt
    reasons: list[str]
    days_overdue: int | None
    end: date | None

    @property
    def direction(self) -> str:
        """ "worse", "better" or "same": the rating's move since the previous period."""
        now, before = self.status.rating, self.previous.rating
        if now not in _JUDGED or before not in _JUDGED:
            return "same" if now == before else "changed"
        if RATING_SEVERITY[now] > RATING_SEVERITY[before]:
            return "worse"
        return "better" if RATING_SEVERITY[now] < RATING_SEVERITY[before] else "same"

    @property
    def reason_labels(self) -> list[str]:
        labels = []
        for reason in self.reasons:
            label = REASON_LABELS[reason]
            if reason == REASON_OVERDUE:
                label = f"Overdue by {self.days_overdue} days"
            labels.append(label)
        return labels


@dataclass
class WorkstreamGroup:
    workstream: Workstream
    rows: list[ExceptionRow] = field(default_factory=list)


@dataclass
class ExceptionReport:
    programme: Programme
    as_of: date
    previous_as_of: date
    body: GovernanceBody | None
    groups: list[WorkstreamGroup]
    reason_counts: Counter
    milestones_considered: int

    @property
    def rows(self) -> list[ExceptionRow]:
        return [row for group in self.groups for row in group.rows]

    @property
    def summary(self) -> list[tuple[str, int]]:
        """(reason label, number of milestones listed for it), every reason shown."""
        return [(label, self.reason_counts[reason]) for reason, label in REASON_LABELS.items()]


def exception_reasons(
    programme: Programme, milestone: Milestone, now: StatusAsAt, before: StatusAsAt, as_of: date
) -> tuple[list[str], int | None, date | None]:
    """Why a milestone needs the board's attention on `as_of` (empty when it does not)."""
    if _complete_on(milestone, now, as_of):
        return [], None, now.end
    reasons = []
    threshold = RATING_SEVERITY[programme.exception_threshold]
    if now.rating in _JUDGED and RATING_SEVERITY[now.rating] >= threshold:
        reasons.append(REASON_RATING)
    end = now.end
    days_overdue = (as_of - end).days if end and end < as_of else None
    if days_overdue:
        reasons.append(REASON_OVERDUE)
    worse = RATING_SEVERITY[now.rating] > RATING_SEVERITY[before.rating]
    if now.rating in _JUDGED and before.rating in _JUDGED and worse:
        reasons.append(REASON_WORSENED)
    if _slippage_days(now.forecast_end, now.baseline_end) > programme.slippage_tolerance_days:
        reasons.append(REASON_SLIPPED)
    if now.as_of is None or now.as_of < month_start(previous_period_end(as_of)):
        reasons.append(REASON_STALE)
    undefined_end = now.baseline_end is None or (
        now.baseline_end_precision == DatePrecision.UNDEFINED
    )
    if undefined_end and now.baseline_start and now.baseline_start <= as_of:
        reasons.append(REASON_NO_END_DATE)
    return reasons, days_overdue, end


def exception_report(
    programme: Programme,
    *,
    as_of: date,
    body: GovernanceBody | None = None,
    workstream_ids: list[int] | None = None,
) -> ExceptionReport:
    """Every milestone that needed attention on `as_of`, grouped by workstream, with reasons."""
    previous = previous_period_end(as_of)
    milestones, statuses = milestones_as_at(
        programme,
        days={"now": as_of, "before": previous},
        body=body,
        workstream_ids=workstream_ids,
    )
    groups: dict[int, WorkstreamGroup] = {}
    counts: Counter = Counter()
    considered = 0
    for milestone in milestones:
        if not _in_plan_on(milestone, as_of):
            continue
        considered += 1
        now, before = statuses[milestone.id]["now"], statuses[milestone.id]["before"]
        reasons, days_overdue, end = exception_reasons(programme, milestone, now, before, as_of)
        if not reasons:
            continue
        counts.update(reasons)
        group = groups.setdefault(milestone.workstream_id, WorkstreamGroup(milestone.workstream))
        group.rows.append(ExceptionRow(milestone, now, before, reasons, days_overdue, end))
    return ExceptionReport(
        programme=programme,
        as_of=as_of,
        previous_as_of=previous,
        body=body,
        groups=list(groups.values()),
        reason_counts=counts,
        milestones_considered=considered,
    )


# ------------------------------------------------------------------------------------------
# What changed between two dates
# ------------------------------------------------------------------------------------------


def word_diff(before: str, after: str) -> SafeString:
    """A word-level diff as HTML: <del> for removed words, <ins> for added ones.

    Each change also carries visually hidden text, so the diff is not conveyed by
    strikethrough and colour alone.
    """
    old, new = before.split(), after.split()
    parts = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            parts.append(html.escape(" ".join(old[i1:i2])))
            continue
        if op in ("delete", "replace"):
            removed = html.escape(" ".join(old[i1:i2]))
            parts.append(
                f'<del class="app-diff-del"><span class="govuk-visually-hidden">removed: </span>'
                f"{removed}</del>"
            )
        if op in ("insert", "replace"):
            added = html.escape(" ".join(new[j1:j2]))
            parts.append(
                f'<ins class="app-diff-ins"><span class="govuk-visually-hidden">added: </span>'
                f"{added}</ins>"
            )
    return mark_safe(" ".join(parts))  # noqa: S308 - every piece of text is escaped above


@dataclass
class MilestoneChange:
    milestone: Milestone
    before: StatusAsAt
    after: StatusAsAt
    kinds: list[str]
    slippage_days: int | None = None

    @property
    def labels(self) -> list[str]:
        return [CHANGE_LABELS[kind] for kind in self.kinds]

    @property
    def narrative_diff(self) -> SafeString:
        return word_diff(self.before.narrative, self.after.narrative)

    @property
    def path_to_green_diff(self) -> SafeString:
        return word_diff(self.before.path_to_green, self.after.path_to_green)


CHANGE_LABELS = {
    "added": "Added to the plan",
    "removed": "Removed from the plan",
    "completed": "Completed",
    "rating": "Rating changed",
    "date": "Forecast date changed",
    "narrative": "Narrative or path to green changed",
}


@dataclass
class ChangesReport:
    programme: Programme
    since: date
    until: date
    changes: list[MilestoneChange]

    def of_kind(self, kind: str) -> list[MilestoneChange]:
        return [change for change in self.changes if kind in change.kinds]

    @property
    def summary(self) -> list[tuple[str, int]]:
        """(kind of change, number of milestones), every kind shown."""
        return [(label, len(self.of_kind(kind))) for kind, label in CHANGE_LABELS.items()]


def _change_kinds(milestone: Milestone, before: StatusAsAt, after: StatusAsAt, since, until):
    in_before, in_after = _in_plan_on(milestone, since), _in_plan_on(milestone, until)
    if not in_before and in_after:
        return ["added"]
    if in_before and not in_after:
        return ["removed"]
    if not in_after:
        return []
    kinds = []
    if _complete_on(milestone, after, until) and not _complete_on(milestone, before, since):
        kinds.append("completed")
    if before.rating != after.rating:
        kinds.append("rating")
    if before.end != after.end:
        kinds.append("date")
    texts_before = (before.narrative, before.path_to_green)
    if texts_before != (after.narrative, after.path_to_green):
        kinds.append("narrative")
    return kinds


def changes_between(programme: Programme, *, since: date, until: date) -> ChangesReport:
    """Rating, date and narrative changes, and milestones added, completed or removed."""
    milestones, statuses = milestones_as_at(programme, days={"since": since, "until": until})
    changes = []
    for milestone in milestones:
        before, after = statuses[milestone.id]["since"], statuses[milestone.id]["until"]
        kinds = _change_kinds(milestone, before, after, since, until)
        if not kinds:
            continue
        slippage = (after.end - before.end).days if before.end and after.end else None
        changes.append(MilestoneChange(milestone, before, after, kinds, slippage))
    return ChangesReport(programme=programme, since=since, until=until, changes=changes)


# ------------------------------------------------------------------------------------------
# Cross-reference coverage
# ------------------------------------------------------------------------------------------


@dataclass
class CoverageCell:
    open: int = 0
    complete: int = 0


@dataclass
class CodeCoverage:
    code: object
    cells: dict[int, CoverageCell]
    open: int
    complete: int
    worst_rating: str | None
    all_overdue_or_red: bool
    unresolved_tokens: list[str]

    @property
    def no_open_milestone(self) -> bool:
        return self.open == 0

    @property
    def only_unresolved(self) -> bool:
        return self.open + self.complete == 0 and bool(self.unresolved_tokens)

    @property
    def flags(self) -> list[str]:
        flags = []
        if self.only_unresolved:
            tokens = ", ".join(self.unresolved_tokens)
            flags.append(f"Only unresolved references ({tokens})")
        elif self.no_open_milestone:
            flags.append("No open milestone")
        if self.all_overdue_or_red:
            flags.append("All milestones overdue or red")
        return flags

    @property
    def worst_rating_label(self) -> str:
        return Rating(self.worst_rating).label if self.worst_rating else "No milestones"


@dataclass
class FrameworkCoverage:
    framework: Framework
    workstreams: list[Workstream]
    codes: list[CodeCoverage]


def _current_milestones(programme: Programme) -> QuerySet[Milestone]:
    return Milestone.objects.filter(programme=programme, removed_on__isnull=True)


def coverage(programme: Programme, *, on: date) -> list[FrameworkCoverage]:
    """For each framework (CQC areas of improvement first), codes against workstreams."""
    workstreams = list(Workstream.objects.filter(programme=programme).order_by("position"))
    links = (
        MilestoneReference.objects.filter(milestone__in=_current_milestones(programme))
        .select_related("milestone")
        .values_list(
            "code_id",
            "milestone__workstream_id",
            "milestone__rating",
            "milestone__completed_on",
            "milestone__forecast_end",
            "milestone__baseline_end",
        )
    )
    by_code: dict[int, list[tuple]] = defaultdict(list)
    for code_id, *rest in links:
        by_code[code_id].append(tuple(rest))
    unresolved = defaultdict(list)
    pending = UnresolvedReference.objects.filter(
        milestone__in=_current_milestones(programme), resolved_code__isnull=True
    ).prefetch_related("candidates")
    for item in pending.select_related("milestone"):
        for candidate in item.candidates.all():
            unresolved[candidate.id].append(f"{item.raw_token} on {item.milestone.ref or 'unref'}")
    frameworks = Framework.objects.prefetch_related("codes").order_by("position", "name")
    return [
        FrameworkCoverage(
            framework=framework,
            workstreams=workstreams,
            codes=[
                _code_coverage(code, by_code[code.id], unresolved[code.id], workstreams, on)
                for code in framework.codes.all()
            ],
        )
        for framework in frameworks
    ]


def _code_coverage(code, links, unresolved_tokens, workstreams, on: date) -> CodeCoverage:
    cells = {w.id: CoverageCell() for w in workstreams}
    worst, open_count, complete_count, troubled = None, 0, 0, 0
    for workstream_id, rating, completed_on, forecast_end, baseline_end in links:
        is_complete = completed_on is not None or rating == Rating.COMPLETE
        cell = cells.setdefault(workstream_id, CoverageCell())
        if is_complete:
            cell.complete += 1
            complete_count += 1
            continue
        cell.open += 1
        open_count += 1
        end = forecast_end or baseline_end
        if rating == Rating.RED or (end and end < on):
            troubled += 1
        if worst is None or RATING_SEVERITY[rating] > RATING_SEVERITY[worst]:
            worst = rating
    return CodeCoverage(
        code=code,
        cells=cells,
        open=open_count,
        complete=complete_count,
        worst_rating=worst,
        all_overdue_or_red=open_count > 0 and troubled == open_count,
        unresolved_tokens=unresolved_tokens,
    )


# ------------------------------------------------------------------------------------------
# Home page: what each role needs first
# ------------------------------------------------------------------------------------------

DUE_SOON_DAYS = 30


@dataclass
class ProgrammeSummary:
    programme: Programme
    report: ExceptionReport


@dataclass
class WorklistItem:
    row: ExceptionRow | None
    milestone: Milestone
    labels: list[str]
    led_by_user: bool


@dataclass
class ProgrammeWorklist:
    programme: Programme
    as_of: date
    items: list[WorklistItem]


def programme_summaries() -> list[ProgrammeSummary]:
    """Every programme with its exception report as at its own reporting date."""
    return [
        ProgrammeSummary(p, exception_report(p, as_of=reporting_date(p)))
        for p in Programme.objects.order_by("name")
    ]


def manager_worklist(user, summaries: list[ProgrammeSummary]) -> list[ProgrammeWorklist]:
    """Milestones due, overdue or stale as at each programme's reporting date.

    Programme managers manage every programme for now (per-programme rights come later),
    so every such milestone is listed; the ones the user leads are marked and come first.
    """
    wanted = {REASON_OVERDUE, REASON_STALE, REASON_NO_END_DATE}
    worklists = []
    for summary in summaries:
        as_of = summary.report.as_of
        items = [
            WorklistItem(row, row.milestone, row.reason_labels, _led_by(row.milestone, user))
            for row in summary.report.rows
            if wanted & set(row.reasons)
        ]
        listed = {item.milestone.id for item in items}
        due = (
            Milestone.objects.filter(programme=summary.programme)
            .due_within(on=as_of, days=DUE_SOON_DAYS)
            .exclude(id__in=listed)
            .select_related("workstream")
            .prefetch_related("leads")
        )
        items += [
            WorklistItem(None, m, [f"Due by {m.end:%-d %b %Y}"], _led_by(m, user)) for m in due
        ]
        items.sort(key=lambda item: not item.led_by_user)
        worklists.append(ProgrammeWorklist(summary.programme, as_of, items))
    return worklists


def _led_by(milestone: Milestone, user) -> bool:
    return any(person.user_id == user.id for person in milestone.leads.all())
