"""Every main page passes the axe-core WCAG 2.2 A and AA rules in the real Chromium.

axe-core comes from npm (a dev dependency); pages are the demo data as a newcomer sees them.
"""

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from metrics.reference import reference_data_load
from programmes.models import Milestone
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
DEMO_PASSWORD = "accessibility-check-password"
SLUG = "wiltshire-integration"


@pytest.fixture
def demo(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", DEMO_PASSWORD)
    # Transactional tests start from an empty database: reload the reference data first.
    reference_data_load()
    call_command("load_demo", stdout=io.StringIO())


def _violations(page, path: str) -> list[str]:
    page.goto(path)
    # Evaluated by the test harness, not added as a <script>: the page's Content Security
    # Policy rightly refuses inline scripts.
    page.evaluate(AXE.read_text())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS
    )
    return [
        f"{path}: {v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(json.dumps(n["target"]) for n in v["nodes"][:3])
        for v in result["violations"]
    ]


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is installed by npm (make setup)")
def test_main_pages_have_no_wcag_violations(page, demo):
    milestone = Milestone.objects.get(programme__slug=SLUG, ref="1.17")
    pages_by_role = {
        "pm": [
            "/",
            "/programmes/",
            f"/programmes/{SLUG}/",
            f"/programmes/{SLUG}/milestones/",
            f"/programmes/{SLUG}/milestones/{milestone.pk}/",
            f"/programmes/{SLUG}/milestones/{milestone.pk}/status/",
            f"/programmes/{SLUG}/milestones/{milestone.pk}/edit/",
            f"/programmes/{SLUG}/workstreams/1/",
            f"/programmes/{SLUG}/exceptions/",
            f"/programmes/{SLUG}/changes/",
            f"/programmes/{SLUG}/coverage/",
            f"/programmes/{SLUG}/references/review/",
            "/programmes/import/",
        ],
        "analyst": [
            "/metrics/",
            "/metrics/E08000031/non-elective-admissions/?year=2017",
            "/metrics/E08000031/non-elective-admissions/?view=spc",
            "/metrics/compare/falls-admissions-65/",
            "/metrics/uploads/",
            "/metrics/uploads/new/",
        ],
    }
    violations = []
    for username, paths in pages_by_role.items():
        sign_in(page, username, DEMO_PASSWORD)
        for path in paths:
            violations += _violations(page, path)
        page.context.clear_cookies()
    violations += _violations(page, "/accounts/sign-in/")
    assert violations == []
