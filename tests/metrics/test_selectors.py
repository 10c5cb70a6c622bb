"""Read models in metrics/selectors.py and the page builders over them in metrics/pages.py: status
and sparkline for workstream pages (one query for any number of pairs), series building
(baselines), frameworks by year, comparison values."""

from datetime import date

import pytest

from metrics import pages, selectors
from metrics.choices import ObservationKind, PeriodKind
from metrics.models import Area, MetricFramework, Observation
from tests.metrics.factories import (
    ACTUAL_16_17,
    NEL,
    WOLVERHAMPTON,
    area,
    bulk_series,
    fy_months,
    metric,
    months_from,
    observations,
    wolverhampton_nel,
)

pytestmark = pytest.mark.django_db


def test_metric_status_for_defaults_to_the_latest_year_with_data():
    wolverhampton_nel()
    status, points = selectors.metric_status_for(area=area(WOLVERHAMPTON), metric=metric(NEL))
    assert status.label == "Data not available"
    assert status.reason == "No actuals uploaded for 2017/18"
    assert points == []


def test_metric_status_for_a_closed_year_with_its_sparkline():
    wolverhampton_nel()
    status, points = selectors.metric_status_for(
        area=area(WOLVERHAMPTON), metric=metric(NEL), financial_year=2016
    )
    # 2016/17 has actuals but no plan: judged complete against... nothing, so says so.
    assert status.code == "data_not_available"
    assert "neither an annual target nor a full-year plan" in status.reason
    assert [v for _, v in points] == ACTUAL_16_17
    assert points[0][0] == date(2016, 4, 1)


def test_metric_status_for_without_any_data():
    status, points = selectors.metric_status_for(area=area(WOLVERHAMPTON), metric=metric(NEL))
    assert status.label == "Data not available"
    assert points == []


def test_bulk_status_runs_one_query_for_any_number_of_pairs(django_assert_num_queries):
    metrics = [metric(c) for c in ("non-elective-admissions", "dtoc-delayed-days")]
    areas = list(Area.objects.filter(is_hwb=True).order_by("code")[:20])
    bulk_series(metrics=metrics, areas=areas, months=months_from(date(2016, 4, 1), 24))
    for pairs in ([(areas[0], metrics[0])], [(a, m) for a in areas for m in metrics]):
        with django_assert_num_queries(1):
            result = selectors.metric_statuses_for(pairs)
        assert set(result) == {(a.pk, m.pk) for a, m in pairs}
    status, points = result[(areas[0].pk, metrics[0].pk)]
    assert status.code in {"achieved", "not_achieved"}
    assert len(points) == 12


def test_bulk_status_of_no_pairs_runs_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert selectors.metric_statuses_for([]) == {}


def test_uploaded_baseline_is_labelled_with_its_year():
    wolverhampton_nel()
    page = pages.metric_page(area=area(WOLVERHAMPTON), metric=metric(NEL), financial_year=2016)
    assert page.baseline_name == "Baseline (2015/16 activity)"
    assert page.totals == {"plan": None, "actual": 23187, "baseline": 24842}


def test_previous_year_actuals_stand_in_for_a_missing_baseline():
    wolverhampton_nel()
    page = pages.metric_page(area=area(WOLVERHAMPTON), metric=metric(NEL), financial_year=2017)
    assert page.baseline_name == "Previous year actual (2016/17)"
    assert page.totals == {"plan": 21749, "actual": None, "baseline": 23187}
    assert [r["month"] for r in page.table] == fy_months(2017)


def test_provenance_lists_the_years_values_with_their_upload():
    uploads = wolverhampton_nel()
    page = pages.metric_page(area=area(WOLVERHAMPTON), metric=metric(NEL), financial_year=2016)
    kinds = {(p.kind, p.current.upload_name) for p in page.provenance}
    assert kinds == {
        ("actual", uploads["fig20"].original_name),
        ("baseline", uploads["fig20"].original_name),
    }
    assert len(page.provenance) == 24


def test_provenance_includes_last_years_actuals_when_they_stand_in_for_the_baseline():
    uploads = wolverhampton_nel()
    page = pages.metric_page(area=area(WOLVERHAMPTON), metric=metric(NEL), financial_year=2017)
    kinds = {(p.kind, p.current.upload_name) for p in page.provenance}
    assert kinds == {
        ("actual", uploads["fig20"].original_name),
        ("plan", uploads["fig21"].original_name),
    }
    assert len(page.provenance) == 24


def test_frameworks_for_a_year_in_an_older_framework():
    frameworks = list(MetricFramework.objects.all())
    chosen = pages.frameworks_for_year(frameworks, 2018)
    assert [(f.slug, why) for f, why in chosen] == [
        ("bcf-2017-19", "in force in 2018/19"),
        ("bcf-2023-25", "current framework"),
    ]
    assert [f.slug for f, _ in pages.frameworks_for_year(frameworks, 2024)] == ["bcf-2023-25"]
    assert [f.slug for f, _ in pages.frameworks_for_year(frameworks, 2020)] == ["bcf-2023-25"]


def test_comparison_of_a_ratio_metric_uses_numerators_and_denominators():
    reablement = metric("reablement-91-days")
    areas = list(Area.objects.filter(is_hwb=True).order_by("code")[:2])
    upload = None
    for a, (num, den) in zip(areas, [(80, 100), (45, 50)], strict=True):
        obs = observations(
            metric=reablement,
            area=a,
            kind=ObservationKind.ACTUAL,
            period_kind=PeriodKind.YEAR,
            values={date(2017, 4, 1): num / den * 100},
            upload=upload,
        )
        Observation.objects.filter(pk__in=[o.pk for o in obs]).update(
            numerator=num, denominator=den
        )
    result = pages.comparison(metric=reablement)
    assert result.financial_year == 2017
    assert sorted(r.value for r in result.rows) == [80.0, 90.0]
    assert result.england is None


def test_dashboard_selector_runs_five_queries_whatever_the_data(django_assert_num_queries):
    metrics = [metric(c) for c in ("non-elective-admissions", "dtoc-delayed-days")]
    areas = list(Area.objects.filter(is_hwb=True).order_by("code")[:10])
    bulk_series(metrics=metrics, areas=areas, months=months_from(date(2015, 4, 1), 48))
    with django_assert_num_queries(5):
        board = pages.dashboard(area_code=areas[3].code, financial_year=2017)
    assert board.area == areas[3]
    assert board.years == [2018, 2017, 2016, 2015]
    tiles = {t.metric.code: t for s in board.sections for t in s.tiles}
    assert tiles[NEL].figure is not None
    assert len(tiles[NEL].table) == 12


def test_a_framework_with_data_in_the_year_is_shown_after_it_ended():
    """DTOC (BCF 2017–19) ran on to February 2020: 2019/20 shows it beside the current one."""
    trafford = area("E08000009")
    observations(
        metric=metric("dtoc-social-care-beds"),
        area=trafford,
        kind=ObservationKind.ACTUAL,
        values={date(2019, 4, 1): 20.1, date(2020, 2, 1): 18.5},
    )
    board = pages.dashboard(area_code=trafford.code)
    assert board.financial_year == 2019
    sections = {s.framework.slug: s.why for s in board.sections}
    assert sections == {"bcf-2017-19": "has data for 2019/20", "bcf-2023-25": "current framework"}
    assert board.sections[0].framework.slug == "bcf-2017-19"


def test_default_area_is_the_hwb_area_with_data_for_the_most_metrics():
    wolverhampton_nel()
    for code in ("E08000009", "E09000002"):
        observations(
            metric=metric("falls-admissions-65"),
            area=area(code),
            kind=ObservationKind.ACTUAL,
            period_kind=PeriodKind.YEAR,
            values={date(2017, 4, 1): 2500},
        )
    observations(
        metric=metric("falls-admissions-65"),
        area=area(WOLVERHAMPTON),
        kind=ObservationKind.ACTUAL,
        period_kind=PeriodKind.YEAR,
        values={date(2017, 4, 1): 2400},
    )
    assert pages.dashboard().area.code == WOLVERHAMPTON


def test_a_quarterly_metric_with_four_quarters_is_achieved_or_not():
    from metrics.choices import ObservationKind, PeriodKind
    from metrics.selectors import metric_status_for
    from tests.metrics.factories import area, metric, observations

    quarters = [date(2023, 4, 1), date(2023, 7, 1), date(2023, 10, 1), date(2024, 1, 1)]
    avoidable, wolves = metric("avoidable-admissions"), area("E08000031")
    for kind, value in ((ObservationKind.PLAN, 200.0), (ObservationKind.ACTUAL, 190.0)):
        observations(
            metric=avoidable,
            area=wolves,
            kind=kind,
            values=dict.fromkeys(quarters, value),
            period_kind=PeriodKind.QUARTER,
        )
    status, _ = metric_status_for(area=wolves, metric=avoidable, financial_year=2023)
    assert (status.code, status.label) == ("achieved", "Achieved")
