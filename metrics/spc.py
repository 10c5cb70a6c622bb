"""XmR (individuals) statistical process control charts, as NHS England's "Making Data Count"
(MDC) asks boards to read them: mean, moving ranges, process limits, the four special-cause
rules, and the meaning of the variation and assurance icons in words.

Pure Python: plain (date, value) pairs in, frozen dataclasses out. No Django, no pandas.

Sources (the rules below follow the first; where the two differ it is said where):

[MDC-SQL] NHS England Making Data Count, "SPC CHARTS SQL QUERY v2.6" (Matthew Callus, 10 Jan
    2024), the calculation behind the MDC Power BI and Excel tools; a copy is kept in
    github.com/NHSDigital/fdp-react-design-system, path
    src/components/DataVisualisation/charts/SPC/SPCChart/logic/NHSE SPC Charts SQL Query v2.6.sql
    Steps 2a (settings), 4d-4e (limits), 4f-4i (rules) and the icon step.
[PTD] NHS-R Community, NHSRplotthedots (github.com/nhs-r-community/NHSRplotthedots):
    R/ptd_spc_standard.R (limits, outlier screening), R/ptd_calculate_point_type.R (rules),
    R/ptd_calculate_assurance_type.R (assurance), vignettes/deviations.Rmd (where it differs
    from the MDC Excel tools).
[PTD-194] NHSRplotthedots issue #194 (MDC team, Nov 2023): the two-sigma rule now counts
    points beyond three sigma too; all three points must be on the same side of the mean.
[PTD-202] NHSRplotthedots issue #202 (Jan 2024): the MDC Excel tool allows 6 or 7 points for
    the shift and trend rules; NHSRplotthedots uses 7 for both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

Improvement = Literal["higher", "lower"] | None
Side = Literal["high", "low"]
Nature = Literal["improvement", "concern", "neither"]

# XmR constants [MDC-SQL step 4e]: limits are mean ± 2.66 × mean moving range (2.66 = 3 / d2,
# d2 = 1.128 for ranges of two points); the one- and two-sigma lines are a third and two
# thirds of that distance (≈ 0.887 and ≈ 1.773 × mean MR). Moving ranges above 3.267 × mean MR
# are "high points" on the moving-range chart.
LIMIT_FACTOR = 2.66
RANGE_LIMIT_FACTOR = 3.267

# Run lengths. MDC SQL v2.6 changed both defaults from 7 to 6 ("Changed
# @SettingSpecialCauseShiftPoints default to 6 ... TrendPoints default to 6") and warns when
# either is outside 6-8; the trend count includes both end points. NHSRplotthedots (and the
# older MDC guides) use 7 [PTD-202]. Callers who must match a 7-point tool pass 7.
DEFAULT_SHIFT_POINTS = 6
DEFAULT_TREND_POINTS = 6

# Fewer points than these make limits unreliable: MDC shows a run chart below 13 points per
# chart and warns below 12 points per partition (segment) [MDC-SQL step 2b].
MINIMUM_POINTS = 13
MINIMUM_SEGMENT_POINTS = 12

RULES: dict[str, str] = {
    "single_point": "A single point beyond a process limit",
    "shift": "A shift: a run of points all above or all below the mean",
    "trend": "A trend: a run of points all increasing or all decreasing",
    "two_of_three": "Two out of three points beyond two sigma on the same side of the mean",
}

VARIATION_TEXT: dict[str, str] = {
    "common_cause": "Common cause variation",
    "improvement_high": "Special cause variation of an improving nature where the measure is "
    "significantly HIGHER",
    "improvement_low": "Special cause variation of an improving nature where the measure is "
    "significantly LOWER",
    "concern_high": "Special cause variation of a concerning nature where the measure is "
    "significantly HIGHER",
    "concern_low": "Special cause variation of a concerning nature where the measure is "
    "significantly LOWER",
    "neither_high": "Special cause variation of neither improvement nor concern where the "
    "measure is significantly HIGHER",
    "neither_low": "Special cause variation of neither improvement nor concern where the "
    "measure is significantly LOWER",
}

ASSURANCE_TEXT: dict[str, str] = {
    # "pass" is the assurance, not a password.
    "pass": "Variation indicates consistently (P)assing the target",  # nosec B105
    "fail": "Variation indicates consistently (F)ailing the target",
    "hit_or_miss": "Variation indicates inconsistently hitting and missing the target",
}


@dataclass(frozen=True)
class Signal:
    """One special-cause rule triggered at a point, and which way it points."""

    rule: str  # a key of RULES
    side: Side
    nature: Nature

    @property
    def label(self) -> str:
        return RULES[self.rule]


@dataclass(frozen=True)
class Segment:
    """A stretch of points sharing one mean and one set of limits (a recalculation starts
    a new one, e.g. after a service change)."""

    start: date
    end: date
    points: int
    mean: float
    mean_moving_range: float
    upper_limit: float
    lower_limit: float
    upper_two_sigma: float
    lower_two_sigma: float
    upper_one_sigma: float
    lower_one_sigma: float
    upper_range_limit: float
    excluded_moving_ranges: int = 0


@dataclass(frozen=True)
class SpcPoint:
    """A month (or other period) on the chart. `segment` is None for a missing value or for
    a point before `baseline_from` (shown, not analysed)."""

    date: date
    value: float | None
    segment: int | None
    moving_range: float | None = None
    signals: tuple[Signal, ...] = ()
    nature: Nature | Literal["common_cause"] | None = None
    side: Side | None = None

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(s.rule for s in self.signals))

    @property
    def special_cause(self) -> bool:
        return bool(self.signals)


@dataclass(frozen=True)
class Icon:
    """An MDC summary icon as a code and its meaning in words (never shown as colour alone)."""

    code: str
    text: str


@dataclass(frozen=True)
class SpcResult:
    points: tuple[SpcPoint, ...]
    segments: tuple[Segment, ...]
    improvement: Improvement
    shift_points: int
    trend_points: int
    warnings: tuple[str, ...] = field(default=())

    def segment_of(self, point: SpcPoint) -> Segment | None:
        return None if point.segment is None else self.segments[point.segment]

    @property
    def analysed(self) -> tuple[SpcPoint, ...]:
        return tuple(p for p in self.points if p.segment is not None)

    @property
    def variation(self) -> Icon:
        """The variation icon describes the latest analysed point [MDC-SQL [VariationIcon],
        which reads the row ranked first by date descending]."""
        analysed = self.analysed
        if not analysed or analysed[-1].nature in (None, "common_cause"):
            return Icon("common_cause", VARIATION_TEXT["common_cause"])
        last = analysed[-1]
        code = f"{last.nature}_{last.side}"
        return Icon(code, VARIATION_TEXT[code])

    def assurance(self, target: float | None) -> Icon | None:
        """Whether the latest process limits lie wholly on one side of the target.

        [MDC-SQL [AssuranceIcon]]: with improvement up, a target at or below the lower limit
        is a pass, at or above the upper limit a fail, otherwise hit or miss (mirrored for
        down). No icon without a target or an improvement direction.
        """
        if target is None or self.improvement is None or not self.segments:
            return None
        last = self.segments[-1]
        lower, upper = last.lower_limit, last.upper_limit
        if lower < target < upper:
            code = "hit_or_miss"
        elif (target <= lower) == (self.improvement == "higher"):
            code = "pass"
        else:
            code = "fail"
        return Icon(code, ASSURANCE_TEXT[code])


def xmr(
    points: Sequence[tuple[date, float | None]],
    *,
    baseline_from: date | None = None,
    recalculate_from: Sequence[date] = (),
    improvement: Improvement = None,
    shift_points: int = DEFAULT_SHIFT_POINTS,
    trend_points: int = DEFAULT_TREND_POINTS,
    exclude_moving_range_outliers: bool = False,
    conflict: Literal["improvement", "concern"] = "improvement",
) -> SpcResult:
    """An XmR chart of `points`, with special-cause signals flagged on each point.

    - Missing values (None) are skipped, never read as zero: moving ranges join the values
      either side of a gap, and runs carry on across it.
    - Points before `baseline_from` are shown but not analysed (MDC "ghosted" points).
    - Each date in `recalculate_from` starts a new segment with its own mean and limits.
    - `exclude_moving_range_outliers`: MDC turns this off by default ("The 'Making Data
      Count' Excel tools do not screen outlying points" [PTD deviations vignette];
      @ExcludeMovingRangeOutliers = 0 [MDC-SQL]). When on, moving ranges above 3.267 × mean
      MR are left out of the mean MR, and their points out of the mean [MDC-SQL 2.1, 2.4].
    - `conflict`: which nature a point shows when it triggers both improvement and concern
      rules ([MDC-SQL [MetricConflictRule]]; the MDC single chart tool shows improvement
      [PTD-194 comment]).
    """
    if shift_points < 2 or trend_points < 2:
        raise ValueError("Run lengths must be at least 2 points")
    ordered = sorted(points, key=lambda p: p[0])
    _check_unique(ordered)
    segment_ids = _assign_segments(ordered, baseline_from, recalculate_from)
    groups = _group(ordered, segment_ids)
    segments = tuple(_segment(values, exclude_moving_range_outliers) for values in groups)
    moving = _moving_ranges(ordered, segment_ids)
    signals = _signals(ordered, segment_ids, segments, shift_points, trend_points, improvement)
    result_points = tuple(
        _point(day, value, seg, moving.get(i), signals.get(i, []), improvement, conflict)
        for i, ((day, value), seg) in enumerate(zip(ordered, segment_ids, strict=True))
    )
    return SpcResult(
        points=result_points,
        segments=segments,
        improvement=improvement,
        shift_points=shift_points,
        trend_points=trend_points,
        warnings=_warnings(segments),
    )


# --- segments and limits ----------------------------------------------------------------


def _check_unique(ordered: Sequence[tuple[date, float | None]]) -> None:
    days = [day for day, _ in ordered]
    if len(days) != len(set(days)):
        raise ValueError("Each date may appear only once in an SPC series")


def _assign_segments(
    ordered: Sequence[tuple[date, float | None]],
    baseline_from: date | None,
    recalculate_from: Sequence[date],
) -> list[int | None]:
    """Segment index per point; None for missing values and points before the baseline."""
    starts = sorted(set(recalculate_from))
    raw: list[int | None] = []
    for day, value in ordered:
        if value is None or (baseline_from is not None and day < baseline_from):
            raw.append(None)
        else:
            raw.append(sum(1 for s in starts if s <= day))
    # Renumber so that a recalculation date with no points after it makes no empty segment.
    numbering = {old: new for new, old in enumerate(sorted({s for s in raw if s is not None}))}
    return [None if s is None else numbering[s] for s in raw]


def _group(
    ordered: Sequence[tuple[date, float | None]], segment_ids: Sequence[int | None]
) -> list[list[tuple[date, float]]]:
    count = max((s for s in segment_ids if s is not None), default=-1) + 1
    groups: list[list[tuple[date, float]]] = [[] for _ in range(count)]
    for (day, value), seg in zip(ordered, segment_ids, strict=True):
        if seg is not None and value is not None:
            groups[seg].append((day, float(value)))
    for group in groups:
        if len(group) < 2:
            raise ValueError(
                f"The segment starting {group[0][0]:%d %b %Y} has one value; limits need at "
                "least two (choose a later recalculation date)"
            )
    return groups


def _segment(points: list[tuple[date, float]], exclude_outliers: bool) -> Segment:
    values = [v for _, v in points]
    ranges = [abs(b - a) for a, b in zip(values, values[1:], strict=False)]
    mean_mr = sum(ranges) / len(ranges)
    mean = sum(values) / len(values)
    excluded = 0
    if exclude_outliers:
        cut = RANGE_LIMIT_FACTOR * mean_mr
        kept = [r for r in ranges if r <= cut]
        excluded = len(ranges) - len(kept)
        # The point after an outlying range is the suspect one, so it leaves the mean too.
        kept_values = [values[0]] + [v for v, r in zip(values[1:], ranges, strict=True) if r <= cut]
        mean_mr = sum(kept) / len(kept) if kept else mean_mr
        mean = sum(kept_values) / len(kept_values)
    width = LIMIT_FACTOR * mean_mr
    return Segment(
        start=points[0][0],
        end=points[-1][0],
        points=len(points),
        mean=mean,
        mean_moving_range=mean_mr,
        upper_limit=mean + width,
        lower_limit=mean - width,
        upper_two_sigma=mean + width * 2 / 3,
        lower_two_sigma=mean - width * 2 / 3,
        upper_one_sigma=mean + width / 3,
        lower_one_sigma=mean - width / 3,
        upper_range_limit=RANGE_LIMIT_FACTOR * mean_mr,
        excluded_moving_ranges=excluded,
    )


def _moving_ranges(
    ordered: Sequence[tuple[date, float | None]], segment_ids: Sequence[int | None]
) -> dict[int, float]:
    """Moving range per point index, within its segment (the first point of each has none)."""
    result: dict[int, float] = {}
    previous: dict[int, float] = {}
    for i, ((_, value), seg) in enumerate(zip(ordered, segment_ids, strict=True)):
        if seg is None or value is None:
            continue
        if seg in previous:
            result[i] = abs(float(value) - previous[seg])
        previous[seg] = float(value)
    return result


def _warnings(segments: Sequence[Segment]) -> tuple[str, ...]:
    found: list[str] = []
    total = sum(s.points for s in segments)
    if total < MINIMUM_POINTS:
        found.append(
            f"Only {total} points: Making Data Count needs {MINIMUM_POINTS} or more before "
            "limits are reliable, so read this as a run chart"
        )
    for seg in segments:
        if seg.points < MINIMUM_SEGMENT_POINTS and len(segments) > 1:
            found.append(
                f"The limits from {seg.start:%b %Y} rest on {seg.points} points "
                f"(fewer than {MINIMUM_SEGMENT_POINTS})"
            )
    return tuple(found)


# --- special-cause rules ------------------------------------------------------------------


def _signals(
    ordered: Sequence[tuple[date, float | None]],
    segment_ids: Sequence[int | None],
    segments: Sequence[Segment],
    shift_points: int,
    trend_points: int,
    improvement: Improvement,
) -> dict[int, list[Signal]]:
    """Rule signals per point index. Indices refer to `ordered`."""
    analysed = [
        (i, float(v), s)
        for i, ((_, v), s) in enumerate(zip(ordered, segment_ids, strict=True))
        if s is not None and v is not None
    ]
    found: dict[int, list[tuple[str, Side]]] = {}
    for idx, side in _single_points(analysed, segments):
        found.setdefault(idx, []).append(("single_point", side))
    for idx, side in _shifts(analysed, segments, shift_points):
        found.setdefault(idx, []).append(("shift", side))
    for idx, side in _trends(analysed, trend_points):
        found.setdefault(idx, []).append(("trend", side))
    for idx, side in _two_of_three(analysed, segments):
        found.setdefault(idx, []).append(("two_of_three", side))
    return {
        idx: [Signal(rule, side, _nature(side, improvement)) for rule, side in pairs]
        for idx, pairs in found.items()
    }


def _single_points(analysed: list[tuple[int, float, int]], segments: Sequence[Segment]):
    """Strictly beyond a process limit [MDC-SQL step 4f]."""
    for idx, value, seg in analysed:
        if value > segments[seg].upper_limit:
            yield idx, "high"
        elif value < segments[seg].lower_limit:
            yield idx, "low"


def _shifts(analysed: list[tuple[int, float, int]], segments: Sequence[Segment], length: int):
    """Runs of `length` or more points all above (or all below) their segment's mean. A point
    on the mean breaks the run, and runs stop at a recalculation [MDC-SQL step 4g]."""

    def side(value: float, seg: int) -> Side | None:
        mean = segments[seg].mean
        return "high" if value > mean else "low" if value < mean else None

    keyed = [(idx, (seg, side(value, seg))) for idx, value, seg in analysed]
    yield from _runs(keyed, length, lambda key: key[1])


def _trends(analysed: list[tuple[int, float, int]], length: int):
    """Runs of `length` or more points each higher (or each lower) than the one before,
    counting both end points; equal neighbours break the run. Trends cross recalculations
    [MDC-SQL step 4h, v2.2 "allowing for crossing of partitions"]."""
    steps: list[tuple[int, Side | None]] = []
    for position in range(1, len(analysed)):
        before, now = analysed[position - 1][1], analysed[position][1]
        steps.append((position, "high" if now > before else "low" if now < before else None))
    # Each step joins two points, so a run of k steps is a trend of k + 1 points.
    for first, run_side, count in _step_runs(steps):
        if count + 1 >= length:
            for idx, _, _ in analysed[first - 1 : first + count]:
                yield idx, run_side


def _two_of_three(analysed: list[tuple[int, float, int]], segments: Sequence[Segment]):
    """Within any three consecutive points of a segment that are all on the same side of the
    mean, two or three beyond the two-sigma line flag those points. Since MDC v2.6, points
    beyond the process limit count too [MDC-SQL step 4i; PTD-194]."""
    flagged: dict[int, Side] = {}
    for window in zip(analysed, analysed[1:], analysed[2:], strict=False):
        if len({seg for _, _, seg in window}) != 1:
            continue
        seg = segments[window[0][2]]
        for side in ("high", "low"):
            if not all(_beyond(value, seg.mean, side) for _, value, _ in window):
                continue
            line = seg.upper_two_sigma if side == "high" else seg.lower_two_sigma
            beyond = [idx for idx, value, _ in window if _beyond(value, line, side)]
            if len(beyond) >= 2:
                flagged.update(dict.fromkeys(beyond, side))
    yield from sorted(flagged.items())


def _beyond(value: float, line: float, side: str) -> bool:
    return value > line if side == "high" else value < line


def _runs(keyed, length, side_of):
    """Yield (index, side) for members of runs of equal keys at least `length` long."""
    run: list[int] = []
    current = None
    for idx, key in [*keyed, (None, None)]:
        if key is not None and key == current and side_of(key) is not None:
            run.append(idx)
            continue
        if current is not None and side_of(current) is not None and len(run) >= length:
            yield from ((i, side_of(current)) for i in run)
        run, current = [idx], key


def _step_runs(keyed: list[tuple[int, Side | None]]):
    """Yield (first index, side, steps) for each maximal run of same-direction steps."""
    start = None
    side = None
    steps = 0
    for idx, step in [*keyed, (None, None)]:
        if step is not None and step == side:
            steps += 1
            continue
        if side is not None:
            yield start, side, steps
        start, side, steps = idx, step, 1


def _nature(side: Side, improvement: Improvement) -> Nature:
    if improvement is None:
        return "neither"
    return "improvement" if (side == "high") == (improvement == "higher") else "concern"


def _point(
    day: date,
    value: float | None,
    seg: int | None,
    moving_range: float | None,
    signals: list[Signal],
    improvement: Improvement,
    conflict: Nature,
) -> SpcPoint:
    if seg is None or value is None:
        # Outside every segment (or a gap): charted, not analysed.
        return SpcPoint(day, value, None)
    if not signals:
        return SpcPoint(day, float(value), seg, moving_range, (), "common_cause", None)
    natures = {s.nature for s in signals}
    # A conflict between improvement and concern is settled by the caller's rule.
    nature: Nature = conflict if len(natures) > 1 else natures.pop()
    sides = [s.side for s in signals if s.nature == nature]
    # For "neither" both sides can fire (e.g. a rising trend inside a low shift); MDC checks
    # high first [MDC-SQL [VariationIcon]].
    side: Side = "high" if "high" in sides else "low"
    return SpcPoint(day, float(value), seg, moving_range, tuple(signals), nature, side)
