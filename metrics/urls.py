from django.urls import path

from metrics import views
from metrics.dashboard_urls import dashboard_urlpatterns

app_name = "metrics"
urlpatterns = [
    path("uploads/", views.upload_list, name="upload_list"),
    # Last: the metric page's /<area>/<metric>/ would otherwise shadow two-part upload URLs.
    *dashboard_urlpatterns,
]
