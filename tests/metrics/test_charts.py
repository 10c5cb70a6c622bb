"""Plotly figure dicts, checked without a browser, on the Wolverhampton NEL figures
(domain-reference §4.1: Figure 20 for 2016/17 against the 2015/16 baseline, Figure 21 for the
2017/18 plan)."""

import json
from datetime import date

import pytest

from metrics.charts import (
    MetricSeries,
    comparison_chart,
    cumulative_chart,
    metric_chart,
    quartiles,
    series_table,
    small_multiple,
    sparkline,
    spc_chart,
)
from metrics.periods import month_range
from metrics.spc import xmr

BASELINE_2015 = [1990, 1960, 1966, 1992, 1833, 2100, 2326, 2228, 2161, 2187, 2064, 2035]
ACTUAL_2016 = [1968, 1954, 1964, 1953, 1752, 1855, 1946, 1996, 1980, 2072, 1793, 1954]
PLAN_2017 = [1758, 1825, 1793, 1858, 1683, 1717, 1798, 1875, 1904, 1859, 1787, 1892]
DTOC_CHANGED = (date(2017, 4, 1), "DTOC measure changed to delayed days (Apr 2017)")
DTOC_STOPPED = (date(2020, 3, 1), "DTOC publication stopped after Feb 2020")


def fy_months(year):
    return [date(year + (m < 4), m, 1) for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)]


def by_month(values, year):
    return dict(zip(fy_months(year), values, strict=True))


@pytest.fixture
def nel():
    """2016/17 actuals, 2017/18 plan, 2015/16 baseline shifted onto 2016/17."""
    return MetricSeries(
        name="Non-elective admissions (Wolverhampton)",
        unit="admissions",
        actuals=by_month(ACTUAL_2016, 2016),
        plan=by_month(PLAN_2017, 2017),
        baseline=by_month(BASELINE_2015, 2015),
        annual_target=21749,
        target_year=2017,
        breaks=[DTOC_CHANGED],
    )


def trace(figure, name_start):
    return next(t for t in figure["data"] if t["name"].startswith(name_start))


def total(values):
    return sum(v for v in values if v is not None)


# --- metric chart -------------------------------------------------------------------------


def test_source_figures_hold():
    assert (sum(BASELINE_2015), sum(ACTUAL_2016), sum(PLAN_2017)) == (24842, 23187, 21749)


def test_plan_trace_sums_to_the_2017_18_full_year_figure(nel):
    assert total(trace(metric_chart(nel), "Plan")["y"]) == 21749


def test_actual_trace_sums_to_the_2016_17_full_year_figure(nel):
    assert total(trace(metric_chart(nel), "Actual")["y"]) == 23187


def test_baseline_is_shifted_onto_the_months_it_is_compared_with(nel):
    figure = metric_chart(nel)
    baseline = trace(figure, "Baseline (2015/16)")
    assert total(baseline["y"]) == 24842
    april_2016 = figure["data"][0]["x"].index("2016-04-01")
    assert baseline["y"][april_2016] == 1990  # 2015/16's April sits on 2016/17's April


def test_the_chart_covers_every_month_from_first_to_last(nel):
    x = metric_chart(nel)["data"][0]["x"]
    assert x[0] == "2016-04-01" and x[-1] == "2018-03-01" and len(x) == 24


def test_annual_target_line_is_the_monthly_equivalent_over_its_year(nel):
    target = trace(metric_chart(nel), "Annual target")
    assert target["name"] == "Annual target 21,749 (monthly equivalent 1,812.4)"
    assert target["y"] == [pytest.approx(21749 / 12)] * 2
    assert target["x"] == ["2017-04-01", "2018-03-01"]


def test_a_target_that_is_not_an_annual_total_is_drawn_as_it_is():
    series = MetricSeries(
        name="Reablement",
        unit="%",
        actuals={date(2017, 4, 1): 84.0},
        annual_target=85.7,
        target_is_annual_total=False,
    )
    target = trace(metric_chart(series), "Target")
    assert target["name"] == "Target 85.7" and target["y"] == [85.7, 85.7]


def test_series_are_told_apart_by_dash_and_marker_not_colour_alone(nel):
    data = metric_chart(nel)["data"]
    names = [t["name"] for t in data]
    dashes = [t["line"]["dash"] for t in data]
    symbols = [t.get("marker", {}).get("symbol") for t in data]
    assert len(set(names)) == len(names) == 4
    assert len(set(dashes)) == len(dashes)
    assert len({s for s in symbols if s}) == len([s for s in symbols if s])


def test_financial_year_boundaries_are_labelled_lines(nel):
    layout = metric_chart(nel)["layout"]
    labels = {a["text"] for a in layout["annotations"]}
    assert {"2016/17", "2017/18"} <= labels
    dotted = [s for s in layout["shapes"] if s["line"]["dash"] == "dot"]
    assert len(dotted) == 2
    # Each boundary sits between March and April, not on April's point.
    assert dotted[1]["x0"] == "2017-03-16"


def test_series_breaks_are_dashed_labelled_lines():
    series = MetricSeries(
        name="Delayed transfers of care",
        unit="delayed days per 100,000",
        actuals=dict.fromkeys(month_range(date(2016, 4, 1), date(2020, 2, 1)), 10.0),
        breaks=[DTOC_STOPPED, DTOC_CHANGED],
    )
    layout = metric_chart(series)["layout"]
    dashed = [s for s in layout["shapes"] if s["line"]["dash"] == "dash"]
    assert [s["x0"] for s in dashed] == ["2017-03-16", "2020-02-15"]
    labels = [a["text"] for a in layout["annotations"]]
    assert DTOC_CHANGED[1] in labels and DTOC_STOPPED[1] in labels
    # Two labels never sit at the same height.
    heights = [
        a["y"] for a in layout["annotations"] if a["text"] in (DTOC_CHANGED[1], DTOC_STOPPED[1])
    ]
    assert len(set(heights)) == 2


def test_missing_months_are_gaps_not_zeros_or_joined_lines():
    actuals = by_month(ACTUAL_2016, 2016)
    actuals[date(2016, 8, 1)] = None
    del actuals[date(2016, 9, 1)]
    figure = metric_chart(MetricSeries(name="NEL", unit="admissions", actuals=actuals))
    actual = figure["data"][0]
    assert actual["y"][4] is None and actual["y"][5] is None
    assert actual["connectgaps"] is False
    assert total(actual["y"]) == 23187 - 1752 - 1855


def test_layout_has_titles_unit_hover_and_a_quiet_config(nel):
    figure = metric_chart(nel)
    layout = figure["layout"]
    assert layout["title"]["text"] == nel.name
    assert layout["yaxis"]["title"]["text"] == "admissions"
    assert layout["xaxis"]["title"]["text"] == "Month"
    assert layout["hovermode"] == "x unified"
    assert figure["config"] == {"responsive": True, "displaylogo": False, "displayModeBar": False}


def test_figure_is_json_and_carries_no_plotly_js(nel):
    text = json.dumps(metric_chart(nel))
    assert "function(" not in text and "plotly.js" not in text.lower()


def test_sixty_months_stay_small():
    months = month_range(date(2015, 4, 1), date(2020, 3, 1))
    assert len(months) == 60
    series = MetricSeries(
        name="NEL",
        unit="admissions",
        actuals={m: 1900.0 + i for i, m in enumerate(months)},
        plan={m: 1850.0 + i for i, m in enumerate(months)},
        baseline={date(m.year - 1, m.month, 1): 2000.0 for m in months},
        annual_target=21749,
        breaks=[DTOC_CHANGED, DTOC_STOPPED],
    )
    for figure in (metric_chart(series), cumulative_chart(series, 2019), small_multiple(series)):
        assert len(json.dumps(figure)) < 50_000


# --- table: the chart's text alternative --------------------------------------------------


def test_table_columns_equal_the_figure_y_arrays(nel):
    figure = metric_chart(nel)
    rows = series_table(nel)
    assert [r["month"].isoformat() for r in rows] == figure["data"][0]["x"]
    assert [r["actual"] for r in rows] == trace(figure, "Actual")["y"]
    assert [r["plan"] for r in rows] == trace(figure, "Plan")["y"]
    assert [r["baseline"] for r in rows] == trace(figure, "Baseline")["y"]


def test_cumulative_variance_ends_at_the_full_year_variance():
    # Figure 20 compares 2016/17 with 2015/16 activity: variance −1,655 over the year.
    series = MetricSeries(
        name="NEL",
        unit="admissions",
        actuals=by_month(ACTUAL_2016, 2016),
        plan=by_month(BASELINE_2015, 2016),
        plan_label="2015/16 activity",
    )
    rows = series_table(series)
    assert [r["variance"] for r in rows] == [
        -22, -6, -2, -39, -81, -245, -380, -232, -181, -115, -271, -81,
    ]  # fmt: skip
    assert rows[-1]["cumulative_variance"] == -1655
    assert rows[0]["variance_pct"] == -1.1  # −22 / 1,990
    assert rows[6]["variance_pct"] == -16.3  # Figure 20 prints −16%
    assert rows[0]["label"] == "Apr 2016"


def test_table_months_without_both_numbers_have_no_variance(nel):
    rows = series_table(nel)
    assert rows[0]["variance"] is None and rows[0]["cumulative_variance"] is None
    assert rows[0]["variance_pct"] is None


# --- cumulative ---------------------------------------------------------------------------


def test_cumulative_chart_ends_at_the_full_year_totals():
    series = MetricSeries(
        name="NEL",
        unit="admissions",
        actuals=by_month(ACTUAL_2016, 2016),
        plan=by_month(BASELINE_2015, 2016),
        annual_target=24842,
    )
    figure = cumulative_chart(series, 2016)
    assert trace(figure, "Cumulative actual")["y"][-1] == 23187
    assert trace(figure, "Cumulative plan")["y"][-1] == 24842
    assert trace(figure, "Annual target")["y"] == [24842, 24842]
    assert figure["layout"]["title"]["text"] == "NEL: 2016/17 year to date"
    json.dumps(figure)


def test_cumulative_actual_stops_at_the_first_missing_month():
    actuals = dict(zip(fy_months(2016)[:3], ACTUAL_2016[:3], strict=True))
    actuals[date(2016, 8, 1)] = 1752  # after a gap in July: not added to a running total
    figure = cumulative_chart(
        MetricSeries(
            name="NEL", unit="admissions", actuals=actuals, plan=by_month(PLAN_2017, 2017)
        ),
        2016,
    )
    actual = trace(figure, "Cumulative actual")["y"]
    assert actual[:3] == [1968, 1968 + 1954, 1968 + 1954 + 1964]
    assert actual[3:] == [None] * 9
    assert any("Jul 2016" in a["text"] for a in figure["layout"]["annotations"])


# --- SPC ----------------------------------------------------------------------------------


def test_spc_chart_draws_values_limits_per_segment_and_marks_special_causes():
    points = list(by_month(ACTUAL_2016, 2016).items()) + list(by_month(PLAN_2017, 2017).items())
    result = xmr(points, improvement="lower", recalculate_from=[date(2017, 4, 1)])
    figure = spc_chart(result, title="NEL", unit="admissions", target=1800)
    json.dumps(figure)
    names = [t["name"] for t in figure["data"]]
    assert names.count("Mean") == 2 and names.count("Upper process limit") == 2
    means = [t for t in figure["data"] if t["name"] == "Mean"]
    assert [t["showlegend"] for t in means] == [True, False]
    assert means[0]["y"][0] == pytest.approx(23187 / 12)
    assert means[1]["y"][0] == pytest.approx(21749 / 12)
    assert "Target 1,800" in names


def test_spc_special_cause_points_have_their_own_symbol_and_name_the_rule():
    values = [10, 11, 10, 11, 10, 11, 10, 11, 30, 10, 11, 10, 11]
    points = [(date(2020 + (i + 3) // 12, (i + 3) % 12 + 1, 1), v) for i, v in enumerate(values)]
    figure = spc_chart(xmr(points, improvement="lower"), unit="calls")
    concern = trace(figure, "Special cause: concern")
    assert concern["y"] == [30] and concern["marker"]["symbol"] == "square"
    assert concern["text"] == ["A single point beyond a process limit"]
    assert "%{text}" in concern["hovertemplate"]
    value_symbol = figure["data"][0]["marker"]["symbol"]
    assert value_symbol != concern["marker"]["symbol"]


# --- dashboard pieces ---------------------------------------------------------------------


def test_sparkline_has_no_axes_or_legend_and_marks_the_latest_value():
    points = list(by_month(ACTUAL_2016, 2016).items())
    figure = sparkline(points)
    layout = figure["layout"]
    assert layout["xaxis"]["visible"] is False and layout["yaxis"]["visible"] is False
    assert layout["showlegend"] is False
    assert figure["config"]["staticPlot"] is True
    assert figure["data"][0]["marker"]["size"][-1] > 0 == figure["data"][0]["marker"]["size"][0]
    json.dumps(figure)


def test_small_multiple_is_compact_and_shows_status_as_text(nel):
    figure = small_multiple(nel, status_label="Not on track")
    assert figure["layout"]["title"]["text"].endswith("Not on track")
    assert figure["layout"]["height"] <= 200
    assert total(trace(figure, "Plan")["y"]) == 21749
    assert {t["line"]["dash"] for t in figure["data"]} == {"solid", "dash"}


def test_comparison_chart_has_england_and_quartile_reference_lines():
    values = {"Wolverhampton": 23187.0, "Plymouth": 20000.0, "Wiltshire": 25000.0, "Dudley": None}
    figure = comparison_chart(
        "Non-elective admissions", values, 22000.0, unit="admissions", highlight="Wolverhampton"
    )
    json.dumps(figure)
    areas = figure["data"][0]
    assert areas["y"] == ["Plymouth", "Wolverhampton", "Wiltshire"]  # sorted by value
    names = [t["name"] for t in figure["data"]]
    assert "England 22,000" in names
    q1, q2, q3 = quartiles(values.values())
    assert q2 == 23187
    assert any(n.startswith("Lower quartile") for n in names)
    assert f"Median {q2:,.0f}" in names
    assert any(n.startswith("Upper quartile") for n in names)
    assert trace(figure, "Wolverhampton")["marker"]["symbol"] == "diamond"
    assert "1 areas with no value" in figure["layout"]["title"]["text"]


def test_comparison_chart_uses_given_quartiles():
    figure = comparison_chart("M", {"A": 1.0, "B": 2.0}, None, (1.0, 1.5, 2.0))
    names = [t["name"] for t in figure["data"]]
    assert names == ["Areas", "Lower quartile 1", "Median 1.5", "Upper quartile 2"]
