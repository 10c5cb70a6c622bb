"""MilestoneFilterSet: each filter shows exactly the milestones it should."""

from datetime import date

import pytest
from django.http import QueryDict

from programmes.choices import Rating, RatingScale
from programmes.filtersets import MilestoneFilterSet
from programmes.models import FrameworkCode
from programmes.selectors import milestone_list_queryset
from tests.programmes.factories import (
    FrameworkCodeFactory,
    FrameworkFactory,
    MilestoneFactory,
    MilestoneReferenceFactory,
    PersonFactory,
    WorkstreamFactory,
)

pytestmark = pytest.mark.django_db

AS_OF = date(2018, 9, 6)


@pytest.fixture
def programme(programme):
    """The shared programme on the three-point RAG scale the filter tests read."""
    programme.rating_scale = RatingScale.RAG
    programme.save()
    return programme


def _aoi(code: str) -> FrameworkCode:
    return FrameworkCodeFactory(framework=FrameworkFactory(slug="cqc-aoi"), code=code)


def _refs(programme, data) -> set[str]:
    fs = MilestoneFilterSet(
        data, queryset=milestone_list_queryset(programme), programme=programme, as_of=AS_OF
    )
    return {m.ref for m in fs.qs}


def test_aoi8_shows_exactly_the_milestones_citing_aoi8(programme):
    ws = WorkstreamFactory(programme=programme)
    cites = {"1.3": ["AOI8", "AOI9"], "1.6": ["AOI8"], "1.13": ["AOI9"], "2.1": ["AOI1"]}
    cites |= {"6.7": ["AOI7"], "4.7": [], "5.5": ["AOI3", "AOI8"]}
    for ref, codes in cites.items():
        m = MilestoneFactory(workstream=ws, ref=ref)
        for code in codes:
            MilestoneReferenceFactory(milestone=m, code=_aoi(code))
    # The same code in another programme does not leak in.
    other = MilestoneFactory(ref="9.9")
    MilestoneReferenceFactory(milestone=other, code=_aoi("AOI8"))
    assert _refs(programme, {"reference": "AOI8"}) == {"1.3", "1.6", "5.5"}
    assert _refs(programme, {"reference": "aoi8"}) == {"1.3", "1.6", "5.5"}


def test_aoi1_does_not_match_aoi10_to_aoi16(programme):
    ws = WorkstreamFactory(programme=programme)
    for ref, code in [("2.1", "AOI1"), ("1.1", "AOI10"), ("1.8", "AOI11"), ("3.4", "AOI16")]:
        MilestoneReferenceFactory(
            milestone=MilestoneFactory(workstream=ws, ref=ref), code=_aoi(code)
        )
    assert _refs(programme, {"reference": "AOI1"}) == {"2.1"}


def test_an_unknown_code_matches_nothing_rather_than_everything(programme):
    MilestoneFactory(workstream=WorkstreamFactory(programme=programme), ref="1.1")
    assert _refs(programme, {"reference": "AOI99"}) == set()


def test_a_code_shared_by_two_frameworks_can_be_chosen_per_framework(programme):
    ws = WorkstreamFactory(programme=programme)
    hicm = FrameworkFactory(slug="hicm-test", name="HICM")
    bcf = FrameworkFactory(slug="bcf-test", name="BCF")
    a = MilestoneFactory(workstream=ws, ref="1.1")
    b = MilestoneFactory(workstream=ws, ref="1.2")
    MilestoneReferenceFactory(milestone=a, code=FrameworkCodeFactory(framework=hicm, code="X1"))
    MilestoneReferenceFactory(milestone=b, code=FrameworkCodeFactory(framework=bcf, code="X1"))
    assert _refs(programme, {"reference": "hicm-test:X1"}) == {"1.1"}
    assert _refs(programme, {"reference": "X1"}) == {"1.1", "1.2"}


def test_a_milestone_with_two_matching_leads_is_listed_once(programme):
    ws = WorkstreamFactory(programme=programme)
    tw, hj = PersonFactory(initials="TW"), PersonFactory(initials="HJ")
    MilestoneFactory(workstream=ws, ref="1.6", leads=[tw, hj])
    MilestoneFactory(workstream=ws, ref="1.8", leads=[hj])
    fs = MilestoneFilterSet(
        {"lead": tw.pk},
        queryset=milestone_list_queryset(programme),
        programme=programme,
        as_of=AS_OF,
    )
    assert [m.ref for m in fs.qs] == ["1.6"]
    assert _refs(programme, {"lead": hj.pk}) == {"1.6", "1.8"}


def test_overdue_excludes_complete_and_uses_the_forecast_when_there_is_one(programme):
    ws = WorkstreamFactory(programme=programme)
    MilestoneFactory(workstream=ws, ref="late", baseline_end=date(2018, 8, 31))
    MilestoneFactory(
        workstream=ws, ref="done", baseline_end=date(2018, 7, 31), rating=Rating.COMPLETE
    )
    MilestoneFactory(
        workstream=ws, ref="replanned", baseline_end=date(2018, 8, 31),
        forecast_end=date(2018, 12, 31),
    )  # fmt: skip
    MilestoneFactory(workstream=ws, ref="future", baseline_end=date(2019, 3, 31))
    MilestoneFactory(workstream=ws, ref="undefined", baseline_end=None)
    assert _refs(programme, {"overdue": "yes"}) == {"late"}
    assert _refs(programme, {"due_within": "120"}) == {"replanned"}
    assert _refs(programme, {"due_within": "0"}) == set()


def test_free_text_searches_titles_refs_and_leads_as_written(programme):
    ws = WorkstreamFactory(programme=programme)
    MilestoneFactory(workstream=ws, ref="1.28", title="To establish Red Bag scheme")
    MilestoneFactory(
        workstream=ws, ref="1.3", title="Social prescribing", lead_text="Public Health"
    )
    assert _refs(programme, {"q": "red bag"}) == {"1.28"}
    assert _refs(programme, {"q": "public health"}) == {"1.3"}
    assert _refs(programme, {"q": "1.3"}) == {"1.3"}


def test_rating_choices_follow_the_programme_scale(programme):
    fs = MilestoneFilterSet(
        {}, queryset=milestone_list_queryset(programme), programme=programme, as_of=AS_OF
    )
    values = [v for v, _ in fs.form.fields["rating"].choices]
    assert values == ["red", "amber", "green", "complete", "not_rated"]


def test_an_invalid_filter_is_reported_and_the_others_still_apply(programme):
    ws = WorkstreamFactory(programme=programme)
    MilestoneFactory(workstream=ws, ref="1.1", rating=Rating.RED)
    MilestoneFactory(workstream=ws, ref="1.2", rating=Rating.GREEN)
    fs = MilestoneFilterSet(
        QueryDict("rating=red&due_within=-4"),
        queryset=milestone_list_queryset(programme),
        programme=programme,
        as_of=AS_OF,
    )
    assert {m.ref for m in fs.qs} == {"1.1"}
    assert "due_within" in fs.form.errors
