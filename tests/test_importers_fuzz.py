"""Bad-input corpus: random and mutated files fed to both importers' previews.

Every generated file gets a report or a clear file error (the importers' own exception
types), never an unhandled exception; a preview writes nothing; and a file whose preview has
errors cannot be applied. MAX_EXAMPLES inputs per importer, derandomized for CI.
"""

from __future__ import annotations

import tempfile
from datetime import date

import pytest
from django.db import transaction
from django.test import override_settings
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from metrics import services
from metrics.models import Observation
from metrics.services import UploadError
from programmes.models import Milestone, Workstream
from programmes.plan_import import (
    PlanFileError,
    PlanImportError,
    plan_import_apply,
    plan_import_preview,
)
from tests.hostile_files import workbook
from tests.programmes.factories import ProgrammeFactory

MAX_EXAMPLES = 150  # per importer: 300 generated files in all, about 15 s together

PLAN_HEADER = ["Workstream", "Ref", "Project milestone", "Lead", "End Date", "Status"]
ACTIVITY_HEADER = ["area_code", "area_name", "period", "metric", "kind", "value"]
NASTY_CELLS = [
    "NaN",
    "inf",
    "-Infinity",
    "31/02/2019",
    "2019-13",
    "0000-01",
    "2099-01",
    "1e18",
    '=HYPERLINK("http://x")',
    "<script>alert(1)</script>",
    "\ufeff",
    "é£€",
    "",
    " ",
    '"',
    "x" * 40_000,
]
GOOD_PLAN = ["1", "1.1", "Share records", "Alex", "31/03/2019", "G"]
GOOD_ACTIVITY = ["E08000031", "Wolverhampton", "2017-04", "non-elective-admissions", "actual", "5"]

cells = st.one_of(st.sampled_from(NASTY_CELLS), st.text(max_size=12))


@st.composite
def grids(draw, header: list[str], good: list[str]) -> list[list[str]]:
    """A header (kept, dropped, duplicated or shuffled) over good rows with nasty cells."""
    top = draw(
        st.sampled_from(
            [header, header, header, header + header[:2], header[1:], [], header[::-1], ["a"] * 6]
        )
    )
    rows = [top] if top else []
    for _ in range(draw(st.integers(0, 6))):  # no rows at all is one of the cases
        row = list(good)
        for _ in range(draw(st.integers(0, 3))):
            row[draw(st.integers(0, len(row) - 1))] = draw(cells)
        rows.append(row[: draw(st.integers(1, len(row) + 1))])
    return rows


def _csv(rows: list[list[str]], delimiter: str) -> str:
    return "\n".join(delimiter.join(row) for row in rows) + "\n"


@st.composite
def files(draw, header: list[str], good: list[str]) -> tuple[str, bytes]:
    rows = draw(grids(header, good))
    kind = draw(st.sampled_from(["csv", "csv", "mixed", "xlsx", "binary", "mutated"]))
    if kind == "xlsx":
        event("workbook")
        # openpyxl cannot write control characters; Excel could not have saved them either.
        clean = [[ILLEGAL_CHARACTERS_RE.sub("", c)[:32_000] for c in row] for row in rows]
        return "f.xlsx", workbook(clean or [[""]])
    if kind == "binary":
        event("binary")
        return draw(st.sampled_from(["f.csv", "f.xlsx"])), draw(st.binary(min_size=1))
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    text = _csv(rows, delimiter)
    if kind == "mixed":
        text = text.replace(delimiter, draw(st.sampled_from([",", ";"])), 1)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16", "latin-1"]))
    content = text.encode(encoding, errors="replace")
    if kind == "mutated" and content:
        event("mutated")
        position = draw(st.integers(0, len(content) - 1))
        content = content[:position] + draw(st.binary(max_size=8)) + content[position + 1 :]
    return "f.csv", content


@pytest.fixture(autouse=True)
def _isolated_media():
    with tempfile.TemporaryDirectory() as media, override_settings(MEDIA_ROOT=media):
        yield


FUZZ = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.django_db
@FUZZ
@given(file=files(PLAN_HEADER, GOOD_PLAN))
def test_the_plan_import_reports_or_refuses_every_file_and_never_applies_errors(file):
    name, content = file
    with transaction.atomic():
        programme = ProgrammeFactory()
        try:
            preview = plan_import_preview(
                programme=programme, file_name=name, content=content, as_of=date(2018, 9, 6)
            )
        except PlanFileError as exc:
            event("refused")
            assert str(exc)
        else:
            assert not Milestone.objects.exists() and not Workstream.objects.exists()
            if preview.report["errors"]:
                event("errors")
                with pytest.raises(PlanImportError):
                    plan_import_apply(plan_import=preview)
                assert not Milestone.objects.exists()
        transaction.set_rollback(True)


@pytest.mark.django_db
@FUZZ
@given(file=files(ACTIVITY_HEADER, GOOD_ACTIVITY))
def test_the_activity_upload_reports_or_refuses_every_file_and_never_applies_errors(file):
    name, content = file
    with transaction.atomic():
        try:
            upload = services.upload_create(content=content, filename=name)
        except UploadError as exc:
            event("refused")
            assert str(exc)
        else:
            assert not Observation.objects.exists()
            if upload.report["errors"]:
                event("errors")
                with pytest.raises(UploadError):
                    services.upload_apply(upload=upload)
                assert not Observation.objects.exists()
        transaction.set_rollback(True)
