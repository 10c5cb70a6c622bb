"""History tabs on programme, workstream and metric pages, and the change log's download."""

import csv
import io

import pytest
from django.urls import reverse

from metrics.choices import UploadState
from tests.integration.test_audit import _text
from tests.metrics.factories import NEL, WOLVERHAMPTON, area, metric, wolverhampton_nel
from tests.programmes.factories import ProgrammeFactory, WorkstreamFactory

pytestmark = pytest.mark.django_db


def test_a_programme_history_tab_shows_its_settings_and_workstreams_to_a_board_member(
    board_client, pm_user
):
    programme = ProgrammeFactory(slug="wiltshire", name="Wiltshire plan")
    workstream = WorkstreamFactory(programme=programme, number="2", name="Care homes")
    workstream.name = "Care homes and domiciliary care"
    workstream._history_user = pm_user
    workstream.save()
    detail = board_client.get(reverse("programmes:programme_detail", args=[programme.slug]))
    history_url = reverse("programmes:programme_history", args=[programme.slug])
    assert history_url in detail.content.decode()

    text = _text(board_client.get(history_url))
    assert "History: Wiltshire plan" in text
    assert "Name: Care homes → Care homes and domiciliary care" in text
    assert "pm" in text
    assert "Its milestones have 0 recorded changes" in text

    ws_url = reverse("programmes:workstream_history", args=[programme.slug, "2"])
    ws_text = _text(board_client.get(ws_url))
    assert "Name: Care homes → Care homes and domiciliary care" in ws_text


def test_a_metric_history_tab_lists_each_upload_of_its_figures_once(board_client, analyst_user):
    uploads = wolverhampton_nel(uploaded_by=analyst_user)
    nel, wolves = metric(NEL), area(WOLVERHAMPTON)
    nel.tolerance_percent = 5
    nel.save()
    nel.tolerance_percent = 7.5
    nel.save()
    url = reverse("metrics:metric_history", args=[wolves.code, nel.code])
    assert (
        url
        in board_client.get(
            reverse("metrics:metric_detail", args=[wolves.code, nel.code])
        ).content.decode()
    )
    text = _text(board_client.get(url))
    for upload in uploads.values():
        assert text.count(f"Applied activity upload #{upload.pk}") == 1
    assert "Tolerance percent: 5.00 → 7.50" in text
    # Loaded before history was kept: its first row shows the values it then had.
    assert "First recorded" in text
    assert uploads["fig20"].state == UploadState.APPLIED


def test_the_change_log_downloads_as_csv_with_its_filters(admin_client_role, pm_user):
    programme = ProgrammeFactory(slug="wiltshire", name="Wiltshire plan")
    programme.name = "=HYPERLINK(1)"
    programme._history_user = pm_user
    programme.save()
    response = admin_client_role.get(
        reverse("audit_log"),
        {"object_type": "programmes.programme", "user": pm_user.pk, "format": "csv"},
    )
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["Who"], r["Field"], r["Old value (or removed)"]) for r in rows] == [
        ("pm", "Name", "Wiltshire plan")
    ]
    assert rows[0]["New value (or added)"] == "'=HYPERLINK(1)"


def test_the_change_log_filters_by_date(admin_client_role, pm_user):
    ProgrammeFactory(slug="wiltshire", name="Wiltshire plan")
    page = admin_client_role.get(reverse("audit_log"), {"date_to": "2000-01-01"})
    assert page.context["table"].paginator.count == 0
    assert "0 changes match these filters" in _text(page)
