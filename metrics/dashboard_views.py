"""Metric pages: the dashboard of small multiples, one metric in one area (with SPC), and one
metric across areas. Thin views: read the GET form, call a page builder in `metrics.pages`,
render. Every selector is a GET form that works without JavaScript, and bad input gets a GOV.UK
error message, never a 500."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from integration.exports import Column, export_if_requested, export_links
from metrics import pages, selectors
from metrics.forms import ComparisonForm, DashboardForm, FinancialYearField, MetricPageForm
from metrics.models import Area, Metric
from metrics.panels import metric_page_panels
from metrics.tables import ProvenanceTable, SeriesTable

NO_METRIC = (
    "There is no metric “{code}” in the catalogue. Choose a metric from the metrics dashboard."
)


def _errors(form: forms.Form) -> list[tuple[str, str]]:
    """(field id, message) pairs for the GOV.UK error summary."""
    if not form.is_bound:
        return []
    form.is_valid()
    return [
        (f"id_{name}", str(message))
        for name, messages in form.errors.items()
        for message in messages
    ]


def _clean(form: forms.Form, name: str) -> Any:
    """A field's cleaned value; None when the form is unbound or the field has an error."""
    if not form.is_bound:
        return None
    form.is_valid()
    return form.cleaned_data.get(name) if name not in form.errors else None


def _not_found(request: HttpRequest, title: str, message: str) -> HttpResponse:
    return render(
        request,
        "metrics/includes/not_found.html",
        {"title": title, "message": message},
        status=404,
    )


def _render(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """The page, as a 400 when the form has errors (the error summary says which)."""
    return render(request, template, context, status=400 if context["errors"] else 200)


# --- metric page ---------------------------------------------------------------------------


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
        return _not_found(request, "Metric not found", NO_METRIC.format(code=metric_code))
    requested = FinancialYearField.requested(request.GET.get("year"))
    page = pages.metric_page(area=area, metric=metric, financial_year=requested)
    form = MetricPageForm(request.GET or None, years=page.years)
    if requested is not None and _clean(form, "year") is None:
        page = pages.metric_page(area=area, metric=metric)  # the year was refused
    view = "spc" if _clean(form, "view") == "spc" else ""
    spc_view = None
    if view == "spc":
        spc_view, message = pages.spc_view(page, _clean(form, "spc_from"))
        if message:
            form.add_error("spc_from", message)
            spc_view, _ = pages.spc_view(page, None)
    context = {
        "page": page,
        "provenance_table": ProvenanceTable(page.provenance),
        "series_table": SeriesTable(
            page.table,
            table_id="table-metric",
            caption="Monthly figures",
            baseline_name=page.baseline_name,
            totals=page.totals,
        ),
        "area": area,
        "metric": metric,
        "form": form,
        "errors": _errors(form),
        "view": view,
        "spc": spc_view,
        "year_choices": form.year_field.choices,  # what the select offers
        "comparison_url": reverse("metrics:comparison", args=[metric.code]),
        "panels": metric_page_panels(area=area, metric=metric, user=request.user),
    }
    return _render(request, "metrics/metric_detail.html", context)


# --- dashboard -----------------------------------------------------------------------------


def dashboard(request: HttpRequest) -> HttpResponse:
    requested = FinancialYearField.requested(request.GET.get("year"))
    try:
        board = pages.dashboard(area_code=request.GET.get("area"), financial_year=requested)
    except Area.DoesNotExist:
        board = pages.dashboard(financial_year=requested)  # the form says the code is unknown
    form = DashboardForm(request.GET or None, areas=board.areas, area=board.area, years=board.years)
    if requested is not None and board.area is not None and requested not in board.years:
        board = pages.dashboard(area_code=board.area.code)
    context = {"board": board, "form": form, "errors": _errors(form)}
    return _render(request, "metrics/dashboard.html", context)


# --- comparison ----------------------------------------------------------------------------


def comparison(request: HttpRequest, metric_code: str) -> HttpResponse:
    try:
        metric = selectors.metric_get(metric_code, with_related=False)
    except Metric.DoesNotExist:
        return _not_found(request, "Metric not found", NO_METRIC.format(code=metric_code))
    requested = FinancialYearField.requested(request.GET.get("year"))
    result = pages.comparison(metric=metric, financial_year=requested)
    form = ComparisonForm(request.GET or None, years=result.years)
    if requested is not None and _clean(form, "year") is None:
        result = pages.comparison(metric=metric)  # the year was refused
    table = result.table(_clean(form, "sort") or "")
    download = export_if_requested(
        request,
        rows=lambda: table.records,
        columns=[
            Column("Area code", lambda r: r.area.code),
            Column("Area", lambda r: r.area.name),
            Column(f"{metric.short_name} ({result.unit})", lambda r: r.value),
            Column("Periods with actuals", lambda r: r.periods),
            Column("Financial year", lambda r: result.year_label),
        ],
        filename=f"{metric.code}-{result.year_label.replace('/', '-') or 'no-data'}",
    )
    if download is not None:
        return download
    year_shown = {"year": str(result.financial_year)} if result.financial_year else {}
    context = {
        "comparison": result,
        "table": table,
        "rows": table.records,
        "form": form,
        "errors": _errors(form),
        "metric": metric,
        # The download holds the year shown, also when the page chose it (no ?year= given).
        "exports": export_links(request, **year_shown),
    }
    return _render(request, "metrics/comparison.html", context)
