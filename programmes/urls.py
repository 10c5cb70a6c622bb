from django.urls import path

from programmes import history_views, membership_views, views, workstream_views
from programmes.import_urls import urlpatterns as import_urlpatterns
from programmes.report_urls import urlpatterns as report_urlpatterns

app_name = "programmes"
urlpatterns = [
    path("", views.programme_list, name="programme_list"),
    *import_urlpatterns,
    *report_urlpatterns,
    path("<slug:slug>/", views.programme_detail, name="programme_detail"),
    path(
        "<slug:slug>/workstreams/<str:number>/",
        workstream_views.workstream_detail,
        name="workstream_detail",
    ),
    path("<slug:slug>/members/", membership_views.membership_list, name="membership_list"),
    path(
        "<slug:slug>/members/<int:pk>/",
        membership_views.membership_edit,
        name="membership_edit",
    ),
    path(
        "<slug:slug>/members/<int:pk>/remove/",
        membership_views.membership_remove,
        name="membership_remove",
    ),
    path("<slug:slug>/history/", history_views.programme_history, name="programme_history"),
    path(
        "<slug:slug>/workstreams/<str:number>/history/",
        history_views.workstream_history,
        name="workstream_history",
    ),
    path(
        "<slug:slug>/workstreams/<str:number>/metric-links/<int:pk>/remove/",
        workstream_views.metric_link_remove,
        name="metric_link_remove",
    ),
    path("<slug:slug>/milestones/", views.milestone_list, name="milestone_list"),
    path("<slug:slug>/milestones/new/", views.milestone_create, name="milestone_create"),
    path("<slug:slug>/milestones/<int:pk>/", views.milestone_detail, name="milestone_detail"),
    path(
        "<slug:slug>/milestones/<int:pk>/history/",
        history_views.milestone_history,
        name="milestone_history",
    ),
    path("<slug:slug>/milestones/<int:pk>/edit/", views.milestone_edit, name="milestone_edit"),
    path("<slug:slug>/milestones/<int:pk>/row/", views.milestone_row, name="milestone_row"),
    path("<slug:slug>/milestones/<int:pk>/status/", views.status_update, name="status_update"),
    path(
        "<slug:slug>/milestones/<int:pk>/status/<int:update_pk>/strike/",
        views.status_strike,
        name="status_strike",
    ),
]
