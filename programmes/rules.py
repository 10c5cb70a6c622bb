"""The rules of a programme plan, each written once: pure functions of values, no queries.

Pages, exports, reports and the home page all ask these; where a query must express the same
rule in SQL (`programmes.querysets`), it says so and points back here.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.utils.timezone import localtime

from integration.dates import today
from metrics.periods import Period
from programmes.choices import RATING_SEVERITY, RATINGS_WITHOUT_RECOVERY, Rating

if TYPE_CHECKING:
    from programmes.models import Milestone, Programme

# Ratings that carry a judgement on delivery; Not rated and Complete never count as "worse".
JUDGED_RATINGS = frozenset(RATING_SEVERITY) - {Rating.NOT_RATED, Rating.COMPLETE}


def reporting_date(programme: Programme) -> date:
    """The date the programme's pages and reports are "as of": its reporting date (set when a
    reporting period closes), else today in London."""
    return programme.reporting_date or today()


def effective_end(forecast_end: date | None, baseline_end: date | None) -> date | None:
    """The date a milestone is expected to finish: the forecast, else the baseline end."""
    return forecast_end or baseline_end


def is_complete(*, completed_on: date | None, rating: str, as_of: date | None = None) -> bool:
    """Done: completed (on or before `as_of`, when given) or rated Complete."""
    completed = completed_on is not None and (as_of is None or completed_on <= as_of)
    return completed or rating == Rating.COMPLETE


def days_overdue(end: date | None, *, as_of: date) -> int | None:
    """Days an open milestone's effective end lies before `as_of`; None when it is not overdue.
    The caller decides "open" (see `is_complete`)."""
    if end is None or end >= as_of:
        return None
    return (as_of - end).days


def is_overdue(end: date | None, *, as_of: date) -> bool:
    """An open milestone is overdue when its effective end is before `as_of`."""
    return days_overdue(end, as_of=as_of) is not None


def is_due_within(end: date | None, *, as_of: date, days: int) -> bool:
    """An open milestone is due when its effective end falls in [as_of, as_of + days]."""
    return end is not None and as_of <= end <= as_of + timedelta(days=days)


def slippage_days(forecast_end: date | None, baseline_end: date | None) -> int:
    """How many days the forecast end lies past the baseline end (0 without both dates)."""
    return (forecast_end - baseline_end).days if forecast_end and baseline_end else 0


def previous_period_end(as_of: date) -> date:
    """The end of the previous reporting month: the comparison point for "worse than"."""
    return Period.month(as_of.year, as_of.month).start - timedelta(days=1)


def is_stale(status_as_of: date | None, *, as_of: date) -> bool:
    """No status update this reporting month or last (never updated counts as stale)."""
    last_month = previous_period_end(as_of)
    return (
        status_as_of is None or status_as_of < Period.month(last_month.year, last_month.month).start
    )


def severity(rating: str) -> int:
    """How bad a rating is (higher is worse); an unknown value counts as not rated."""
    return RATING_SEVERITY.get(Rating(rating), 0) if rating in Rating.values else 0


def worst_rating(ratings: Iterable[str]) -> str | None:
    """The most severe of `ratings` (the first of equals), or None when there are none."""
    worst: str | None = None
    for rating in ratings:
        if worst is None or severity(rating) > severity(worst):
            worst = rating
    return worst


def is_worse(now: str, before: str) -> bool:
    """A judged rating worse than an earlier judged one (Not rated and Complete never are)."""
    judged = now in JUDGED_RATINGS and before in JUDGED_RATINGS
    return judged and severity(now) > severity(before)


def direction(now: str, before: str) -> str:
    """How a rating moved since before: "worse", "better", "same" or (unjudged) "changed"."""
    if now not in JUDGED_RATINGS or before not in JUDGED_RATINGS:
        return "same" if now == before else "changed"
    if severity(now) > severity(before):
        return "worse"
    return "better" if severity(now) < severity(before) else "same"


def carries_recovery(rating: str) -> bool:
    """Whether an update with this rating keeps a cause and path to green: a Green or Complete
    milestone has nothing to recover from, so last month's cause must not linger on it."""
    return rating not in RATINGS_WITHOUT_RECOVERY


def struck_text(struck_at: datetime, by: str, reason: str) -> str:
    """How a struck-out status update says so, in words (never by strikethrough alone)."""
    return f"Struck out on {localtime(struck_at):%-d %b %Y} by {by}: {reason}"


def leads_text(milestone: Milestone) -> str:
    """A milestone's leads as text on every page and export: as written in the plan, else the
    linked people's names. Reads `milestone.leads.all()`, which the selectors prefetch."""
    if milestone.lead_text:
        return milestone.lead_text
    return ", ".join(str(person) for person in milestone.leads.all())
