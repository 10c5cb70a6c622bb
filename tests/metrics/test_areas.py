"""The area resolver an upload uses: codes, aliases, name variants, comparators, out-of-scope and
unknown codes, abolished areas, legacy codes matched by name and remembered; fixed query count."""

from __future__ import annotations

import pytest

from metrics.areas import (
    AreaResolver,
    area_alias_remember,
    area_aliases_remember,
    normalise_area_name,
)
from metrics.models import Area, AreaAlias

pytestmark = pytest.mark.django_db


@pytest.fixture
def resolver() -> AreaResolver:
    return AreaResolver()


# --- normalisation -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variant", "official"),
    [
        ("Stockton On Tees", "Stockton-on-Tees"),
        ("Kingston Upon Hull", "Kingston upon Hull, City of"),
        ("Bristol", "Bristol, City of"),
        ("Herefordshire", "Herefordshire, County of"),
        ("St Helens", "St. Helens"),
        ("Saint Helens", "St. Helens"),
        ("Brighton & Hove", "Brighton and Hove"),
        ("Newcastle-upon-Tyne", "Newcastle upon Tyne"),
        ("London Borough of Barnet", "Barnet"),
        ("Royal Borough of Kensington and Chelsea", "Kensington & Chelsea"),
        ("Trafford Council", "Trafford"),
        ("City of Wolverhampton Council", "Wolverhampton"),
        ("  KENT COUNTY COUNCIL ", "Kent"),
    ],
)
def test_name_variants_fold_to_the_same_text(variant, official):
    assert normalise_area_name(variant) == normalise_area_name(official)


def test_city_of_london_is_not_london():
    assert normalise_area_name("City of London") != normalise_area_name("London")


# --- by code -----------------------------------------------------------------------------------


def test_an_upper_tier_code_is_an_area(resolver):
    match = resolver("E08000009", "Trafford")
    assert (match.code, match.kind, match.message) == ("E08000009", "area", "")


def test_codes_match_without_case_or_spaces(resolver):
    assert resolver(" e08000009 ", None).code == "E08000009"


def test_england_and_regions_are_comparators(resolver):
    assert resolver("E92000001", "England").kind == "comparator"
    assert resolver("E47000001", "Greater Manchester").kind == "comparator"
    assert resolver("E12000002", None).kind == "comparator"
    assert resolver(None, "England").kind == "comparator"


def test_an_old_ons_code_of_a_recoded_area_is_matched_with_a_warning(resolver):
    match = resolver("E08000020", "Gateshead")
    assert (match.code, match.kind) == ("E08000037", "legacy")
    assert "old code" in match.message


def test_a_scottish_council_code_is_out_of_scope(resolver):
    match = resolver("S12000033", "Aberdeen City")
    assert (match.code, match.kind) == (None, "out_of_scope")
    assert match.message == "Scottish council area codes (S12…) are outside England's BCF."


@pytest.mark.parametrize("code", ["W06000015", "N09000003", "S08000015"])
def test_welsh_and_northern_irish_codes_are_out_of_scope(resolver, code):
    match = resolver(code, None)
    assert match.kind == "out_of_scope"
    assert "outside England's BCF" in match.message


def test_a_district_is_out_of_scope(resolver):
    match = resolver("E07000049", "East Dorset")
    assert (match.code, match.kind) == ("E07000049", "out_of_scope")
    assert "district, not a Health and Wellbeing Board area" in match.message


def test_a_district_we_have_not_listed_is_still_out_of_scope(resolver):
    match = resolver("E07000999", "Somewhere")
    assert match.kind == "out_of_scope"
    assert "district, not a Health and Wellbeing Board area" in match.message


def test_a_district_named_without_a_code_is_out_of_scope(resolver):
    assert resolver(None, "East Dorset").kind == "out_of_scope"


def test_an_nhs_code_is_out_of_scope(resolver):
    match = resolver("E38000001", None)
    assert match.kind == "out_of_scope"
    assert "an NHS clinical commissioning group" in match.message


def test_an_abolished_area_is_matched_and_its_successor_named(resolver):
    match = resolver("E06000028", "Bournemouth")
    assert (match.code, match.kind) == ("E06000028", "area")
    assert "abolished on 31 March 2019" in match.message
    assert "Bournemouth, Christchurch and Poole (E06000058)" in match.message


def test_abolished_dorset_county_names_both_successors(resolver):
    message = resolver("E10000009", None).message
    assert "Dorset (E06000059)" in message
    assert "Bournemouth, Christchurch and Poole (E06000058)" in message


def test_an_unknown_code_gets_the_closest_names_using_the_files_name(resolver):
    match = resolver("E06000099", "Stockton")
    assert (match.code, match.kind) == (None, "unknown")
    assert match.suggestions[0] == "Stockton-on-Tees (E06000004)"
    assert "Stockport (E08000007)" in match.suggestions
    assert len(match.suggestions) <= 5


def test_an_unknown_code_without_a_name_gets_the_closest_codes(resolver):
    match = resolver("E08000099", None)
    assert match.kind == "unknown"
    assert match.suggestions and all("(E08" in s for s in match.suggestions)


def test_suggestions_never_offer_districts(resolver):
    match = resolver(None, "East Dorsett")
    assert match.kind == "unknown"
    assert not any("E07" in s for s in match.suggestions)


# --- by name -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Stockton On Tees", "E06000004"),
        ("Kingston Upon Hull", "E06000010"),
        ("Kingston upon Hull, City of", "E06000010"),
        ("Hull", "E06000010"),
        ("Bristol, City of", "E06000023"),
        ("Herefordshire, County of", "E06000019"),
        ("St Helens", "E08000013"),
        ("Brighton & Hove", "E06000043"),
        ("Durham", "E06000047"),
        ("City of London", "E09000001"),
        ("London Borough of Barnet", "E09000003"),
    ],
)
def test_name_variants_match_by_name(resolver, name, code):
    match = resolver(None, name)
    assert (match.code, match.kind) == (code, "area")


def test_a_name_two_areas_share_means_the_current_one_and_says_so(resolver):
    match = resolver(None, "Somerset")
    assert (match.code, match.kind) == ("E06000066", "area")
    assert "Somerset (E10000027)" in match.message
    assert "Dorset (Cty) (E10000009)" in resolver(None, "Dorset").message


def test_an_unknown_name_gets_suggestions(resolver):
    match = resolver(None, "Stockton")
    assert match.kind == "unknown"
    assert match.suggestions[0] == "Stockton-on-Tees (E06000004)"


def test_a_row_without_code_or_name_is_unknown(resolver):
    assert resolver(None, None).kind == "unknown"
    assert resolver("  ", "").kind == "unknown"


# --- legacy codes ------------------------------------------------------------------------------


def test_a_legacy_code_is_matched_by_name_with_a_warning_and_learned(resolver):
    match = resolver("00BU", "Trafford")
    assert (match.code, match.kind) == ("E08000009", "legacy")
    assert "not an ONS code" in match.message
    assert resolver.learned == {"00BU": "E08000009"}


def test_a_legacy_code_with_a_name_variant_still_matches(resolver):
    match = resolver("00EF", "Stockton On Tees")
    assert (match.code, match.kind) == ("E06000004", "legacy")


def test_a_legacy_code_with_a_shared_name_means_the_area_of_its_time(resolver):
    match = resolver("40UD", "Somerset")
    assert (match.code, match.kind) == ("E10000027", "legacy")
    assert "abolished on 31 March 2023" in match.message
    assert "Somerset (E06000066)" in match.message


def test_a_legacy_code_without_a_usable_name_is_unknown(resolver):
    match = resolver("318", None)
    assert (match.code, match.kind) == (None, "unknown")
    assert "give the area's name" in match.message
    bad = resolver("318", "Trafferd")
    assert bad.kind == "unknown"
    assert "Trafford (E08000009)" in bad.suggestions
    assert resolver.learned == {}


def test_a_remembered_legacy_code_matches_the_next_upload_without_a_name(resolver):
    resolver("00BU", "Trafford")
    created = area_aliases_remember(resolver.learned)
    assert [(a.alias, a.area.code, a.is_code) for a in created] == [("00BU", "E08000009", True)]
    match = AreaResolver()("00bu", None)
    assert (match.code, match.kind) == ("E08000009", "legacy")
    assert area_aliases_remember(resolver.learned) == []  # already known


def test_area_alias_remember_stores_a_code_once_and_never_moves_it():
    alias = area_alias_remember(area_code="E08000031", alias=" 00CW ", is_code=True)
    assert (alias.alias, alias.normalised, alias.area.code) == ("00CW", "00CW", "E08000031")
    again = area_alias_remember(area_code="E08000031", alias="00cw", is_code=True)
    assert again.pk == alias.pk
    assert area_alias_remember(area_code="E08000009", alias="00CW", is_code=True) is None
    assert AreaAlias.objects.filter(normalised="00CW").count() == 1


def test_area_alias_remember_stores_a_name_variant_normalised():
    alias = area_alias_remember(area_code="E08000031", alias="Wolves City", is_code=False)
    assert alias.normalised == "wolves city"
    assert AreaResolver()(None, "WOLVES-CITY").code == "E08000031"


# --- cost --------------------------------------------------------------------------------------


def test_the_resolver_costs_a_fixed_number_of_queries(django_assert_num_queries):
    with django_assert_num_queries(3):
        resolver = AreaResolver()
    codes = list(Area.objects.values_list("code", "name"))
    with django_assert_num_queries(0):
        for code, name in codes:
            resolver(code, name)
            resolver(None, name)
        for n in range(1000):
            resolver(f"E06{n:06d}", None)
            resolver(f"{n:04d}", "Trafford")
    with django_assert_num_queries(3):
        AreaResolver()
