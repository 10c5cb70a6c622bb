"""URLs of the metric pages; `metrics/urls.py` includes them into the `metrics` namespace."""

from django.urls import path

from metrics import dashboard_views, history_views

dashboard_urlpatterns = [
    path("", dashboard_views.dashboard, name="dashboard"),
    path("compare/<slug:metric_code>/", dashboard_views.comparison, name="comparison"),
    path(
        "<str:area_code>/<slug:metric_code>/history/",
        history_views.metric_history,
        name="metric_history",
    ),
    path(
        "<str:area_code>/<slug:metric_code>/",
        dashboard_views.metric_detail,
        name="metric_detail",
    ),
]
urlpatterns = dashboard_urlpatterns
