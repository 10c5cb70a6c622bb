"""Cross-reference frameworks as data: loaded by migration, never invented, never overwritten."""

import pytest

from programmes.models import Framework, FrameworkCode
from programmes.reference import frameworks_load, frameworks_read

pytestmark = pytest.mark.django_db


def test_the_migration_loads_16_aoi_codes_with_empty_descriptions():
    aoi = Framework.objects.get(slug="cqc-aoi")
    assert aoi.name == "CQC local system review areas of improvement"
    codes = list(aoi.codes.order_by("position"))
    assert [c.code for c in codes] == [f"AOI{n}" for n in range(1, 17)]
    assert all(c.description == "" and c.title == "" for c in codes)


def test_hicm_changes_1_to_8_have_their_printed_titles():
    hicm = Framework.objects.get(slug="hicm")
    titles = dict(hicm.codes.values_list("code", "title"))
    assert list(titles) == [f"HICM{n}" for n in range(1, 9)]
    assert titles["HICM1"] == "Early Discharge Planning"
    assert titles["HICM8"] == "Enhancing health in care homes"
    assert all(c.description == "" for c in hicm.codes.all())


def test_bcf_national_conditions_are_the_canonical_four():
    bcf = Framework.objects.get(slug="bcf-national-conditions")
    titles = list(bcf.codes.order_by("position").values_list("code", "title"))
    assert titles[0] == ("NC1", "Plans to be Jointly Agreed")
    assert titles[3] == (
        "NC4",
        "Implementation of the High Impact Model for Managing Transfers of Care",
    )
    assert len(titles) == 4


def test_loading_again_creates_nothing_and_keeps_an_administrators_edits():
    aoi7 = FrameworkCode.objects.get(code="AOI7")
    aoi7.description = "Typed in by an administrator"
    aoi7.save()
    assert frameworks_load() == {"frameworks": 0, "codes": 0}
    aoi7.refresh_from_db()
    assert aoi7.description == "Typed in by an administrator"


def test_loading_restores_a_deleted_code():
    FrameworkCode.objects.filter(code="AOI16").delete()
    assert frameworks_load() == {"frameworks": 0, "codes": 1}


def test_the_fixture_file_invents_no_aoi_descriptions():
    aoi = next(f for f in frameworks_read() if f["slug"] == "cqc-aoi")
    assert all(not c["description"] and not c["title"] for c in aoi["codes"])
