"""Metric pages: the dashboard of small multiples, one metric in one area (with SPC), and one
metric across areas. Thin views over `metrics.selectors`; every selector is a GET form that
works without JavaScript, and bad input gets a GOV.UK error message, never a 500."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from integration.exports import Column, export_response
from metrics import charts, selectors, spc
from metrics.choices import Polarity
from metrics.models import Area, Metric
from metrics.panels import metric_page_panels
from metrics.periods import PeriodError, fy_label, parse_financial_year

# --- forms ---------------------------------------------------------------------------------

_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})\s*$")


class FinancialYearField(forms.CharField):
    """A financial year as its start year ('2017') or its label ('2017/18')."""

    def clean(self, value):
        text = super().clean(value)
        if not text:
            return None
        text = text.strip()
        if text.isdigit() and len(text) == 4:
            year = int(text)
        else:
            try:
                year = parse_financial_year(text)
            except PeriodError:
                raise forms.ValidationError(
                    "Enter a financial year as its first year, like 2017 for 2017/18"
                ) from None
        if not 1990 <= year <= 2100:
            raise forms.ValidationError("Enter a financial year between 1990 and 2100")
        return year


class MetricPageForm(forms.Form):
    year = FinancialYearField(required=False, label="Financial year")
    # Anything but "spc" shows plan and actuals: a link, not something a user types.
    view = forms.CharField(required=False)
    spc_from = forms.CharField(
        required=False,
        label="Recalculate the limits from",
        help_text="A month as year and month, for example 2017-04 (after a service change).",
    )

    def clean_spc_from(self) -> date | None:
        text = (self.cleaned_data.get("spc_from") or "").strip()
        if not text:
            return None
        match = _MONTH.match(text)
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise forms.ValidationError("Enter a month as year and month, like 2017-04")
        return date(int(match.group(1)), int(match.group(2)), 1)


class DashboardForm(forms.Form):
    area = forms.CharField(required=False, label="Area")
    year = FinancialYearField(required=False, label="Financial year")


class ComparisonForm(forms.Form):
    year = FinancialYearField(required=False, label="Financial year")
    # An unknown sort (a hand-edited link) falls back to sorting by area name.
    sort = forms.CharField(required=False)


def _errors(form: forms.Form) -> list[tuple[str, str]]:
    """(field id, message) pairs for the GOV.UK error summary."""
    if not form.is_bound:
        return []
    form.is_valid()
    return [
        (f"id_{name}", message) for name, messages in form.errors.items() for message in messages
    ]


def _clean(form: forms.Form, name: str):
    form.is_valid()
    return form.cleaned_data.get(name) if name not in form.errors else None


def _not_found(request: HttpRequest, title: str, message: str) -> HttpResponse:
    return render(
        request,
        "metrics/includes/not_found.html",
        {"title": title, "message": message},
        status=404,
    )


# --- metric page ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SpcView:
    """The XmR chart and everything said about it in words."""

    figure: dict | None
    result: spc.SpcResult | None
    signals: list[dict]
    variation: spc.Icon | None
    assurance: spc.Icon | None
    target: float | None
    rules: dict[str, str]
    variation_meanings: dict[str, str]
    assurance_meanings: dict[str, str]
    rows: list[dict]


def _spc_view(page: selectors.MetricPage, recalculate_from: date | None) -> SpcView:
    points = [(d, v) for d, v in page.monthly_actuals]
    improvement = "lower" if page.metric.polarity == Polarity.LOWER_IS_BETTER else "higher"
    target = page.series.monthly_target() if page.series is not None else None
    result = spc.xmr(
        points,
        recalculate_from=[recalculate_from] if recalculate_from else (),
        improvement=improvement,
    )
    natures = {"improvement": "improvement", "concern": "concern", "neither": "neither"}
    signals, rows = [], []
    for point in result.points:
        seg = result.segment_of(point)
        rows.append(
            {
                "label": f"{point.date:%b %Y}",
                "value": point.value,
                "mean": seg.mean if seg else None,
                "lower": seg.lower_limit if seg else None,
                "upper": seg.upper_limit if seg else None,
                "rules": "; ".join(s.label for s in point.signals),
            }
        )
        if point.signals:
            signals.append(
                {
                    "label": f"{point.date:%b %Y}",
                    "value": point.value,
                    "nature": natures.get(point.nature, point.nature),
                    "side": "above the mean" if point.side == "high" else "below the mean",
                    "rules": [s.label for s in point.signals],
                }
            )
    figure = spc_chart_for(page, result, target)
    return SpcView(
        figure=figure,
        result=result,
        signals=signals,
        variation=result.variation,
        assurance=result.assurance(target),
        target=target,
        rules=spc.RULES,
        variation_meanings=spc.VARIATION_TEXT,
        assurance_meanings=spc.ASSURANCE_TEXT,
        rows=rows,
    )


def spc_chart_for(page: selectors.MetricPage, result: spc.SpcResult, target: float | None):
    return charts.spc_chart(
        result,
        title=f"{page.metric.short_name}, {page.area.name}: XmR chart",
        unit=page.unit,
        target=target,
    )


def metric_detail(request: HttpRequest, area_code: str, metric_code: str) -> HttpResponse:
    try:
        area = selectors.area_get(area_code)
    except Area.DoesNotExist:
        return _not_found(
            request,
            "Area not found",
            f"No area has the code “{area_code}”. Area codes are ONS codes such as E08000031 "
            "(Wolverhampton); choose an area from the metrics dashboard.",
        )
    try:
        metric = selectors.metric_get(metric_code)
    except Metric.DoesNotExist:
        return _not_found(
            request,
            "Metric not found",
            f"There is no metric “{metric_code}” in the catalogue. Choose a metric from the "
            "metrics dashboard.",
        )
    form = MetricPageForm(request.GET or None)
    year = _clean(form, "year") if form.is_bound else None
    page = selectors.metric_page(area=area, metric=metric, financial_year=year)
    if year is not None and page.years and year not in page.years:
        available = ", ".join(fy_label(y) for y in sorted(page.years))
        form.add_error(
            "year",
            f"There is no data for {fy_label(year)}. Choose a year with data: {available}",
        )
        page = selectors.metric_page(area=area, metric=metric)
    view = "spc" if form.is_bound and _clean(form, "view") == "spc" else ""
    spc_view = None
    if view == "spc":
        spc_from = _clean(form, "spc_from")
        spc_view, message = _spc_or_error(page, spc_from)
        if message:
            form.add_error("spc_from", message)
            spc_view, _ = _spc_or_error(page, None)
    errors = _errors(form)
    context = {
        "page": page,
        "area": area,
        "metric": metric,
        "form": form,
        "errors": errors,
        "view": view,
        "spc": spc_view,
        "year_choices": [(y, fy_label(y)) for y in page.years],
        "comparison_url": reverse("metrics:comparison", args=[metric.code]),
        "panels": metric_page_panels(area=area, metric=metric),
    }
    return render(request, "metrics/metric_detail.html", context, status=400 if errors else 200)


def _spc_or_error(
    page: selectors.MetricPage, spc_from: date | None
) -> tuple[SpcView | None, str | None]:
    values = [d for d, v in page.monthly_actuals if v is not None]
    if len(values) < 2:
        return None, None
    if spc_from is not None and not values[0] < spc_from <= values[-1]:
        return None, (
            f"Choose a month after the first value ({values[0]:%Y-%m}) and no later than the "
            f"last ({values[-1]:%Y-%m})"
        )
    try:
        return _spc_view(page, spc_from), None
    except ValueError as error:
        return None, str(error)


# --- dashboard -----------------------------------------------------------------------------


def dashboard(request: HttpRequest) -> HttpResponse:
    form = DashboardForm(request.GET or None)
    area_code = _clean(form, "area") if form.is_bound else None
    year = _clean(form, "year") if form.is_bound else None
    try:
        board = selectors.dashboard(area_code=area_code or None, financial_year=year)
    except Area.DoesNotExist:
        form.add_error("area", f"No area has the code “{area_code}”. Choose an area from the list")
        board = selectors.dashboard(financial_year=year)
    if year is not None and board.area is not None and year not in board.years:
        if board.years:
            available = ", ".join(fy_label(y) for y in sorted(board.years))
            form.add_error(
                "year",
                f"{board.area.name} has no data for {fy_label(year)}. Choose a year with "
                f"data: {available}",
            )
        board = selectors.dashboard(area_code=board.area.code)
    errors = _errors(form)
    areas = list(board.areas)
    if board.area is not None and board.area not in areas:
        areas.insert(0, board.area)
    context = {
        "board": board,
        "form": form,
        "errors": errors,
        "area_choices": [(a.code, f"{a.name} ({a.code})") for a in areas],
        "year_choices": [(y, fy_label(y)) for y in board.years],
    }
    return render(request, "metrics/dashboard.html", context, status=400 if errors else 200)


# --- comparison ----------------------------------------------------------------------------

_SORTS = {
    "area": (lambda r: r.area.name, False),
    "code": (lambda r: r.area.code, False),
    "value": (lambda r: r.value, False),
}


def _sorted(rows: list[selectors.AreaValue], sort: str) -> list[selectors.AreaValue]:
    key, descending = sort.lstrip("-") or "area", sort.startswith("-")
    read, _ = _SORTS.get(key, _SORTS["area"])
    present = [r for r in rows if read(r) is not None]
    missing = [r for r in rows if read(r) is None]
    # Areas without a value always go last, whichever way the column is sorted.
    return sorted(present, key=read, reverse=descending) + missing


def comparison(request: HttpRequest, metric_code: str) -> HttpResponse:
    try:
        metric = selectors.metric_get(metric_code, with_related=False)
    except Metric.DoesNotExist:
        return _not_found(
            request,
            "Metric not found",
            f"There is no metric “{metric_code}” in the catalogue. Choose a metric from the "
            "metrics dashboard.",
        )
    form = ComparisonForm(request.GET or None)
    year = _clean(form, "year") if form.is_bound else None
    sort = (_clean(form, "sort") or "") if form.is_bound else ""
    if sort.lstrip("-") not in _SORTS:
        sort = ""
    result = selectors.comparison(metric=metric, financial_year=year)
    if year is not None and result.years and year not in result.years:
        available = ", ".join(fy_label(y) for y in sorted(result.years))
        form.add_error(
            "year",
            f"There are no actuals for {fy_label(year)}. Choose a year with data: {available}",
        )
        result = selectors.comparison(metric=metric)
    rows = _sorted(result.rows, sort)
    file_format = request.GET.get("format")
    if file_format:
        return export_response(
            rows=rows,
            columns=[
                Column("Area code", lambda r: r.area.code),
                Column("Area", lambda r: r.area.name),
                Column(f"{metric.short_name} ({result.unit})", lambda r: r.value),
                Column("Periods with actuals", lambda r: r.periods),
                Column("Financial year", lambda r: result.year_label),
            ],
            filename=f"{metric.code}-{result.year_label.replace('/', '-') or 'no-data'}",
            file_format=file_format,
        )
    errors = _errors(form)
    params = {"year": result.financial_year} if result.financial_year else {}
    headers = []
    for key, label in (("area", "Area"), ("code", "Code"), ("value", f"Value ({result.unit})")):
        current = sort.lstrip("-") or "area"
        descending = sort.startswith("-")
        is_current = current == key
        next_sort = f"-{key}" if is_current and not descending else key
        headers.append(
            {
                "label": label,
                "key": key,
                "href": "?" + _query({**params, "sort": next_sort}),
                "aria_sort": ("descending" if descending else "ascending")
                if is_current
                else "none",
                "numeric": key == "value",
            }
        )
    context = {
        "comparison": result,
        "rows": rows,
        "form": form,
        "errors": errors,
        "metric": metric,
        "headers": headers,
        "year_choices": [(y, fy_label(y)) for y in result.years],
        "exports": {
            fmt: "?" + _query({**params, **({"sort": sort} if sort else {}), "format": fmt})
            for fmt in ("csv", "xlsx")
        },
    }
    return render(request, "metrics/comparison.html", context, status=400 if errors else 200)


def _query(params: dict) -> str:
    return urlencode({k: v for k, v in params.items() if v not in (None, "")})
