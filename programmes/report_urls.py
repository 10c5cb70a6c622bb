"""URLs of the board reports (kept apart from the plan pages)."""

from django.urls import path

from programmes import report_views

urlpatterns = [
    path("<slug:slug>/exceptions/", report_views.exception_report, name="exception_report"),
    path("<slug:slug>/changes/", report_views.changes, name="changes"),
    path("<slug:slug>/coverage/", report_views.coverage, name="coverage"),
    path(
        "<slug:slug>/reporting-date/",
        report_views.reporting_date_set,
        name="reporting_date_set",
    ),
]
