"""Benchmark: importing a plan of N milestones, new and then unchanged (a script, not a test).

    .venv/bin/python benchmarks/plan_import.py [--rows 2000]

Builds a throwaway test database (in-memory SQLite by default, or `test_<name>` on the
PostgreSQL that DATABASE_URL names; never var/db.sqlite3), generates a CSV of N rows in ten
workstreams (two leads, a governance body, two AOI codes and a Green status each), then times
preview and apply of the file as new, and preview and apply of the same file again (every row
unchanged), printing seconds and query counts. The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import csv
import io
import tempfile
import time
from datetime import date
from pathlib import Path

import harness  # sets Django up: import it before the project
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from programmes.models import Programme
from programmes.plan_import import plan_import_apply, plan_import_preview
from programmes.reference import frameworks_load


def plan_csv(rows: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["Workstream", "Ref", "Project milestone", "Lead", "Start Date", "End Date",
         "Status (G/A/R)", "Governance", "CQC Cross reference key"]
    )  # fmt: skip
    for i in range(rows):
        ws = i % 10 + 1
        writer.writerow(
            [f"Workstream {ws}", f"{ws}.{i}", f"Milestone {i}", "TM/EL", "Aug 2018",
             "March 2019", "G", "JCB", "AOI8, AOI9"]
        )  # fmt: skip
    return out.getvalue().encode()


def timed(label: str, call):
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        result = call()
        elapsed = time.perf_counter() - started
    print(f"{label:<22} {elapsed:6.2f} s  {len(queries):6d} queries")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    args = parser.parse_args()
    settings.MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="bench-plan-import-"))
    with harness.throwaway_database():
        frameworks_load()
        programme = Programme.objects.create(name="Benchmark", slug="benchmark")
        content = plan_csv(args.rows)
        print(f"{args.rows} rows on {connection.vendor}")
        for run in ("new", "unchanged"):
            preview = timed(
                f"preview ({run})",
                lambda: plan_import_preview(
                    programme=programme,
                    file_name="plan.csv",
                    content=content,
                    as_of=date(2018, 9, 6),
                ),
            )
            applied = timed(f"apply ({run})", lambda p=preview: plan_import_apply(plan_import=p))
            report = applied.report
            print(
                f"  created {report['created']}, updated {report['updated']}, "
                f"unchanged {report['unchanged']}"
            )


if __name__ == "__main__":
    main()
