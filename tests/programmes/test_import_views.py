"""Plan import and reference review in the browser (Django test client)."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from programmes.choices import ImportState
from programmes.models import FrameworkCode, Milestone, PlanImport, UnresolvedReference
from programmes.plan_import import MAX_FILE_BYTES, plan_import_apply, plan_import_preview
from programmes.reference import frameworks_load
from tests.programmes.factories import ProgrammeFactory

REPO = Path(__file__).resolve().parents[2]
DEMO_PLAN = REPO / "fixtures" / "demo" / "wiltshire-integration-plan-2018-09.csv"
UPLOAD = reverse("programmes:plan_import_upload")

pytestmark = pytest.mark.django_db


@pytest.fixture
def programme():
    frameworks_load()
    return ProgrammeFactory(slug="wiltshire", name="Wiltshire plan")


def upload(client, programme, content: bytes, name="plan.csv", as_of="06/09/2018"):
    return client.post(
        UPLOAD,
        {
            "programme": programme.pk,
            "as_of": as_of,
            "file": SimpleUploadedFile(name, content, content_type="text/csv"),
        },
    )


@pytest.fixture
def imported(programme):
    preview = plan_import_preview(
        programme=programme,
        file_name="plan.csv",
        content=DEMO_PLAN.read_bytes(),
        as_of=__import__("datetime").date(2018, 9, 6),
    )
    plan_import_apply(plan_import=preview)
    return programme


# -- upload, preview, confirm ----------------------------------------------------------------


def test_pm_uploads_the_demo_plan_sees_the_preview_and_confirms(pm_client, programme):
    response = upload(pm_client, programme, DEMO_PLAN.read_bytes())
    plan_import = PlanImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("programmes:plan_import_detail", args=[plan_import.pk])
    page = pm_client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-count="rows">94<' in html
    assert 'data-count="workstreams">9<' in html
    assert 'data-count="complete">4<' in html
    assert "govuk-warning-text" in html
    assert "A015" in html and "AO13" in html
    assert "Confirm and import" in html
    assert Milestone.objects.count() == 0  # the preview changed nothing

    response = pm_client.post(reverse("programmes:plan_import_confirm", args=[plan_import.pk]))
    assert response.status_code == 302
    plan_import.refresh_from_db()
    assert plan_import.state == ImportState.APPLIED
    assert Milestone.objects.filter(programme=programme).count() == 94
    page = pm_client.get(response["Location"]).content.decode()
    assert "Plan imported as at 6 September 2018: 94 created" in page
    assert "Confirm and import" not in page


def test_discard_changes_nothing_and_keeps_the_file(pm_client, programme):
    upload(pm_client, programme, DEMO_PLAN.read_bytes())
    plan_import = PlanImport.objects.get()
    response = pm_client.post(reverse("programmes:plan_import_discard", args=[plan_import.pk]))
    assert response.status_code == 302
    plan_import.refresh_from_db()
    assert plan_import.state == ImportState.DISCARDED
    assert plan_import.file.size == DEMO_PLAN.stat().st_size
    assert Milestone.objects.count() == 0
    response = pm_client.post(reverse("programmes:plan_import_confirm", args=[plan_import.pk]))
    assert Milestone.objects.count() == 0


def test_a_file_with_row_errors_previews_them_with_an_error_summary_and_no_confirm(
    pm_client, programme
):
    content = b"Workstream,Ref,Project milestone,End Date\nDigital,1.1,Share records,Smarch 2019\n"
    response = upload(pm_client, programme, content)
    page = pm_client.get(response["Location"]).content.decode()
    assert "govuk-error-summary" in page
    assert "Row 2, End Date" in page
    assert "Smarch 2019" in page
    assert "Confirm and import" not in page


def test_administrators_may_import(admin_client_role, programme):
    response = upload(admin_client_role, programme, DEMO_PLAN.read_bytes())
    assert response.status_code == 302


# -- bad files ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("plan.pdf", b"%PDF-1.4", "is not a CSV or Excel file"),
        ("plan.csv", b"", "The file is empty"),
        ("plan.csv", b"PK\x03\x04\x00\x00", "not a text CSV file"),
        ("plan.xlsx", b"PK\x03\x04 damaged", "not a readable Excel workbook"),
        ("plan.csv", b"Ref,Project milestone\n1.1,Share\n", "no “Workstream” column"),
        ("plan.csv", b"Workstream,Ref,Project milestone\n\x81,1.1,x\n", "cannot be read"),
    ],
)
def test_bad_files_get_a_clear_message_and_keep_the_other_answers(
    pm_client, programme, name, content, message
):
    response = upload(pm_client, programme, content, name=name, as_of="06/09/2018")
    html = response.content.decode()
    assert response.status_code == 400
    assert "govuk-error-summary" in html
    assert message in html
    assert 'value="06/09/2018"' in html
    assert f'<option value="{programme.pk}" selected>' in html
    assert PlanImport.objects.count() == 0


def test_a_file_over_10_mb_gets_a_message(pm_client, programme):
    response = upload(pm_client, programme, b"a" * (MAX_FILE_BYTES + 1))
    assert response.status_code == 400
    assert "the largest plan file accepted is 10 MB" in response.content.decode()


def test_a_missing_file_and_date_are_reported(pm_client, programme):
    response = pm_client.post(UPLOAD, {"programme": programme.pk, "as_of": "31/02/2018"})
    html = response.content.decode()
    assert "Choose a plan file to upload" in html
    assert "Enter the date as day/month/year" in html


def test_the_upload_page_preselects_the_programme(pm_client, programme):
    html = pm_client.get(UPLOAD + "?programme=wiltshire").content.decode()
    assert f'<option value="{programme.pk}" selected>' in html


# -- who may import ---------------------------------------------------------------------------


@pytest.mark.parametrize("client_name", ["board_client", "analyst_client", "outsider_client"])
def test_only_programme_managers_and_administrators_may_import(request, client_name, programme):
    client = request.getfixturevalue(client_name)
    response = client.get(UPLOAD)
    assert response.status_code == 403
    assert (
        "Only programme managers and administrators can import plans" in response.content.decode()
    )
    response = upload(client, programme, DEMO_PLAN.read_bytes())
    assert response.status_code == 403
    assert PlanImport.objects.count() == 0


def test_board_member_cannot_see_or_confirm_an_import(board_client, pm_user, programme):
    preview = plan_import_preview(
        programme=programme,
        file_name="plan.csv",
        content=DEMO_PLAN.read_bytes(),
        as_of=__import__("datetime").date(2018, 9, 6),
        user=pm_user,
    )
    assert (
        board_client.get(reverse("programmes:plan_import_detail", args=[preview.pk])).status_code
        == 403
    )
    response = board_client.post(reverse("programmes:plan_import_confirm", args=[preview.pk]))
    assert response.status_code == 403
    assert Milestone.objects.count() == 0


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(UPLOAD)
    assert response.status_code == 302 and "/accounts/sign-in/" in response["Location"]


# -- reference review ---------------------------------------------------------------------------


def review_url(programme) -> str:
    return reverse("programmes:reference_review", args=[programme.slug])


def test_the_review_page_lists_ao13_and_a015_with_milestones_and_candidates(pm_client, imported):
    html = pm_client.get(review_url(imported)).content.decode()
    assert html.count('app-token">AO13<') == 10
    assert html.count('app-token">A015<') == 1
    assert "Align Reablement and Home First services" in html
    assert "AOI15" in html and "AOI5" in html


def test_pm_resolves_a015_on_1_17_in_one_step(pm_client, pm_user, imported):
    a015 = UnresolvedReference.objects.get(raw_token="A015", milestone__ref="1.17")
    aoi15 = FrameworkCode.objects.get(code="AOI15")
    response = pm_client.post(
        review_url(imported), {"unresolved": a015.pk, f"u{a015.pk}-choice": str(aoi15.pk)}
    )
    assert response.status_code == 302
    a015.refresh_from_db()
    assert (a015.resolved_code, a015.resolved_by) == (aoi15, pm_user)
    assert a015.milestone.references.filter(code="AOI15").exists()
    html = pm_client.get(review_url(imported)).content.decode()
    assert "now links to AOI15" in html
    assert html.count('app-token">A015<') == 1  # now in the resolved table
    codes = FrameworkCode.objects.filter(framework__slug="cqc-aoi")
    assert all(c.milestones.filter(programme=imported).exists() for c in codes)


def test_pm_may_choose_any_code_of_the_framework(pm_client, imported):
    ao13 = UnresolvedReference.objects.filter(raw_token="AO13").first()
    aoi6 = FrameworkCode.objects.get(code="AOI6")
    response = pm_client.post(
        review_url(imported),
        {"unresolved": ao13.pk, f"u{ao13.pk}-choice": "other", f"u{ao13.pk}-other_code": aoi6.pk},
    )
    assert response.status_code == 302
    ao13.refresh_from_db()
    assert ao13.resolved_code == aoi6


def test_resolving_without_a_choice_shows_an_error_summary(pm_client, imported):
    a015 = UnresolvedReference.objects.get(raw_token="A015")
    response = pm_client.post(review_url(imported), {"unresolved": a015.pk})
    html = response.content.decode()
    assert response.status_code == 400
    assert "govuk-error-summary" in html
    assert "Choose the code this reference stands for" in html
    a015.refresh_from_db()
    assert a015.resolved_code is None


def test_choosing_another_code_without_picking_it_is_an_error(pm_client, imported):
    a015 = UnresolvedReference.objects.get(raw_token="A015")
    response = pm_client.post(
        review_url(imported), {"unresolved": a015.pk, f"u{a015.pk}-choice": "other"}
    )
    assert response.status_code == 400
    assert "Choose the code from the list" in response.content.decode()


def test_a_code_of_another_framework_cannot_be_posted(pm_client, imported):
    a015 = UnresolvedReference.objects.get(raw_token="A015")
    hicm = FrameworkCode.objects.get(code="HICM1")
    response = pm_client.post(
        review_url(imported),
        {"unresolved": a015.pk, f"u{a015.pk}-choice": "other", f"u{a015.pk}-other_code": hicm.pk},
    )
    assert response.status_code == 400
    a015.refresh_from_db()
    assert a015.resolved_code is None


def test_board_member_reads_the_review_page_but_cannot_resolve(board_client, imported):
    page = board_client.get(review_url(imported))
    assert page.status_code == 200
    assert "<form" not in page.content.decode().split('id="unresolved"')[1]
    a015 = UnresolvedReference.objects.get(raw_token="A015")
    aoi15 = FrameworkCode.objects.get(code="AOI15")
    response = board_client.post(
        review_url(imported), {"unresolved": a015.pk, f"u{a015.pk}-choice": str(aoi15.pk)}
    )
    assert response.status_code == 403
    a015.refresh_from_db()
    assert a015.resolved_code is None


def test_the_review_page_query_count_does_not_grow_with_rows(
    pm_client, imported, django_assert_max_num_queries
):
    with django_assert_max_num_queries(20):
        pm_client.get(review_url(imported))


def test_the_upload_page_lists_recent_imports_with_links(pm_client, programme):
    upload(pm_client, programme, DEMO_PLAN.read_bytes())
    plan_import = PlanImport.objects.get()
    html = pm_client.get(UPLOAD).content.decode()
    assert reverse("programmes:plan_import_detail", args=[plan_import.pk]) in html
    assert "Previewed, not applied" in html
