"""Plan import: the Wiltshire demo plan end to end, re-imports, corrections and older files."""

import io
import json
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command

from programmes.choices import DatePrecision, ImportState, LeadKind, Rating, StatusSource
from programmes.models import (
    FrameworkCode,
    GovernanceBody,
    Milestone,
    MilestoneReference,
    Person,
    PlanImport,
    StatusUpdate,
    UnresolvedReference,
)
from programmes.plan_import import (
    PlanImportError,
    plan_import_apply,
    plan_import_discard,
    plan_import_preview,
)
from programmes.reference import frameworks_load, unresolved_reference_resolve
from tests.programmes.factories import ProgrammeFactory

REPO = Path(__file__).resolve().parents[2]
DEMO_PLAN = REPO / "fixtures" / "demo" / "wiltshire-integration-plan-2018-09.csv"
AS_OF = date(2018, 9, 6)

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme():
    frameworks_load()
    return ProgrammeFactory(slug="wiltshire", name="Wiltshire plan")


def run_import(programme, content: bytes, *, as_of=AS_OF, name="plan.csv", user=None) -> dict:
    preview = plan_import_preview(
        programme=programme, file_name=name, content=content, as_of=as_of, user=user
    )
    assert preview.report["errors"] == [], preview.report["errors"]
    return plan_import_apply(plan_import=preview, user=user).report


def demo_bytes() -> bytes:
    return DEMO_PLAN.read_bytes()


def replace_in_row(content: bytes, marker: str, old: str, new: str) -> bytes:
    """The demo CSV with `old` replaced by `new` on the one line containing `marker`."""
    lines = content.decode("utf-8").splitlines(keepends=True)
    hits = [i for i, line in enumerate(lines) if marker in line]
    assert len(hits) == 1, hits
    assert old in lines[hits[0]]
    lines[hits[0]] = lines[hits[0]].replace(old, new, 1)
    return "".join(lines).encode("utf-8")


def milestone(programme, ref: str, title_start: str = "") -> Milestone:
    return Milestone.objects.get(programme=programme, ref=ref, title__startswith=title_start)


# -- the demo plan -----------------------------------------------------------------------------


def test_import_plan_of_the_demo_csv_reports_9_workstreams_and_94_rows_4_complete(programme):
    out = io.StringIO()
    call_command(
        "import_plan",
        str(DEMO_PLAN),
        "--programme",
        programme.slug,
        "--as-of",
        "2018-09-06",
        "--report",
        "json",
        stdout=out,
    )
    report = json.loads(out.getvalue())
    assert report["rows"] == 94
    assert report["complete"] == 4
    assert len(report["workstreams"]) == 9
    assert [w["rows"] for w in report["workstreams"]] == [32, 6, 9, 11, 10, 11, 5, 8, 2]
    assert report["created"] == 94
    assert (report["updated"], report["unchanged"], report["removed"]) == (0, 0, 0)
    assert report["errors"] == []
    assert Milestone.objects.filter(programme=programme).count() == 94
    assert Milestone.objects.filter(programme=programme, rating=Rating.COMPLETE).count() == 4


def test_every_automatic_correction_and_every_unresolved_code_gets_a_warning(programme):
    report = run_import(programme, demo_bytes())
    refs = [w for w in report["warnings"] if w["column"] == "CQC Cross reference key"]
    corrected = [w for w in refs if " read as " in w["message"]]
    unresolved = [w for w in refs if "kept as printed" in w["message"]]
    # A017 x5 -> AOI7; AO18 and AO19 on three sub-steps -> AOI8, AOI9; AO3 x5 -> AOI3.
    assert Counter_of(corrected) == {"A017": 5, "AO18": 3, "AO19": 3, "AO3": 5}
    # AO13 (AOI3 or AOI13) on 4.7-4.11 and 7.1-7.5; A015 (AOI5 or AOI15) on 1.17.
    assert Counter_of(unresolved) == {"AO13": 10, "A015": 1}
    assert MilestoneReference.objects.filter(auto_corrected=True).count() == 16
    assert UnresolvedReference.objects.count() == 11
    a015 = UnresolvedReference.objects.get(raw_token="A015")
    assert a015.milestone.ref == "1.17"
    assert sorted(c.code for c in a015.candidates.all()) == ["AOI15", "AOI5"]
    assert {r["token"] for r in report["unresolved"]} == {"AO13", "A015"}


def Counter_of(findings) -> dict[str, int]:  # noqa: N802 - reads like collections.Counter
    counts: dict[str, int] = {}
    for f in findings:
        counts[f["value"]] = counts.get(f["value"], 0) + 1
    return counts


def test_after_resolving_a015_on_1_17_every_aoi_has_a_milestone(programme, pm_user):
    run_import(programme, demo_bytes())
    aoi = FrameworkCode.objects.filter(framework__slug="cqc-aoi")
    linked = aoi.filter(milestones__programme=programme).distinct()
    assert sorted(
        set(aoi.values_list("code", flat=True)) - set(linked.values_list("code", flat=True))
    ) == ["AOI15"]
    a015 = UnresolvedReference.objects.get(raw_token="A015", milestone__ref="1.17")
    unresolved_reference_resolve(unresolved=a015, code=aoi.get(code="AOI15"), user=pm_user)
    a015.refresh_from_db()
    assert a015.resolved_by == pm_user and a015.resolved_at is not None
    for n in range(1, 17):
        assert Milestone.objects.filter(programme=programme, references__code=f"AOI{n}").exists(), (
            f"AOI{n}"
        )


def test_resolving_to_a_code_of_another_framework_is_refused(programme, pm_user):
    run_import(programme, demo_bytes())
    a015 = UnresolvedReference.objects.get(raw_token="A015")
    with pytest.raises(Exception, match="Choose a code of"):
        unresolved_reference_resolve(
            unresolved=a015, code=FrameworkCode.objects.get(code="HICM1"), user=pm_user
        )


def test_month_dates_are_stored_as_first_and_last_of_month_with_precision_and_raw(programme):
    run_import(programme, demo_bytes())
    m = milestone(programme, "1.1")
    assert (m.baseline_start, m.baseline_start_precision, m.baseline_start_raw) == (
        date(2018, 8, 1),
        DatePrecision.MONTH,
        "Aug 2018",
    )
    assert (m.baseline_end, m.baseline_end_precision, m.baseline_end_raw) == (
        date(2019, 3, 31),
        DatePrecision.MONTH,
        "March 2019",
    )


def test_to_be_defined_is_kept_undefined_and_flagged_not_made_up(programme):
    report = run_import(programme, demo_bytes())
    m = milestone(programme, "7.1")
    assert m.baseline_end is None
    assert m.baseline_end_precision == DatePrecision.UNDEFINED
    assert m.baseline_end_raw == "To be defined"
    flagged = [w for w in report["warnings"] if w["value"] == "To be defined"]
    assert len(flagged) == 4


def test_month_without_a_year_takes_the_start_year_and_is_flagged(programme):
    report = run_import(programme, demo_bytes())
    child = milestone(programme, "", "Mobilisation of Trusted")
    assert (child.baseline_start, child.baseline_end) == (date(2018, 10, 1), date(2018, 12, 31))
    assert any(w["value"] == "Oct" and "no year" in w["message"] for w in report["warnings"])


def test_unmapped_status_is_kept_raw_not_rated_and_reported(programme):
    report = run_import(programme, demo_bytes())
    first_18 = milestone(programme, "1.8", "Local Authority")
    assert first_18.rating == Rating.NOT_RATED
    update = first_18.status_updates.get()
    assert (update.rating_raw, update.source, update.as_of) == (
        "delivery",
        StatusSource.IMPORT,
        AS_OF,
    )
    delivery = [w for w in report["warnings"] if w["value"] == "delivery"]
    assert len(delivery) == 11


def test_completed_section_rows_are_complete_with_a_completed_date(programme):
    run_import(programme, demo_bytes())
    done = Milestone.objects.filter(programme=programme, rating=Rating.COMPLETE)
    assert sorted(done.values_list("ref", flat=True)) == ["3.2", "5.4", "5.7", "8.1"]
    assert all(m.completed_on == AS_OF for m in done)


def test_sub_steps_are_linked_to_their_parent(programme):
    run_import(programme, demo_bytes())
    parent = milestone(programme, "1.25")
    assert sorted(m.title[:20] for m in parent.sub_steps.all()) == [
        "Business and mobilis",
        "Meeting with Senior ",
        "Mobilisation of Trus",
    ]


def test_two_rows_with_the_same_ref_stay_two_milestones(programme):
    run_import(programme, demo_bytes())
    rows = Milestone.objects.filter(programme=programme, ref="1.8")
    assert rows.count() == 2
    assert len({m.import_key for m in rows}) == 2


def test_leads_become_people_and_cyrillic_tm_is_the_same_person_as_latin_tm(programme):
    run_import(programme, demo_bytes())
    cyrillic = milestone(programme, "1.13")  # printed "ТМ" in Cyrillic
    latin = milestone(programme, "1.21")
    assert cyrillic.lead_text == "ТМ"
    assert list(cyrillic.leads.all()) == list(latin.leads.all())
    assert Person.objects.filter(initials="TM").count() == 1
    team = milestone(programme, "1.3").leads.get()
    assert (team.name, team.kind) == ("Public Health", LeadKind.TEAM)
    named = milestone(programme, "1.1")
    assert sorted(str(p) for p in named.leads.all()) == ["SG", "Sara McClellan"]
    assert milestone(programme, "1.9").lead_text == "DM/WC nominee"


def test_governance_bodies_match_acronyms_and_aliases_and_unknown_ones_are_added_with_a_warning(
    programme,
):
    hwb = GovernanceBody.objects.create(acronym="HWB", name="Health and Wellbeing Board")
    content = replace_in_row(demo_bytes(), "To create a shared vision", ",HWB,", ",H&WBB,")
    hwb.aliases = ["H&WBB"]
    hwb.save()
    report = run_import(programme, content)
    assert milestone(programme, "2.1").governance_body == hwb
    assert milestone(programme, "2.1").governance_raw == "H&WBB"
    added = [w["value"] for w in report["warnings"] if w["column"] == "Governance"]
    assert sorted(added) == ["ATB", "JCB", "LDB", "WDG", "WIB"]
    assert GovernanceBody.objects.get(acronym="LDB").milestones.count() == 3


# -- re-imports --------------------------------------------------------------------------------


def test_reimporting_the_same_file_changes_nothing(programme):
    run_import(programme, demo_bytes())
    history = StatusUpdate.objects.count()
    versions = dict(Milestone.objects.values_list("pk", "version"))
    report = run_import(programme, demo_bytes())
    assert (report["created"], report["updated"], report["unchanged"], report["removed"]) == (
        0,
        0,
        94,
        0,
    )
    assert StatusUpdate.objects.count() == history
    assert dict(Milestone.objects.values_list("pk", "version")) == versions
    assert any("same file was applied" in w["message"] for w in report["warnings"])


def test_a_corrected_file_updates_the_matching_milestone_and_adds_one_history_row(programme):
    run_import(programme, demo_bytes())
    history = StatusUpdate.objects.count()
    corrected = replace_in_row(
        demo_bytes(), "Review and improve access to support", "March 2019,,WDG", "March 2019,G,WDG"
    )
    report = run_import(programme, corrected)
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 1, 93)
    assert [m["ref"] for m in report["milestones"] if m["action"] == "updated"] == ["1.5"]
    assert StatusUpdate.objects.count() == history + 1
    m = milestone(programme, "1.5")
    assert m.rating == Rating.GREEN
    assert [u.rating for u in m.status_updates.all()] == [Rating.GREEN, Rating.NOT_RATED]


def test_a_corrected_title_updates_the_same_milestone_by_its_ref(programme):
    run_import(programme, demo_bytes())
    before = milestone(programme, "1.2")
    corrected = replace_in_row(
        demo_bytes(), "Health and Social Care professionals to promote", "wherever", "whenever"
    )
    report = run_import(programme, corrected)
    assert (report["created"], report["updated"], report["removed"]) == (0, 1, 0)
    after = milestone(programme, "1.2")
    assert after.pk == before.pk
    assert "whenever possible" in after.title
    assert after.import_key != before.import_key


def test_the_two_1_8_rows_are_not_confused_when_one_title_changes(programme):
    run_import(programme, demo_bytes())
    first = milestone(programme, "1.8", "Local Authority")
    corrected = replace_in_row(
        demo_bytes(), "Local Authority and CCG to jointly work", "process map", "process maps"
    )
    report = run_import(programme, corrected)
    # Two existing "1.8" rows: matching by ref alone would be a guess, and so is not done;
    # matching by title is unique, so it is used.
    assert report["updated"] == 1 and report["created"] == 0
    assert milestone(programme, "1.8", "Local Authority").pk == first.pk


def test_an_older_file_lands_in_history_without_overwriting_the_current_rating(programme):
    newer = replace_in_row(
        demo_bytes(), "Review and improve access to support", "March 2019,,WDG", "March 2019,G,WDG"
    )
    run_import(programme, newer, as_of=date(2018, 9, 6))
    older = replace_in_row(
        demo_bytes(),
        "Review and improve access to support",
        "March 2019,,WDG",
        "March 2019,Complete,WDG",
    )
    report = run_import(programme, older, as_of=date(2018, 7, 13))
    assert report["removed"] == 0
    assert any("before the last applied import" in w["message"] for w in report["warnings"])
    m = milestone(programme, "1.5")
    assert m.rating == Rating.GREEN
    assert m.status_as_of == date(2018, 9, 6)
    assert [(u.as_of, u.rating) for u in m.status_updates.all()] == [
        (date(2018, 9, 6), Rating.GREEN),
        (date(2018, 7, 13), Rating.COMPLETE),
    ]


def test_milestones_missing_from_a_later_file_are_marked_removed_not_deleted(programme):
    run_import(programme, demo_bytes())
    lines = demo_bytes().decode().splitlines(keepends=True)
    without = "".join(line for line in lines if "Benefits realisation,9.2," not in line)
    report = run_import(programme, without.encode(), as_of=date(2018, 10, 1))
    assert report["removed"] == 1
    assert report["removed_milestones"][0]["ref"] == "9.2"
    gone = milestone(programme, "9.2")
    assert gone.removed_on == date(2018, 10, 1)
    # It comes back when a later file has it again.
    run_import(programme, demo_bytes(), as_of=date(2018, 11, 1))
    gone.refresh_from_db()
    assert gone.removed_on is None


def test_a_resolved_reference_survives_a_reimport(programme, pm_user):
    run_import(programme, demo_bytes())
    a015 = UnresolvedReference.objects.get(raw_token="A015")
    unresolved_reference_resolve(
        unresolved=a015, code=FrameworkCode.objects.get(code="AOI15"), user=pm_user
    )
    report = run_import(programme, demo_bytes())
    assert report["updated"] == 0
    assert milestone(programme, "1.17").references.filter(code="AOI15").exists()
    assert UnresolvedReference.objects.get(raw_token="A015").resolved_code.code == "AOI15"


# -- the two phases -----------------------------------------------------------------------------


def test_preview_keeps_the_file_and_its_sha256_and_changes_nothing(programme, pm_user):
    preview = plan_import_preview(
        programme=programme,
        file_name="wiltshire.csv",
        content=demo_bytes(),
        as_of=AS_OF,
        user=pm_user,
    )
    assert preview.state == ImportState.PREVIEWED
    assert preview.report["created"] == 94
    assert Milestone.objects.count() == 0
    assert Person.objects.count() == 0
    assert programme.workstreams.count() == 0
    import hashlib

    assert preview.sha256 == hashlib.sha256(demo_bytes()).hexdigest()
    with preview.file.open("rb") as handle:
        assert handle.read() == demo_bytes()


def test_an_import_applies_once_and_a_discarded_one_not_at_all(programme, pm_user):
    preview = plan_import_preview(
        programme=programme, file_name="p.csv", content=demo_bytes(), as_of=AS_OF
    )
    plan_import_apply(plan_import=preview, user=pm_user)
    with pytest.raises(PlanImportError, match="already applied"):
        plan_import_apply(plan_import=preview, user=pm_user)
    other = plan_import_preview(
        programme=programme, file_name="p.csv", content=demo_bytes(), as_of=AS_OF
    )
    plan_import_discard(plan_import=other, user=pm_user)
    with pytest.raises(PlanImportError, match="already discarded"):
        plan_import_apply(plan_import=other, user=pm_user)
    assert PlanImport.objects.filter(state=ImportState.APPLIED).count() == 1


def test_the_json_report_has_counts_workstreams_and_findings_with_row_column_value_message(
    programme,
):
    out = io.StringIO()
    call_command(
        "import_plan",
        str(DEMO_PLAN),
        "--programme",
        programme.slug,
        "--as-of",
        "2018-09-06",
        "--dry-run",
        "--report",
        "json",
        stdout=out,
    )
    report = json.loads(out.getvalue())
    for key in ("rows", "created", "updated", "unchanged", "removed"):
        assert isinstance(report[key], int), key
    assert isinstance(report["errors"], list) and isinstance(report["warnings"], list)
    for finding in report["warnings"]:
        assert set(finding) == {"row", "column", "value", "message"}
    assert set(report["workstreams"][0]) == {"number", "name", "rows", "action"}
    assert report["dry_run"] is True
    assert Milestone.objects.count() == 0


def test_import_plan_with_an_unknown_programme_says_so(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="There is no programme “nope”.*--create"):
        call_command("import_plan", str(DEMO_PLAN), "--programme", "nope")


def test_import_plan_create_makes_the_programme(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    frameworks_load()
    call_command(
        "import_plan",
        str(DEMO_PLAN),
        "--programme",
        "new-plan",
        "--create",
        "--name",
        "New plan",
        "--as-of",
        "2018-09-06",
        stdout=io.StringIO(),
    )
    assert Milestone.objects.filter(programme__slug="new-plan").count() == 94


def test_import_plan_exits_non_zero_on_errors(programme, tmp_path):
    from django.core.management.base import CommandError

    bad = tmp_path / "bad.csv"
    bad.write_text("Workstream,Ref,Project milestone,End Date\nW,1.1,Do it,Smarch 2019\n")
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 error"):
        call_command(
            "import_plan", str(bad), "--programme", programme.slug, "--report", "json", stdout=out
        )
    report = json.loads(out.getvalue())
    assert report["errors"][0]["row"] == 2
    assert report["errors"][0]["column"] == "End Date"
    assert Milestone.objects.count() == 0


def _plan_csv(rows: int) -> bytes:
    lines = ["Workstream,Ref,Project milestone,Lead,Start Date,End Date,Status,Governance,AOI"]
    for i in range(rows):
        lines.append(f'Digital,1.{i},Milestone {i},TM/EL,Aug 2018,March 2019,G,JCB,"AOI8, AOI9"')
    return ("\n".join(lines) + "\n").encode()


def test_previewing_an_unchanged_plan_costs_the_same_queries_for_10_and_100_rows(programme):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for rows in (10, 100):
        content = _plan_csv(rows)
        run_import(programme, content)
        with CaptureQueriesContext(connection) as queries:
            report = plan_import_preview(
                programme=programme, file_name="p.csv", content=content, as_of=AS_OF, keep=False
            ).report
        assert report["unchanged"] == rows
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_a_row_with_an_error_is_not_reported_as_removed(programme):
    run_import(programme, demo_bytes())
    broken = replace_in_row(
        demo_bytes(), "Review and improve access to support", "Aug 2018", "Smarch 2018"
    )
    report = plan_import_preview(
        programme=programme, file_name="p.csv", content=broken, as_of=AS_OF, keep=False
    ).report
    assert len(report["errors"]) == 1
    assert report["removed"] == 0 and report["removed_milestones"] == []


def test_the_demo_plan_as_an_excel_workbook_imports_the_same(programme):
    import csv

    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Wiltshire Integration Programme Plan (September 2018)"])  # a title row
    with open(DEMO_PLAN, encoding="utf-8", newline="") as handle:
        for values in csv.reader(handle):
            sheet.append(values)
    out = io.BytesIO()
    workbook.save(out)
    report = run_import(programme, out.getvalue(), name="plan.xlsx")
    assert (report["rows"], report["complete"], len(report["workstreams"])) == (94, 4, 9)
    assert len(report["unresolved"]) == 11
    # The same plan from CSV afterwards changes nothing.
    again = run_import(programme, demo_bytes())
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 94)
