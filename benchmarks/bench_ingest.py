"""Benchmark of the activity upload on PostgreSQL (a script with a report, not a timed test).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker make bench-ingest

Generates a long-format CSV of 1,000,000 rows (151 Health and Wellbeing Board areas × 8
catalogue metrics × 828 months, cut to a million) in a scratch database `bench_ingest` (created
fresh on the server DATABASE_URL names, dropped afterwards unless --keep), then measures in the
same run:

  (a) `COPY` of the file into a table with the file's columns and the observation table's
      shape: an identity primary key and the same unique key (metric, area, kind, period);
  (b) the full upload through the services: read, parse, validate, preview (`upload_create`,
      which keeps the file and its sha256) and apply in one transaction (`upload_apply`);
  (c) for interest, the same file uploaded and applied again (everything unchanged), and
  (d) a revised file with new values (the general path: temporary table, revisions written
      with INSERT … SELECT, INSERT … ON CONFLICT DO UPDATE).

(a) and (b) run three times each (`--repeat`), the observation table emptied between runs, and
the medians are compared: other work on the machine moves single runs by tens of percent.

Peak memory is the process's maximum resident set size from `resource.getrusage` (ru_maxrss),
which covers the whole run; the file is generated to disk in chunks first, so the peak is (b)'s.
Targets: (b) ≤ 2 × (a), peak memory < 1.5 GB.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SCRATCH = "bench_ingest"
AREAS, METRICS, MONTHS, ROWS = 151, 8, 828, 1_000_000
NEEDS_POSTGRES = "bench-ingest measures PostgreSQL COPY: set DATABASE_URL to a PostgreSQL database."


def _setup_django(url: str, media: str) -> None:
    import dj_database_url

    config = dj_database_url.parse(url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        sys.exit(NEEDS_POSTGRES)
    os.environ["DATABASE_URL"] = urlsplit(url)._replace(path=f"/{SCRATCH}").geturl()
    os.environ.setdefault("SECRET_KEY", "bench-ingest-only-" + "x" * 40)
    os.environ["MEDIA_ROOT"] = media
    os.environ["DJANGO_SETTINGS_MODULE"] = "integration.settings"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import psycopg2

    admin = psycopg2.connect(
        dbname="postgres",
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        host=config["HOST"] or None,
        port=config["PORT"] or None,
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {SCRATCH}")
        cursor.execute(f"CREATE DATABASE {SCRATCH}")
    admin.close()
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _drop_scratch(url: str) -> None:
    import dj_database_url
    import psycopg2
    from django.db import connections

    connections.close_all()
    config = dj_database_url.parse(url)
    admin = psycopg2.connect(
        dbname="postgres",
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        host=config["HOST"] or None,
        port=config["PORT"] or None,
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {SCRATCH}")
    admin.close()


def _generate(path: Path, seed: int = 20170401) -> tuple[int, list[str]]:
    """Write the file in chunks (one area at a time) so generating it costs little memory."""
    from metrics.models import Area, Metric

    areas = list(Area.objects.filter(is_hwb=True, valid_to=None).order_by("code")[:AREAS])
    metrics = list(Metric.objects.filter(frequency="monthly").order_by("code")[:METRICS])
    if len(metrics) < METRICS:
        metrics += list(
            Metric.objects.exclude(pk__in=[m.pk for m in metrics]).order_by("code")[
                : METRICS - len(metrics)
            ]
        )
    assert len(areas) == AREAS and len(metrics) == METRICS, "reference data missing"
    months = pd.date_range("1950-04-01", periods=MONTHS, freq="MS").strftime("%Y-%m-%d")
    rng = np.random.default_rng(seed)
    written = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write("area_code,area_name,metric,kind,period,value\n")
        for area in areas:
            for metric in metrics:
                count = min(MONTHS, ROWS - written)
                if count <= 0:
                    break
                if metric.unit == "percentage":
                    values = np.round(rng.uniform(50, 99, count), 1).astype(str)
                elif metric.unit == "count":
                    values = rng.integers(0, 3000, count).astype(str)
                else:
                    values = np.round(rng.uniform(0, 2000, count), 1).astype(str)
                block = pd.DataFrame(
                    {
                        "a": area.code,
                        "n": area.name,
                        "m": metric.code,
                        "k": "actual",
                        "p": months[:count],
                        "v": values,
                    }
                )
                handle.write(block.to_csv(header=False, index=False, lineterminator="\n"))
                written += count
    return written, [m.code for m in metrics]


def _settle() -> None:
    """Write out the previous step's dirty pages first, so each step pays only for its own
    work (CHECKPOINT needs superuser or pg_checkpoint; without it the figures are noisier)."""
    from django.db import DatabaseError, connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")
    except DatabaseError:
        pass


def _bench_copy(path: Path) -> float:
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_copy")
        cursor.execute(
            "CREATE TABLE bench_copy (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, "
            "area_code varchar(12) NOT NULL, area_name varchar(200) NOT NULL, "
            "metric varchar(60) NOT NULL, kind varchar(10) NOT NULL, period date NOT NULL, "
            "value double precision, UNIQUE (metric, area_code, kind, period))"
        )
    _settle()
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor, path.open("rb") as handle:
        cursor.cursor.copy_expert(
            "COPY bench_copy (area_code, area_name, metric, kind, period, value) FROM STDIN "
            "WITH (FORMAT csv, HEADER true)",
            handle,
        )
    return time.perf_counter() - started


def _reset() -> None:
    """An empty observation table again, as before the first upload."""
    from django.db import connection

    from metrics.models import Upload

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE metrics_observationrevision, metrics_observation")
    Upload.objects.all().delete()


def _bench_upload(path: Path) -> tuple[float, object]:
    from metrics import services

    _settle()
    started = time.perf_counter()
    upload = services.upload_create(
        content=path.read_bytes(), filename=path.name, keep_for_apply=True
    )
    validated = time.perf_counter()
    if upload.report["errors"]:
        sys.exit(f"The generated file has errors: {upload.report['errors'][:3]}")
    upload = services.upload_apply(upload=upload)
    finished = time.perf_counter()
    upload.validate_seconds = validated - started
    upload.apply_seconds = finished - validated
    return finished - started, upload


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs of (a) and (b), reported as medians"
    )
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit(NEEDS_POSTGRES)
    copies, uploads = [], []
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as work:
        _setup_django(url, os.path.join(work, "media"))
        try:
            path = Path(work) / "activity-1m.csv"
            rows, metrics = _generate(path)
            size = path.stat().st_size
            for run in range(max(args.repeat, 1)):
                copies.append(_bench_copy(path))
                if run:
                    _reset()
                uploads.append(_bench_upload(path))
            again_seconds, again = _bench_upload(path)
            revised = Path(work) / "activity-1m-revised.csv"
            _generate(revised, seed=20180401)
            revised_seconds, revised_upload = _bench_upload(revised)
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
            from metrics.models import Observation, ObservationRevision

            stored = Observation.objects.count()
            revisions = ObservationRevision.objects.count()
        finally:
            if not args.keep:
                _drop_scratch(url)
    copy_seconds = statistics.median(copies)
    upload_seconds = statistics.median(seconds for seconds, _ in uploads)
    upload = sorted(uploads, key=lambda pair: pair[0])[len(uploads) // 2][1]
    ratio = upload_seconds / copy_seconds
    runs = len(copies)
    print(f"Activity upload benchmark (PostgreSQL), median of {runs} run{'s' * (runs > 1)}")
    print(f"  file: {rows:,} rows, {size / 1e6:.1f} MB; {AREAS} areas × {len(metrics)} metrics")
    print(
        f"  (a) COPY into a table with the observation table's key:  {copy_seconds:6.2f} s"
        f"  (runs: {', '.join(f'{c:.2f}' for c in copies)})"
    )
    print(
        f"  (b) full upload (read, parse, validate, preview, apply):  {upload_seconds:6.2f} s"
        f"  (runs: {', '.join(f'{u:.2f}' for u, _ in uploads)})"
    )
    print(
        f"        validate and preview {upload.validate_seconds:.2f} s, "
        f"apply {upload.apply_seconds:.2f} s; "
        f"{upload.new_count:,} new, {upload.changed_count:,} changed, "
        f"{upload.unchanged_count:,} unchanged; {stored:,} observations stored"
    )
    print(f"  ratio (b) / (a): {ratio:.2f} (target ≤ 2.00) {'met' if ratio <= 2 else 'NOT met'}")
    print(
        f"  (c) same file again: {again_seconds:6.2f} s; {again.new_count:,} new, "
        f"{again.changed_count:,} changed, {again.unchanged_count:,} unchanged"
    )
    print(
        f"  (d) a revised file (new random values): {revised_seconds:6.2f} s; "
        f"{revised_upload.new_count:,} new, {revised_upload.changed_count:,} changed "
        f"({revisions:,} old values kept as revisions), "
        f"{revised_upload.unchanged_count:,} unchanged"
    )
    print(
        f"  peak memory (getrusage ru_maxrss, whole process): {peak:,.0f} MB "
        f"(target < 1,536 MB) {'met' if peak < 1536 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
