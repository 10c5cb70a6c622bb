"""Activity upload services: two phases, idempotent applies, revisions, all-or-nothing applies,
profiles, against the real reference data (migration 0002) on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest

from metrics import bulk, services
from metrics.choices import UploadState
from metrics.ingest import Profile, ProfileError
from metrics.models import AreaAlias, MappingProfile, Observation, ObservationRevision, Upload
from metrics.services import UploadError

pytestmark = pytest.mark.django_db

HEADER = "area_code,area_name,period,metric,kind,value\n"
NEL = "non-elective-admissions"


def nel_file(
    values: dict[str, str], *, area: str = "E08000031", name: str = "Wolverhampton"
) -> bytes:
    rows = "".join(
        f'{area},{name},{period},{NEL},actual,"{value}"\n' for period, value in values.items()
    )
    return (HEADER + rows).encode()


THREE_MONTHS = {"2017-04": "1,758", "2017-05": "1,825", "2017-06": "1,793"}


def create(content: bytes, user=None, **kwargs) -> Upload:
    return services.upload_create(content=content, filename="nel.csv", user=user, **kwargs)


def values() -> dict[str, float | None]:
    return {
        o.period_start.strftime("%Y-%m"): o.value
        for o in Observation.objects.filter(metric__code=NEL).order_by("period_start")
    }


def test_validation_previews_without_writing_and_apply_writes_every_row(analyst_user) -> None:
    upload = create(nel_file(THREE_MONTHS), analyst_user)
    assert upload.state == UploadState.VALIDATED
    assert (upload.rows, upload.new_count, upload.changed_count, upload.unchanged_count) == (
        3,
        3,
        0,
        0,
    )
    assert Observation.objects.count() == 0
    assert upload.file.read() == nel_file(THREE_MONTHS)
    assert len(upload.sha256) == 64
    applied = services.upload_apply(upload=upload, user=analyst_user)
    assert applied.state == UploadState.APPLIED
    assert applied.applied_by == analyst_user and applied.applied_at is not None
    assert values() == {"2017-04": 1758.0, "2017-05": 1825.0, "2017-06": 1793.0}
    assert set(Observation.objects.values_list("upload_id", flat=True)) == {upload.pk}


def test_applying_the_same_file_again_changes_nothing(analyst_user) -> None:
    first = services.upload_apply(upload=create(nel_file(THREE_MONTHS)), user=analyst_user)
    stamps = list(Observation.objects.values_list("id", "updated_at", "upload_id"))
    second = create(nel_file(THREE_MONTHS), analyst_user)
    assert (second.new_count, second.changed_count, second.unchanged_count) == (0, 0, 3)
    assert second.report["same_file_applied"][0]["id"] == first.pk
    assert not second.report["changes_published"]
    second = services.upload_apply(upload=second, user=analyst_user)
    assert (second.new_count, second.changed_count, second.unchanged_count) == (0, 0, 3)
    assert list(Observation.objects.values_list("id", "updated_at", "upload_id")) == stamps
    assert ObservationRevision.objects.count() == 0


def test_a_revised_value_keeps_the_old_one_as_a_revision(analyst_user) -> None:
    first = services.upload_apply(upload=create(nel_file(THREE_MONTHS)), user=analyst_user)
    revised = create(nel_file({**THREE_MONTHS, "2017-05": "1,830", "2017-07": "1,858"}))
    report = revised.report
    assert (report["new"], report["changed"], report["unchanged"]) == (1, 1, 2)
    assert report["changes_published"]
    [change] = report["changes"]
    assert change | {} == change
    assert (change["old"], change["new"], change["period_start"]) == (1825.0, 1830.0, "2017-05-01")
    assert (change["area_code"], change["metric"]) == ("E08000031", NEL)
    services.upload_apply(upload=revised, user=analyst_user)
    assert values()["2017-05"] == 1830.0 and values()["2017-07"] == 1858.0
    [revision] = ObservationRevision.objects.all()
    assert (revision.value, revision.upload_id, revision.replaced_by_id) == (
        1825.0,
        first.pk,
        revised.pk,
    )
    may = Observation.objects.get(period_start="2017-05-01")
    assert may.upload_id == revised.pk
    assert Observation.objects.get(period_start="2017-04-01").upload_id == first.pk


def test_errors_block_apply_and_warnings_do_not(analyst_user) -> None:
    bad = create(nel_file({"2017-04": "-5", "2017-05": "12"}))
    assert bad.report["blocked"]
    [error] = bad.report["errors"]
    assert error == {"row": 2, "column": "value", "value": "-5", "message": error["message"]}
    assert "negative" in error["message"]
    with pytest.raises(UploadError, match="1 error"):
        services.upload_apply(upload=bad, user=analyst_user)
    assert Observation.objects.count() == 0
    warned = create(nel_file({"2017-04": "NA", "2017-05": "12"}))
    assert warned.report["warnings"] and not warned.report["errors"]
    services.upload_apply(upload=warned, user=analyst_user)
    assert Observation.objects.get(period_start="2017-04-01").status == "missing"


def test_a_failure_halfway_through_apply_leaves_nothing_applied(analyst_user, monkeypatch) -> None:
    services.upload_apply(upload=create(nel_file(THREE_MONTHS)), user=analyst_user)
    revised = create(nel_file({**THREE_MONTHS, "2017-05": "1,830", "2017-07": "1,858"}))

    def explode(learned, upload):
        assert Observation.objects.filter(upload=upload).count() == 2  # written, not committed
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_aliases_remember", explode)
    with pytest.raises(RuntimeError):
        services.upload_apply(upload=revised, user=analyst_user)
    assert values() == {"2017-04": 1758.0, "2017-05": 1825.0, "2017-06": 1793.0}
    assert ObservationRevision.objects.count() == 0
    revised.refresh_from_db()
    assert revised.state == UploadState.FAILED
    assert "nothing was applied" in revised.report["failure"]
    monkeypatch.undo()
    services.upload_apply(upload=revised, user=analyst_user)  # a failed upload can be retried
    assert values()["2017-07"] == 1858.0


def test_kept_rows_are_applied_without_reading_the_file_again(analyst_user, monkeypatch) -> None:
    upload = create(nel_file(THREE_MONTHS), keep_for_apply=True)
    monkeypatch.setattr(services, "_read", lambda *a, **k: pytest.fail("read the file again"))
    services.upload_apply(upload=upload, user=analyst_user)
    assert len(values()) == 3


def test_an_applied_or_discarded_upload_cannot_be_applied(analyst_user) -> None:
    upload = services.upload_apply(upload=create(nel_file(THREE_MONTHS)), user=analyst_user)
    with pytest.raises(UploadError, match="applied already"):
        services.upload_apply(upload=upload, user=analyst_user)
    other = services.upload_discard(upload=create(nel_file({"2018-01": "3"})), user=analyst_user)
    assert other.state == UploadState.DISCARDED and other.file
    with pytest.raises(UploadError, match="discarded"):
        services.upload_apply(upload=other, user=analyst_user)
    assert len(values()) == 3


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"", "empty.csv", "is empty"),
        (b"   \n\n", "blank.csv", "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "picture.csv", "does not look like a CSV"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old.xls", "old-style Excel"),
        (b"PK\x03\x04garbage", "broken.xlsx", "not a readable Excel"),
        (b"just one line of text\n", "note.csv", "header"),
    ],
)
def test_unreadable_files_get_a_clear_message(content, filename, message) -> None:
    with pytest.raises(UploadError, match=message):
        services.upload_create(content=content, filename=filename)
    assert Upload.objects.count() == 0


def test_missing_columns_are_named_in_the_report() -> None:
    upload = create(b"area_code,period,value\nE08000031,2017-04,5\n")
    assert upload.report["blocked"]
    assert any("No column for the metric" in e["message"] for e in upload.report["errors"])


def test_legacy_codes_matched_by_name_are_remembered_when_applied(analyst_user) -> None:
    content = nel_file({"2017-04": "5"}, area="00HY", name="Wolverhampton")
    upload = create(content)
    assert upload.report["aliases_learned"] == {"00HY": "E08000031"}
    assert not AreaAlias.objects.filter(normalised="00HY").exists()
    services.upload_apply(upload=upload, user=analyst_user)
    alias = AreaAlias.objects.get(normalised="00HY")
    assert alias.area.code == "E08000031" and alias.learned_from_id == upload.pk
    assert Observation.objects.get().area.code == "E08000031"


def test_remap_validates_again_with_another_mapping() -> None:
    content = b"Where,When,What,Amount\nE08000031,2017-04,Total NEL,5\n"
    upload = create(content)
    assert upload.report["blocked"]
    definition = Profile(
        name="custom",
        columns={
            "area_code": ["Where"],
            "period": ["When"],
            "metric": ["What"],
            "value": ["Amount"],
        },
    )
    upload = services.upload_remap(upload=upload, definition=definition)
    assert not upload.report["blocked"] and upload.new_count == 1
    assert upload.profile_snapshot["columns"]["area_code"] == ["Where"]


# --- profiles --------------------------------------------------------------------------------


def test_profiles_save_export_import_and_reuse(analyst_user) -> None:
    definition = Profile(
        name="ignored",
        source="Our monthly extract",
        columns={
            "area_code": ["Where"],
            "period": ["When"],
            "metric": ["What"],
            "value": ["Amount"],
        },
    )
    saved = services.profile_save(name="Monthly extract", definition=definition, user=analyst_user)
    exported = json.loads(services.profile_export(profile=saved))
    assert exported["name"] == "Monthly extract" and exported["version"] == 1
    assert exported["columns"]["area_code"] == ["Where"]
    MappingProfile.objects.all().delete()
    imported = services.profile_import(text=json.dumps(exported), user=analyst_user)
    assert imported.name == "Monthly extract" and imported.source == "Our monthly extract"
    upload = create(b"Where,When,What,Amount\nE08000031,2017-04,Total NEL,5\n", profile=imported)
    assert not upload.report["blocked"] and upload.profile == imported
    again = services.profile_save(name="Monthly extract", definition=Profile(name="x"))
    assert again.pk == imported.pk and MappingProfile.objects.count() == 1


def test_importing_a_bad_profile_names_the_problem() -> None:
    with pytest.raises(ProfileError, match="not valid JSON"):
        services.profile_import(text="{nope")
    with pytest.raises(ProfileError, match="Unknown role 'colour'"):
        services.profile_import(
            text=json.dumps({"version": 1, "name": "x", "columns": {"colour": []}})
        )
    assert MappingProfile.objects.count() == 0


def test_bulk_stage_compare_on_an_empty_frame() -> None:
    staged = bulk.stage(bulk.empty_frame())
    try:
        assert bulk.Comparison() == staged.compare()
    finally:
        staged.close()


def test_notes_are_kept_and_cut_to_the_column_length(analyst_user) -> None:
    long_note = "x" * 600
    content = (
        "area_code,period,metric,value,note\n"
        f'E08000031,2017-04,{NEL},5,"Provisional, from the SUS extract"\n'
        f"E08000031,2017-05,{NEL},6,{long_note}\n"
        f"E08000031,2017-06,{NEL},7,\n"
    ).encode()
    services.upload_apply(upload=create(content), user=analyst_user)
    notes = list(Observation.objects.order_by("period_start").values_list("note", flat=True))
    assert notes == ["Provisional, from the SUS extract", "x" * 500, ""]
