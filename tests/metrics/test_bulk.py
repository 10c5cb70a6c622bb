"""metrics.bulk: set-based compare and apply (PostgreSQL COPY, SQLite executemany)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from metrics import bulk
from metrics.models import Area, Metric, Observation, ObservationRevision, Upload

pytestmark = pytest.mark.django_db

NOTES = ["", "plain", 'with "quotes", and commas', "two\nlines", "\\N", "  spaced  "]


def frame(values: list[float], notes: list[str] | None = None) -> pd.DataFrame:
    metric = Metric.objects.get(code="non-elective-admissions")
    area = Area.objects.get(code="E08000031")
    count = len(values)
    return pd.DataFrame(
        {
            "metric_id": np.full(count, metric.pk, dtype=np.int64),
            "area_id": np.full(count, area.pk, dtype=np.int64),
            "kind": "actual",
            "period_kind": "month",
            "period_start": [
                f"{2017 + (i + 3) // 12}-{(i + 3) % 12 + 1:02d}-01" for i in range(count)
            ],
            "value": np.array(values, dtype=float),
            "numerator": np.nan,
            "denominator": np.nan,
            "status": ["missing" if math.isnan(v) else "reported" for v in values],
            "note": notes or [""] * count,
        }
    )


def apply(rows: pd.DataFrame) -> tuple[Upload, tuple[int, int]]:
    upload = Upload.objects.create(original_name="x.csv", sha256="0" * 64, state="validated")
    staged = bulk.stage(rows)
    try:
        with transaction.atomic():
            applied = staged.apply(upload_id=upload.pk, now=timezone.now())
    finally:
        staged.close()
    return upload, (applied.inserted, applied.changed)


def test_values_and_awkward_notes_survive_the_round_trip() -> None:
    values = [0.1 + 0.2, 1e-05, 1758.0, float("nan"), 123456789.123456789, -0.0]
    _, counts = apply(frame(values, NOTES))
    assert counts == (6, 0)
    stored = list(Observation.objects.order_by("period_start").values_list("value", "note"))
    assert [n for _, n in stored] == NOTES
    assert stored[0][0] == 0.1 + 0.2 and stored[1][0] == 1e-05 and stored[3][0] is None
    staged = bulk.stage(frame(values, NOTES))
    try:
        assert staged.compare() == bulk.Comparison(0, 0, 6, [])
    finally:
        staged.close()


def test_compare_and_apply_count_new_changed_and_unchanged() -> None:
    first, _ = apply(frame([1.0, 2.0, 3.0]))
    rows = frame([1.0, 2.5, float("nan"), 4.0])
    staged = bulk.stage(rows)
    try:
        comparison = staged.compare()
        assert (comparison.new, comparison.changed, comparison.unchanged) == (1, 2, 1)
        assert [(c["old"], c["new"]) for c in comparison.changes] == [(2.0, 2.5), (3.0, None)]
    finally:
        staged.close()
    second, counts = apply(rows)
    assert counts == (1, 2)
    revisions = ObservationRevision.objects.order_by("value")
    assert [(r.value, r.upload_id, r.replaced_by_id) for r in revisions] == [
        (2.0, first.pk, second.pk),
        (3.0, first.pk, second.pk),
    ]


def _definitions() -> list[tuple[str, str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
            "FROM pg_constraint WHERE conrelid IN (%s::regclass, %s::regclass) UNION ALL "
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename IN (%s, %s) "
            "ORDER BY 1, 2, 3",
            [bulk.OBSERVATION, bulk.REVISION, bulk.OBSERVATION, bulk.REVISION],
        )
        return cursor.fetchall()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL bulk-load mode")
def test_large_loads_restore_keys_and_indexes(monkeypatch) -> None:
    before = _definitions()
    monkeypatch.setattr(bulk, "BULK_THRESHOLD", 1)
    first, counts = apply(frame([1.0, 2.0, 3.0]))
    assert counts == (3, 0)
    assert _definitions() == before
    second, counts = apply(frame([1.5, 2.5, 3.0, 4.0]))  # the general path, revisions too
    assert counts == (1, 2)
    assert _definitions() == before
    assert ObservationRevision.objects.filter(replaced_by=second).count() == 2
    # The keys are back and enforced.
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {bulk.OBSERVATION} (metric_id, area_id, kind, period_kind, "
            "period_start, status, note, upload_id, updated_at) "
            "VALUES (-1, -1, 'actual', 'month', '2017-04-01', 'reported', '', -1, now())"
        )
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL bulk-load mode")
def test_a_failed_large_load_leaves_the_table_as_it_was(monkeypatch) -> None:
    monkeypatch.setattr(bulk, "BULK_THRESHOLD", 1)
    upload = Upload.objects.create(original_name="x.csv", sha256="0" * 64, state="validated")
    staged = bulk.stage(frame([1.0, 2.0]))
    with pytest.raises(RuntimeError), transaction.atomic():
        staged.apply(upload_id=upload.pk, now=timezone.now())
        raise RuntimeError("after the insert")
    staged.close()
    assert Observation.objects.count() == 0
    _, counts = apply(frame([1.0, 2.0]))
    assert counts == (2, 0)
