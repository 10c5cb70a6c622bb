"""The home page's reading of the reports: each programme's exceptions as of its reporting
date, and a programme manager's worklist of milestones due, overdue or stale."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import AnonymousUser, User

from programmes import rules
from programmes.board_reports.exceptions import (
    REASON_NO_END_DATE,
    REASON_OVERDUE,
    REASON_STALE,
    ExceptionReport,
    ExceptionRow,
    exception_report,
)
from programmes.models import Milestone, Programme

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


def programme_summaries(user: User | AnonymousUser) -> list[ProgrammeSummary]:
    """Every programme `user` can see with its exception report as of its reporting date."""
    return [
        ProgrammeSummary(p, exception_report(p, as_of=rules.reporting_date(p)))
        for p in Programme.objects.visible_to(user).order_by("name")
    ]


def manager_worklist(
    user: User | AnonymousUser, summaries: list[ProgrammeSummary]
) -> list[ProgrammeWorklist]:
    """Milestones due, overdue or stale as of each programme's reporting date.

    `summaries` are the programmes the user manages; every such milestone is listed, and
    the ones the user leads are marked and come first.
    """
    wanted = {REASON_OVERDUE, REASON_STALE, REASON_NO_END_DATE}
    worklists: list[ProgrammeWorklist] = []
    for summary in summaries:
        as_of = summary.report.as_of
        items: list[WorklistItem] = [
            WorklistItem(row, row.milestone, row.reason_labels, _led_by(row.milestone, user))
            for row in summary.report.rows
            if wanted & set(row.reasons)
        ]
        listed = {item.milestone.id for item in items}
        due = (
            Milestone.objects.filter(programme=summary.programme)
            .due_within(as_of=as_of, days=DUE_SOON_DAYS)
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


def _led_by(milestone: Milestone, user: User | AnonymousUser) -> bool:
    return any(person.user_id == user.pk for person in milestone.leads.all())
