"""XmR limits and the Making Data Count special-cause rules, checked against hand-computed
examples (see metrics/spc.py for the sources of each rule)."""

from datetime import date

import pytest

from metrics.spc import ASSURANCE_TEXT, VARIATION_TEXT, xmr

START = date(2020, 4, 1)


def _add_months(day, count):
    index = day.year * 12 + day.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def monthly(values, start=START):
    return [(_add_months(start, i), v) for i, v in enumerate(values)]


def flagged(result, rule):
    return [i for i, p in enumerate(result.points) if rule in p.rules]


# --- limits -------------------------------------------------------------------------------


def test_limits_of_a_small_series_match_the_hand_calculation():
    # Values 10, 12, 11, 13, 14: mean 60/5 = 12; moving ranges 2, 1, 2, 1 → mean MR 1.5.
    result = xmr(monthly([10, 12, 11, 13, 14]))
    seg = result.segments[0]
    assert seg.mean == pytest.approx(12.0)
    assert seg.mean_moving_range == pytest.approx(1.5)
    assert seg.upper_limit == pytest.approx(12 + 2.66 * 1.5)  # 15.99
    assert seg.lower_limit == pytest.approx(12 - 2.66 * 1.5)  # 8.01
    assert seg.upper_two_sigma == pytest.approx(12 + 2.66 * 1.5 * 2 / 3)  # 14.66
    assert seg.lower_one_sigma == pytest.approx(12 - 2.66 * 1.5 / 3)  # 10.67
    assert seg.upper_range_limit == pytest.approx(3.267 * 1.5)
    assert [p.moving_range for p in result.points] == [None, 2, 1, 2, 1]


def test_one_and_two_sigma_lines_are_about_0_887_and_1_77_mean_moving_ranges():
    seg = xmr(monthly([0, 1, 0, 1])).segments[0]  # mean 0.5, mean MR 1
    assert seg.upper_one_sigma - seg.mean == pytest.approx(0.887, abs=0.001)
    assert seg.upper_two_sigma - seg.mean == pytest.approx(1.773, abs=0.001)


def test_missing_values_are_skipped_not_read_as_zero():
    # With the gap skipped: values 10, 12, 14 → mean 12, moving ranges 2, 2 (12 → 14 across
    # the gap). Reading None as zero would give mean 9 and ranges of 12 and 14.
    result = xmr(monthly([10, 12, None, 14]))
    seg = result.segments[0]
    assert seg.mean == pytest.approx(12.0)
    assert seg.mean_moving_range == pytest.approx(2.0)
    gap = result.points[2]
    assert gap.value is None and gap.segment is None and gap.rules == ()
    assert result.points[3].moving_range == pytest.approx(2.0)


def test_points_before_the_baseline_are_shown_but_not_analysed():
    result = xmr(monthly([100, 10, 12, 11, 13]), baseline_from=_add_months(START, 1))
    assert result.points[0].segment is None and result.points[0].value == 100
    assert result.segments[0].mean == pytest.approx(11.5)


def test_recalculation_gives_each_segment_its_own_mean_and_limits():
    values = [10, 11, 10, 11, 30, 31, 30, 31]
    result = xmr(monthly(values), recalculate_from=[_add_months(START, 4)])
    first, second = result.segments
    assert (first.mean, second.mean) == (pytest.approx(10.5), pytest.approx(30.5))
    assert first.mean_moving_range == pytest.approx(1.0)  # the 11 → 30 jump is in neither
    assert second.start == _add_months(START, 4) and first.end == _add_months(START, 3)
    assert [p.segment for p in result.points] == [0, 0, 0, 0, 1, 1, 1, 1]
    assert result.points[4].moving_range is None  # first point of a segment


def test_without_recalculation_the_step_is_special_cause():
    result = xmr(monthly([10, 11, 10, 11, 30, 31, 30, 31]))
    assert all(p.special_cause for p in result.points[4:])


def test_a_segment_with_one_value_is_refused_with_a_clear_message():
    with pytest.raises(ValueError, match="at least two"):
        xmr(monthly([1, 2, 3, 4]), recalculate_from=[_add_months(START, 3)])


def test_duplicate_dates_are_refused():
    with pytest.raises(ValueError, match="only once"):
        xmr([(START, 1), (START, 2)])


def test_moving_range_outliers_are_kept_by_default_as_the_mdc_tools_do():
    # Ranges 1, 1, 1, 8, 9, 1, 1, 1, 1, 1, 1 → mean MR 26/11: the MDC default keeps 8 and 9.
    values = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1]
    kept = xmr(monthly(values)).segments[0]
    assert kept.mean_moving_range == pytest.approx(26 / 11)
    assert kept.mean == pytest.approx(26 / 12)
    assert kept.excluded_moving_ranges == 0


def test_moving_range_outliers_can_be_excluded():
    # Range limit 3.267 × 26/11 ≈ 7.72, so the 8 (2 → 10) and the 9 (10 → 1) go: mean MR is
    # 9/9 = 1. The points after them (the 10 and the next 1) leave the mean: 15/10 = 1.5.
    values = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1]
    seg = xmr(monthly(values), exclude_moving_range_outliers=True).segments[0]
    assert seg.excluded_moving_ranges == 2
    assert seg.mean_moving_range == pytest.approx(1.0)
    assert seg.mean == pytest.approx(1.5)
    assert seg.upper_limit == pytest.approx(1.5 + 2.66)


# --- single point beyond a limit ----------------------------------------------------------


def test_a_point_beyond_the_upper_limit_is_special_cause():
    result = xmr(monthly([10, 11, 10, 11, 10, 11, 10, 11, 30, 10, 11]), improvement="lower")
    assert flagged(result, "single_point") == [8]
    point = result.points[8]
    assert (point.nature, point.side) == ("concern", "high")


def test_a_point_inside_the_limits_is_common_cause():
    result = xmr(monthly([10, 12, 11, 13, 14]))
    assert flagged(result, "single_point") == []
    assert {p.nature for p in result.points} == {"common_cause"}


# --- shift --------------------------------------------------------------------------------

ALTERNATING = [20, 10] * 3  # mean 15 on its own, ending below it


def shift_series(run_length):
    # A run above the mean after alternating points; the tail drops back below.
    return ALTERNATING + [16] * run_length + [5, 25, 5]


def test_six_points_above_the_mean_are_a_shift_by_default():
    result = xmr(monthly(shift_series(6)))
    assert result.segments[0].mean < 16
    assert flagged(result, "shift") == list(range(6, 12))


def test_five_points_above_the_mean_are_not_a_shift():
    assert flagged(xmr(monthly(shift_series(5))), "shift") == []


def test_the_shift_length_can_be_set_to_seven_as_nhsr_plot_the_dots_uses():
    assert flagged(xmr(monthly(shift_series(6)), shift_points=7), "shift") == []
    assert flagged(xmr(monthly(shift_series(7)), shift_points=7), "shift") == list(range(6, 13))


def test_a_point_on_the_mean_breaks_a_shift():
    # 110 / 22 = 5: the 5s sit exactly on the mean and split every run into fives.
    values = [10] * 5 + [5] + [10] * 5 + [0] * 5 + [5] + [0] * 5
    result = xmr(monthly(values))
    assert result.segments[0].mean == pytest.approx(5)
    assert flagged(result, "shift") == []


def test_a_shift_does_not_run_across_a_recalculation():
    # Seven 12s in a row: a shift against one mean (7.9), but four above the first segment's
    # mean (7.8) and three above the second's (8.0) once limits are recalculated.
    values = [10, 0, 10, 0, 10, 0, 12, 12, 12, 12, 12, 12, 12, 2, 10, 2, 10, 2, 10]
    assert flagged(xmr(monthly(values)), "shift") == list(range(6, 13))
    result = xmr(monthly(values), recalculate_from=[_add_months(START, 10)])
    assert [s.mean for s in result.segments] == [pytest.approx(7.8), pytest.approx(8.0)]
    assert flagged(result, "shift") == []


# --- trend --------------------------------------------------------------------------------


def test_six_rising_points_are_a_trend_by_default():
    values = [50, 40, 41, 42, 43, 44, 45, 30, 45, 35, 45]  # 40 … 45 is six points
    result = xmr(monthly(values), improvement="higher")
    assert flagged(result, "trend") == [1, 2, 3, 4, 5, 6]
    assert {result.points[i].nature for i in range(1, 7)} == {"improvement"}


def test_five_rising_points_are_not_a_trend():
    values = [50, 40, 41, 42, 43, 44, 30, 45, 35, 45]
    assert flagged(xmr(monthly(values)), "trend") == []


def test_the_trend_length_can_be_set_to_seven():
    six = [50, 40, 41, 42, 43, 44, 45, 30, 45, 35, 45]
    seven = [50, 40, 41, 42, 43, 44, 45, 46, 30, 45, 35, 45]
    assert flagged(xmr(monthly(six), trend_points=7), "trend") == []
    assert flagged(xmr(monthly(seven), trend_points=7), "trend") == [1, 2, 3, 4, 5, 6, 7]


def test_a_falling_trend_is_a_concern_when_higher_is_better():
    values = [30, 50, 49, 48, 47, 46, 45, 60, 40, 55]
    result = xmr(monthly(values), improvement="higher")
    assert flagged(result, "trend") == [1, 2, 3, 4, 5, 6]
    signal = next(s for s in result.points[3].signals if s.rule == "trend")
    assert (signal.side, signal.nature) == ("low", "concern")


def test_an_equal_neighbour_breaks_a_trend():
    values = [50, 40, 41, 42, 42, 43, 44, 30, 45, 35, 45]
    assert flagged(xmr(monthly(values)), "trend") == []


def test_a_trend_runs_across_a_recalculation_as_mdc_does():
    values = [50, 40, 41, 42, 43, 44, 45, 30, 45, 35, 45]
    result = xmr(monthly(values), recalculate_from=[_add_months(START, 4)])
    assert len(result.segments) == 2
    assert flagged(result, "trend") == [1, 2, 3, 4, 5, 6]


def test_a_trend_runs_across_a_missing_month():
    values = [50, 40, 41, 42, None, 43, 44, 45, 30, 45, 35, 45]
    assert flagged(xmr(monthly(values)), "trend") == [1, 2, 3, 5, 6, 7]


# --- two of three beyond two sigma --------------------------------------------------------

# Twenty points alternating 10/12, then the pattern under test, then 12, 10. The comments
# give each series' mean and mean moving range (MR) by hand; 2σ = mean + 2.66 × MR × 2/3.
BASE = [10, 12] * 10
TAIL = [12, 10]


def test_two_of_three_points_beyond_two_sigma_on_one_side_are_special_cause():
    # Sum 296 / 26 = 11.385; MR (19 × 2 + 4 + 4 + 4 + 6 + 2 + 2) / 25 = 2.4; 2σ = 15.641.
    result = xmr(monthly([*BASE, 16, 12, 16, 10, *TAIL]))
    seg = result.segments[0]
    assert seg.mean == pytest.approx(296 / 26)
    assert seg.mean_moving_range == pytest.approx(2.4)
    assert seg.upper_two_sigma == pytest.approx(296 / 26 + 2.66 * 2.4 * 2 / 3)
    assert flagged(result, "two_of_three") == [20, 22]  # the 12 between them is not flagged
    assert result.points[21].rules == ()


def test_two_beyond_two_sigma_with_the_third_below_the_mean_are_not():
    # The 10 between the two 16s is below the mean (11.3), so the three are not on one side.
    result = xmr(monthly([*BASE, 16, 10, 16, 10, *TAIL]))
    assert result.segments[0].upper_two_sigma < 16
    assert flagged(result, "two_of_three") == []


def test_two_near_limits_on_opposite_sides_are_not_special_cause():
    # NHSRplotthedots issue #143: 5.5 then −5.5 in a symmetric series.
    values = [1, -1] * 7 + [5.5, -5.5]
    result = xmr(monthly(values))
    seg = result.segments[0]
    assert seg.upper_two_sigma < 5.5 and seg.lower_two_sigma > -5.5  # both beyond 2σ
    assert flagged(result, "two_of_three") == []


def test_one_point_beyond_two_sigma_is_not_enough():
    result = xmr(monthly([*BASE, 16, 12, 12, 10, *TAIL]))
    assert result.segments[0].upper_two_sigma < 16
    assert flagged(result, "two_of_three") == []


def test_a_point_beyond_the_limit_counts_towards_two_of_three():
    # MDC v2.6: a point beyond the process limit now counts as beyond two sigma.
    # Sum 299 / 26 = 11.5; MR (38 + 4 + 3 + 7 + 2 + 2 + 2) / 25 = 2.32; 2σ 15.614, UPL 17.671.
    result = xmr(monthly([*BASE, 16, 19, 12, 10, 12, 10]))
    seg = result.segments[0]
    assert (seg.mean, seg.mean_moving_range) == (pytest.approx(11.5), pytest.approx(2.32))
    assert seg.upper_two_sigma < 16 < seg.upper_limit < 19
    assert flagged(result, "two_of_three") == [20, 21]
    assert set(result.points[21].rules) == {"single_point", "two_of_three"}


def test_two_of_three_below_the_mean_is_an_improvement_when_lower_is_better():
    # Sum 276 / 26 = 10.615; lower 2σ = 6.359, so both 6s are beyond it and the 10 is below
    # the mean.
    result = xmr(monthly([*BASE, 6, 10, 6, 12, *TAIL]), improvement="lower")
    assert flagged(result, "two_of_three") == [20, 22]
    assert (result.points[20].nature, result.points[20].side) == ("improvement", "low")


# --- icons --------------------------------------------------------------------------------


def test_variation_icon_reads_the_latest_point():
    common = xmr(monthly([10, 12, 11, 13, 14]))
    assert common.variation.code == "common_cause"
    assert common.variation.text == "Common cause variation"
    shifted = xmr(monthly(shift_series(6)[:12]), improvement="lower")
    assert shifted.variation.code == "concern_high"
    assert shifted.variation.text == VARIATION_TEXT["concern_high"]
    assert "concerning nature" in shifted.variation.text and "HIGHER" in shifted.variation.text


def test_variation_icon_without_an_improvement_direction_is_neither():
    result = xmr(monthly(shift_series(6)[:12]))
    assert result.variation.code == "neither_high"
    assert "neither improvement nor concern" in result.variation.text


def test_conflicting_rules_follow_the_conflict_setting():
    # A rising trend (improvement when higher is better) inside a run below the mean (concern).
    values = [100, 100, 100, 100, 100, 100, 1, 2, 3, 4, 5, 6]
    shown = xmr(monthly(values), improvement="higher")
    assert {s.nature for s in shown.points[-1].signals} == {"improvement", "concern"}
    assert shown.points[-1].nature == "improvement"
    cautious = xmr(monthly(values), improvement="higher", conflict="concern")
    assert cautious.points[-1].nature == "concern"


@pytest.mark.parametrize(
    ("improvement", "target", "expected"),
    [
        ("higher", 8.0, "pass"),  # target at or below the lower limit (8.01)
        ("higher", 12.0, "hit_or_miss"),
        ("higher", 16.0, "fail"),  # target at or above the upper limit (15.99)
        ("lower", 16.0, "pass"),
        ("lower", 8.0, "fail"),
        ("lower", 12.0, "hit_or_miss"),
    ],
)
def test_assurance_icon_compares_the_target_with_the_process_limits(improvement, target, expected):
    result = xmr(monthly([10, 12, 11, 13, 14]), improvement=improvement)
    icon = result.assurance(target)
    assert icon.code == expected
    assert icon.text == ASSURANCE_TEXT[expected]


def test_assurance_wordings():
    assert ASSURANCE_TEXT["hit_or_miss"] == (
        "Variation indicates inconsistently hitting and missing the target"
    )
    assert "consistently (P)assing" in ASSURANCE_TEXT["pass"]
    assert "consistently (F)ailing" in ASSURANCE_TEXT["fail"]


def test_no_assurance_without_a_target_or_a_direction():
    assert xmr(monthly([10, 12, 11]), improvement="higher").assurance(None) is None
    assert xmr(monthly([10, 12, 11])).assurance(12) is None


def test_short_series_carry_a_warning():
    assert xmr(monthly([10, 12, 11])).warnings
    assert xmr(monthly([10, 12] * 7)).warnings == ()
