"""Applying a plan import does exactly what its preview said, or nothing."""

import pytest
from django.urls import reverse

from programmes.choices import ImportState
from programmes.models import Milestone, PlanImport
from programmes.plan_import import (
    PlanImportStale,
    plan_import_apply,
    plan_import_preview,
)
from tests.programmes.test_plan_import import (
    AS_OF,
    demo_bytes,
    programme,  # noqa: F401  (the fixture)
    replace_in_row,
    run_import,
)

pytestmark = pytest.mark.django_db

MARKER = "Health and Social Care professionals to promote"


def corrected() -> bytes:
    return replace_in_row(demo_bytes(), MARKER, "wherever", "whenever")


def test_an_import_previewed_before_the_plan_changed_applies_nothing_and_shows_what_differs(
    programme,  # noqa: F811
    pm_user,
):
    run_import(programme, demo_bytes())
    waiting = plan_import_preview(
        programme=programme, file_name="plan.csv", content=corrected(), as_of=AS_OF
    )
    assert waiting.report["updated"] == 1
    run_import(programme, corrected())  # someone else imports the same correction first
    before = {m.pk: m.version for m in Milestone.objects.all()}

    with pytest.raises(PlanImportStale, match="nothing was applied"):
        plan_import_apply(plan_import=waiting, user=pm_user)

    waiting = PlanImport.objects.get(pk=waiting.pk)
    assert waiting.state == ImportState.PREVIEWED
    assert waiting.report["updated"] == 0
    [line] = waiting.report["changed_since_preview"]
    assert "the preview said updated (title)" in line and "now unchanged" in line
    assert {m.pk: m.version for m in Milestone.objects.all()} == before
    # The fresh preview is what applying does now: it applies.
    assert plan_import_apply(plan_import=waiting, user=pm_user).state == ImportState.APPLIED


def test_the_import_page_lists_what_changed_since_the_preview(
    client,
    programme,  # noqa: F811
    pm_user,
):
    run_import(programme, demo_bytes())
    waiting = plan_import_preview(
        programme=programme, file_name="plan.csv", content=corrected(), as_of=AS_OF
    )
    run_import(programme, corrected())
    client.force_login(pm_user)
    url = reverse("programmes:plan_import_confirm", args=[waiting.pk])
    response = client.post(url, follow=True)
    assert "The plan has changed since this file was previewed" in response.content.decode()
    assert "changed-since-preview" in response.content.decode()
