"""The metrics dashboard (small multiples with status) and the comparison of one metric across
areas: selectors, defaults, text alternatives, exports, bad input, page weight and query
counts that stay fixed whatever the data."""

import csv
import io
import json
import re
from datetime import date
from html import unescape

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from metrics.choices import ObservationKind
from metrics.models import Area, Metric
from tests.metrics.factories import (
    ENGLAND,
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

MONTHLY = ["non-elective-admissions", "dtoc-delayed-days", "dtoc-social-care-beds"]
# Session, user, roles and the demo-data notice (the layout), then the page's own queries:
# dashboard: areas with data, the area's years, frameworks, metrics, observations;
# metric page: area, metric, its series breaks and breakdowns, observations, revisions;
# comparison: metric, years with actuals, the year's actuals with their areas.
DASHBOARD_QUERIES = 9
METRIC_PAGE_QUERIES = 11  # includes the panel of linked workstreams (programmes)
COMPARISON_QUERIES = 7


def json_scripts(html: str) -> dict[str, dict]:
    return {
        m.group(1): json.loads(m.group(2))
        for m in re.finditer(
            r'<script id="([^"]+)" type="application/json">(.*?)</script>', html, re.S
        )
    }


def hwb_areas(n: int) -> list[Area]:
    return list(Area.objects.filter(is_hwb=True).order_by("code")[:n])


def four_metrics() -> list[Metric]:
    return [metric(code) for code in [*MONTHLY, "dtoc-delayed-days-nhs"]]


# --- dashboard -------------------------------------------------------------------------------


def test_dashboard_defaults_to_the_first_area_with_data_and_its_latest_year(board_client):
    wolverhampton_nel()
    response = board_client.get(reverse("metrics:dashboard"))
    assert response.status_code == 200
    board = response.context["board"]
    assert board.area.code == WOLVERHAMPTON
    assert board.financial_year == 2017


def test_dashboard_prefers_an_hwb_area_over_england(board_client):
    observations(
        metric=metric(NEL),
        area=area(ENGLAND),
        kind=ObservationKind.ACTUAL,
        values={date(2019, 4, 1): 5},
    )
    wolverhampton_nel()
    board = board_client.get(reverse("metrics:dashboard")).context["board"]
    assert board.area.code == WOLVERHAMPTON


def test_2017_18_shows_the_bcf_2017_19_metrics_as_well_as_the_current_framework(board_client):
    wolverhampton_nel()
    board = board_client.get(reverse("metrics:dashboard"), {"year": 2017}).context["board"]
    names = [s.framework.slug for s in board.sections]
    assert names == ["bcf-2017-19", "bcf-2023-25"]
    codes = [t.metric.code for t in board.sections[0].tiles]
    assert NEL in codes


def test_a_current_year_shows_only_the_current_framework(board_client):
    observations(
        metric=metric("avoidable-admissions"),
        area=area(WOLVERHAMPTON),
        kind=ObservationKind.ACTUAL,
        period_kind="quarter",
        values={date(2023, 4, 1): 120.0, date(2023, 7, 1): 130.0},
    )
    board = board_client.get(reverse("metrics:dashboard")).context["board"]
    assert board.financial_year == 2023
    assert [s.framework.slug for s in board.sections] == ["bcf-2023-25"]


def test_each_tile_has_status_text_reason_latest_value_link_and_chart(board_client):
    wolverhampton_nel()
    observations(
        metric=metric(NEL),
        area=area(WOLVERHAMPTON),
        kind=ObservationKind.ACTUAL,
        values={date(2017, 4, 1): 1700, date(2017, 5, 1): 1775},
    )
    response = board_client.get(reverse("metrics:dashboard"), {"area": WOLVERHAMPTON, "year": 2017})
    html = unescape(response.content.decode())
    tile = next(t for t in response.context["board"].sections[0].tiles if t.metric.code == NEL)
    assert tile.status.label == "On track"
    assert 'data-status="on_track">On track</strong>' in html
    assert "Year to date 3.0% below plan; lower is better" in html
    assert "Latest value: <strong>1,775</strong> (May 2017)" in html
    assert "Year to date: actual 3,475 against plan 3,583 over 2 periods." in html
    detail = reverse("metrics:metric_detail", args=[WOLVERHAMPTON, NEL])
    assert f'href="{detail}?year=2017"' in html
    figures = json_scripts(html)
    fig = figures["chart-non-elective-admissions-data"]
    assert fig["layout"]["title"]["text"].endswith(": On track")
    assert 'data-chart="chart-non-elective-admissions-data"' in html


def test_small_multiple_table_has_the_same_numbers_as_its_chart(board_client):
    wolverhampton_nel()
    html = board_client.get(reverse("metrics:dashboard"), {"year": 2017}).content.decode()
    fig = json_scripts(html)["chart-non-elective-admissions-data"]
    plan = next(t for t in fig["data"] if t["name"] == "Plan")
    table = re.search(r'<table[^>]*id="chart-non-elective-admissions-table".*?</table>', html, re.S)
    cells = re.findall(r'data-col="plan" data-value="([^"]*)"', table.group(0))
    assert [float(c) if c else None for c in cells] == plan["y"]
    assert sum(plan["y"]) == 21749


def test_metrics_without_data_say_data_not_available_without_a_chart(board_client):
    wolverhampton_nel()
    response = board_client.get(reverse("metrics:dashboard"), {"year": 2017})
    tiles = {t.metric.code: t for s in response.context["board"].sections for t in s.tiles}
    assert tiles["dtoc-delayed-days"].status.label == "Data not available"
    assert tiles["dtoc-delayed-days"].figure is None
    assert "chart-dtoc-delayed-days-data" not in response.content.decode()


def test_area_and_year_selectors_are_a_get_form(board_client):
    wolverhampton_nel()
    html = board_client.get(reverse("metrics:dashboard")).content.decode()
    assert '<form method="get" action="/metrics/"' in html
    assert '<option value="E08000031" selected>Wolverhampton (E08000031)</option>' in html
    assert '<option value="2017" selected>2017/18</option>' in html
    assert '<option value="2016">2016/17</option>' in html


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"area": "E99999999"}, "area", "No area has the code “E99999999”"),
        ({"year": "twenty"}, "year", "Enter a financial year as its first year"),
        ({"year": "2030"}, "year", "Wolverhampton has no data for 2030/31"),
    ],
)
def test_bad_dashboard_input_gets_an_error_message(board_client, params, field, message):
    wolverhampton_nel()
    response = board_client.get(reverse("metrics:dashboard"), params)
    assert response.status_code == 400
    html = unescape(response.content.decode())
    assert "There is a problem" in html and message in html
    assert f'href="#id_{field}"' in html
    assert response.context["board"].area.code == WOLVERHAMPTON


def test_dashboard_with_no_data_at_all_says_so(board_client):
    response = board_client.get(reverse("metrics:dashboard"))
    assert response.status_code == 200
    assert "No metric data has been uploaded yet" in response.content.decode()


def test_dashboard_for_an_area_without_data_says_so(board_client):
    wolverhampton_nel()
    response = board_client.get(reverse("metrics:dashboard"), {"area": "E08000009"})
    assert response.status_code == 200
    assert "No actuals or plan have been uploaded for Trafford" in response.content.decode()


def test_dashboard_response_is_small_and_loads_plotly_as_a_static_file(board_client):
    areas = hwb_areas(2)
    bulk_series(metrics=four_metrics(), areas=areas, months=months_from(date(2015, 4, 1), 60))
    response = board_client.get(reverse("metrics:dashboard"), {"area": areas[0].code})
    html = response.content.decode()
    assert response.status_code == 200
    assert len(response.content) < 300_000, len(response.content)
    assert re.search(r'<script src="/static/js/plotly\.min\.js" defer></script>', html)
    assert '<script src="/static/js/charts.js" defer></script>' in html
    assert "Plotly.newPlot" not in html  # plotly.js itself never inlined
    assert "cdn" not in html.lower()


@pytest.mark.parametrize("n_areas", [2, 12])
def test_dashboard_query_count_is_constant(board_client, django_assert_num_queries, n_areas):
    areas = hwb_areas(n_areas)
    months = 24 if n_areas == 2 else 60
    bulk_series(metrics=four_metrics(), areas=areas, months=months_from(date(2015, 4, 1), months))
    with django_assert_num_queries(DASHBOARD_QUERIES):
        response = board_client.get(reverse("metrics:dashboard"), {"area": areas[-1].code})
        assert response.status_code == 200


@pytest.mark.parametrize("n_areas", [2, 12])
def test_default_dashboard_query_count_is_constant(
    board_client, django_assert_num_queries, n_areas
):
    areas = hwb_areas(n_areas)
    bulk_series(metrics=four_metrics(), areas=areas, months=months_from(date(2015, 4, 1), 36))
    with django_assert_num_queries(DASHBOARD_QUERIES + 1):  # + finding the default area
        response = board_client.get(reverse("metrics:dashboard"))
        assert response.status_code == 200
    # Every area has data for four metrics: the first by name.
    assert response.context["board"].area == min(areas, key=lambda a: a.name)


@pytest.mark.parametrize("n_months", [12, 60])
def test_metric_page_query_count_is_constant(board_client, django_assert_num_queries, n_months):
    bulk_series(
        metrics=four_metrics(), areas=hwb_areas(3), months=months_from(date(2015, 4, 1), n_months)
    )
    a = hwb_areas(1)[0]
    url = reverse("metrics:metric_detail", args=[a.code, NEL])
    with django_assert_num_queries(METRIC_PAGE_QUERIES):
        assert board_client.get(url).status_code == 200
    with django_assert_num_queries(METRIC_PAGE_QUERIES):
        assert board_client.get(url, {"view": "spc"}).status_code == 200


# --- comparison ------------------------------------------------------------------------------


@pytest.fixture
def spread():
    """NEL actuals for 2017/18: five HWB areas (totals 1,200 … 6,000) and England."""
    nel = metric(NEL)
    areas = hwb_areas(5)
    for i, a in enumerate(areas, start=1):
        observations(
            metric=nel,
            area=a,
            kind=ObservationKind.ACTUAL,
            values=dict.fromkeys(fy_months(2017), 100.0 * i),
        )
    observations(
        metric=nel,
        area=area(ENGLAND),
        kind=ObservationKind.ACTUAL,
        values=dict.fromkeys(fy_months(2017), 300.0),
    )
    return areas


def comparison_url(**params):
    base = reverse("metrics:comparison", args=[NEL])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def test_comparison_shows_areas_england_and_quartiles(board_client, spread):
    response = board_client.get(comparison_url(year=2017))
    assert response.status_code == 200
    result = response.context["comparison"]
    assert result.england.value == 3600
    assert result.quartiles == (2400.0, 3600.0, 4800.0)
    html = unescape(response.content.decode())
    fig = json_scripts(html)["chart-comparison-data"]
    names = [t["name"] for t in fig["data"]]
    assert "England 3,600" in names
    assert {"Lower quartile 2,400", "Median 3,600", "Upper quartile 4,800"} <= set(names)
    areas = next(t for t in fig["data"] if t["name"] == "Areas")
    assert areas["x"] == [1200.0, 2400.0, 3600.0, 4800.0, 6000.0]
    assert "lower quartile 2,400.0, median 3,600.0, upper quartile 4,800.0" in html


def test_comparison_table_sorts_by_value_both_ways(board_client, spread):
    ascending = board_client.get(comparison_url(year=2017, sort="value")).context["rows"]
    assert [r.value for r in ascending] == [1200, 2400, 3600, 4800, 6000]
    descending = board_client.get(comparison_url(year=2017, sort="-value"))
    assert [r.value for r in descending.context["rows"]] == [6000, 4800, 3600, 2400, 1200]
    html = descending.content.decode()
    assert 'aria-sort="descending"' in html
    assert 'href="?year=2017&amp;sort=value"' in html


def test_comparison_exports_csv_and_xlsx_in_the_table_order(board_client, spread):
    response = board_client.get(comparison_url(year=2017, sort="-value", format="csv"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Area code", "Area", "Non-elective admissions (count)"]
    assert [float(r[2]) for r in rows[1:]] == [6000, 4800, 3600, 2400, 1200]
    assert 'filename="non-elective-admissions-2017-18.csv"' in response["Content-Disposition"]
    response = board_client.get(comparison_url(year=2017, format="xlsx"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 6


def test_comparison_bad_format_and_bad_year(board_client, spread):
    assert board_client.get(comparison_url(format="pdf")).status_code == 400
    response = board_client.get(comparison_url(year="1999"))
    assert response.status_code == 400
    assert "There are no actuals for 1999/00" in unescape(response.content.decode())
    assert response.context["comparison"].financial_year == 2017


def test_comparison_of_an_unknown_metric_is_a_helpful_404(board_client):
    response = board_client.get(reverse("metrics:comparison", args=["nothing"]))
    assert response.status_code == 404
    assert "There is no metric" in unescape(response.content.decode())


def test_comparison_without_data_says_so(board_client):
    response = board_client.get(reverse("metrics:comparison", args=[NEL]))
    assert response.status_code == 200
    assert "No area has actuals" in response.content.decode()


@pytest.mark.parametrize("n_areas", [3, 30])
def test_comparison_query_count_is_constant(board_client, django_assert_num_queries, n_areas):
    bulk_series(
        metrics=[metric(NEL)], areas=hwb_areas(n_areas), months=months_from(date(2016, 4, 1), 24)
    )
    with django_assert_num_queries(COMPARISON_QUERIES):
        assert board_client.get(comparison_url(year=2017)).status_code == 200


def test_an_unknown_sort_falls_back_to_area_order(board_client, spread):
    response = board_client.get(comparison_url(year=2017, sort="bogus"))
    assert response.status_code == 200
    names = [r.area.name for r in response.context["rows"]]
    assert names == sorted(names)


def test_administrators_can_edit_a_metrics_tolerance(admin_client_role):
    nel = metric(NEL)
    response = admin_client_role.get(reverse("admin:metrics_metric_change", args=[nel.pk]))
    assert response.status_code == 200
    assert 'name="tolerance_percent"' in response.content.decode()
