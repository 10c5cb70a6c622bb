"""Signed in as a board member, the dashboard and a metric page draw their Plotly charts in
Chromium, and the table beside each chart shows the numbers the chart draws (read back from
the drawn plot's `data`)."""

import os
from datetime import date

import pytest

from metrics.choices import ObservationKind
from metrics.reference import reference_data_load
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.metrics.factories import (
    NEL,
    WOLVERHAMPTON,
    area,
    metric,
    observations,
    wolverhampton_nel,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The drawn plot's traces, as plotly.js holds them on the chart element.
READ_TRACES = """el => el.data.map(t => ({name: t.name, x: t.x, y: t.y}))"""
# A table's cells by column as the reader sees them ("1,758" → 1758, "–" → null).
READ_TABLE = """(table, columns) => Array.from(table.querySelectorAll('tbody tr')).map(row =>
  Object.fromEntries(columns.map(col => {
    const cell = row.querySelector(`[data-col="${col}"]`);
    const text = cell.textContent.replace(/no (plan|actual)/, '').replace(/[,\\s]/g, '');
    return [col, text === '–' || text === '' ? null : Number(text)];
  })))"""


@pytest.fixture
def wolves(board_user):
    # Transactional tests flush what the data migration loaded; load the catalogue again.
    reference_data_load()
    wolverhampton_nel(uploaded_by=board_user)
    observations(
        metric=metric(NEL),
        area=area(WOLVERHAMPTON),
        kind=ObservationKind.ACTUAL,
        values={date(2017, 4, 1): 1700, date(2017, 5, 1): 1775, date(2017, 6, 1): 1810},
    )


def wait_for_charts(page, count: int) -> None:
    page.wait_for_function(
        "n => document.querySelectorAll('[data-chart] .js-plotly-plot .main-svg, "
        "[data-chart].js-plotly-plot .main-svg').length >= n",
        arg=count,
    )


def traces(page, selector: str) -> dict[str, dict]:
    return {t["name"]: t for t in page.locator(selector).evaluate(READ_TRACES)}


def table(page, selector: str, columns: list[str]) -> list[dict]:
    return page.locator(selector).evaluate(READ_TABLE, columns)


def test_dashboard_draws_each_small_multiple_beside_its_figures(page, wolves):
    sign_in(page, "board", PASSWORD)
    page.goto(f"/metrics/?area={WOLVERHAMPTON}&year=2017")
    charts = page.locator("[data-chart]")
    assert charts.count() >= 1
    wait_for_charts(page, charts.count())
    for i in range(charts.count()):
        chart = charts.nth(i)
        assert chart.locator(".main-svg").count() >= 1
        chart_id = chart.get_attribute("id")
        drawn = traces(page, f"#{chart_id}")
        rows = table(page, f"#{chart_id}-table", ["plan", "actual"])
        for column, name in (("plan", "Plan"), ("actual", "Actual")):
            if name in drawn:
                assert [r[column] for r in rows] == drawn[name]["y"], (chart_id, column)
    nel_plan = traces(page, "#chart-non-elective-admissions")["Plan"]["y"]
    assert sum(nel_plan) == 21749
    tile = page.locator('[data-metric="non-elective-admissions"]')
    assert tile.locator(".govuk-tag").inner_text() == "On track"
    if os.environ.get("DASHBOARD_SCREENSHOTS"):
        page.screenshot(path=f"{os.environ['DASHBOARD_SCREENSHOTS']}/dashboard.png", full_page=True)


def test_metric_page_draws_both_charts_and_the_table_matches(page, wolves):
    sign_in(page, "board", PASSWORD)
    page.goto(f"/metrics/{WOLVERHAMPTON}/{NEL}/?year=2017")
    wait_for_charts(page, 2)
    assert page.locator("#chart-metric .main-svg").count() >= 1
    assert page.locator("#chart-cumulative .main-svg").count() >= 1
    drawn = traces(page, "#chart-metric")
    rows = table(page, "#table-metric", ["plan", "actual", "baseline"])
    assert [r["plan"] for r in rows] == drawn["Plan"]["y"]
    assert [r["actual"] for r in rows] == drawn["Actual"]["y"]
    assert [r["baseline"] for r in rows] == drawn["Previous year actual (2016/17)"]["y"]
    assert sum(drawn["Plan"]["y"]) == 21749
    assert sum(drawn["Previous year actual (2016/17)"]["y"]) == 23187
    assert page.locator("[data-status]").first.inner_text() == "On track"
    if os.environ.get("DASHBOARD_SCREENSHOTS"):
        page.screenshot(path=f"{os.environ['DASHBOARD_SCREENSHOTS']}/metric.png", full_page=True)


def test_spc_view_draws_its_chart(page, wolves):
    sign_in(page, "board", PASSWORD)
    page.goto(f"/metrics/{WOLVERHAMPTON}/{NEL}/?view=spc")
    wait_for_charts(page, 1)
    drawn = traces(page, "#chart-spc")
    assert len([v for v in drawn["Value"]["y"] if v is not None]) == 15
    if os.environ.get("DASHBOARD_SCREENSHOTS"):
        page.screenshot(path=f"{os.environ['DASHBOARD_SCREENSHOTS']}/spc.png", full_page=True)


def test_comparison_draws_areas_and_the_table_matches(page, wolves):
    for offset, code in enumerate(["E08000009", "E08000001", "E08000002"]):
        observations(
            metric=metric(NEL),
            area=area(code),
            kind=ObservationKind.ACTUAL,
            values={date(2017, 4, 1): 1000.0 + 100 * offset, date(2017, 5, 1): 1000.0},
        )
    sign_in(page, "board", PASSWORD)
    page.goto(f"/metrics/compare/{NEL}/?year=2017&sort=-value")
    wait_for_charts(page, 1)
    drawn = traces(page, "#chart-comparison")
    table_values = page.locator("#table-comparison tbody td[data-value]").evaluate_all(
        "cells => cells.map(c => Number(c.textContent.replace(/[,\\s]/g, '')))"
    )
    assert sorted(drawn["Areas"]["x"]) == sorted(table_values)
    assert table_values == sorted(table_values, reverse=True)
    if os.environ.get("DASHBOARD_SCREENSHOTS"):
        page.screenshot(path=f"{os.environ['DASHBOARD_SCREENSHOTS']}/compare.png", full_page=True)
