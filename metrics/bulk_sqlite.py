"""The SQLite (and any other database) side of `metrics.bulk`: the stored rows for the file's
metrics and areas are fetched once and compared with a pandas merge; applying writes
revisions, updates and inserts with `executemany`. The rules are `metrics.bulk`'s: a note alone
never makes a value changed, and an empty note keeps the stored one unless told otherwise."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from metrics.bulk import (
    COLUMNS,
    KEY,
    NUMBERS,
    OBSERVATION,
    REVISION,
    Applied,
    Basis,
    Comparison,
    Staged,
    Stale,
    _change,
    _isnan,
    _now_iso,
)

ORDER = ["metric_id", "area_id", "kind", "period_start"]


class PandasStage(Staged):
    def _existing(self) -> pd.DataFrame:
        """Stored rows for the file's metrics and areas (a superset of its keys), one query."""
        columns = ["id", *COLUMNS, "upload_id", "updated_at"]
        if not len(self.frame):
            return pd.DataFrame(columns=columns)
        metrics = sorted({int(m) for m in self.frame["metric_id"].unique()})
        areas = sorted({int(a) for a in self.frame["area_id"].unique()})
        sql = (
            f"SELECT {', '.join(columns)} FROM {OBSERVATION} "  # nosec B608 - table names from our models, values as parameters
            f"WHERE metric_id IN ({', '.join(['%s'] * len(metrics))}) "
            f"AND area_id IN ({', '.join(['%s'] * len(areas))})"
        )
        with self.connection.cursor() as cursor:
            cursor.execute(sql, [*metrics, *areas])
            rows = cursor.fetchall()
        existing = pd.DataFrame(rows, columns=columns)
        existing["period_start"] = existing["period_start"].astype(str)
        existing["updated_at"] = existing["updated_at"].astype(str)
        for name in NUMBERS:
            existing[name] = pd.to_numeric(existing[name], errors="coerce").astype(float)
        return existing

    def _merged(self) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
        """The file's rows with the stored ones: which were found, which values changed and
        which only had their note updated. The note each row keeps is `note_kept`."""
        frame = self.frame.copy()
        frame["metric_id"] = frame["metric_id"].astype("int64")
        frame["area_id"] = frame["area_id"].astype("int64")
        existing = self._existing()
        existing["metric_id"] = existing["metric_id"].astype("int64")
        existing["area_id"] = existing["area_id"].astype("int64")
        merged = frame.merge(existing, on=KEY, how="left", suffixes=("", "_old"))
        found = merged["id"].notna().to_numpy()
        same = np.ones(len(merged), dtype=bool)
        for name in NUMBERS:
            new, old = merged[name].to_numpy(float), merged[f"{name}_old"].to_numpy(float)
            same &= (new == old) | (np.isnan(new) & np.isnan(old))
        same &= (merged["status"].astype(str) == merged["status_old"].astype(str)).to_numpy()
        note = merged["note"].astype(str)
        old_note = merged["note_old"].fillna("").astype(str)
        keep_old = (note == "") & found & (not self.clear_empty_notes)
        merged["note_kept"] = np.where(keep_old, old_note, note)
        noted = found & same & (merged["note_kept"] != old_note).to_numpy()
        return merged, found, found & ~same, noted

    def _basis(self, merged: pd.DataFrame, found: np.ndarray) -> Basis:
        # Ids as integers: a left join with unmatched rows makes them floats.
        stored = merged.loc[found, ["id", "upload_id"]].astype("int64")
        stored["updated_at"] = merged.loc[found, "updated_at"].astype(str)
        hashes = pd.util.hash_pandas_object(stored, index=False)
        fingerprint = int(hashes.sum()) if len(stored) else 0  # uint64: wraps, order-free
        uploads = tuple(sorted({int(u) for u in stored["upload_id"]}))
        return Basis(int(found.sum()), str(fingerprint), uploads, _now_iso())

    def compare(self, *, sample: int = 200) -> Comparison:
        merged, found, changed, noted = self._merged()
        rows = merged[changed | noted].sort_values(ORDER)
        changes = [
            _change(
                (
                    r.metric_id,
                    r.area_id,
                    r.kind,
                    r.period_kind,
                    r.period_start,
                    r.value_old,
                    r.value,
                    r.status_old,
                    r.status,
                    int(r.upload_id),
                    not is_changed,
                    r.note_old,
                    r.note_kept,
                )
            )
            for r, is_changed in zip(
                rows.head(sample).itertuples(), changed[rows.index[:sample]], strict=True
            )
        ]
        return Comparison(
            int((~found).sum()),
            int(changed.sum()),
            int((found & ~changed & ~noted).sum()),
            changes,
            int(noted.sum()),
            self._basis(merged, found),
        )

    def apply(self, *, upload_id: int, now: datetime, expect: Basis | None = None) -> Applied:
        merged, found, changed, noted = self._merged()
        if expect is not None and not self._basis(merged, found).same_as(expect):
            raise Stale
        stamp = self.connection.ops.adapt_datetimefield_value(now)
        old = merged[changed | noted]
        new = merged[~found]
        with self.connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {REVISION} (observation_id, value, numerator, denominator, status, "  # nosec B608 - table names from our models, values as parameters
                "note, upload_id, replaced_by_id, replaced_at, by_revert) VALUES (%s, %s, %s, "
                "%s, %s, %s, %s, %s, %s, %s)",
                [
                    (
                        int(r.id),
                        _nullable(r.value_old),
                        _nullable(r.numerator_old),
                        _nullable(r.denominator_old),
                        r.status_old,
                        r.note_old,
                        int(r.upload_id),
                        upload_id,
                        stamp,
                        False,
                    )
                    for r in old.itertuples()
                ],
            )
            cursor.executemany(
                f"UPDATE {OBSERVATION} SET value = %s, numerator = %s, denominator = %s, "  # nosec B608 - table names from our models, values as parameters
                "status = %s, note = %s, upload_id = %s, updated_at = %s WHERE id = %s",
                [(*_data(r), upload_id, stamp, int(r.id)) for r in old.itertuples()],
            )
            cursor.executemany(
                f"INSERT INTO {OBSERVATION} ({', '.join(COLUMNS)}, upload_id, updated_at) "  # nosec B608 - table names from our models, values as parameters
                f"VALUES ({', '.join(['%s'] * (len(COLUMNS) + 2))})",
                [
                    (
                        int(r.metric_id),
                        int(r.area_id),
                        r.kind,
                        r.period_kind,
                        r.period_start,
                        *_data(r),
                        upload_id,
                        stamp,
                    )
                    for r in new.itertuples()
                ],
            )
        return Applied(len(new), int(changed.sum()), int(noted.sum()))

    def changed_since(self, basis: Basis, *, sample: int = 200) -> tuple[int, list[dict]]:
        merged, found, _, _ = self._merged()
        checked = pd.Timestamp(basis.checked_at).tz_convert("UTC").tz_localize(None)
        stored = merged[found]
        written = pd.to_datetime(stored["updated_at"], format="ISO8601")
        since = ~stored["upload_id"].astype("int64").isin(basis.uploads) | (written > checked)
        rows = stored[since.to_numpy()].sort_values(ORDER)
        before = self._values_before(rows.head(sample)["id"], basis.checked_at)
        changes = [
            _change(
                (
                    r.metric_id,
                    r.area_id,
                    r.kind,
                    r.period_kind,
                    r.period_start,
                    before.get(int(r.id), (None, None))[0],
                    r.value_old,
                    before.get(int(r.id), (None, None))[1],
                    r.status_old,
                    int(r.upload_id),
                )
            )
            for r in rows.head(sample).itertuples()
        ]
        return len(rows), changes

    def _values_before(self, ids: pd.Series, checked_at: str) -> dict[int, tuple[Any, Any]]:
        """Each observation's value and status as the preview saw them: its first revision
        since (none: it had not been stored)."""
        from metrics.models import ObservationRevision

        before: dict[int, tuple[Any, Any]] = {}
        revisions = ObservationRevision.objects.filter(
            observation_id__in=[int(i) for i in ids], replaced_at__gt=checked_at
        ).order_by("-replaced_at", "-id")
        for observation_id, value, status in revisions.values_list(
            "observation_id", "value", "status"
        ):
            before[observation_id] = (value, status)  # the earliest is written last
        return before


def _nullable(value: object) -> object:
    return None if value is None or _isnan(value) else value


def _data(r: Any) -> tuple[object, ...]:
    """A merged row's new value fields, missing numbers as NULL, and the note it keeps."""
    return (
        _nullable(r.value),
        _nullable(r.numerator),
        _nullable(r.denominator),
        r.status,
        r.note_kept,
    )
