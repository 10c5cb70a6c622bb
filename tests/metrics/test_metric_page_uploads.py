"""The metric page over data loaded through the real upload services: the Wolverhampton demo
files (Figures 20 and 21) with their saved profiles, then a new month of actuals uploaded by an
analyst changes the chart, the table, the status and the provenance on the next load."""

import json
import re
from pathlib import Path

import pytest
from django.urls import reverse

from metrics.ingest.profiles import Profile
from metrics.services import upload_apply, upload_create
from tests.metrics.factories import NEL, WOLVERHAMPTON

pytestmark = pytest.mark.django_db

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo" / "metrics"
URL = reverse("metrics:metric_detail", args=[WOLVERHAMPTON, NEL])


def load(name: str, profile: str | None, user=None):
    definition = None
    if profile:
        definition = Profile.from_dict(json.loads((DEMO / "profiles" / profile).read_text()))
    content = (DEMO / name).read_bytes() if (DEMO / name).exists() else name.encode()
    upload = upload_create(
        content=content,
        filename=name if (DEMO / name).exists() else "new-month.csv",
        user=user,
        definition=definition,
    )
    assert not upload.report.get("errors"), upload.report.get("errors")
    return upload_apply(upload=upload, user=user)


@pytest.fixture
def demo():
    load("wolverhampton-nel-monitoring-2016-17.csv", "wolverhampton-nel-monitoring.json")
    load("wolverhampton-nel-plan-2017-18.csv", "wolverhampton-nel-plan.json")


def plotted(html: str, name_start: str) -> list:
    data = re.search(
        r'<script id="chart-metric-data" type="application/json">(.*?)</script>', html, re.S
    )
    figure = json.loads(data.group(1))
    return next(t for t in figure["data"] if t["name"].startswith(name_start))["y"]


def test_demo_uploads_give_the_source_totals_on_the_charts(board_client, demo):
    html = board_client.get(URL, {"year": 2017}).content.decode()
    assert sum(plotted(html, "Plan")) == 21749
    assert sum(v for v in plotted(html, "Previous year actual (2016/17)") if v) == 23187
    html = board_client.get(URL, {"year": 2016}).content.decode()
    assert sum(plotted(html, "Actual")) == 23187
    assert sum(plotted(html, "Baseline (2015/16 activity)")) == 24842


def test_a_new_month_uploaded_by_an_analyst_shows_on_the_next_load(
    board_client, analyst_user, demo
):
    before = board_client.get(URL, {"year": 2017})
    assert before.context["page"].status.label == "Data not available"
    csv = (
        "area_code,area_name,metric,kind,period,value\n"
        "E08000031,Wolverhampton,Non-elective admissions,actual,Apr 2017,1700\n"
    )
    load(csv, None, user=analyst_user)
    after = board_client.get(URL, {"year": 2017})
    html = after.content.decode()
    assert plotted(html, "Actual")[0] == 1700
    assert after.context["page"].table[0]["variance"] == 1700 - 1758
    assert after.context["page"].status.label == "On track"
    assert ">On track</strong>" in html
    assert "new-month.csv" in html and "by analyst" in html
    # Revised: the same month again with another value keeps the first in the history.
    load(csv.replace("1700", "1710"), None, user=analyst_user)
    html = board_client.get(URL, {"year": 2017}).content.decode()
    assert plotted(html, "Actual")[0] == 1710
    assert "1 earlier version" in html
    assert re.search(r"1,700 from <a [^>]*>new-month.csv</a>", html)
