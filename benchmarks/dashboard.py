"""Benchmark: the metrics dashboard, a metric page and a comparison page with 150 areas × 4
metrics × 60 months of actuals and plans, rendered server-side through the Django test client.

Runs in a throwaway test database (created and destroyed here, like the test runner does) on
whatever DATABASE_URL points at: SQLite by default, PostgreSQL when set.

    .venv/bin/python benchmarks/dashboard.py [--repeat 30] [--areas 150] [--months 60]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/DB .venv/bin/python benchmarks/dashboard.py

Prints, per page: median and 95th percentile time in ms, the number of queries, and the size
of the response in bytes.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import Group, User  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import (  # noqa: E402
    CaptureQueriesContext,
    setup_test_environment,
    teardown_test_environment,
)
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from integration import roles  # noqa: E402
from metrics.choices import ObservationKind, PeriodKind, UploadState  # noqa: E402
from metrics.models import Area, Metric, Observation, Upload  # noqa: E402

METRICS = [
    "non-elective-admissions",
    "dtoc-delayed-days",
    "dtoc-social-care-beds",
    "dtoc-delayed-days-nhs",
]


def months_from(first: date, count: int) -> list[date]:
    index = first.year * 12 + first.month - 1
    return [date((index + i) // 12, (index + i) % 12 + 1, 1) for i in range(count)]


def build(n_areas: int, n_months: int) -> tuple[list[Area], int]:
    areas = list(Area.objects.filter(is_hwb=True, valid_to__isnull=True).order_by("code"))
    areas = areas[:n_areas]
    metrics = [Metric.objects.get(code=code) for code in METRICS]
    upload = Upload.objects.create(
        file="benchmarks/synthetic.csv",
        original_name="synthetic.csv",
        sha256="0" * 64,
        state=UploadState.APPLIED,
    )
    now = timezone.now()
    months = months_from(date(2015, 4, 1), n_months)
    rows = []
    for a_index, area in enumerate(areas):
        for m_index, metric in enumerate(metrics):
            base = 1000 + 50 * m_index + 7 * (a_index % 41)
            for i, month in enumerate(months):
                for kind in (ObservationKind.ACTUAL, ObservationKind.PLAN):
                    value = base + (((i * 7 + a_index * 3) % 23 - 11) if kind == "actual" else 0)
                    rows.append(
                        Observation(
                            metric=metric,
                            area=area,
                            kind=kind,
                            period_kind=PeriodKind.MONTH,
                            period_start=month,
                            value=float(value),
                            upload=upload,
                            updated_at=now,
                        )
                    )
    Observation.objects.bulk_create(rows, batch_size=5000)
    return areas, len(rows)


def measure(client: Client, url: str, repeat: int) -> dict:
    client.get(url)  # warm templates and caches
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    times.sort()
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    return {
        "median_ms": statistics.median(times),
        "p95_ms": p95,
        "queries": len(queries),
        "bytes": len(response.content),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--areas", type=int, default=150)
    parser.add_argument("--months", type=int, default=60)
    args = parser.parse_args()

    setup_test_environment()
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        started = time.perf_counter()
        areas, count = build(args.areas, args.months)
        built = time.perf_counter() - started
        user = User.objects.create_user("bench-board", password="x")
        user.groups.add(Group.objects.get_or_create(name=roles.BOARD_MEMBER)[0])
        client = Client()
        client.force_login(user)
        area = areas[len(areas) // 2]
        pages = {
            "dashboard (default)": reverse("metrics:dashboard"),
            "dashboard": f"{reverse('metrics:dashboard')}?area={area.code}&year=2017",
            "metric page": reverse("metrics:metric_detail", args=[area.code, METRICS[0]])
            + "?year=2017",
            "metric page (SPC)": reverse("metrics:metric_detail", args=[area.code, METRICS[0]])
            + "?view=spc",
            "comparison": reverse("metrics:comparison", args=[METRICS[0]]) + "?year=2017",
        }
        print(
            f"{connection.vendor}: {len(areas)} areas × {len(METRICS)} metrics × "
            f"{args.months} months, actual and plan = {count:,} observations "
            f"(built in {built:.1f} s); {args.repeat} requests per page"
        )
        print(f"{'page':<20} {'median ms':>10} {'p95 ms':>10} {'queries':>8} {'bytes':>10}")
        for name, url in pages.items():
            r = measure(client, url, args.repeat)
            print(
                f"{name:<20} {r['median_ms']:>10.1f} {r['p95_ms']:>10.1f} "
                f"{r['queries']:>8} {r['bytes']:>10,}"
            )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


if __name__ == "__main__":
    main()
