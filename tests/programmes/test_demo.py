"""The Wiltshire demo programme: loaded through the plan importer, and idempotent."""

import io
from datetime import date

import pytest
from django.core.management import call_command

from integration.models import DemoDataLoad
from programmes.choices import ImportState, Rating, RatingScale
from programmes.demo import load_demo_data
from programmes.models import (
    GovernanceBody,
    Milestone,
    PlanImport,
    Programme,
    StatusUpdate,
    Workstream,
)

pytestmark = pytest.mark.django_db


def test_load_demo_data_creates_the_wiltshire_programme_as_its_board_saw_it():
    out = io.StringIO()
    load_demo_data(stdout=out)
    programme = Programme.objects.get(slug="wiltshire-integration")
    assert programme.name == "Wiltshire Integration Programme Plan"
    assert programme.area == "Wiltshire"
    assert programme.is_demo
    assert programme.reporting_date == date(2018, 9, 6)
    assert programme.rating_scale == RatingScale.RAG
    assert programme.owning_body.acronym == "WIB"
    assert programme.workstreams.count() == 9
    assert Milestone.objects.filter(programme=programme).count() == 94
    assert Milestone.objects.filter(programme=programme, rating=Rating.COMPLETE).count() == 4
    assert "94 rows, 94 created" in out.getvalue()
    load = DemoDataLoad.objects.get(dataset="wiltshire-integration")
    assert "Wiltshire Integration Programme Plan of September 2018" in load.description
    assert "published council paper" in load.description
    # Every status came in through the importer, as at the plan's date.
    assert set(StatusUpdate.objects.values_list("as_of", "source").distinct()) == {
        (date(2018, 9, 6), "import")
    }
    applied = PlanImport.objects.get()
    assert applied.state == ImportState.APPLIED and applied.as_of == date(2018, 9, 6)


def test_workstreams_have_their_sros_and_objectives_from_the_demo_csv():
    load_demo_data(stdout=io.StringIO())
    digital = Workstream.objects.get(programme__slug="wiltshire-integration", number="7")
    assert digital.name == "Digital Roadmap"
    assert sorted(p.name for p in digital.sros.all()) == [
        "Carlton Brand",
        "Chris Blanchard",
        "Steve Perkins",
    ]
    workforce = Workstream.objects.get(programme__slug="wiltshire-integration", number="6")
    hayley = workforce.sros.get(name="Hayley Richards")
    assert hayley.organisation.name == "AWP"
    benefits = Workstream.objects.get(programme__slug="wiltshire-integration", number="9")
    assert benefits.sro_text == "TBA" and benefits.sros.count() == 0


def test_known_bodies_are_named_and_ldb_and_atb_are_added_by_acronym_only():
    load_demo_data(stdout=io.StringIO())
    assert GovernanceBody.objects.get(acronym="WIB").reports_to.acronym == "HWB"
    assert GovernanceBody.objects.get(acronym="LDB").name == ""
    assert GovernanceBody.objects.get(acronym="ATB").name == ""


def test_loading_the_demo_twice_changes_nothing():
    load_demo_data(stdout=io.StringIO())
    counts = (Milestone.objects.count(), StatusUpdate.objects.count(), PlanImport.objects.count())
    versions = dict(Milestone.objects.values_list("pk", "version"))
    out = io.StringIO()
    load_demo_data(stdout=out)
    assert "0 created, 0 updated, 94 unchanged" in out.getvalue()
    assert (
        Milestone.objects.count(),
        StatusUpdate.objects.count(),
        PlanImport.objects.count(),
    ) == counts
    assert dict(Milestone.objects.values_list("pk", "version")) == versions
    assert DemoDataLoad.objects.filter(dataset="wiltshire-integration").count() == 1


def test_load_demo_command_loads_the_programme(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "demo-password-for-tests")
    call_command("load_demo", stdout=io.StringIO())
    assert Programme.objects.filter(slug="wiltshire-integration", is_demo=True).exists()


def test_demo_links_theme_1_to_wiltshire_metrics_and_says_they_are_illustrative():
    from programmes.models import MetricLink

    load_demo_data(stdout=io.StringIO())
    load_demo_data(stdout=io.StringIO())
    links = MetricLink.objects.select_related("metric", "area", "workstream")
    assert {(x.workstream.number, x.metric.code, x.area.code) for x in links} == {
        ("1", "dtoc-delayed-days", "E06000054"),
        ("1", "non-elective-admissions", "E06000054"),
    }
    assert all(x.note.startswith("Illustrative demo link") for x in links)
