"""Benchmark: the first page of the milestone list for a plan of 2,000 milestones.

    .venv/bin/python benchmarks/milestone_list.py [--milestones 2000] [--runs 30]

Builds a throwaway test database (in-memory SQLite by default, or `test_<name>` on the
PostgreSQL that DATABASE_URL names; never var/db.sqlite3), fills it with one programme of
9 workstreams and N milestones (two leads and two cross-references each, an unresolved
reference on every tenth, a status history row each), then renders pages with the Django
test client signed in as a programme manager and prints median and 95th percentile times
and the query count. The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import time
from datetime import date

import harness  # sets Django up: import it before the project
from django.db import connection

from integration import roles
from programmes.choices import DatePrecision, Rating
from programmes.models import (
    Framework,
    FrameworkCode,
    GovernanceBody,
    Milestone,
    MilestoneReference,
    Person,
    Programme,
    StatusUpdate,
    UnresolvedReference,
    Workstream,
)

RATINGS = [Rating.RED, Rating.AMBER, Rating.GREEN, Rating.COMPLETE, Rating.NOT_RATED]


def build(n: int) -> Programme:
    programme = Programme.objects.create(
        name="Benchmark programme", slug="benchmark", reporting_date=date(2018, 9, 6)
    )
    workstreams = [
        Workstream.objects.create(programme=programme, number=str(i), name=f"Theme {i}", position=i)
        for i in range(1, 10)
    ]
    people = Person.objects.bulk_create(
        [Person(name=f"Lead {i}", initials=f"L{i}") for i in range(40)]
    )
    bodies = [
        GovernanceBody.objects.get_or_create(acronym=a)[0] for a in ("WDG", "JCB", "HWB", "WIB")
    ]
    framework, _ = Framework.objects.get_or_create(slug="cqc-aoi", defaults={"name": "CQC AOI"})
    codes = [
        FrameworkCode.objects.get_or_create(framework=framework, code=f"AOI{i}")[0]
        for i in range(1, 17)
    ]
    milestones = Milestone.objects.bulk_create(
        [
            Milestone(
                programme=programme,
                workstream=workstreams[i % 9],
                ref=f"{i % 9 + 1}.{i // 9 + 1}",
                title=f"Milestone {i}: integrate the discharge pathway across all hospitals",
                lead_text=f"L{i % 40}/L{(i + 1) % 40}",
                baseline_start=date(2018, 7, 1),
                baseline_start_precision=DatePrecision.MONTH,
                baseline_end=date(2018, 8 + i % 12 // 3, 28),
                baseline_end_precision=DatePrecision.MONTH,
                governance_body=bodies[i % 4],
                references_raw=f"AOI{i % 16 + 1}, AOI{(i + 3) % 16 + 1}",
                rating=RATINGS[i % 5],
                added_on=date(2018, 9, 6),
                position=i,
            )
            for i in range(n)
        ]
    )
    Lead = Milestone.leads.through
    Lead.objects.bulk_create(
        [
            Lead(milestone_id=m.pk, person_id=people[(i + k) % 40].pk)
            for i, m in enumerate(milestones)
            for k in (0, 1)
        ]
    )
    MilestoneReference.objects.bulk_create(
        [
            MilestoneReference(milestone=m, code=codes[(i + k) % 16], raw_token="x")
            for i, m in enumerate(milestones)
            for k in (0, 3)
        ]
    )
    UnresolvedReference.objects.bulk_create(
        [
            UnresolvedReference(milestone=m, framework=framework, raw_token="AO13")
            for i, m in enumerate(milestones)
            if i % 10 == 0
        ]
    )
    StatusUpdate.objects.bulk_create(
        [
            StatusUpdate(milestone=m, rating=m.rating, as_of=date(2018, 9, 6), cause="c")
            for m in milestones
        ]
    )
    return programme


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--milestones", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    with harness.throwaway_database():
        started = time.perf_counter()
        programme = build(args.milestones)
        built = time.perf_counter() - started
        client = harness.client_with_role("bench-pm", roles.PROGRAMME_MANAGER)
        url = f"/programmes/{programme.slug}/milestones/"
        cases = [
            ("first page (50 rows)", url, {}, args.runs),
            ("sorted by rating, page 10", url, {"sort": "-rating", "page": "10"}, args.runs),
            ("filtered AOI8 + overdue", url, {"reference": "AOI8", "overdue": "yes"}, args.runs),
            (
                f"CSV export ({args.milestones} rows)",
                url,
                {"format": "csv"},
                max(3, args.runs // 6),
            ),
        ]
        print(
            f"Milestone list benchmark on {connection.vendor} ({connection.settings_dict['NAME']})"
        )
        print(f"{args.milestones} milestones built in {built:.1f} s; {args.runs} runs per page\n")
        print(f"{'case':<32}{'median ms':>10}{'p95 ms':>10}{'min ms':>10}{'queries':>9}{'KB':>8}")
        for label, path, params, runs in cases:
            r = harness.measure_get(client, path, runs, params)
            print(
                f"{label:<32}{r['median_ms']:>10.1f}{r['p95_ms']:>10.1f}{r['min_ms']:>10.1f}"
                f"{r['queries']:>9}{r['bytes'] / 1024:>8.0f}"
            )


if __name__ == "__main__":
    main()
