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
import time
from datetime import date

import harness  # sets Django up: import it before the project
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from integration import roles
from metrics.choices import ObservationKind, PeriodKind, UploadState
from metrics.models import Area, Metric, Observation, Upload

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--areas", type=int, default=150)
    parser.add_argument("--months", type=int, default=60)
    args = parser.parse_args()

    with harness.throwaway_database():
        started = time.perf_counter()
        areas, count = build(args.areas, args.months)
        built = time.perf_counter() - started
        client = harness.client_with_role("bench-board", roles.BOARD_MEMBER)
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
            r = harness.measure_get(client, url, args.repeat)
            print(
                f"{name:<20} {r['median_ms']:>10.1f} {r['p95_ms']:>10.1f} "
                f"{r['queries']:>8} {r['bytes']:>10,}"
            )


if __name__ == "__main__":
    main()
