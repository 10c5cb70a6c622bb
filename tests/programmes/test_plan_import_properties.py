"""Properties of plan import over generated plans: apply does what the preview said, and
importing the same file again changes nothing. Hypothesis draws the plans (derandomised, so a
failure reproduces) and shrinks a failing one to the smallest plan that still fails."""

import csv
import io
import tempfile
from datetime import date

import pytest
from django.db import transaction
from django.test import override_settings
from hypothesis import event, given, settings
from hypothesis import strategies as st

from programmes.plan_import import PlanFileError, plan_import_apply, plan_import_preview
from programmes.reference import frameworks_load
from tests.programmes.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db

# Cells real trackers contain, per column, including the awkward ones.
POOLS = {
    "Workstream": ["Alpha", "Beta", "", "ALPHA"],
    "Ref": ["", "1.1", "1.2", "1.8", "2.1", "2.2", "1.25", "x"],
    "Project milestone": ["Do a", "Do b", "Do c", "Do d", "Do a."],
    "Lead": ["", "ТМ", "TM", "LP/CB/DB/E L", "TBA", "Public Health", "Sara McClellan"],
    "Start Date": ["", "Aug 2018", "Sept", "To be defined", "01/07/2018"],
    "End Date": ["", "March 2019", "Dec", "To be defined", "31/03/2019", "2019-06-30"],
    "Status (G/A/R)": ["", "G", "delivery", "Complete", "green", "not rated"],
    "Governance": ["", "JCB", "H&WBB", "LDB", "hwb"],
    "CQC Cross reference key": ["", "AOI 3", "A015", "AO13, AOI6", "AO18, AO19", "A017", "XYZ9"],
    "Section": ["", "Actions now completed"],
    "Parent ref": ["", "1.25", "9.9"],
    "Sub-group": ["", "Design"],
}
REQUIRED = ["Workstream", "Ref", "Project milestone"]


@st.composite
def plans(draw: st.DrawFn) -> bytes:
    """A plan file: the required columns, some optional ones, and 1 to 12 rows of real cells."""
    optional = [h for h in POOLS if h not in REQUIRED]
    header = REQUIRED + draw(st.lists(st.sampled_from(optional), unique=True))
    cells = st.tuples(*(st.sampled_from(POOLS[h]) for h in header))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(draw(st.lists(cells, min_size=1, max_size=12)))
    return out.getvalue().encode()


# Successive files, newer and older, into the same programme.
FILES = st.lists(st.tuples(plans(), st.integers(1, 12)), min_size=1, max_size=3)


@pytest.fixture
def _frameworks():
    frameworks_load()


@pytest.mark.usefixtures("_frameworks")
@settings(max_examples=25, deadline=None, derandomize=True)
@given(files=FILES)
def test_apply_matches_the_preview_and_a_reimport_changes_nothing(files):
    # Each example starts from the same database and its own media folder.
    with (
        tempfile.TemporaryDirectory() as media,
        override_settings(MEDIA_ROOT=media),
        transaction.atomic(),
    ):
        _imports_check(files)
        transaction.set_rollback(True)


def _imports_check(files: list[tuple[bytes, int]]) -> None:
    programme = ProgrammeFactory()
    for content, month in files:
        as_of = date(2018, month, 1)
        try:
            preview = plan_import_preview(
                programme=programme, file_name="p.csv", content=content, as_of=as_of
            )
        except PlanFileError:
            continue
        if preview.report["errors"]:
            continue
        event("applied")
        applied = plan_import_apply(plan_import=preview).report
        for key in ("created", "updated", "unchanged", "removed"):
            assert applied[key] == preview.report[key], key
        again = plan_import_preview(
            programme=programme, file_name="p.csv", content=content, as_of=as_of, keep=False
        ).report
        changed = [m for m in again["milestones"] if m["action"] != "unchanged"]
        assert (again["created"], again["updated"], again["removed"]) == (0, 0, 0), changed
