"""Cross-reference coverage: for each framework, its codes against the workstreams, with
the codes no open milestone answers."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet

from programmes import rules
from programmes.choices import Rating, rating_label
from programmes.models import (
    Framework,
    FrameworkCode,
    Milestone,
    MilestoneReference,
    Programme,
    UnresolvedReference,
    Workstream,
)


@dataclass
class CoverageCell:
    open: int = 0
    complete: int = 0


@dataclass
class CodeCoverage:
    code: FrameworkCode
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
        return rating_label(self.worst_rating) if self.worst_rating else "No milestones"


@dataclass
class FrameworkCoverage:
    framework: Framework
    workstreams: list[Workstream]
    codes: list[CodeCoverage]


def _current_milestones(programme: Programme) -> QuerySet[Milestone]:
    return Milestone.objects.filter(programme=programme, removed_on__isnull=True)


def coverage(programme: Programme, *, as_of: date) -> list[FrameworkCoverage]:
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
    unresolved: dict[int, list[str]] = defaultdict(list)
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
                _code_coverage(code, by_code[code.id], unresolved[code.id], workstreams, as_of)
                for code in framework.codes.all()
            ],
        )
        for framework in frameworks
    ]


def _code_coverage(
    code: FrameworkCode,
    links: list[tuple],
    unresolved_tokens: list[str],
    workstreams: list[Workstream],
    as_of: date,
) -> CodeCoverage:
    cells = {w.id: CoverageCell() for w in workstreams}
    open_ratings: list[str] = []
    complete_count, troubled = 0, 0
    for workstream_id, rating, completed_on, forecast_end, baseline_end in links:
        cell = cells.setdefault(workstream_id, CoverageCell())
        if rules.is_complete(completed_on=completed_on, rating=rating):
            cell.complete += 1
            complete_count += 1
            continue
        cell.open += 1
        open_ratings.append(rating)
        end = rules.effective_end(forecast_end, baseline_end)
        if rating == Rating.RED or rules.is_overdue(end, as_of=as_of):
            troubled += 1
    open_count = len(open_ratings)
    worst = rules.worst_rating(open_ratings)
    return CodeCoverage(
        code=code,
        cells=cells,
        open=open_count,
        complete=complete_count,
        worst_rating=worst,
        all_overdue_or_red=open_count > 0 and troubled == open_count,
        unresolved_tokens=unresolved_tokens,
    )
