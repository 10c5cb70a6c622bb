"""Upload size limits, enforced while the request streams in (integration/uploads.py)."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import StopUpload
from django.test import RequestFactory
from django.urls import reverse

from integration.uploads import FORM_ALLOWANCE, LimitedUploadHandler, RefusedUpload
from metrics.models import Upload
from metrics.services import upload_create
from programmes.models import PlanImport
from programmes.plan_import import plan_import_preview
from tests.programmes.factories import ProgrammeFactory

MB = 1024 * 1024


@pytest.fixture
def one_mb_limit(settings):
    settings.UPLOAD_MAX_BYTES = MB
    return settings


def test_the_limit_comes_from_upload_max_mb_and_defaults_to_50_mb(settings):
    assert settings.UPLOAD_MAX_BYTES == 50 * MB
    assert settings.FILE_UPLOAD_HANDLERS[0] == "integration.uploads.LimitedUploadHandler"
    assert "integration.uploads.UploadLimitMiddleware" in settings.MIDDLEWARE


@pytest.mark.django_db
def test_a_request_declaring_a_body_over_the_limit_gets_413_naming_it_before_it_is_read(
    client, one_mb_limit, django_assert_num_queries
):
    body = b"x" * (MB + FORM_ALLOWANCE + 1)
    with django_assert_num_queries(0):  # no session, no user: refused before anything
        response = client.generic(
            "POST", reverse("metrics:upload_create"), body, content_type="text/csv"
        )
    assert response.status_code == 413
    page = response.content.decode()
    assert "The file is too large" in page and "The largest upload accepted is 1 MB" in page


@pytest.mark.django_db
def test_requests_under_the_limit_pass(client, one_mb_limit):
    response = client.generic("POST", reverse("login"), b"x" * 1000)
    assert response.status_code != 413


def test_an_activity_file_over_the_limit_is_refused_on_the_form_naming_it(
    analyst_client, one_mb_limit
):
    big = SimpleUploadedFile("big.csv", b"a,b\n" + b"1,2\n" * (MB // 4 + 10))
    response = analyst_client.post(reverse("metrics:upload_create"), {"file": big})
    assert response.status_code == 400
    assert "larger than 1 MB, the largest upload accepted" in response.content.decode()
    assert not Upload.objects.exists()


def test_a_plan_file_over_the_limit_is_refused_on_the_form_naming_it(pm_client, one_mb_limit):
    programme = ProgrammeFactory()
    big = SimpleUploadedFile("plan.csv", b"Workstream,Ref,Project milestone\n" + b"x" * MB)
    response = pm_client.post(
        reverse("programmes:plan_import_upload"),
        {"programme": programme.pk, "file": big, "as_of": "06/09/2018"},
    )
    assert response.status_code in (200, 400)
    assert "larger than 1 MB, the largest upload accepted" in response.content.decode()
    assert not PlanImport.objects.exists()


def _handler(limit: int) -> LimitedUploadHandler:
    handler = LimitedUploadHandler(RequestFactory().post("/"))
    handler.limit = limit
    handler.new_file("file", "big.csv", "text/csv", None)
    return handler


def test_past_the_limit_the_handler_keeps_no_more_bytes_and_hands_over_a_refused_file():
    handler = _handler(limit=10)
    assert handler.receive_data_chunk(b"x" * 8, 0) == b"x" * 8
    assert handler.receive_data_chunk(b"x" * 8, 8) is None  # not passed to memory or disk
    refused = handler.file_complete(16)
    assert isinstance(refused, RefusedUpload)
    assert refused.name == "big.csv" and refused.size == 16 and refused.read() == b""
    assert "the largest upload accepted" in refused.refusal


def test_a_body_longer_than_it_declared_is_cut_off():
    handler = _handler(limit=10)
    with pytest.raises(StopUpload) as stopped:
        handler.receive_data_chunk(b"x" * (FORM_ALLOWANCE + 11), 0)
    assert stopped.value.connection_reset


def test_files_under_the_limit_pass_through_to_the_next_handler():
    handler = _handler(limit=MB)
    assert handler.receive_data_chunk(b"abc", 0) == b"abc"
    assert handler.file_complete(3) is None


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["../../etc/passwd.csv", "..\\..\\evil.csv", "/etc/passwd.csv"])
def test_an_uploaded_file_name_is_never_used_as_a_path(settings, name):
    activity = b"area_code,period,metric,value\nE06000054,2019-04,NEA,5\n"
    upload_create(content=activity, filename=name)
    plan = b"Workstream,Ref,Project milestone\n1,1.1,Share records\n"
    plan_import_preview(
        programme=ProgrammeFactory(), file_name=name, content=plan, as_of=date(2018, 9, 6)
    )
    kept = [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()]
    assert len(kept) == 2
    assert all(settings.MEDIA_ROOT in p.parents for p in kept)
    assert not any(".." in p.relative_to(settings.MEDIA_ROOT).parts for p in kept)
