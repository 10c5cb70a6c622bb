"""Reference data: the metric catalogue by framework, the areas of England, boundary changes and
aliases, loaded by data migration 0002 and by `reference_data_load` (idempotent)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from metrics.areas import AreaResolver
from metrics.ingest import guess_profile, parse, read_table
from metrics.ingest.profiles import normalise_header
from metrics.ingest.types import AreaMatch
from metrics.models import Area, AreaAlias, Metric, MetricFramework, SeriesBreak
from metrics.reference import REFERENCE_DIR, metric_rules, reference_data_load

PUBLIC = Path(__file__).resolve().parents[3] / "shared" / "data" / "public"

pytestmark = pytest.mark.django_db

BCF_2017 = {
    "non-elective-admissions",
    "care-home-admissions-65",
    "care-home-admissions-65-count",
    "reablement-91-days",
    "dtoc-delayed-days",
    "dtoc-delayed-days-nhs",
    "dtoc-delayed-days-social-care",
    "dtoc-delayed-days-both",
    "dtoc-social-care-beds",
}
BCF_2023 = {
    "avoidable-admissions",
    "discharge-usual-residence",
    "falls-admissions-65",
    "residential-admissions-65",
    "reablement-91-days-2023",
}
DTOC = {code for code in BCF_2017 if code.startswith("dtoc-")}


def _counts() -> dict[str, int]:
    through = Area.successors.through
    return {
        "frameworks": MetricFramework.objects.count(),
        "metrics": Metric.objects.count(),
        "breaks": SeriesBreak.objects.count(),
        "areas": Area.objects.count(),
        "aliases": AreaAlias.objects.count(),
        "successor_links": through.objects.count(),
    }


# --- loading -----------------------------------------------------------------------------------


def test_migration_has_loaded_the_reference_data():
    assert MetricFramework.objects.count() == 2
    assert Metric.objects.count() == len(BCF_2017 | BCF_2023)
    assert Area.objects.filter(code="E92000001").exists()


def test_loading_twice_changes_nothing():
    before = _counts()
    first = reference_data_load()
    second = reference_data_load()
    assert _counts() == before
    for result in (first, second):
        for key in ("frameworks", "metrics", "series_breaks", "areas", "area_aliases"):
            assert result[key]["created"] == 0
            assert result[key]["updated"] == 0
        assert result["successors_added"] == 0
        assert result["alias_conflicts"] == []


def test_loading_into_an_empty_database_creates_everything_and_reports_it():
    Metric.objects.all().delete()
    SeriesBreak.objects.all().delete()
    MetricFramework.objects.all().delete()
    Area.objects.all().delete()
    out = io.StringIO()
    result = reference_data_load(stdout=out)
    assert result["frameworks"]["created"] == 2
    assert result["metrics"]["created"] == 14
    assert result["series_breaks"]["created"] == 9
    assert result["areas"]["created"] == 373
    assert result["successors_added"] == 13 - 2  # two rows are re-codes, not successors
    assert "Reference data loaded." in out.getvalue()
    assert reference_data_load()["areas"] == {"created": 0, "updated": 0, "unchanged": 373}


def test_loading_repairs_an_edited_definition_but_keeps_the_local_tolerance():
    metric = Metric.objects.get(code="non-elective-admissions")
    metric.polarity = "higher_is_better"
    metric.tolerance_percent = Decimal("2.5")
    metric.save()
    result = reference_data_load()
    metric.refresh_from_db()
    assert result["metrics"]["updated"] == 1
    assert metric.polarity == "lower_is_better"
    assert metric.tolerance_percent == Decimal("2.5")


def test_loading_keeps_aliases_learned_from_uploads():
    AreaAlias.objects.create(
        area=Area.objects.get(code="E08000009"), alias="00BU", normalised="00BU", is_code=True
    )
    reference_data_load()
    assert AreaAlias.objects.filter(normalised="00BU").exists()


# --- the catalogue -----------------------------------------------------------------------------


def test_frameworks_2017_19_and_2023_25():
    old = MetricFramework.objects.get(slug="bcf-2017-19")
    new = MetricFramework.objects.get(slug="bcf-2023-25")
    assert (old.name, old.starts, old.ends, old.is_current) == (
        "BCF 2017–19",
        date(2017, 4, 1),
        date(2019, 3, 31),
        False,
    )
    assert (new.starts, new.ends, new.is_current) == (date(2023, 4, 1), date(2025, 3, 31), True)
    assert set(old.metrics.values_list("code", flat=True)) == BCF_2017
    assert set(new.metrics.values_list("code", flat=True)) == BCF_2023


def test_every_metric_has_every_field():
    for metric in Metric.objects.all():
        for field in (
            "name",
            "short_name",
            "definition",
            "unit",
            "polarity",
            "frequency",
            "aggregation",
            "source_collection",
            "missing_markers_mean",
            "population",
        ):
            assert getattr(metric, field), f"{metric.code} has no {field}"
        assert metric.aliases, f"{metric.code} has no aliases"
        assert all(a == a.strip() for a in metric.aliases), metric.code
        assert metric.allow_negative is False
        assert metric.tolerance_percent == 0
        assert metric.position > 0
        assert (metric.unit == "rate") == (metric.rate_per is not None), metric.code
        metric.full_clean()  # every choice is one the model knows


def test_metric_units_polarity_and_aggregation_follow_the_domain():
    m = {metric.code: metric for metric in Metric.objects.all()}
    nel = m["non-elective-admissions"]
    assert (nel.unit, nel.polarity, nel.frequency, nel.aggregation) == (
        "count",
        "lower_is_better",
        "monthly",
        "sum",
    )
    assert {"Total NEL", "Total Emergencies", "Emergency admissions"} <= set(nel.aliases)
    homes = m["care-home-admissions-65"]
    assert (homes.unit, homes.rate_per, homes.population) == ("rate", 100000, "aged 65 and over")
    assert m["care-home-admissions-65-count"].unit == "count"
    reablement = m["reablement-91-days"]
    assert (reablement.unit, reablement.polarity, reablement.aggregation) == (
        "percentage",
        "higher_is_better",
        "ratio",
    )
    days = m["dtoc-delayed-days"]
    assert (days.rate_per, days.population, days.frequency) == (
        100000,
        "aged 18 and over",
        "monthly",
    )
    assert m["dtoc-social-care-beds"].aggregation == "mean"
    falls = m["falls-admissions-65"]
    assert (falls.unit, falls.polarity, falls.missing_markers_mean) == (
        "rate",
        "lower_is_better",
        "suppressed",
    )
    assert m["discharge-usual-residence"].polarity == "higher_is_better"


def test_dtoc_has_nhs_social_care_and_both_sub_measures():
    parent = Metric.objects.get(code="dtoc-delayed-days")
    assert set(parent.breakdowns.values_list("code", flat=True)) == {
        "dtoc-delayed-days-nhs",
        "dtoc-delayed-days-social-care",
        "dtoc-delayed-days-both",
    }
    assert Metric.objects.filter(parent__isnull=False).count() == 3


def test_dtoc_series_breaks():
    for code in DTOC:
        stopped = SeriesBreak.objects.get(metric__code=code, kind="publication_stopped")
        assert stopped.date == date(2020, 3, 1)
        assert "February 2020" in stopped.label
    for code in DTOC - {"dtoc-social-care-beds"}:
        changed = SeriesBreak.objects.get(metric__code=code, kind="definition_change")
        assert changed.date == date(2017, 4, 1)
        assert "snapshot count to delayed days" in changed.label
    assert not SeriesBreak.objects.exclude(metric__code__in=DTOC).exists()


def test_catalogue_texts_mean_one_metric_each():
    """Ingest folds codes, names, short names and aliases into one lookup: none may collide."""
    owner: dict[str, str] = {}
    for metric in Metric.objects.all():
        for text in (metric.code, metric.name, metric.short_name, *metric.aliases):
            key = normalise_header(text)
            assert owner.setdefault(key, metric.code) == metric.code, (
                f"'{text}' means both {owner[key]} and {metric.code}"
            )


def test_metric_rules_are_built_from_the_catalogue_in_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        rules = metric_rules()
    assert set(rules) == BCF_2017 | BCF_2023
    falls = rules["falls-admissions-65"]
    assert (falls.unit, falls.rate_per, falls.missing_markers_mean, falls.allow_negative) == (
        "rate",
        100000,
        "suppressed",
        False,
    )
    assert "Emergency hospital admissions due to falls in people aged 65 and over" in falls.aliases
    assert "Falls admissions 65+" in falls.aliases  # the short name is an alias too
    assert rules["reablement-91-days"].aggregation == "ratio"
    assert set(metric_rules(framework="bcf-2023-25")) == BCF_2023


def test_the_fixture_file_is_the_catalogue():
    data = json.loads((REFERENCE_DIR / "metrics.json").read_text(encoding="utf-8"))
    codes = {m["code"] for f in data["frameworks"] for m in f["metrics"]}
    assert codes == set(Metric.objects.values_list("code", flat=True))


# --- areas -------------------------------------------------------------------------------------


def test_152_upper_tier_hwb_areas_as_of_2015_and_9_successors():
    upper = Area.objects.filter(kind="upper_tier", is_hwb=True)
    as_of_2015 = upper.filter(valid_from__isnull=True)
    assert as_of_2015.count() == 152
    assert {a.code[:3] for a in as_of_2015} == {"E06", "E08", "E09", "E10"}
    successors = upper.filter(valid_from__isnull=False)
    assert set(successors.values_list("code", flat=True)) == {f"E0600005{n}" for n in (8, 9)} | {
        f"E060000{n}" for n in range(60, 67)
    }
    current = upper.filter(valid_to__isnull=True)
    assert current.count() == 152 - 8 + 9


def test_areas_by_kind():
    counts = {
        kind: Area.objects.filter(kind=kind).count()
        for kind in ("country", "region", "combined", "upper_tier", "district")
    }
    assert counts == {
        "country": 1,
        "region": 9,
        "combined": 1,
        "upper_tier": 161,
        "district": 201,
    }
    assert not Area.objects.filter(kind="district", is_hwb=True).exists()


def test_england_and_greater_manchester_are_comparators():
    england = Area.objects.get(code="E92000001")
    manchester = Area.objects.get(code="E47000001")
    assert (england.name, england.kind, england.is_comparator) == ("England", "country", True)
    assert (manchester.kind, manchester.is_comparator) == ("combined", True)
    assert set(Area.objects.filter(is_comparator=True).values_list("kind", flat=True)) == {
        "country",
        "region",
        "combined",
    }


def _successors(code: str) -> set[str]:
    return set(Area.objects.get(code=code).successors.values_list("code", flat=True))


def test_bournemouth_poole_and_dorset_were_replaced_in_april_2019():
    for code in ("E06000028", "E06000029", "E10000009"):
        assert Area.objects.get(code=code).valid_to == date(2019, 3, 31)
    assert _successors("E06000028") == {"E06000058"}
    assert _successors("E06000029") == {"E06000058"}
    # Christchurch went from Dorset county to Bournemouth, Christchurch and Poole.
    assert _successors("E10000009") == {"E06000059", "E06000058"}
    bcp = Area.objects.get(code="E06000058")
    assert (bcp.name, bcp.valid_from) == ("Bournemouth, Christchurch and Poole", date(2019, 4, 1))
    assert set(bcp.predecessors.values_list("code", flat=True)) == {
        "E06000028",
        "E06000029",
        "E10000009",
    }


def test_later_reorganisations_have_successors():
    assert _successors("E10000002") == {"E06000060"}
    assert _successors("E10000021") == {"E06000061", "E06000062"}
    assert _successors("E10000006") == {"E06000063", "E06000064"}
    assert _successors("E10000023") == {"E06000065"}
    assert _successors("E10000027") == {"E06000066"}
    assert Area.objects.get(code="E10000021").valid_to == date(2021, 3, 31)
    assert Area.objects.get(code="E06000066").valid_from == date(2023, 4, 1)


def test_recoded_areas_keep_their_old_code_as_an_alias():
    gateshead = AreaAlias.objects.get(normalised="E08000020")
    assert (gateshead.area.code, gateshead.is_code) == ("E08000037", True)
    assert AreaAlias.objects.get(normalised="E06000048").area.code == "E06000057"
    assert not Area.objects.filter(code__in=["E08000020", "E06000048"]).exists()


def test_the_reference_files_hold_only_ons_codes():
    with (REFERENCE_DIR / "areas.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["code", "name", "kind", "is_hwb", "valid_from", "valid_to"]
    assert all(len(r["code"]) == 9 and r["code"].startswith("E") for r in rows)


# --- the catalogue and areas together, against the real public files ---------------------------


@pytest.mark.skipif(not PUBLIC.exists(), reason=f"public sample files not found at {PUBLIC}")
@pytest.mark.parametrize(
    ("name", "metric"),
    [
        ("trafford-dtoc.csv", "dtoc-social-care-beds"),
        ("trafford-home_after_discharge.csv", "reablement-91-days"),
        ("trafford-residential_home_admissions.csv", "care-home-admissions-65"),
        ("trafford-admissions_falls.csv", "falls-admissions-65"),
    ],
)
def test_the_trafford_files_map_to_the_catalogue_and_known_areas(name, metric):
    table = read_table((PUBLIC / name).read_bytes(), name)
    resolver = AreaResolver()
    result = parse(
        table, guess_profile(table.header), metrics=metric_rules(), resolve_area=resolver
    )
    assert not result.errors, result.errors[:3]
    assert set(result.records["metric_code"]) == {metric}
    assert not {m for m in result.findings if "not a known area" in m.message}


@pytest.mark.skipif(not PUBLIC.exists(), reason=f"public sample files not found at {PUBLIC}")
def test_every_area_in_the_public_files_is_known_by_code_and_by_name():
    resolver = AreaResolver()
    for name in ("trafford-child_protection_plans.csv", "trafford-admissions_falls.csv"):
        with (PUBLIC / name).open(encoding="utf-8") as handle:
            pairs = {(r["area_code"], r["area_name"]) for r in csv.DictReader(handle)}
        for code, area_name in pairs:
            by_code = resolver(code, area_name)
            by_name = resolver(None, area_name)
            assert by_code.code == code, by_code
            # A name two areas share (Somerset before and after 2023) is taken as the current
            # one, and the answer names the other.
            assert by_name.code == code or code in by_name.message, (area_name, by_name)
            assert isinstance(by_code, AreaMatch)
