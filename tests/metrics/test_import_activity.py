"""`import_activity`: the upload from the command line, with text and JSON reports."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from metrics.models import MappingProfile, Observation, Upload

pytestmark = pytest.mark.django_db

GOOD = (
    "area_code,area_name,period,metric,kind,value\n"
    'E08000031,Wolverhampton,2017-04,Total NEL,plan,"1,758"\n'
    'E08000031,Wolverhampton,2017-05,Total NEL,plan,"1,825"\n'
    "E08000031,Wolverhampton,2017-06,Total NEL,plan,NA\n"
)


def run(*args: str) -> tuple[str, CommandError | None]:
    out = StringIO()
    try:
        call_command("import_activity", *args, stdout=out)
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None


@pytest.fixture
def good(tmp_path: Path) -> Path:
    path = tmp_path / "nel.csv"
    path.write_text(GOOD)
    return path


def test_json_report_has_counts_and_findings_with_row_column_value_message(good) -> None:
    out, error = run(str(good), "--report", "json")
    assert error is None
    report = json.loads(out)
    assert {k: report[k] for k in ("rows", "new", "changed", "unchanged")} == {
        "rows": 3,
        "new": 3,
        "changed": 0,
        "unchanged": 0,
    }
    assert report["errors"] == [] and report["state"] == "applied"
    [warning] = [w for w in report["warnings"] if w["value"] == "NA"]
    assert set(warning) == {"row", "column", "value", "message"}
    assert (warning["row"], warning["column"]) == (4, "value")
    assert Observation.objects.count() == 3


def test_running_the_same_file_twice_reports_everything_unchanged(good) -> None:
    run(str(good))
    out, error = run(str(good), "--report", "json")
    report = json.loads(out)
    assert (report["new"], report["changed"], report["unchanged"]) == (0, 0, 3)
    assert Upload.objects.filter(state="applied").count() == 2


def test_dry_run_applies_nothing_and_keeps_the_upload_validated(good) -> None:
    out, error = run(str(good), "--dry-run")
    assert error is None
    assert "Would apply: 3 new, 0 changed, 0 unchanged." in out
    assert Observation.objects.count() == 0
    assert Upload.objects.get().state == "validated"


def test_errors_exit_non_zero_and_apply_nothing(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(GOOD.replace('"1,825"', "-3"))
    out, error = run(str(path), "--report", "json")
    assert error is not None and "1 error" in str(error)
    report = json.loads(out)
    assert report["errors"][0]["row"] == 3 and report["errors"][0]["value"] == "-3"
    assert Observation.objects.count() == 0


def test_an_unreadable_file_gets_a_json_report_and_a_non_zero_exit(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    out, error = run(str(path), "--report", "json")
    assert error is not None
    report = json.loads(out)
    assert report["rows"] == 0 and "is empty" in report["errors"][0]["message"]
    _, error = run(str(tmp_path / "missing.csv"))
    assert "No such file" in str(error)


def test_profile_file_is_used_without_saving_and_save_profile_saves_it(tmp_path: Path) -> None:
    data = tmp_path / "odd.csv"
    data.write_text("Where,When,What,Amount\nE08000031,2017-04,Total NEL,5\n")
    profile = tmp_path / "odd.json"
    profile.write_text(
        json.dumps(
            {
                "version": 1,
                "name": "odd",
                "columns": {
                    "area_code": ["Where"],
                    "period": ["When"],
                    "metric": ["What"],
                    "value": ["Amount"],
                },
            }
        )
    )
    _, error = run(str(data), "--dry-run")
    assert error is not None  # the guessed mapping cannot read it
    _, error = run(str(data), "--profile-file", str(profile), "--dry-run")
    assert error is None and not MappingProfile.objects.exists()
    _, error = run(str(data), "--profile-file", str(profile), "--save-profile", "Odd extract")
    assert error is None
    assert MappingProfile.objects.get().definition["columns"]["area_code"] == ["Where"]
    out, error = run(str(data), "--profile", "Odd extract", "--report", "json")
    assert error is None and json.loads(out)["unchanged"] == 1


def test_a_bad_profile_name_or_file_is_reported(good, tmp_path: Path) -> None:
    _, error = run(str(good), "--profile", "nope")
    assert "No profile called 'nope'" in str(error)
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": 2, "name": "x"}')
    _, error = run(str(good), "--profile-file", str(bad))
    assert "'version' must be 1" in str(error)


def test_a_broken_saved_profile_is_reported_not_a_traceback(good) -> None:
    MappingProfile.objects.create(
        name="Broken", definition={"version": 1, "name": "Broken", "layout": "sideways"}
    )
    _, error = run(str(good), "--profile", "Broken")
    assert "The profile cannot be used: 'layout' must be one of" in str(error)
    assert not Upload.objects.exists()
