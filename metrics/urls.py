from django.urls import path

from metrics import views
from metrics.dashboard_urls import dashboard_urlpatterns

app_name = "metrics"
urlpatterns = [
    path("uploads/", views.upload_list, name="upload_list"),
    path("uploads/new/", views.upload_create, name="upload_create"),
    path("uploads/profiles/", views.upload_profile_list, name="upload_profile_list"),
    path(
        "uploads/profiles/<int:pk>/export/",
        views.upload_profile_export,
        name="upload_profile_export",
    ),
    path("uploads/<int:pk>/", views.upload_detail, name="upload_detail"),
    path("uploads/<int:pk>/mapping/", views.upload_mapping, name="upload_mapping"),
    path("uploads/<int:pk>/apply/", views.upload_apply, name="upload_apply"),
    path("uploads/<int:pk>/check/", views.upload_check, name="upload_check"),
    path("uploads/<int:pk>/discard/", views.upload_discard, name="upload_discard"),
    path("uploads/<int:pk>/revert/", views.upload_revert_view, name="upload_revert"),
    path("uploads/<int:pk>/file/", views.upload_file, name="upload_file"),
    # Last: the metric page's /<area>/<metric>/ would otherwise shadow two-part upload URLs.
    *dashboard_urlpatterns,
]
