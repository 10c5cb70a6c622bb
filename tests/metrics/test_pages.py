"""Page builders in metrics/pages.py and the rules they compose: the comparison table's order
(areas without a value last both ways), year aggregation in one function, financial-year
arithmetic, and the metric page built without touching the view."""

from datetime import date
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from metrics import pages
from metrics.choices import OnTrack, unit_text
from metrics.models import Area
from metrics.periods import (
    add_months,
    financial_year_of,
    fy_last_month,
    fy_start,
    in_financial_year,
    month_range,
    quarter_starts,
    year_value,
)
from metrics.rules import MetricObservations
from metrics.selectors import AreaValue
from metrics.status import MetricStatus
from metrics.tables import ComparisonTable
from tests.metrics.factories import NEL, WOLVERHAMPTON, area, metric, wolverhampton_nel

months = st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 12, 1)).map(
    lambda d: d.replace(day=1)
)


@given(months, st.integers(min_value=-240, max_value=240))
def test_adding_months_and_taking_them_away_returns_the_month(day, count):
    assert add_months(add_months(day, count), -count) == day


@given(months)
def test_a_month_is_in_exactly_its_own_financial_year(day):
    year = financial_year_of(day)
    assert in_financial_year(day, year)
    assert not in_financial_year(day, year - 1)
    assert not in_financial_year(day, year + 1)
    assert fy_start(year) <= day <= fy_last_month(year)


def test_a_financial_year_has_twelve_months_and_four_quarters():
    assert len(month_range(fy_start(2017), fy_last_month(2017))) == 12
    assert quarter_starts(2023) == [
        date(2023, 4, 1),
        date(2023, 7, 1),
        date(2023, 10, 1),
        date(2024, 1, 1),
    ]


@pytest.mark.parametrize(
    ("aggregation", "expected"),
    [("sum", 60.0), ("mean", 20.0), ("last", 30.0), ("ratio", 20.0)],
)
def test_a_years_value_from_its_months(aggregation, expected):
    assert year_value(aggregation, [10.0, 20.0, 30.0]) == expected


def test_a_ratio_year_sums_numerators_over_denominators():
    pairs = [(80.0, 100.0), (45.0, 50.0)]
    assert year_value("ratio", [80.0, 90.0], ratio_pairs=pairs) == pytest.approx(125 / 150 * 100)


def test_unit_text_and_status_words_come_from_choices():
    assert unit_text("rate", 100000) == "per 100,000"
    assert unit_text("percentage") == "%"
    status = MetricStatus(OnTrack.NOT_ON_TRACK, "why")
    assert (status.label, status.tag_class) == ("Not on track", "govuk-tag--red")


def _comparison(values):
    rows = [
        AreaValue(Area(pk=i, code=f"E0{i}", name=name), value, 12)
        for i, (name, value) in enumerate(values, start=1)
    ]
    return SimpleNamespace(rows=rows, unit="count", metric=SimpleNamespace(code=NEL))


@pytest.mark.parametrize("sort", ["value", "-value"])
def test_areas_without_a_value_go_last_whichever_way_the_table_is_sorted(sort):
    comparison = _comparison([("Bury", None), ("Leeds", 5.0), ("Wigan", 1.0), ("York", 3.0)])
    table = ComparisonTable(comparison, sort)
    values = [r.value for r in table.records]
    assert values[-1] is None
    assert values[:3] == sorted(values[:3], reverse=sort.startswith("-"))


def test_an_unknown_sort_orders_the_table_by_area():
    table = ComparisonTable(_comparison([("York", 1.0), ("Bury", None), ("Leeds", 2.0)]), "x")
    assert [r.area.name for r in table.records] == ["Bury", "Leeds", "York"]
    assert [str(o) for o in table.order_by] == ["area"]


@pytest.mark.django_db
def test_the_metric_page_builder_reads_two_queries_for_its_observations(
    django_assert_num_queries,
):
    wolverhampton_nel()
    wolves, nel = area(WOLVERHAMPTON), metric(NEL)
    with django_assert_num_queries(4):
        # The metric's breaks and breakdowns (two), the observations and their revisions.
        page = pages.metric_page(area=wolves, metric=nel, financial_year=2016)
    assert page.year_label == "2016/17"
    assert page.unit == "count"
    assert page.figure is not None


@pytest.mark.django_db
def test_observations_by_kind_know_their_years():
    wolverhampton_nel()
    from metrics.selectors import metric_observations

    wolves, nel = area(WOLVERHAMPTON), metric(NEL)
    grouped = MetricObservations.of(nel, metric_observations(wolves, nel, with_history=False))
    assert grouped.years() == [2017, 2016]
    assert len(grouped.values("actual", 2016)) == 12
    assert grouped.latest(2017) == (date(2017, 3, 1), 1954)
