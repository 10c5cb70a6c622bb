"""Uploads never overwrite silently: apply is against what is stored now, a note alone is not a
change, a failed apply says so and can be retried, and an administrator can revert."""

from __future__ import annotations

import io
import threading
import time

import pytest
from django.core.management import call_command
from django.db import OperationalError, connection, connections
from django.urls import reverse

from metrics import bulk, services
from metrics.choices import UploadState
from metrics.models import Observation, ObservationRevision, Upload
from metrics.reference import reference_data_load
from metrics.revert import upload_revert
from metrics.services import UploadError, UploadStale
from tests.conftest import analyst_areas_grant
from tests.metrics.test_uploads import NEL, THREE_MONTHS, create, nel_file, values

pytestmark = pytest.mark.django_db

NOTED = "area_code,area_name,period,metric,kind,value,note\n"


def noted_file(note: str) -> bytes:
    rows = "".join(
        f'E08000031,Wolverhampton,{p},{NEL},actual,"{v}",{note}\n' for p, v in THREE_MONTHS.items()
    )
    return (NOTED + rows).encode()


def applied(content: bytes, user, **kwargs) -> Upload:
    return services.upload_apply(upload=create(content, user, **kwargs), user=user)


# --- 1. apply is always against what is stored now ------------------------------------------


def test_a_waiting_upload_overtaken_by_a_newer_one_applies_nothing_and_shows_what_changed(
    analyst_user,
) -> None:
    applied(nel_file(THREE_MONTHS), analyst_user)
    waiting = create(nel_file({**THREE_MONTHS, "2017-05": "1,900"}), analyst_user)
    assert waiting.changed_count == 1
    newer = applied(nel_file({**THREE_MONTHS, "2017-05": "2,000"}), analyst_user)

    with pytest.raises(UploadStale, match="nothing was applied"):
        services.upload_apply(upload=waiting, user=analyst_user)

    assert values()["2017-05"] == 2000.0  # the newer value stands
    waiting.refresh_from_db()
    assert waiting.state == UploadState.VALIDATED
    [since] = waiting.report["changed_since"]
    assert (since["old"], since["new"], since["period_start"]) == (1825.0, 2000.0, "2017-05-01")
    assert since["by_file"] == newer.original_name and since["by_who"]
    # The fresh preview is against what is stored now: 2,000 → 1,900.
    [change] = waiting.report["changes"]
    assert (change["old"], change["new"]) == (2000.0, 1900.0)
    # Having looked, the analyst applies.
    services.upload_apply(upload=waiting, user=analyst_user)
    assert values()["2017-05"] == 1900.0


def test_two_analysts_apply_in_turn_and_the_second_sees_what_the_first_changed(
    analyst_client, analyst_user
) -> None:
    applied(nel_file(THREE_MONTHS), analyst_user)
    first = create(nel_file({**THREE_MONTHS, "2017-06": "1,111"}), analyst_user)
    second = create(nel_file({**THREE_MONTHS, "2017-06": "2,222"}), analyst_user)
    analyst_client.post(reverse("metrics:upload_apply", args=[first.pk]))

    listing = analyst_client.get(reverse("metrics:upload_list")).content.decode()
    assert listing.count("Newer data published since this preview") == 1
    page = analyst_client.get(reverse("metrics:upload_detail", args=[second.pk]))
    assert "Newer data published since this preview" in page.content.decode()

    response = analyst_client.post(reverse("metrics:upload_apply", args=[second.pk]), follow=True)
    text = response.content.decode()
    assert "changed since it was previewed, so nothing was applied" in text
    assert "What changed since the preview" in text and first.original_name in text
    assert values()["2017-06"] == 1111.0
    analyst_client.post(reverse("metrics:upload_apply", args=[second.pk]))
    assert values()["2017-06"] == 2222.0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL bulk-load mode")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_applies_of_overlapping_data_one_wins_the_other_is_refused(
    analyst_user, monkeypatch
) -> None:
    # Transactional tests start from whatever an earlier one left: a flushed database has no
    # areas or metrics, so load the reference data the upload is checked against.
    reference_data_load()
    analyst_areas_grant(analyst_user)
    applied(nel_file(THREE_MONTHS), analyst_user)
    uploads = [
        create(nel_file({**THREE_MONTHS, "2017-05": value}), analyst_user)
        for value in ("1,111", "2,222")
    ]
    barrier = threading.Barrier(2)
    outcomes: dict[int, str] = {}
    counts = bulk.PostgresStage._counts

    def slow_counts(self, cursor):
        time.sleep(0.3)  # holding the writers' lock: the other apply is waiting for it now
        return counts(self, cursor)

    monkeypatch.setattr(bulk.PostgresStage, "_counts", slow_counts)

    def apply(upload: Upload) -> None:
        try:
            barrier.wait()
            services.upload_apply(upload=upload, user=analyst_user)
            outcomes[upload.pk] = "applied"
        except UploadStale:
            outcomes[upload.pk] = "refused"
        finally:
            connections.close_all()

    threads = [threading.Thread(target=apply, args=(u,)) for u in uploads]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes.values()) == ["applied", "refused"]
    winner = next(u for u in uploads if outcomes[u.pk] == "applied")
    assert set(Observation.objects.values_list("upload_id", flat=True)) >= {winner.pk}
    assert ObservationRevision.objects.count() == 1  # nothing of the loser half-applied
    loser = Upload.objects.get(pk=next(pk for pk, o in outcomes.items() if o == "refused"))
    assert loser.state == UploadState.VALIDATED and loser.report["changed_since"]


# --- 2. a note alone is not a change ----------------------------------------------------------


def test_the_same_figures_without_a_note_are_unchanged_and_keep_the_note(analyst_user) -> None:
    applied(noted_file("provisional figures"), analyst_user)
    again = create(nel_file(THREE_MONTHS), analyst_user)
    assert (again.changed_count, again.unchanged_count, again.report["notes_updated"]) == (0, 3, 0)
    services.upload_apply(upload=again, user=analyst_user)
    assert set(Observation.objects.values_list("note", flat=True)) == {"provisional figures"}
    assert ObservationRevision.objects.count() == 0


def test_clearing_empty_notes_is_a_choice_and_keeps_the_old_note_as_a_revision(
    analyst_user,
) -> None:
    applied(noted_file("provisional figures"), analyst_user)
    cleared = applied(nel_file(THREE_MONTHS), analyst_user, clear_empty_notes=True)
    assert (cleared.changed_count, cleared.report["notes_updated"]) == (0, 3)
    assert set(Observation.objects.values_list("note", flat=True)) == {""}
    assert set(ObservationRevision.objects.values_list("note", flat=True)) == {
        "provisional figures"
    }


def test_a_different_note_with_the_same_value_is_a_note_update_not_a_change(
    analyst_user, analyst_client
) -> None:
    applied(noted_file("provisional"), analyst_user)
    upload = create(noted_file("final"), analyst_user)
    assert (upload.changed_count, upload.report["notes_updated"]) == (0, 3)
    assert all(c["note_only"] for c in upload.report["changes"])
    page = analyst_client.get(reverse("metrics:upload_detail", args=[upload.pk])).content.decode()
    assert "note updated" in page
    services.upload_apply(upload=upload, user=analyst_user)
    assert set(Observation.objects.values_list("note", flat=True)) == {"final"}
    assert ObservationRevision.objects.filter(note="provisional").count() == 3


def test_import_activity_keeps_notes_unless_told_to_clear_them(analyst_user, tmp_path) -> None:
    applied(noted_file("provisional"), analyst_user)
    path = tmp_path / "nel.csv"
    path.write_bytes(nel_file(THREE_MONTHS))
    call_command("import_activity", str(path), stdout=io.StringIO())
    assert set(Observation.objects.values_list("note", flat=True)) == {"provisional"}
    call_command("import_activity", str(path), "--clear-empty-notes", stdout=io.StringIO())
    assert set(Observation.objects.values_list("note", flat=True)) == {""}


# --- 6. an apply that fails says so and can be retried ------------------------------------------


def test_an_apply_cut_off_by_the_database_is_recorded_and_can_be_retried(
    analyst_user, analyst_client, monkeypatch
) -> None:
    upload = create(nel_file(THREE_MONTHS), analyst_user)

    def outage(self, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    stage = type(bulk.stage(bulk.empty_frame()))
    monkeypatch.setattr(stage, "apply", outage)
    response = analyst_client.post(reverse("metrics:upload_apply", args=[upload.pk]), follow=True)
    assert response.status_code == 200
    text = response.content.decode()
    assert "because the database could not be reached" in text
    upload.refresh_from_db()
    assert upload.state == UploadState.FAILED
    assert "nothing was applied" in upload.report["failure"] and upload.report["failed_at"]
    assert Observation.objects.count() == 0
    monkeypatch.undo()
    analyst_client.post(reverse("metrics:upload_apply", args=[upload.pk]))
    assert Upload.objects.get(pk=upload.pk).state == UploadState.APPLIED
    assert len(values()) == 3


# --- 7. an administrator can revert an upload -------------------------------------------------


def test_reverting_an_upload_puts_back_earlier_values_and_withdraws_new_ones(
    analyst_user, admin_user
) -> None:
    first = applied(nel_file(THREE_MONTHS), analyst_user)
    revised = applied(
        nel_file({**THREE_MONTHS, "2017-05": "1,830", "2017-07": "1,858"}), analyst_user
    )
    with pytest.raises(UploadError, match="Say why"):
        upload_revert(upload=revised, reason=" ", user=admin_user)

    reverted = upload_revert(upload=revised, reason="wrong month sent", user=admin_user)

    assert values() == {"2017-04": 1758.0, "2017-05": 1825.0, "2017-06": 1793.0}
    assert Observation.objects.get(period_start="2017-05-01").upload_id == first.pk
    assert reverted.state == UploadState.REVERTED and reverted.reverted_by == admin_user
    assert reverted.report["reverted"]["restored"] == 1
    assert reverted.report["reverted"]["withdrawn"] == 1
    # Nothing deleted from the history of the value that went back: both versions are kept.
    may = ObservationRevision.objects.filter(observation__period_start="2017-05-01")
    assert sorted((r.value, r.by_revert) for r in may) == [(1825.0, False), (1830.0, True)]
    assert reverted.history.first().history_change_reason.startswith("Reverted:")


def test_an_upload_overtaken_by_a_later_one_cannot_be_reverted_until_that_one_is(
    analyst_user, admin_user
) -> None:
    applied(nel_file(THREE_MONTHS), analyst_user)
    middle = applied(nel_file({**THREE_MONTHS, "2017-05": "1,830"}), analyst_user)
    latest = applied(nel_file({**THREE_MONTHS, "2017-05": "1,840"}), analyst_user)
    with pytest.raises(UploadError, match=f"upload {latest.pk}"):
        upload_revert(upload=middle, reason="wrong", user=admin_user)
    assert values()["2017-05"] == 1840.0
    upload_revert(upload=latest, reason="wrong", user=admin_user)
    upload_revert(upload=middle, reason="also wrong", user=admin_user)
    assert values()["2017-05"] == 1825.0


def test_only_administrators_see_and_use_the_revert_button(
    analyst_user, analyst_client, admin_client_role
) -> None:
    upload = applied(nel_file(THREE_MONTHS), analyst_user)
    url = reverse("metrics:upload_detail", args=[upload.pk])
    assert "Revert this upload" not in analyst_client.get(url).content.decode()
    assert "Revert this upload" in admin_client_role.get(url).content.decode()
    revert = reverse("metrics:upload_revert", args=[upload.pk])
    assert analyst_client.post(revert, {"reason": "x"}).status_code == 403
    response = admin_client_role.post(revert, {"reason": "sent in error"}, follow=True)
    text = response.content.decode()
    assert "Reverted on" in text and "(sent in error)" in text
    assert Observation.objects.count() == 0
