"""Properties of plan import over generated plans: apply does what the preview said, and
importing the same file again changes nothing. Seeds are fixed, so failures reproduce."""

import csv
import io
import random
from datetime import date

import pytest

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


def generated_plan(rnd: random.Random) -> bytes:
    optional = [h for h in POOLS if h not in REQUIRED]
    header = REQUIRED + rnd.sample(optional, rnd.randint(0, len(optional)))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    for _ in range(rnd.randint(1, 12)):
        writer.writerow([rnd.choice(POOLS[h]) for h in header])
    return out.getvalue().encode()


@pytest.mark.parametrize("seed", range(25))
def test_apply_matches_the_preview_and_a_reimport_changes_nothing(seed, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    frameworks_load()
    rnd = random.Random(seed)
    programme = ProgrammeFactory()
    for _ in range(3):  # successive files, newer and older, into the same programme
        content = generated_plan(rnd)
        as_of = date(2018, rnd.randint(1, 12), 1)
        try:
            preview = plan_import_preview(
                programme=programme, file_name="p.csv", content=content, as_of=as_of
            )
        except PlanFileError:
            continue
        if preview.report["errors"]:
            continue
        applied = plan_import_apply(plan_import=preview).report
        for key in ("created", "updated", "unchanged", "removed"):
            assert applied[key] == preview.report[key], key
        again = plan_import_preview(
            programme=programme, file_name="p.csv", content=content, as_of=as_of, keep=False
        ).report
        changed = [m for m in again["milestones"] if m["action"] != "unchanged"]
        assert (again["created"], again["updated"], again["removed"]) == (0, 0, 0), changed
