"""Board reporting, rebuilt from history as of any date: the exception report, what changed
between two dates, cross-reference coverage, and the home page's summaries and worklist.

One module per report; this package's names are the ones views and tests use.
"""

from programmes.board_reports.changes import (
    CHANGE_LABELS,
    ChangesReport,
    MilestoneChange,
    changes_between,
    word_diff,
)
from programmes.board_reports.coverage import CodeCoverage, FrameworkCoverage, coverage
from programmes.board_reports.exceptions import (
    REASON_LABELS,
    REASON_NO_END_DATE,
    REASON_OVERDUE,
    REASON_RATING,
    REASON_SLIPPED,
    REASON_STALE,
    REASON_WORSENED,
    ExceptionReport,
    ExceptionRow,
    exception_reasons,
    exception_report,
)
from programmes.board_reports.history import StatusAsOf, baseline_as_of, milestones_as_of
from programmes.board_reports.plan_changes import PLAN_CHANGE_LABELS, PlanChange
from programmes.board_reports.worklist import (
    ProgrammeSummary,
    ProgrammeWorklist,
    WorklistItem,
    manager_worklist,
    programme_summaries,
)

__all__ = [
    "CHANGE_LABELS",
    "PLAN_CHANGE_LABELS",
    "REASON_LABELS",
    "REASON_NO_END_DATE",
    "REASON_OVERDUE",
    "REASON_RATING",
    "REASON_SLIPPED",
    "REASON_STALE",
    "REASON_WORSENED",
    "ChangesReport",
    "CodeCoverage",
    "ExceptionReport",
    "ExceptionRow",
    "FrameworkCoverage",
    "MilestoneChange",
    "PlanChange",
    "ProgrammeSummary",
    "ProgrammeWorklist",
    "StatusAsOf",
    "WorklistItem",
    "baseline_as_of",
    "changes_between",
    "coverage",
    "exception_reasons",
    "exception_report",
    "manager_worklist",
    "milestones_as_of",
    "programme_summaries",
    "word_diff",
]
