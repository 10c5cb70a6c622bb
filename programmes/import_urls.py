"""URLs of plan import and cross-reference review (kept apart from the plan pages)."""

from django.urls import path

from programmes import import_views

urlpatterns: list = [
    path("import/", import_views.plan_import_upload, name="plan_import_upload"),
    path("import/<int:pk>/", import_views.plan_import_detail, name="plan_import_detail"),
    path("import/<int:pk>/confirm/", import_views.plan_import_confirm, name="plan_import_confirm"),
    path(
        "import/<int:pk>/discard/",
        import_views.plan_import_discard_view,
        name="plan_import_discard",
    ),
    path(
        "<slug:slug>/references/review/",
        import_views.reference_review,
        name="reference_review",
    ),
]
