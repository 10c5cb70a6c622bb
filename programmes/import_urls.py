"""URLs of plan import and cross-reference review (kept apart from the plan pages)."""

urlpatterns: list = []
