"""Mapping profiles: the mapping form turns an analyst's answers into a profile that reads the
file as they said, keeps what the page does not show, and survives export and import."""

from __future__ import annotations

import io
import json

import openpyxl
import pytest

from metrics import services
from metrics.forms import SKIP, MappingForm
from metrics.ingest import Profile
from metrics.models import Observation

pytestmark = pytest.mark.django_db

HEADER = ["Code", "Name", "Month", "Indicator", "Value", "Comment"]


def form(data: dict, profile: Profile | None = None, labels: list[str] | None = None):
    profile = profile or Profile(name="guessed")
    mapping = {
        "roles": {
            "area_code": "Code",
            "area_name": "Name",
            "period": "Month",
            "metric": "Indicator",
            "value": "Value",
            "note": "Comment",
        }
    }
    bound = MappingForm(
        {"default_kind": "actual", **data},
        header=HEADER,
        profile=profile,
        mapping=mapping,
        labels=labels or [],
    )
    assert bound.is_valid(), bound.errors
    return bound


def roles(**chosen: str) -> dict[str, str]:
    return {f"column_{HEADER.index(header)}": role for header, role in chosen.items()}


def test_a_column_set_to_not_used_is_not_picked_up_by_built_in_names() -> None:
    answers = roles(Code="area_code", Month="period", Indicator="metric", Value="value")
    definition = form(answers).definition()
    assert definition.columns["area_code"] == ["Code"]
    assert definition.columns["area_name"] == []  # "Name" would match a built-in alias
    assert definition.columns["note"] == []
    assert definition.layout == "long"


def test_the_form_keeps_earlier_aliases_and_what_the_page_does_not_show() -> None:
    earlier = Profile(
        name="Monthly extract",
        source="Our BI team",
        columns={"area_code": ["ONS code", "Code"]},
        defaults={"status": "provisional", "note": "From BI"},
        metric_aliases={"Old label": "non-elective-admissions"},
        sheet="Data",
    )
    answers = roles(Code="area_code", Month="period", Indicator="metric", Value="value")
    definition = form(answers, earlier).definition()
    assert definition.columns["area_code"] == ["Code", "ONS code"]
    assert definition.defaults["status"] == "provisional"
    assert definition.defaults["note"] == "From BI"
    assert definition.metric_aliases == {"Old label": "non-elective-admissions"}
    assert definition.sheet == "Data" and definition.source == "Our BI team"


def test_row_labels_map_to_metrics_kinds_or_are_skipped() -> None:
    answers = roles(Code="area_code", Month="period", Indicator="metric", Value="value")
    bound = form(
        {
            **answers,
            "label_0_metric": "non-elective-admissions",
            "label_0_kind": "baseline",
            "label_1_metric": SKIP,
        },
        labels=["Baseline (15/16 Activity)", "Variance"],
    )
    definition = bound.definition()
    assert definition.metric_aliases == {
        "Baseline (15/16 Activity)": "non-elective-admissions",
        "Variance": None,
    }
    assert definition.kind_aliases == {"Baseline (15/16 Activity)": "baseline"}


def test_month_and_total_columns_make_a_wide_layout() -> None:
    answers = roles(Code="area_code", Month="month", Indicator="metric", Value="total")
    definition = form({**answers, "financial_year": "2017/18"}).definition()
    assert definition.layout == "wide_months"
    assert definition.total_columns[0] == "Value"
    assert definition.defaults["financial_year"] == "2017/18"


def test_a_saved_profile_round_trips_through_json_unchanged(analyst_user) -> None:
    definition = Profile(
        name="x",
        layout="wide_measures",
        columns={"financial_year": ["year"], "month_name": ["month"]},
        defaults={"area_code": "E92000001"},
        measures={"total_admissions": ("non-elective-admissions", "actual")},
    )
    saved = services.profile_save(name="England A&E", definition=definition, user=analyst_user)
    exported = services.profile_export(profile=saved)
    saved.delete()
    again = services.profile_import(text=exported, user=analyst_user)
    assert again.definition == json.loads(exported)
    assert again.definition["measures"] == {
        "total_admissions": ["non-elective-admissions", "actual"]
    }


def test_an_excel_file_with_a_title_row_uploads_and_applies(analyst_user) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["NEL actuals, Wolverhampton"])
    sheet.append([])
    sheet.append(["ONS code", "Month", "Indicator", "Value"])
    sheet.append(["E08000031", "Apr 2017", "Total NEL", 1758])
    sheet.append(["E08000031", "May 2017", "Total NEL", 1825])
    buffer = io.BytesIO()
    book.save(buffer)
    upload = services.upload_create(
        content=buffer.getvalue(), filename="nel.xlsx", user=analyst_user
    )
    assert not upload.report["errors"], upload.report["errors"]
    assert upload.report["header_row"] == 3
    services.upload_apply(upload=upload, user=analyst_user)
    assert sorted(Observation.objects.values_list("value", flat=True)) == [1758, 1825]
