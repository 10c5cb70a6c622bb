"""Tests for programmes.plan_import.parsing: the pure functions behind plan import, and the
demo plan."""

import csv
import dataclasses
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from programmes.choices import Rating, RatingScale
from programmes.plan_import.parsing import (
    Code,
    PlanDate,
    PlanParseError,
    canonical_header,
    map_plan_columns,
    normalise_text,
    parse_month_date,
    parse_references,
    parse_status,
    split_leads,
)

REPO = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
DEMO_PLAN = REPO / "fixtures" / "demo" / "wiltshire-integration-plan-2018-09.csv"
DEMO_WORKSTREAMS = REPO / "fixtures" / "demo" / "wiltshire-integration-workstreams.csv"

AOI = {"AOI": [f"AOI{n}" for n in range(1, 17)]}
CYRILLIC_TM = "\u0422\u041c"


def _codes(parse) -> list[str]:
    return [c.code for c in parse.codes]


# --------------------------------------------------------------------------------------------
# normalise_text
# --------------------------------------------------------------------------------------------


def test_cyrillic_tm_normalises_to_latin_tm():
    assert CYRILLIC_TM != "TM"
    assert normalise_text(CYRILLIC_TM) == "TM"


@pytest.mark.parametrize(
    ("look_alike", "latin"),
    [
        ("Т", "T"), ("М", "M"), ("А", "A"), ("О", "O"), ("Е", "E"), ("Н", "H"), ("К", "K"),
        ("Р", "P"), ("С", "C"), ("В", "B"), ("Х", "X"), ("У", "Y"),
        ("т", "t"), ("м", "m"), ("а", "a"), ("о", "o"), ("е", "e"), ("н", "h"), ("к", "k"),
        ("р", "p"), ("с", "c"), ("в", "b"), ("х", "x"), ("у", "y"),
        ("Α", "A"), ("Ο", "O"), ("Ι", "I"), ("Τ", "T"), ("Μ", "M"), ("Ε", "E"), ("Κ", "K"),
    ],
)  # fmt: skip
def test_look_alike_letters_become_latin(look_alike, latin):
    assert look_alike != latin
    assert normalise_text(look_alike) == latin


def test_nfkc_folds_full_width_and_ligatures():
    assert normalise_text("ＡＯＩ３") == "AOI3"
    assert normalise_text("ﬁnance") == "finance"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  Public   Health \n", "Public Health"),
        ("Status\n(G/A/R)", "Status (G/A/R)"),
        ("New\u00a0Comms\tmanager", "New Comms manager"),
        ("\ufeffWorkstream", "Workstream"),
        ("E\u200bL", "EL"),
        ("Acute CEO’s", "Acute CEO's"),
        ("Paul Goodwın", "Paul Goodwin"),
        ("", ""),
        (None, ""),
    ],
)
def test_whitespace_is_collapsed_and_invisible_characters_dropped(text, expected):
    assert normalise_text(text) == expected


# --------------------------------------------------------------------------------------------
# parse_month_date
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "first_day", "last_day"),
    [
        ("Aug 2018", date(2018, 8, 1), date(2018, 8, 31)),
        ("Sept 2018", date(2018, 9, 1), date(2018, 9, 30)),
        ("March 2019", date(2019, 3, 1), date(2019, 3, 31)),
        ("November 2018", date(2018, 11, 1), date(2018, 11, 30)),
        ("Dec 2019", date(2019, 12, 1), date(2019, 12, 31)),
        ("June 2019", date(2019, 6, 1), date(2019, 6, 30)),
        ("Feb 2020", date(2020, 2, 1), date(2020, 2, 29)),
        ("Apr-16", date(2016, 4, 1), date(2016, 4, 30)),
    ],
)
def test_month_dates_start_on_the_first_and_end_on_the_last_day(text, first_day, last_day):
    parsed = parse_month_date(text)
    assert parsed == PlanDate(first_day, "month", text, assumed_year=False)
    assert parsed.as_end() == last_day


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("11/9/2017", date(2017, 9, 11)),
        ("31/03/2019", date(2019, 3, 31)),
        ("31.07.18", date(2018, 7, 31)),
        ("28-10-2014", date(2014, 10, 28)),
        ("2018-09-06", date(2018, 9, 6)),
        ("2018-09-06 00:00:00", date(2018, 9, 6)),
        ("03 July 2018", date(2018, 7, 3)),
        ("21st May 2018", date(2018, 5, 21)),
        ("Tuesday 11 September 2018", date(2018, 9, 11)),
    ],
)
def test_day_dates_are_read_day_first(text, expected):
    parsed = parse_month_date(text)
    assert (parsed.value, parsed.precision, parsed.raw) == (expected, "day", text)
    assert parsed.as_end() == expected


def test_a_spreadsheet_date_cell_is_day_precise():
    assert parse_month_date(date(2018, 9, 6)) == PlanDate(date(2018, 9, 6), "day", "2018-09-06")


@pytest.mark.parametrize("text", ["To be defined", "to be defined", "TBC", "TBA", "TBD"])
def test_placeholders_are_kept_as_undefined_not_turned_into_a_date(text):
    parsed = parse_month_date(text)
    assert (parsed.value, parsed.precision, parsed.raw) == (None, "undefined", text)
    assert parsed.as_end() is None
    assert "no date has been made up" in parsed.warning


@pytest.mark.parametrize("text", ["", "   ", None])
def test_blank_dates_are_blank(text):
    parsed = parse_month_date(text)
    assert (parsed.value, parsed.precision, parsed.warning) == (None, "blank", None)


@pytest.mark.parametrize(("text", "month"), [("Sept", 9), ("Oct", 10), ("Dec", 12)])
def test_a_month_without_a_year_takes_the_context_year_and_says_so(text, month):
    parsed = parse_month_date(text, context_year=2018)
    assert parsed == PlanDate(date(2018, month, 1), "month", text, assumed_year=True)
    assert "has no year" in parsed.warning and "2018" in parsed.warning


def test_a_day_without_a_year_takes_the_context_year_and_says_so():
    parsed = parse_month_date("10th August", context_year=2018)
    assert parsed == PlanDate(date(2018, 8, 10), "day", "10th August", assumed_year=True)
    assert "10 August 2018" in parsed.warning


def test_a_month_without_a_year_and_no_context_is_an_error():
    with pytest.raises(PlanParseError, match="“Sept” has no year"):
        parse_month_date("Sept")


def test_a_dated_month_ignores_the_context_year():
    parsed = parse_month_date("March 2019", context_year=2018)
    assert (parsed.value, parsed.assumed_year) == (date(2019, 3, 1), False)


@pytest.mark.parametrize("text", ["Autumn", "next year", "2018", "Sept 2018 or Oct", "32/01/2019"])
def test_nonsense_dates_raise_a_plain_english_error_quoting_the_text(text):
    with pytest.raises(PlanParseError, match=f"“{text}”"):
        parse_month_date(text)


def test_a_us_order_date_is_rejected_with_advice_to_write_day_first():
    with pytest.raises(PlanParseError, match="day first"):
        parse_month_date("12/31/2018")


def test_an_impossible_day_is_rejected():
    with pytest.raises(PlanParseError, match="not a real date"):
        parse_month_date("31/02/2019")


@pytest.mark.parametrize("text", ["Aug 1018", "Aug 0000", "31/03/0219", "3018-01-01"])
def test_an_implausible_year_is_rejected(text):
    with pytest.raises(PlanParseError, match="cannot be right"):
        parse_month_date(text)


def test_a_two_digit_year_after_a_space_is_ambiguous():
    with pytest.raises(PlanParseError, match="Dec 2018"):
        parse_month_date("Dec 18")


def test_plan_dates_are_immutable():
    with pytest.raises(dataclasses.FrozenInstanceError):
        parse_month_date("Aug 2018").value = None


# --------------------------------------------------------------------------------------------
# parse_references
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("AOI 2", ["AOI2"]),
        ("AOI09", ["AOI9"]),
        ("AOI8, AOI9", ["AOI8", "AOI9"]),
        ("AOI 3 AOI 4", ["AOI3", "AOI4"]),
        ("AOI 2 AOI 8, AOI 9", ["AOI2", "AOI8", "AOI9"]),
        ("AOI 2 AOI 11", ["AOI2", "AOI11"]),
        ("AOI3; AOI4", ["AOI3", "AOI4"]),
        ("AOI3 and AOI4", ["AOI3", "AOI4"]),
        ("AOI3 & AOI4", ["AOI3", "AOI4"]),
        ("AOI3/AOI4", ["AOI3", "AOI4"]),
        ("aoi3,aoi14", ["AOI3", "AOI14"]),
        ("АОІ3", ["AOI3"]),  # Cyrillic look-alikes
        ("AOI8, AOI 8, AOI08", ["AOI8"]),
    ],
)
def test_well_formed_references_resolve_without_findings(text, expected):
    parsed = parse_references(text, codes_by_framework=AOI)
    assert _codes(parsed) == expected
    assert parsed.corrections == ()
    assert parsed.unresolved == ()
    assert parsed.raw == text


def test_zero_padding_is_formatting_and_not_reported_as_a_correction():
    parsed = parse_references("AOI8, AOI09", codes_by_framework=AOI)
    assert _codes(parsed) == ["AOI8", "AOI9"]
    assert parsed.corrections == ()


@pytest.mark.parametrize(
    ("text", "code"),
    [("A017", "AOI7"), ("AO18", "AOI8"), ("AO19", "AOI9"), ("AO3", "AOI3"), ("A0I5", "AOI5")],
)
def test_a_damaged_code_with_exactly_one_fit_is_corrected_and_reported(text, code):
    parsed = parse_references(text, codes_by_framework=AOI)
    assert _codes(parsed) == [code]
    [correction] = parsed.corrections
    assert (correction.raw, correction.code) == (text, Code("AOI", code))
    assert f"“{text}”" in correction.message and code in correction.message
    assert parsed.unresolved == ()


@pytest.mark.parametrize(
    ("text", "candidates"),
    [("AO13", ["AOI3", "AOI13"]), ("A015", ["AOI5", "AOI15"]), ("A013", ["AOI3", "AOI13"])],
)
def test_a_damaged_code_with_several_fits_is_kept_unresolved_never_guessed(text, candidates):
    parsed = parse_references(text, codes_by_framework=AOI)
    assert parsed.codes == ()
    assert parsed.corrections == ()
    [unresolved] = parsed.unresolved
    assert unresolved.raw == text
    assert [c.code for c in unresolved.candidates] == candidates
    assert " or ".join(candidates) in unresolved.message


@pytest.mark.parametrize("text", ["AOI17", "AOI0", "AOI 20", "AOI99", "HICM", "XYZ9"])
def test_a_code_that_fits_nothing_is_kept_unresolved_without_candidates(text):
    parsed = parse_references(text, codes_by_framework=AOI)
    assert parsed.codes == ()
    [unresolved] = parsed.unresolved
    assert (unresolved.raw, unresolved.candidates) == (text, ())
    assert "not a known" in unresolved.message


def test_a_row_can_mix_clean_corrected_and_unresolved_codes():
    parsed = parse_references("AO3, AO13", codes_by_framework=AOI)
    assert _codes(parsed) == ["AOI3"]
    assert [c.raw for c in parsed.corrections] == ["AO3"]
    assert [u.raw for u in parsed.unresolved] == ["AO13"]
    assert parsed.raw == "AO3, AO13"


def test_candidates_come_from_the_known_codes_not_from_special_cases():
    # With twenty codes "A017" could also be AOI17, so it is no longer safe to correct…
    twenty = {"AOI": [f"AOI{n}" for n in range(1, 21)]}
    parsed = parse_references("A017", codes_by_framework=twenty)
    assert [c.code for c in parsed.unresolved[0].candidates] == ["AOI7", "AOI17"]
    # …and with only nine codes "AO13" can only be AOI3.
    nine = {"AOI": [f"AOI{n}" for n in range(1, 10)]}
    parsed = parse_references("AO13", codes_by_framework=nine)
    assert _codes(parsed) == ["AOI3"]
    assert [c.raw for c in parsed.corrections] == ["AO13"]


def test_references_carry_their_framework():
    frameworks = {**AOI, "HICM": [f"HIC{n}" for n in range(1, 9)]}
    parsed = parse_references("AOI 8, HIC 03", codes_by_framework=frameworks)
    assert parsed.codes == (Code("AOI", "AOI8"), Code("HICM", "HIC3"))


@pytest.mark.parametrize("text", ["", "  ", None])
def test_blank_references_give_nothing(text):
    parsed = parse_references(text, codes_by_framework=AOI)
    assert (parsed.codes, parsed.corrections, parsed.unresolved) == ((), (), ())


# --------------------------------------------------------------------------------------------
# split_leads
# --------------------------------------------------------------------------------------------


def _leads(text: str) -> list[tuple[str, str]]:
    return [(lead.text, lead.kind) for lead in split_leads(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("TW/HJ", ["TW", "HJ"]),
        ("JW, CB", ["JW", "CB"]),
        ("Ted Wilson and Helen Jones", ["Ted Wilson", "Helen Jones"]),
        ("TW & HJ", ["TW", "HJ"]),
        ("SG/ Sara McClellan", ["SG", "Sara McClellan"]),
        ("HJ/TW/ provider", ["HJ", "TW", "provider"]),
    ],
)
def test_leads_split_on_slash_comma_and_ampersand_and_are_trimmed(text, expected):
    assert [lead.text for lead in split_leads(text)] == expected


def test_cyrillic_initials_are_normalised_and_the_raw_text_kept():
    [lead] = split_leads(CYRILLIC_TM)
    assert (lead.text, lead.kind, lead.raw) == ("TM", "initials", CYRILLIC_TM)


def test_exact_duplicate_leads_are_dropped():
    assert _leads("CB/CB/SP") == [("CB", "initials"), ("SP", "initials")]
    assert _leads(f"TM/{CYRILLIC_TM}") == [("TM", "initials")]


def test_initials_split_by_a_space_are_joined():
    assert _leads("LP/CB/DB/E L")[-1] == ("EL", "initials")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("EL", "initials"),
        ("TM", "initials"),
        ("ABCD", "initials"),
        ("Sara McClellan", "name"),
        ("Helen Mullinger", "name"),
        ("Cara Charles-Barks", "name"),
        ("Cllr Jerry Wickham", "name"),
        ("Dr. Smith", "name"),
        ("Smith", "team"),
        ("Hayley Richards (AWP)", "name"),
        ("Public Health", "team"),
        ("All", "team"),
        ("provider", "team"),
        ("New Comms manager", "team"),
        ("Acute CEO's", "team"),
        ("ABCDE", "team"),
        ("NHS", "team"),
        ("TBA", "placeholder"),
    ],
)
def test_each_lead_is_classified(text, kind):
    assert _leads(text) == [(normalise_text(text), kind)]


def test_a_nominee_is_free_text_not_initials():
    assert _leads("DM/WC nominee") == [("DM", "initials"), ("WC nominee", "team")]


def test_a_team_beside_initials_keeps_its_raw_text():
    leads = split_leads("DB/Acute CEO's")
    assert [(lead.text, lead.kind, lead.raw) for lead in leads] == [
        ("DB", "initials", "DB"),
        ("Acute CEO's", "team", "Acute CEO's"),
    ]


@pytest.mark.parametrize("text", ["", " / ", None])
def test_blank_leads_give_no_tokens(text):
    assert split_leads(text) == []


# --------------------------------------------------------------------------------------------
# parse_status
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "rating"),
    [
        ("G", Rating.GREEN), ("Green", Rating.GREEN), ("green", Rating.GREEN),
        ("A", Rating.AMBER), ("Amber", Rating.AMBER), ("AMBER", Rating.AMBER),
        ("R", Rating.RED), ("Red", Rating.RED),
        ("A/R", Rating.AMBER_RED), ("Amber / Red", Rating.AMBER_RED),
        ("Amber/Red", Rating.AMBER_RED), ("AR", Rating.AMBER_RED), ("amber-red", Rating.AMBER_RED),
        ("A/G", Rating.AMBER_GREEN), ("Amber/Green", Rating.AMBER_GREEN),
        ("AG", Rating.AMBER_GREEN),
        ("Complete", Rating.COMPLETE), ("Completed", Rating.COMPLETE), ("Done", Rating.COMPLETE),
        ("C", Rating.COMPLETE),
        ("", Rating.NOT_RATED), (None, Rating.NOT_RATED), ("Not rated", Rating.NOT_RATED),
    ],
)  # fmt: skip
def test_status_text_maps_to_a_rating_on_the_five_point_scale(text, rating):
    parsed = parse_status(text, scale=RatingScale.DELIVERY_CONFIDENCE)
    assert (parsed.rating, parsed.unmapped) == (rating, False)
    assert parsed.raw == (text or "")


@pytest.mark.parametrize(
    ("text", "rating"),
    [
        ("G", Rating.GREEN),
        ("Amber", Rating.AMBER),
        ("r", Rating.RED),
        ("Complete", Rating.COMPLETE),
        ("", Rating.NOT_RATED),
    ],
)
def test_three_point_ratings_are_accepted_on_the_rag_scale(text, rating):
    assert parse_status(text, scale=RatingScale.RAG).rating == rating


@pytest.mark.parametrize("text", ["A/R", "Amber / Red", "A/G", "Amber/Green"])
def test_five_point_ratings_are_rejected_on_the_three_point_scale(text):
    with pytest.raises(PlanParseError, match="three-point RAG scale does not have"):
        parse_status(text, scale=RatingScale.RAG)


def test_unmapped_status_text_is_not_rated_kept_raw_and_flagged():
    parsed = parse_status("delivery", scale=RatingScale.RAG)
    assert (parsed.rating, parsed.raw, parsed.unmapped) == (Rating.NOT_RATED, "delivery", True)
    assert "“delivery”" in parsed.warning


def test_a_blank_status_is_not_rated_without_a_warning():
    parsed = parse_status("", scale=RatingScale.RAG)
    assert (parsed.rating, parsed.unmapped, parsed.warning) == (Rating.NOT_RATED, False, None)


def test_an_unknown_scale_is_a_programming_error():
    with pytest.raises(ValueError, match="Unknown rating scale"):
        parse_status("G", scale="traffic lights")


# --------------------------------------------------------------------------------------------
# canonical_header and map_plan_columns
# --------------------------------------------------------------------------------------------

SOURCE_HEADERS = [
    "Ref",
    "Project milestone",
    "Lead",
    "Start Date",
    "End Date",
    "Status (G/A/R)",
    "Governance",
    "CQC Cross reference key",
]


@pytest.mark.parametrize(
    ("header", "canonical"),
    [
        ("Ref", "ref"), ("Reference", "ref"), ("ref.", "ref"),
        ("Project milestone", "title"), ("Milestone", "title"), ("Action", "title"),
        ("Lead", "leads"), ("Leads", "leads"), ("Owner", "leads"), ("Lead(s)", "leads"),
        ("Start Date", "start"), ("Start", "start"),
        ("End Date", "end"), ("End", "end"), ("Due", "end"),
        ("Status (G/A/R)", "status"), ("Status", "status"), ("RAG", "status"),
        ("Status\n(G/A/R)", "status"),
        ("Governance", "governance"), ("Governance body", "governance"),
        ("CQC Cross reference key", "references"), ("CQC ref", "references"),
        ("Cross reference", "references"), ("AOI", "references"),
        ("Workstream", "workstream"), ("Theme", "workstream"), ("\ufeffWorkstream", "workstream"),
        ("Section", "section"), ("Parent ref", "parent_ref"), ("Sub-group", "sub_group"),
        ("Forecast end", "forecast_end"), ("Completed date", "completed_date"),
        ("Progress", "progress"), ("Narrative", "progress"), ("Cause", "cause"),
        ("Path to green", "path_to_green"),
    ],
)  # fmt: skip
def test_header_variants_map_to_canonical_columns(header, canonical):
    assert canonical_header(header) == canonical


@pytest.mark.parametrize("header", ["Page 22", "read 6", "Notes", "", None])
def test_misprints_and_unknown_headers_are_not_tolerated(header):
    assert canonical_header(header) is None


def test_the_source_trackers_headers_with_a_workstream_map_cleanly():
    mapping, findings = map_plan_columns(["Workstream", *SOURCE_HEADERS])
    assert findings == []
    assert mapping["references"] == "CQC Cross reference key"
    assert len(mapping) == 9


def test_extra_columns_are_warnings_that_name_the_column():
    mapping, findings = map_plan_columns(["Workstream", *SOURCE_HEADERS, "Notes", ""])
    assert "notes" not in mapping
    assert [(f.severity, f.column) for f in findings] == [("warning", "Notes"), ("warning", None)]
    assert "“Notes”" in findings[0].message
    assert "Column 11 has no heading" in findings[1].message


@pytest.mark.parametrize(
    ("missing", "name"),
    [("Ref", "Ref"), ("Project milestone", "Project milestone"), ("Workstream", "Workstream")],
)
def test_a_missing_required_column_is_an_error(missing, name):
    headers = [h for h in ["Workstream", *SOURCE_HEADERS] if h != missing]
    _mapping, findings = map_plan_columns(headers)
    [error] = findings
    assert error.severity == "error"
    assert f"no “{name}” column" in error.message


def test_two_headers_for_the_same_column_are_an_error():
    _mapping, findings = map_plan_columns(["Workstream", *SOURCE_HEADERS, "Due"])
    [error] = findings
    assert error.severity == "error"
    assert "“End Date” and “Due”" in error.message


def test_a_tracker_with_variant_headers_reads_from_a_file():
    with (DATA / "plan-header-variants.csv").open(encoding="utf-8", newline="") as fh:
        headers = next(csv.reader(fh))
    mapping, findings = map_plan_columns(headers)
    assert set(mapping) == {
        "workstream", "ref", "title", "leads", "start", "end", "status", "governance", "references",
    }  # fmt: skip
    assert [(f.severity, f.column) for f in findings] == [("warning", "Notes")]


# --------------------------------------------------------------------------------------------
# The demo plan: the Wiltshire Integration Programme Plan, September 2018, as printed
# --------------------------------------------------------------------------------------------

PLAN_YEAR = 2018  # the plan is dated 06 September 2018


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def plan_rows() -> list[dict[str, str]]:
    return _read_csv(DEMO_PLAN)


@pytest.fixture(scope="module")
def workstream_rows() -> list[dict[str, str]]:
    return _read_csv(DEMO_WORKSTREAMS)


def test_demo_plan_has_every_printed_row(plan_rows):
    assert len(plan_rows) == 94
    completed = [r["Ref"] for r in plan_rows if r["Section"] == "Actions now completed"]
    assert completed == ["3.2", "5.4", "5.7", "8.1"]
    assert {r["Section"] for r in plan_rows} == {"", "Actions now completed"}


def test_demo_plan_has_nine_workstreams_matching_the_workstream_file(plan_rows, workstream_rows):
    names = [w["Name"] for w in workstream_rows]
    assert [w["Number"] for w in workstream_rows] == [str(n) for n in range(1, 10)]
    assert {r["Workstream"] for r in plan_rows} == set(names)
    assert len(names) == 9
    assert all(w["SRO"] for w in workstream_rows)


def test_demo_plan_status_column_is_as_printed(plan_rows):
    statuses = Counter(r["Status (G/A/R)"] for r in plan_rows)
    assert statuses == {"delivery": 11, "": 83}


def test_demo_plan_governance_counts(plan_rows):
    counts = Counter(r["Governance"] for r in plan_rows)
    assert counts == {"HWB": 36, "JCB": 21, "WDG": 20, "WIB": 11, "LDB": 3, "ATB": 3}


def test_demo_plan_keeps_the_printed_oddities(plan_rows):
    by_lead = Counter(r["Lead"] for r in plan_rows)
    cyrillic_refs = [r["Ref"] for r in plan_rows if r["Lead"] == CYRILLIC_TM]
    assert cyrillic_refs == ["1.13", "1.26", "5.5", "8.2", "3.2", "5.7"]
    assert by_lead["TM"] == 5  # the Latin "TM" rows stay Latin
    assert [r["Ref"] for r in plan_rows].count("1.8") == 2
    sub_steps = [r for r in plan_rows if r["Parent ref"]]
    assert [(r["Ref"], r["Parent ref"], r["Start Date"], r["End Date"]) for r in sub_steps] == [
        ("", "1.25", "Sept", "Sept"),
        ("", "1.25", "Sept", "Oct"),
        ("", "1.25", "Oct", "Dec"),
    ]
    undefined = [r["Ref"] for r in plan_rows if r["End Date"] == "To be defined"]
    assert undefined == ["7.1", "7.2", "7.3", "7.4"]
    cqc = {r["CQC Cross reference key"] for r in plan_rows}
    assert {"AOI 2 AOI 8, AOI 9", "A017", "AO13", "A015", "AO18, AO19", "AO3, AO13"} <= cqc


def test_every_demo_row_parses(plan_rows):
    mapping, findings = map_plan_columns(plan_rows[0].keys())
    assert findings == []
    assumed = []
    for row in plan_rows:
        start = parse_month_date(row[mapping["start"]], context_year=PLAN_YEAR)
        end_year = start.value.year if start.value else PLAN_YEAR
        end = parse_month_date(row[mapping["end"]], context_year=end_year)
        assert start.precision == "month"
        assert end.precision in {"month", "undefined"}
        if end.value:
            assert start.value <= end.value, row["Ref"]
        assumed += [d.raw for d in (start, end) if d.assumed_year]
        assert split_leads(row[mapping["leads"]])
        assert (
            parse_status(row[mapping["status"]], scale=RatingScale.RAG).rating == Rating.NOT_RATED
        )
    assert assumed == ["Sept", "Sept", "Sept", "Oct", "Oct", "Dec"]


def test_demo_plan_unmapped_statuses_are_the_eleven_delivery_rows(plan_rows):
    unmapped = [
        r["Ref"]
        for r in plan_rows
        if parse_status(r["Status (G/A/R)"], scale=RatingScale.RAG).unmapped
    ]
    assert unmapped == [
        "1.8",
        "1.8",
        "1.9",
        "1.10",
        "1.11",
        "1.17",
        "1.18",
        "2.1",
        "2.2",
        "2.3",
        "5.3",
    ]


def test_demo_plan_leads_classify_as_printed(plan_rows):
    kinds: dict[str, set[str]] = {"initials": set(), "name": set(), "team": set()}
    for row in plan_rows:
        for lead in split_leads(row["Lead"]):
            kinds[lead.kind].add(lead.text)
    assert kinds["name"] == {"Sara McClellan", "Helen Mullinger"}
    assert kinds["team"] == {
        "All", "Public Health", "WC nominee", "provider", "Acute CEO's",
        "New Comms manager", "New Comms Manager",
    }  # fmt: skip
    assert "EL" in kinds["initials"] and "TM" in kinds["initials"]
    assert all(len(text) in (2, 3, 4) for text in kinds["initials"])


def test_demo_workstream_sros_parse(workstream_rows):
    sros = {
        w["Number"]: [(lead.text, lead.kind) for lead in split_leads(w["SRO"])]
        for w in workstream_rows
    }
    assert sros["3"] == [("Ted Wilson", "name"), ("Helen Jones", "name")]
    assert sros["4"] == [("Cllr Jerry Wickham", "name"), ("Carlton Brand", "name")]
    assert sros["9"] == [("TBA", "placeholder")]


def test_demo_plan_references_resolve_apart_from_the_ambiguous_ones(plan_rows):
    corrections: Counter[tuple[str, str]] = Counter()
    unresolved: list[tuple[str, str]] = []
    linked: dict[str, list[str]] = {}
    for row in plan_rows:
        parsed = parse_references(row["CQC Cross reference key"], codes_by_framework=AOI)
        corrections.update((c.raw, c.code.code) for c in parsed.corrections)
        unresolved += [(row["Ref"], u.raw) for u in parsed.unresolved]
        for code in parsed.codes:
            linked.setdefault(code.code, []).append(row["Ref"] or f"({row['Parent ref']})")
    assert corrections == {
        ("A017", "AOI7"): 5,
        ("AO18", "AOI8"): 3,
        ("AO19", "AOI9"): 3,
        ("AO3", "AOI3"): 5,
    }
    ambiguous = {("4.7", "AO13"), ("4.8", "AO13"), ("4.9", "AO13"), ("4.10", "AO13")}
    ambiguous |= {("4.11", "AO13"), ("1.17", "A015")}
    ambiguous |= {(f"7.{n}", "AO13") for n in range(1, 6)}
    assert sorted(unresolved) == sorted(ambiguous)
    # AOI15 is reached only through the ambiguous "A015": a person resolves it, not the parser.
    assert set(linked) == {f"AOI{n}" for n in range(1, 17)} - {"AOI15"}
    assert "4.8" in linked["AOI6"]
    # The AOI8 row list of domain-reference §5.4, which the AOI8 filter must reproduce.
    assert linked["AOI8"] == [
        "1.3", "1.4", "1.6", "1.7", "1.10", "1.11", "1.12", "1.14", "1.15", "1.16", "1.18",
        "1.19", "1.20", "1.24", "1.25", "(1.25)", "(1.25)", "(1.25)", "1.26", "1.27", "1.28",
        "5.5", "5.6", "5.10", "8.6",
    ]  # fmt: skip
