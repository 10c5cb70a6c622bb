"""Demo data for programmes, loaded through the same importer users use.

The Wiltshire Integration Programme Plan (September 2018, version 2.0) is Appendix 1 of a
report to Wiltshire Council's Health Select Committee of 11 September 2018. Its rows are kept
as printed in `fixtures/demo/`; `load_demo_data` imports them as at 6 September 2018, the
plan's date, so a newcomer sees the plan as its board did.
"""

import csv
from datetime import date
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction

from integration.demo import Output
from integration.models import DemoDataLoad
from integration.tabular import sha256_of
from metrics.models import Area, Metric
from programmes.choices import ImportState, MembershipRole, RatingScale
from programmes.models import GovernanceBody, MetricLink, PlanImport, Programme, Workstream
from programmes.plan_import import person_for_name, plan_import_apply, plan_import_preview
from programmes.plan_import.parsing import normalise_text, split_leads
from programmes.reference import frameworks_load
from programmes.services import membership_add

DEMO_DIR = Path(settings.BASE_DIR) / "fixtures" / "demo"
PLAN_FILE = DEMO_DIR / "wiltshire-integration-plan-2018-09.csv"
WORKSTREAMS_FILE = DEMO_DIR / "wiltshire-integration-workstreams.csv"
SLUG = "wiltshire-integration"
DATASET = "wiltshire-integration"
AS_OF = date(2018, 9, 6)
DESCRIPTION = (
    "the Wiltshire Integration Programme Plan of September 2018, from a published council "
    "paper (Wiltshire Health Select Committee, 11 September 2018)"
)

# Bodies the source documents name and expand. LDB and ATB are never expanded there, so the
# import adds them by acronym only (and says so).
BODIES = [
    ("HWB", "Health and Wellbeing Board", None, ["H&WBB", "HWBB"], []),
    ("WIB", "Wiltshire Integration Board", "HWB", [], ["Integration and Better Care Board"]),
    ("JCB", "Joint Commissioning Board", None, [], []),
    ("WDG", "Wiltshire Delivery Group", None, [], []),
]


def _bodies_ensure() -> GovernanceBody:
    made: dict[str | None, GovernanceBody] = {}
    for acronym, name, reports_to, aliases, former in BODIES:
        body, _ = GovernanceBody.objects.get_or_create(
            acronym=acronym,
            defaults={
                "name": name,
                "reports_to": made.get(reports_to) if reports_to else None,
                "aliases": aliases,
                "former_names": former,
            },
        )
        made[acronym] = body
    return made["WIB"]


def _programme_ensure(owner: GovernanceBody) -> Programme:
    programme, _ = Programme.objects.get_or_create(
        slug=SLUG,
        defaults={
            "name": "Wiltshire Integration Programme Plan",
            "area": "Wiltshire",
            "description": (
                "Wiltshire's integration programme plan (September 2018, version 2.0), owned "
                "by the Wiltshire Integration Board: nine themes answering the sixteen areas of "
                "improvement of the CQC local system review. Demonstration data from a "
                "published council paper."
            ),
            "owning_body": owner,
            "rating_scale": RatingScale.RAG,
            "reporting_date": AS_OF,
            "is_demo": True,
        },
    )
    return programme


def _workstreams_load(programme: Programme) -> int:
    created = 0
    with open(WORKSTREAMS_FILE, encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            number = row["Number"].strip()
            workstream, was_created = Workstream.objects.get_or_create(
                programme=programme,
                number=number,
                defaults={
                    "name": normalise_text(row["Name"]),
                    "objective": row["Objective"].strip(),
                    "sro_text": row["SRO"].strip(),
                    "position": int(number),
                },
            )
            created += int(was_created)
            if was_created:
                sros = [
                    person_for_name(lead.text, lead.kind)
                    for lead in split_leads(row["SRO"])
                    if lead.kind != "placeholder"
                ]
                workstream.sros.set(sros)
    return created


# Illustrative links (not in the source paper): theme 1 carries the High Impact Change Model
# actions on discharge, which aim at delayed transfers and emergency admissions.
DEMO_METRIC_LINKS = (
    ("1", "dtoc-delayed-days", "Illustrative demo link: HIM changes 1–7 aim to cut delays."),
    ("1", "non-elective-admissions", "Illustrative demo link: admission avoidance."),
)
WILTSHIRE = "E06000054"


def _metric_links_ensure(programme: Programme) -> None:
    area = Area.objects.filter(code=WILTSHIRE).first()
    for number, metric_code, note in DEMO_METRIC_LINKS:
        workstream = programme.workstreams.filter(number=number).first()
        metric = Metric.objects.filter(code=metric_code).first()
        if area and workstream and metric:
            MetricLink.objects.get_or_create(
                workstream=workstream,
                milestone=None,
                metric=metric,
                area=area,
                defaults={"note": note},
            )


# Who takes part in the demo programme (the demo users are made by `integration.demo`).
DEMO_MEMBERSHIPS = (
    ("pm", MembershipRole.MANAGER, ()),
    ("board", MembershipRole.VIEWER, ()),
    ("contributor", MembershipRole.CONTRIBUTOR, ("1",)),
)


def _memberships_ensure(programme: Programme) -> None:
    for username, role, numbers in DEMO_MEMBERSHIPS:
        user = User.objects.filter(username=username).first()
        if user is None or programme.memberships.filter(user=user).exists():
            continue
        membership_add(
            programme=programme,
            user=user,
            role=role,
            workstreams=programme.workstreams.filter(number__in=numbers),
            reason="Demo data",
        )


def load_demo_data(*, stdout: Output) -> None:
    """Create the Wiltshire demo programme and import its plan; safe to run again."""
    frameworks_load()
    with transaction.atomic():
        programme = _programme_ensure(_bodies_ensure())
        workstreams_created = _workstreams_load(programme)
    content = PLAN_FILE.read_bytes()
    already = PlanImport.objects.filter(
        programme=programme, sha256=sha256_of(content), as_of=AS_OF, state=ImportState.APPLIED
    ).exists()
    preview = plan_import_preview(
        programme=programme,
        file_name=PLAN_FILE.name,
        content=content,
        as_of=AS_OF,
        keep=not already,
    )
    report = preview.report
    if not already:
        report = plan_import_apply(plan_import=preview).report
    _metric_links_ensure(programme)
    _memberships_ensure(programme)
    DemoDataLoad.objects.update_or_create(dataset=DATASET, defaults={"description": DESCRIPTION})
    stdout.write(
        f"Demo programme {SLUG}: {workstreams_created} workstreams created from "
        f"{WORKSTREAMS_FILE.name}; plan {PLAN_FILE.name} as at {AS_OF:%d %B %Y}: "
        f"{report['rows']} rows, {report['created']} created, {report['updated']} updated, "
        f"{report['unchanged']} unchanged, {len(report['warnings'])} warnings.\n"
    )
