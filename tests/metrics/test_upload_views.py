"""Upload pages: the two phases in the browser, permissions, bad files, profiles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from metrics import services
from metrics.models import MappingProfile, Observation, ObservationRevision, Upload

pytestmark = pytest.mark.django_db

PUBLIC = Path(__file__).resolve().parents[3] / "shared" / "data" / "public"

GOOD = (
    b"area_code,area_name,period,metric,kind,value\n"
    b'E08000031,Wolverhampton,2017-04,Total NEL,plan,"1,758"\n'
    b'E08000031,Wolverhampton,2017-05,Total NEL,plan,"1,825"\n'
)
WIDE = b"NEL plan 2017-18\nRow,Apr,May,Jun,Full Year\nTotal NEL,10,20,30,60\nVariance,1,2,3,6\n"


def post_file(client, content: bytes, name: str = "nel.csv", **extra):
    return client.post(
        reverse("metrics:upload_create"),
        {"file": SimpleUploadedFile(name, content), **extra},
    )


def latest() -> Upload:
    return Upload.objects.latest("pk")


def test_analyst_uploads_checks_mapping_previews_and_applies(analyst_client) -> None:
    response = post_file(analyst_client, GOOD)
    upload = latest()
    assert response.status_code == 302
    assert response["Location"] == reverse("metrics:upload_mapping", args=[upload.pk])
    page = analyst_client.get(response["Location"])
    assert page.status_code == 200
    assert b"Check how the columns are read" in page.content and b"E08000031" in page.content
    detail = analyst_client.get(reverse("metrics:upload_detail", args=[upload.pk]))
    assert b"What applying would do" in detail.content
    assert b'data-count="new">2<' in detail.content
    assert Observation.objects.count() == 0
    applied = analyst_client.post(reverse("metrics:upload_apply", args=[upload.pk]), follow=True)
    assert b"Applied nel.csv: 2 new, 0 changed, 0 unchanged." in applied.content
    assert Observation.objects.count() == 2
    listing = analyst_client.get(reverse("metrics:upload_list"))
    assert b"nel.csv" in listing.content and b"Applied" in listing.content


def test_preview_shows_old_and_new_values_and_warns_about_published_values(
    analyst_client,
) -> None:
    post_file(analyst_client, GOOD)
    analyst_client.post(reverse("metrics:upload_apply", args=[latest().pk]))
    post_file(analyst_client, GOOD.replace(b'"1,825"', b'"1,830"'))
    detail = analyst_client.get(reverse("metrics:upload_detail", args=[latest().pk]))
    text = detail.content.decode()
    assert "already published" in text
    assert "1,825" in text and "1,830" in text and "May 2017" in text
    analyst_client.post(reverse("metrics:upload_apply", args=[latest().pk]))
    assert ObservationRevision.objects.get().value == 1825


def test_errors_block_apply_in_the_browser(analyst_client) -> None:
    post_file(analyst_client, GOOD.replace(b'"1,825"', b"-4"))
    upload = latest()
    detail = analyst_client.get(reverse("metrics:upload_detail", args=[upload.pk]))
    assert b"so it cannot be applied" in detail.content
    assert b">Apply<" not in detail.content
    response = analyst_client.post(reverse("metrics:upload_apply", args=[upload.pk]), follow=True)
    assert b"1 error" in response.content
    assert Observation.objects.count() == 0


def test_discard_sets_the_upload_aside(analyst_client) -> None:
    post_file(analyst_client, GOOD)
    upload = latest()
    analyst_client.post(reverse("metrics:upload_discard", args=[upload.pk]))
    upload.refresh_from_db()
    assert upload.state == "discarded" and Observation.objects.count() == 0
    response = analyst_client.post(reverse("metrics:upload_apply", args=[upload.pk]), follow=True)
    assert b"discarded already" in response.content


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "empty.csv", "The selected file is empty"),
        (b"%PDF-1.4 binary", "report.pdf", "must be a CSV or Excel"),
        (b"\xd0\xcf\x11\xe0", "old.xls", "old-style Excel"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "picture.csv", "does not look like a CSV"),
        (b"PK\x03\x04nonsense", "broken.xlsx", "not a readable Excel"),
        (b"\xff\xfe\x00\x00garbage", "utf32.csv", "does not look like a CSV"),
        (b"just a note\n", "note.csv", "header row"),
    ],
)
def test_bad_files_get_a_clear_message_never_a_500(analyst_client, content, name, message):
    response = post_file(analyst_client, content, name)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert b"There is a problem" in response.content
    assert not Upload.objects.exists()


def test_a_huge_file_is_refused_with_its_size(analyst_client, monkeypatch) -> None:
    monkeypatch.setattr("metrics.forms.UPLOAD_MAX_BYTES", 100)
    response = post_file(analyst_client, GOOD * 3)
    assert response.status_code == 400
    assert "the browser upload takes files up to" in response.content.decode()


def test_missing_columns_are_reported_on_the_mapping_page(analyst_client) -> None:
    post_file(analyst_client, b"area_code,period,value\nE08000031,2017-04,5\n")
    page = analyst_client.get(reverse("metrics:upload_mapping", args=[latest().pk]))
    assert b"No column for the metric" in page.content


def test_mapping_changes_roles_defaults_and_labels_and_saves_a_profile(analyst_client) -> None:
    post_file(analyst_client, WIDE, "plan.csv")
    upload = latest()
    page = analyst_client.get(reverse("metrics:upload_mapping", args=[upload.pk]))
    form = page.context["form"]
    data = {f"column_{i}": form.initial[f"column_{i}"] for i in range(len(form.header))}
    assert data == {
        "column_0": "metric",
        "column_1": "month",
        "column_2": "month",
        "column_3": "month",
        "column_4": "total",
    }
    labels = {text: (m, k) for text, m, k in form.label_fields}
    data.update(
        {
            "default_area": "e08000031",
            "default_kind": "plan",
            "financial_year": "2017-18",
            labels["Total NEL"][0]: "non-elective-admissions",
            labels["Variance"][0]: "__skip__",
            "save_as": "NEL plan",
            "source": "Our plan",
        }
    )
    response = analyst_client.post(reverse("metrics:upload_mapping", args=[upload.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    upload.refresh_from_db()
    assert not upload.report["errors"], upload.report["errors"]
    assert upload.new_count == 3
    saved = MappingProfile.objects.get(name="NEL plan")
    assert upload.profile == saved
    assert saved.definition["defaults"]["financial_year"] == "2017/18"
    assert saved.definition["metric_aliases"] == {
        "Total NEL": "non-elective-admissions",
        "Variance": None,
    }
    # Next month's file maps itself with the saved profile.
    post_file(
        analyst_client, WIDE.replace(b"10,20,30,60", b"11,20,30,61"), "plan2.csv", profile=saved.pk
    )
    again = latest()
    assert again.profile == saved and not again.report["errors"]
    assert (again.new_count, again.changed_count) == (3, 0)


def test_mapping_form_errors_keep_the_answers(analyst_client) -> None:
    post_file(analyst_client, GOOD)
    upload = latest()
    data = {f"column_{i}": "value" for i in range(6)}
    data.update({"default_kind": "actual", "default_area": "ZZ999", "financial_year": "soon"})
    response = analyst_client.post(reverse("metrics:upload_mapping", args=[upload.pk]), data)
    assert response.status_code == 400
    text = response.content.decode()
    assert "There is a problem" in text
    assert "&#x27;ZZ999&#x27; is not a known area code" in text
    assert "Enter the financial year like 2017/18" in text
    assert "both value" in text


# --- permissions -------------------------------------------------------------------------------


@pytest.fixture
def upload(analyst_user) -> Upload:
    return services.upload_create(content=GOOD, filename="nel.csv", user=analyst_user)


@pytest.mark.parametrize("persona", ["board_client", "pm_client", "outsider_client"])
def test_only_analysts_and_administrators_write(request, persona, upload) -> None:
    client = request.getfixturevalue(persona)
    writes = [
        ("get", reverse("metrics:upload_create")),
        ("post", reverse("metrics:upload_create")),
        ("get", reverse("metrics:upload_mapping", args=[upload.pk])),
        ("post", reverse("metrics:upload_mapping", args=[upload.pk])),
        ("post", reverse("metrics:upload_apply", args=[upload.pk])),
        ("post", reverse("metrics:upload_discard", args=[upload.pk])),
        ("post", reverse("metrics:upload_check", args=[upload.pk])),
        ("get", reverse("metrics:upload_file", args=[upload.pk])),
        ("post", reverse("metrics:upload_profile_list")),
    ]
    for method, url in writes:
        response = getattr(client, method)(url)
        assert response.status_code == 403, url
        assert b"You cannot upload activity files" in response.content
    assert Observation.objects.count() == 0
    upload.refresh_from_db()
    assert upload.state == "validated"
    # Reading stays open: where the numbers came from is no secret.
    assert client.get(reverse("metrics:upload_list")).status_code == 200
    detail = client.get(reverse("metrics:upload_detail", args=[upload.pk]))
    assert detail.status_code == 200 and b">Apply<" not in detail.content


def test_administrators_can_apply(admin_client_role, upload) -> None:
    admin_client_role.post(reverse("metrics:upload_apply", args=[upload.pk]))
    assert Observation.objects.count() == 2


def test_signed_out_users_are_sent_to_sign_in(client, upload) -> None:
    response = client.get(reverse("metrics:upload_list"))
    assert response.status_code == 302 and "/accounts/sign-in/" in response["Location"]


def test_the_original_file_downloads_as_uploaded(analyst_client, upload) -> None:
    response = analyst_client.get(reverse("metrics:upload_file", args=[upload.pk]))
    assert b"".join(response.streaming_content) == GOOD
    assert 'filename="nel.csv"' in response["Content-Disposition"]


def test_upload_list_query_count_does_not_grow_with_uploads(analyst_client, analyst_user) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert analyst_client.get(reverse("metrics:upload_list")).status_code == 200
        return len(queries)

    services.upload_create(content=GOOD, filename="a.csv", user=analyst_user)
    few = count()
    for index in range(5):
        services.upload_create(content=GOOD, filename=f"{index}.csv", user=analyst_user)
    assert count() == few


# --- profiles ----------------------------------------------------------------------------------


def test_profiles_download_and_import_in_the_browser(analyst_client, board_client) -> None:
    profile = {
        "version": 1,
        "name": "Odd extract",
        "columns": {
            "area_code": ["Where"],
            "period": ["When"],
            "metric": ["What"],
            "value": ["Amount"],
        },
    }
    response = analyst_client.post(
        reverse("metrics:upload_profile_list"),
        {"file": SimpleUploadedFile("odd.json", json.dumps(profile).encode())},
        follow=True,
    )
    assert b"Imported the profile" in response.content
    saved = MappingProfile.objects.get(name="Odd extract")
    download = board_client.get(reverse("metrics:upload_profile_export", args=[saved.pk]))
    assert download["Content-Type"].startswith("application/json")
    assert json.loads(download.content)["columns"]["area_code"] == ["Where"]
    assert board_client.get(reverse("metrics:upload_profile_list")).status_code == 200


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "not valid JSON"),
        (b'{"version": 1, "name": "x", "layout": "sideways"}', "&#x27;layout&#x27; must be one of"),
        (b"\xff\xfe\x00", "not a text (JSON) file"),
    ],
)
def test_a_bad_profile_file_gets_a_clear_message(analyst_client, content, message) -> None:
    response = analyst_client.post(
        reverse("metrics:upload_profile_list"), {"file": SimpleUploadedFile("p.json", content)}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not MappingProfile.objects.exists()


def test_the_list_and_a_report_download(board_client, upload) -> None:
    listing = board_client.get(reverse("metrics:upload_list"), {"format": "csv"})
    text = listing.content.decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Upload,File,State,Rows,New")
    assert 'nel.csv,"Validated, waiting to be applied",2,2,0,0' in text
    assert board_client.get(reverse("metrics:upload_list"), {"format": "pdf"}).status_code == 400
    url = reverse("metrics:upload_detail", args=[upload.pk])
    report = json.loads(board_client.get(url, {"format": "json"}).content)
    assert {"rows", "new", "changed", "unchanged", "errors", "warnings"} <= set(report)
    assert report["upload_id"] == upload.pk and report["new"] == 2
    findings = board_client.get(url, {"format": "xlsx"})
    assert findings["Content-Type"].startswith("application/vnd.openxmlformats")


@pytest.mark.skipif(
    not PUBLIC.exists(), reason=f"public sample files not found at {PUBLIC} (outside the repo)"
)
def test_a_column_per_measure_file_is_mapped_in_the_browser(analyst_client) -> None:
    content = (PUBLIC / "england-ae-admissions-dtoc-monthly.csv").read_bytes()
    post_file(analyst_client, content, "england.csv")
    upload = latest()
    assert upload.report["errors"]  # no area, metric or value column by name
    form = analyst_client.get(reverse("metrics:upload_mapping", args=[upload.pk])).context["form"]
    roles = {"year": "financial_year", "month": "month_name"}
    roles["total_admissions"] = "measure:non-elective-admissions"
    data = {f"column_{i}": roles.get(name, "") for i, name in enumerate(form.header)}
    data.update({"default_area": "E92000001", "default_kind": "actual"})
    response = analyst_client.post(reverse("metrics:upload_mapping", args=[upload.pk]), data)
    assert response.status_code == 302
    upload.refresh_from_db()
    assert not upload.report["errors"], upload.report["errors"][:3]
    assert upload.profile_snapshot["layout"] == "wide_measures"
    assert upload.profile_snapshot["measures"] == {
        "total_admissions": ["non-elective-admissions", "actual"]
    }
    assert upload.new_count == 80
    analyst_client.post(reverse("metrics:upload_apply", args=[upload.pk]))
    january = Observation.objects.get(area__code="E92000001", period_start="2011-01-01")
    assert january.metric.code == "non-elective-admissions"


def test_check_again_refreshes_a_stale_preview(analyst_client, analyst_user, upload) -> None:
    other = services.upload_create(content=GOOD, filename="same.csv", user=analyst_user)
    services.upload_apply(upload=other, user=analyst_user)
    upload.refresh_from_db()
    assert upload.new_count == 2  # previewed before the other file was applied
    response = analyst_client.post(reverse("metrics:upload_check", args=[upload.pk]), follow=True)
    assert b"Checked the file again" in response.content
    upload.refresh_from_db()
    assert (upload.new_count, upload.unchanged_count) == (0, 2)
    assert upload.report["same_file_applied"][0]["id"] == other.pk
