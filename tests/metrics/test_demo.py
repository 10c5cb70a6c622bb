"""Metrics demo data: loaded through the upload services, with the sources' own figures."""

from __future__ import annotations

from io import StringIO

import pytest

from integration.models import DemoDataLoad
from metrics import demo
from metrics.models import Observation, ObservationRevision, Upload

pytestmark = pytest.mark.django_db

WOLVERHAMPTON = "E08000031"
NEL = "non-elective-admissions"


@pytest.fixture
def loaded() -> str:
    out = StringIO()
    demo.load_demo_data(stdout=out)
    return out.getvalue()


def total(**filters) -> float:
    return sum(o.value for o in Observation.objects.filter(**filters))


def test_wolverhampton_nel_sums_match_figures_20_and_21(loaded) -> None:
    nel = {"metric__code": NEL, "area__code": WOLVERHAMPTON, "period_kind": "month"}
    assert total(kind="plan", period_start__year__in=[2017, 2018], **nel) == 21749
    assert total(kind="actual", **nel) == 23187
    assert total(kind="baseline", **nel) == 24842
    assert Observation.objects.filter(kind="plan", **nel).count() == 12
    april = Observation.objects.get(kind="plan", period_start="2017-04-01", **nel)
    assert april.value == 1758 and "Figure 21" in april.note


def test_targets_and_dtoc_figures_keep_the_sources_values(loaded) -> None:
    def one(metric: str, area: str, kind: str, year: int) -> Observation:
        return Observation.objects.get(
            metric__code=metric,
            area__code=area,
            kind=kind,
            period_kind="year",
            period_start=f"{year}-04-01",
        )

    assert one("care-home-admissions-65-count", WOLVERHAMPTON, "target", 2017).value == 260
    assert one("reablement-91-days", WOLVERHAMPTON, "target", 2017).value == 85.7
    assert one("dtoc-delayed-days", "E06000026", "baseline", 2013).value == 1572
    target = one("dtoc-delayed-days", "E06000026", "target", 2015)
    assert target.value == 843.3 and "March 2016" in target.note
    assert "illustrative" in one("dtoc-delayed-days", "E06000026", "baseline", 2013).note


def test_trafford_series_are_loaded(loaded) -> None:
    trafford = Observation.objects.filter(area__code="E08000009")
    assert set(trafford.values_list("metric__code", flat=True)) >= {
        "dtoc-social-care-beds",
        "reablement-91-days",
        "care-home-admissions-65",
        "falls-admissions-65",
    }
    march = trafford.get(metric__code="dtoc-social-care-beds", period_start="2017-03-01")
    assert march.value == 36.6


def test_every_demo_upload_is_marked_and_recorded(loaded) -> None:
    assert Upload.objects.count() == len(demo.DEMO_FILES)
    assert set(Upload.objects.values_list("state", "is_demo")) == {("applied", True)}
    assert DemoDataLoad.objects.get(dataset="bcf-metrics").description.startswith("BCF metrics")
    assert not Observation.objects.filter(upload__is_demo=False).exists()


def test_loading_twice_changes_nothing(loaded) -> None:
    before = list(Observation.objects.values_list("id", "value", "updated_at", "upload_id"))
    uploads = list(Upload.objects.values_list("id", "state", "applied_at"))
    out = StringIO()
    demo.load_demo_data(stdout=out)
    assert "already loaded" in out.getvalue()
    assert list(Observation.objects.values_list("id", "value", "updated_at", "upload_id")) == before
    assert list(Upload.objects.values_list("id", "state", "applied_at")) == uploads
    assert ObservationRevision.objects.count() == 0
    assert DemoDataLoad.objects.count() == 1
