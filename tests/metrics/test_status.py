"""BCF on-track status: each outcome, both polarities, the tolerance boundary, missing months,
and complete years judged against the annual target or the full-year plan."""

from dataclasses import asdict
from datetime import date

import pytest

from metrics.status import metric_status

# Wolverhampton 2017/18 "Total NEL" plan (domain-reference §4.1, Figure 21); full year 21,749.
NEL_PLAN_2017 = [1758, 1825, 1793, 1858, 1683, 1717, 1798, 1875, 1904, 1859, 1787, 1892]


def months(year=2017):
    return [date(year + (m < 4), m, 1) for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)]


def by_month(values, year=2017):
    return dict(zip(months(year), values, strict=False))


PLAN = by_month(NEL_PLAN_2017)


def status(actuals, **options):
    options.setdefault("polarity", "lower_is_better")
    options.setdefault("plan", PLAN)
    return metric_status(financial_year=2017, actuals=actuals, **options)


def test_wolverhampton_plan_sums_to_the_full_year_figure():
    assert sum(PLAN.values()) == 21749


def test_no_actuals_is_data_not_available():
    result = status({})
    assert result.code == "data_not_available"
    assert (result.label, result.tag_class) == ("Data not available", "govuk-tag--grey")
    assert result.reason == "No actuals uploaded for 2017/18"


def test_months_uploaded_as_blank_are_no_actuals():
    assert status(by_month([None] * 12)).code == "data_not_available"


def test_below_plan_is_on_track_when_lower_is_better():
    result = status(by_month([1700, 1800]))  # 3,500 against 3,583: 2.3% below
    assert result.code == "on_track"
    assert (result.label, result.tag_class) == ("On track", "govuk-tag--green")
    assert result.reason == "Year to date 2.3% below plan; lower is better"
    assert (result.actual, result.plan, result.months_with_actuals) == (3500, 3583, 2)


def test_above_plan_is_not_on_track_when_lower_is_better():
    # 1,758 × 1.031 = 1,812.5: 1,813 is 3.1% above plan.
    result = status(by_month([1813]))
    assert result.code == "not_on_track"
    assert (result.label, result.tag_class) == ("Not on track", "govuk-tag--red")
    assert result.reason == "Year to date 3.1% above plan; lower is better"


def test_above_plan_is_on_track_when_higher_is_better():
    result = status(by_month([1813]), polarity="higher_is_better")
    assert result.code == "on_track"
    assert result.reason == "Year to date 3.1% above plan; higher is better"


def test_below_plan_is_not_on_track_when_higher_is_better():
    result = status(by_month([1700]), polarity="higher_is_better")
    assert result.code == "not_on_track"
    assert result.reason.endswith("below plan; higher is better")


def test_exactly_on_plan_is_on_track_for_either_polarity():
    for polarity in ("lower_is_better", "higher_is_better"):
        result = status(by_month([1758]), polarity=polarity)
        assert result.code == "on_track"
        assert result.reason.startswith("Year to date in line with plan")


@pytest.mark.parametrize(
    ("actual", "polarity", "expected"),
    [
        (1025, "lower_is_better", "on_track"),  # exactly 2.5% above: inside the tolerance
        (1026, "lower_is_better", "not_on_track"),  # 2.6% above
        (975, "higher_is_better", "on_track"),  # exactly 2.5% below
        (974, "higher_is_better", "not_on_track"),  # 2.6% below
    ],
)
def test_tolerance_boundary_is_inclusive(actual, polarity, expected):
    result = metric_status(
        financial_year=2017,
        actuals=by_month([actual]),
        plan=by_month([1000] * 12),
        polarity=polarity,
        tolerance=2.5,
    )
    assert result.code == expected


def test_within_tolerance_says_so():
    result = metric_status(
        financial_year=2017,
        actuals=by_month([1020]),
        plan=by_month([1000] * 12),
        polarity="lower_is_better",
        tolerance=2.5,
    )
    assert result.reason == (
        "Year to date 2.0% above plan, within the 2.5% tolerance; lower is better"
    )


def test_zero_tolerance_puts_any_adverse_variance_off_track():
    assert status(by_month([1759]), tolerance=0.0).code == "not_on_track"


def test_missing_months_are_left_out_of_both_sides():
    # April and June uploaded, May missing: compare 1,700 + 1,750 with 1,758 + 1,793 only.
    result = status(by_month([1700, None, 1750]))
    assert result.months_with_actuals == 2
    assert result.plan == 1758 + 1793
    assert result.code == "on_track"


def test_actuals_outside_the_year_are_ignored():
    actuals = {date(2017, 3, 1): 99999, date(2017, 4, 1): 1700}
    assert status(actuals).actual == 1700


def test_a_month_with_actuals_but_no_plan_is_data_not_available():
    plan = dict(PLAN)
    plan[date(2017, 5, 1)] = None
    result = status(by_month([1700, 1800]), plan=plan)
    assert result.code == "data_not_available"
    assert "No plan" in result.reason


def test_mean_aggregation_compares_averages():
    result = metric_status(
        financial_year=2017,
        actuals=by_month([80, 90]),
        plan=by_month([85.7] * 12),
        polarity="higher_is_better",
        aggregation="mean",
    )
    assert result.actual == 85
    assert result.code == "not_on_track"  # 85 is 0.8% below 85.7


def test_last_aggregation_compares_the_latest_month():
    result = metric_status(
        financial_year=2017,
        actuals=by_month([100, 100, 60]),
        plan=by_month([80] * 12),
        polarity="lower_is_better",
        aggregation="last",
    )
    assert (result.actual, result.plan, result.code) == (60, 80, "on_track")


def test_ratio_aggregation_pools_numerators_and_denominators():
    # 300/350 + 60/70 = 360/420 = 85.7% against a planned 85.7%.
    result = metric_status(
        financial_year=2017,
        actuals={},
        plan=by_month([85.7] * 12),
        numerators=by_month([300, 60]),
        denominators=by_month([350, 70]),
        polarity="higher_is_better",
        aggregation="ratio",
    )
    assert result.actual == pytest.approx(360 / 420 * 100)
    assert result.code == "on_track"


def test_ratio_with_a_zero_denominator_is_no_data():
    result = metric_status(
        financial_year=2017,
        actuals={},
        plan=by_month([85.7] * 12),
        numerators=by_month([0]),
        denominators=by_month([0]),
        polarity="higher_is_better",
        aggregation="ratio",
    )
    assert result.code == "data_not_available"


def test_complete_year_below_the_annual_target_is_achieved():
    actuals = by_month([v - 10 for v in NEL_PLAN_2017])  # 21,749 − 120 = 21,629
    result = status(actuals, annual_target=21749)
    assert result.code == "achieved"
    assert (result.label, result.tag_class) == ("Achieved", "govuk-tag--green")
    assert result.reason == (
        "2017/18 total 21,629 against the annual target of 21,749 (0.6% below); lower is better"
    )


def test_complete_year_above_the_annual_target_is_not_achieved():
    actuals = by_month([v + 10 for v in NEL_PLAN_2017])
    result = status(actuals, annual_target=21749, tolerance=5.0)
    # The tolerance widens "on track", never "achieved".
    assert result.code == "not_achieved"
    assert (result.label, result.tag_class) == ("Not achieved", "govuk-tag--red")


def test_complete_year_without_a_target_is_judged_against_the_full_year_plan():
    result = status(by_month(NEL_PLAN_2017))
    assert result.code == "achieved"
    assert "the full-year plan of 21,749" in result.reason


def test_complete_year_higher_is_better():
    result = metric_status(
        financial_year=2017,
        actuals=by_month([80] * 12),
        plan=by_month([85.7] * 12),
        polarity="higher_is_better",
        aggregation="mean",
        annual_target=85.7,
    )
    assert result.code == "not_achieved"
    assert result.reason.startswith("2017/18 average 80 against the annual target of 85.7")


def test_eleven_months_is_still_year_to_date():
    assert status(by_month([*NEL_PLAN_2017[:11], None])).code == "on_track"


def test_a_closed_year_missing_a_month_has_no_total():
    result = status(by_month([*NEL_PLAN_2017[:11], None]), year_complete=True)
    assert result.code == "data_not_available"
    assert result.reason == (
        "2017/18 is closed but has no actuals for Mar 2018, so its total is incomplete"
    )


def test_a_closed_year_of_averages_is_judged_on_the_months_there_are():
    result = metric_status(
        financial_year=2017,
        actuals=by_month([90] * 11),
        plan=by_month([85.7] * 12),
        polarity="higher_is_better",
        aggregation="mean",
        year_complete=True,
    )
    assert result.code == "achieved"
    assert result.reason.endswith("11 of 12 months have actuals")


def test_status_as_a_dict_carries_label_and_tag_class():
    fields = asdict(status({}))
    assert fields["label"] == "Data not available"
    assert fields["tag_class"] == "govuk-tag--grey"


def test_unknown_polarity_is_refused():
    with pytest.raises(ValueError, match="Polarity"):
        status({}, polarity="up")


QUARTERS_2023 = [date(2023, 4, 1), date(2023, 7, 1), date(2023, 10, 1), date(2024, 1, 1)]


def test_a_quarterly_metric_is_judged_year_to_date_until_its_fourth_quarter():
    plan = dict.fromkeys(QUARTERS_2023, 80.0)
    partial = metric_status(
        financial_year=2023,
        actuals=dict.fromkeys(QUARTERS_2023[:3], 82.0),
        plan=plan,
        polarity="higher_is_better",
        aggregation="mean",
        periods=QUARTERS_2023,
    )
    assert partial.code == "on_track"
    full = metric_status(
        financial_year=2023,
        actuals=dict.fromkeys(QUARTERS_2023, 78.0),
        plan=plan,
        polarity="higher_is_better",
        aggregation="mean",
        periods=QUARTERS_2023,
    )
    assert full.code == "not_achieved"
