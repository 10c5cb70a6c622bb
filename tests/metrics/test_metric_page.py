"""The metric page: chart and table agree, the Wolverhampton NEL figures hold, provenance and
history, SPC, and bad input gets a clear message instead of a 500."""

import json
import re
from datetime import date
from html import unescape

import pytest
from django.urls import reverse

from metrics.choices import ObservationKind, PeriodKind
from metrics.models import Observation, SeriesBreak
from tests.metrics.factories import (
    ACTUAL_16_17,
    NEL,
    PLAN_17_18,
    WOLVERHAMPTON,
    UploadFactory,
    area,
    fy_months,
    metric,
    observations,
    revise,
    wolverhampton_nel,
)

pytestmark = pytest.mark.django_db


def url(year=None, **params):
    base = reverse("metrics:metric_detail", args=[WOLVERHAMPTON, NEL])
    if year is not None:
        params["year"] = year
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{base}?{query}" if query else base


def figure(html: str, element_id: str) -> dict:
    match = re.search(
        rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S
    )
    assert match, f"no json_script #{element_id}"
    return json.loads(match.group(1))


def trace(fig: dict, name_start: str) -> dict:
    return next(t for t in fig["data"] if t["name"].startswith(name_start))


def table_values(html: str, table_id: str, column: str) -> dict[str, float | None]:
    """{month ISO date: value} from the table's data-value attributes."""
    table = re.search(rf'<table[^>]*id="{table_id}".*?</table>', html, re.S).group(0)
    out = {}
    for month, row in re.findall(
        r'<tr class="govuk-table__row" data-month="([^"]+)">(.*?)</tr>', table, re.S
    ):
        value = re.search(rf'data-col="{column}" data-value="([^"]*)"', row).group(1)
        out[month] = float(value) if value else None
    return out


def total(values):
    return sum(v for v in values if v is not None)


@pytest.fixture
def wolves(board_user):
    return wolverhampton_nel(uploaded_by=board_user)


# --- Wolverhampton NEL ----------------------------------------------------------------------


def test_2017_18_chart_plan_sums_to_21749_and_2016_17_actuals_to_23187(board_client, wolves):
    response = board_client.get(url(2017))
    assert response.status_code == 200
    html = response.content.decode()
    fig = figure(html, "chart-metric-data")
    assert total(trace(fig, "Plan")["y"]) == 21749
    previous = trace(fig, "Previous year actual (2016/17)")
    assert total(previous["y"]) == 23187
    assert sum(PLAN_17_18) == 21749 and sum(ACTUAL_16_17) == 23187


def test_2016_17_chart_shows_actuals_against_the_uploaded_2015_16_baseline(board_client, wolves):
    html = board_client.get(url(2016)).content.decode()
    fig = figure(html, "chart-metric-data")
    assert total(trace(fig, "Actual")["y"]) == 23187
    assert total(trace(fig, "Baseline (2015/16 activity)")["y"]) == 24842
    assert 'data-total="actual">23,187<' in html
    assert 'data-total="baseline">24,842<' in html


def test_default_year_is_the_latest_with_data(board_client, wolves):
    response = board_client.get(url())
    assert response.context["page"].financial_year == 2017
    assert [y for y, _ in response.context["year_choices"]] == [2017, 2016]


def test_table_has_the_same_numbers_as_the_chart(board_client, wolves):
    html = board_client.get(url(2017)).content.decode()
    fig = figure(html, "chart-metric-data")
    for trace_name, column in (("Plan", "plan"), ("Previous year actual", "baseline")):
        drawn = trace(fig, trace_name)
        chart = dict(zip(drawn["x"], drawn["y"], strict=True))
        assert table_values(html, "table-metric", column) == chart
    assert 'data-total="plan">21,749<' in html


def test_cumulative_chart_runs_to_the_full_year_plan(board_client, wolves):
    html = board_client.get(url(2017)).content.decode()
    fig = figure(html, "chart-cumulative-data")
    assert trace(fig, "Cumulative plan")["y"][-1] == 21749
    assert "21,749" in html


def test_variance_and_cumulative_variance_are_in_the_table(board_client, wolves):
    wolves_area, nel = area(WOLVERHAMPTON), metric(NEL)
    observations(
        metric=nel,
        area=wolves_area,
        kind=ObservationKind.ACTUAL,
        values={date(2017, 4, 1): 1800, date(2017, 5, 1): 1800},
    )
    response = board_client.get(url(2017))
    rows = response.context["page"].table
    assert rows[0]["variance"] == 42 and rows[1]["variance"] == -25
    assert rows[1]["cumulative_variance"] == 17
    assert rows[0]["variance_pct"] == round(42 / 1758 * 100, 1)
    html = response.content.decode()
    assert "2.4%" in html


# --- status -----------------------------------------------------------------------------------


def test_status_on_track_shows_its_text_and_reason(board_client, wolves):
    observations(
        metric=metric(NEL),
        area=area(WOLVERHAMPTON),
        kind=ObservationKind.ACTUAL,
        values={date(2017, 4, 1): 1700, date(2017, 5, 1): 1775},
    )
    html = board_client.get(url(2017)).content.decode()
    assert 'data-status="on_track">On track</strong>' in html
    assert "Year to date 3.0% below plan; lower is better" in html


def test_status_not_on_track_beyond_the_tolerance(board_client, wolves):
    nel = metric(NEL)
    nel.tolerance_percent = 2
    nel.save()
    observations(
        metric=nel,
        area=area(WOLVERHAMPTON),
        kind=ObservationKind.ACTUAL,
        values={date(2017, 4, 1): 1850, date(2017, 5, 1): 1850},
    )
    html = board_client.get(url(2017)).content.decode()
    assert ">Not on track</strong>" in html
    assert "Year to date 3.3% above plan; lower is better" in html


def test_status_within_tolerance_is_on_track_and_says_so(board_client, wolves):
    nel = metric(NEL)
    nel.tolerance_percent = 5
    nel.save()
    observations(
        metric=nel,
        area=area(WOLVERHAMPTON),
        kind=ObservationKind.ACTUAL,
        values={date(2017, 4, 1): 1850, date(2017, 5, 1): 1850},
    )
    html = board_client.get(url(2017)).content.decode()
    assert ">On track</strong>" in html
    assert "within the 5% tolerance" in html


def test_status_without_actuals_is_data_not_available(board_client, wolves):
    html = board_client.get(url(2017)).content.decode()
    assert ">Data not available</strong>" in html
    assert "No actuals uploaded for 2017/18" in html


def test_complete_year_below_plan_is_achieved(board_client, wolves):
    observations(
        metric=metric(NEL),
        area=area(WOLVERHAMPTON),
        kind=ObservationKind.ACTUAL,
        values={m: v - 10 for m, v in zip(fy_months(2017), PLAN_17_18, strict=True)},
    )
    html = board_client.get(url(2017)).content.decode()
    assert ">Achieved</strong>" in html
    assert "2017/18 total 21,629 against the full-year plan of 21,749" in html


def test_complete_year_above_target_is_not_achieved(board_client, wolves):
    wolves_area, nel = area(WOLVERHAMPTON), metric(NEL)
    observations(
        metric=nel,
        area=wolves_area,
        kind=ObservationKind.ACTUAL,
        values={m: v + 10 for m, v in zip(fy_months(2017), PLAN_17_18, strict=True)},
    )
    observations(
        metric=nel,
        area=wolves_area,
        kind=ObservationKind.TARGET,
        period_kind=PeriodKind.YEAR,
        values={date(2017, 4, 1): 21749},
    )
    response = board_client.get(url(2017))
    html = response.content.decode()
    assert ">Not achieved</strong>" in html
    assert "against the annual target of 21,749" in html
    fig = figure(html, "chart-metric-data")
    assert trace(fig, "Annual target 21,749")["y"] == [21749 / 12, 21749 / 12]


# --- provenance ------------------------------------------------------------------------------


def test_provenance_names_the_upload_the_time_and_who(board_client, wolves):
    html = board_client.get(url(2017)).content.decode()
    assert "Where these figures came from" in html
    upload = wolves["fig21"]
    link = reverse("metrics:upload_detail", args=[upload.pk])
    assert f'<a class="govuk-link" href="{link}">wolverhampton-nel-plan-2017-18.csv</a>' in html
    assert "by board" in html


def test_revised_value_shows_its_earlier_version(board_client, wolves, analyst_user):
    obs = Observation.objects.get(
        metric__code=NEL, area__code=WOLVERHAMPTON, kind="plan", period_start=date(2017, 4, 1)
    )
    later = UploadFactory(original_name="nel-plan-revised.csv", uploaded_by=analyst_user)
    revise(obs, value=1760, upload=later)
    response = board_client.get(url(2017))
    html = response.content.decode()
    assert "1 earlier version" in html
    assert re.search(r"1,758 from <a [^>]*>wolverhampton-nel-plan-2017-18.csv</a>", html)
    assert "nel-plan-revised.csv" in html
    assert total(trace(figure(html, "chart-metric-data"), "Plan")["y"]) == 21751


def test_definition_unit_polarity_and_source_are_shown(board_client, wolves):
    nel = metric(NEL)
    html = unescape(board_client.get(url(2017)).content.decode())
    assert nel.definition in html
    assert "Lower is better" in html
    assert nel.source_collection in html
    assert "Count" in html


def test_series_breaks_are_drawn_and_labelled(board_client, wolves):
    SeriesBreak.objects.create(
        metric=metric(NEL), date=date(2017, 10, 1), kind="definition_change", label="New counting"
    )
    html = board_client.get(url(2017)).content.decode()
    fig = figure(html, "chart-metric-data")
    assert any(a["text"] == "New counting" for a in fig["layout"]["annotations"])
    assert any(a["text"] == "2017/18" for a in fig["layout"]["annotations"])
    assert "New counting (from Oct 2017)" in html


# --- SPC -------------------------------------------------------------------------------------


def test_spc_view_lists_the_rules_triggered_in_words(board_client, wolves):
    # Seven months well below 2016/17: a shift (and a point beyond the lower limit).
    observations(
        metric=metric(NEL),
        area=area(WOLVERHAMPTON),
        kind=ObservationKind.ACTUAL,
        values={m: 1600 + i for i, m in enumerate(fy_months(2017)[:7])},
    )
    response = board_client.get(url(2017, view="spc"))
    assert response.status_code == 200
    html = unescape(response.content.decode())
    spc = response.context["spc"]
    assert spc.signals
    assert "A shift: a run of points all above or all below the mean" in html
    assert "A single point beyond a process limit" in html
    assert "Oct 2017" in html and "improvement" in html
    for signal in spc.signals:
        for rule in signal["rules"]:
            assert rule in html
    assert "Variation" in html and spc.variation.text in html
    assert "No assurance icon" in html
    assert "Common cause variation" in html  # the meanings, as text
    assert "Variation indicates consistently (P)assing the target" in html
    fig = figure(html, "chart-spc-data")
    assert trace(fig, "Value")["y"][:12] == [float(v) for v in ACTUAL_16_17]


def test_spc_limits_recalculate_from_a_chosen_month(board_client, wolves):
    response = board_client.get(url(2016, view="spc", spc_from="2016-10"))
    assert response.status_code == 200
    segments = response.context["spc"].result.segments
    assert [s.start for s in segments] == [date(2016, 4, 1), date(2016, 10, 1)]


@pytest.mark.parametrize("bad", ["October", "2016-13", "2030-01", "2016-04", "0000-01", "9999-12"])
def test_bad_spc_month_gets_an_error_message(board_client, wolves, bad):
    response = board_client.get(url(2016, view="spc", spc_from=bad))
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html
    assert 'href="#id_spc_from"' in html
    assert response.context["spc"] is not None  # the chart still shows, without recalculation


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "message"),
    [
        ("banana", "Enter a financial year as its first year, like 2017 for 2017/18"),
        ("1066", "Enter a financial year between 1990 and 2100"),
        ("2030", "There is no data for 2030/31. Choose a year with data: 2016/17, 2017/18"),
        ("2017-19", "Enter a financial year as its first year"),
    ],
)
def test_bad_year_gets_a_govuk_error_not_a_500(board_client, wolves, year, message):
    response = board_client.get(url(year))
    assert response.status_code == 400
    html = unescape(response.content.decode())
    assert "There is a problem" in html and message in html
    assert "<title>Error:" in html
    assert response.context["page"].financial_year == 2017


def test_year_as_a_label_is_accepted(board_client, wolves):
    response = board_client.get(url("2016/17"))
    assert response.status_code == 200
    assert response.context["page"].financial_year == 2016


def test_unknown_area_is_a_helpful_404(board_client):
    response = board_client.get(reverse("metrics:metric_detail", args=["E99999999", NEL]))
    assert response.status_code == 404
    html = unescape(response.content.decode())
    assert "No area has the code “E99999999”" in html
    assert reverse("metrics:dashboard") in html


def test_unknown_metric_is_a_helpful_404(board_client):
    response = board_client.get(reverse("metrics:metric_detail", args=[WOLVERHAMPTON, "nope"]))
    assert response.status_code == 404
    assert "There is no metric “nope” in the catalogue" in unescape(response.content.decode())


def test_area_code_is_matched_without_regard_to_case(board_client, wolves):
    response = board_client.get(reverse("metrics:metric_detail", args=["e08000031", NEL]))
    assert response.status_code == 200


def test_metric_without_data_says_so(board_client):
    response = board_client.get(reverse("metrics:metric_detail", args=[WOLVERHAMPTON, NEL]))
    assert response.status_code == 200
    assert "No actuals or plan have been uploaded" in response.content.decode()


def test_annual_metric_is_judged_against_its_target(board_client):
    care = metric("care-home-admissions-65-count")
    wolves_area = area(WOLVERHAMPTON)
    observations(
        metric=care,
        area=wolves_area,
        kind=ObservationKind.ACTUAL,
        period_kind=PeriodKind.YEAR,
        values={date(2015, 4, 1): 299, date(2016, 4, 1): 385},
    )
    observations(
        metric=care,
        area=wolves_area,
        kind=ObservationKind.TARGET,
        period_kind=PeriodKind.YEAR,
        values={date(2016, 4, 1): 260},
    )
    response = board_client.get(
        reverse("metrics:metric_detail", args=[WOLVERHAMPTON, care.code]) + "?year=2016"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert ">Not achieved</strong>" in html
    assert "against the annual target of 260" in html
    assert [r["actual"] for r in response.context["page"].table] == [299, 385]


def test_an_unknown_view_shows_plan_and_actuals(board_client, wolves):
    response = board_client.get(url(2017, view="pie"))
    assert response.status_code == 200
    assert response.context["spc"] is None
