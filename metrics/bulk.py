"""Bulk reads and writes of observations: compare an upload's rows with what is stored, and apply
them with revisions, set-based, never one `save()` a row.

PostgreSQL: the rows are `COPY`ed (psycopg2 `copy_expert` from an in-memory buffer) into a
temporary table once; the preview counts come from one join against `metrics_observation`, and
applying is two statements in the caller's transaction: an `INSERT INTO … revision SELECT` of
the rows about to change, then `INSERT … ON CONFLICT DO UPDATE … WHERE values differ`. When
nothing is stored yet for the file's metrics and areas (a first load) there is nothing to
compare, revise or conflict with: the preview is "all new" without a join, and applying copies
the rows straight into the observation table under an exclusive lock.

SQLite: the stored rows for the file's metrics and areas are fetched once and compared with a
pandas merge; applying writes revisions, updates and inserts with `executemany`
(`metrics.bulk_sqlite`).

A value is changed when its value, numerator, denominator or status differ; a note alone never
makes it changed. An empty note in the file keeps the stored note unless the upload clears
empty notes; a different note with the same value is a "note updated" (its old note kept as a
revision, like any value).

A preview records the `Basis` it was computed against: how many stored rows matched the file's
keys and a fingerprint of their ids, uploads and update times. Applying, after taking the
writers' lock, computes the same over what is stored then and refuses (`Stale`) when it differs,
so nothing is ever applied against values the analyst has not seen.

The frame handed in has the columns in `COLUMNS`: ids for metric and area, the kind, the
period kind and its first day as ISO text, and the value fields.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from django.db import connections
from django.db.models import Model
from django.utils import timezone

from metrics.models import Area, Metric, Observation, ObservationRevision

KEY = ["metric_id", "area_id", "kind", "period_kind", "period_start"]
VALUES = ["value", "numerator", "denominator", "status"]  # what makes a value changed
DATA = [*VALUES, "note"]
COLUMNS = KEY + DATA
NUMBERS = ["value", "numerator", "denominator"]
OBSERVATION = Observation._meta.db_table
REVISION = ObservationRevision._meta.db_table
# PostgreSQL: from this many rows to insert (and at least as many as the table holds), keys and
# indexes are added back after the insert instead of being checked and updated row by row.
BULK_THRESHOLD = 100_000
NOTE_LENGTH = Observation._meta.get_field("note").max_length  # notes are cut to fit


@dataclass(frozen=True)
class Basis:
    """What a preview was computed against: the stored rows matching the file's keys, counted
    and fingerprinted (ids, uploads and update times), the uploads they came from, and when."""

    matched: int = 0
    fingerprint: str = "0"
    uploads: tuple[int, ...] = ()
    checked_at: str = ""

    def same_as(self, other: Basis) -> bool:
        return (self.matched, self.fingerprint) == (other.matched, other.fingerprint)

    def to_dict(self) -> dict[str, Any]:
        return {
            "matched": self.matched,
            "fingerprint": self.fingerprint,
            "uploads": list(self.uploads),
            "checked_at": self.checked_at,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Basis:
        return cls(
            int(data.get("matched", 0)),
            str(data.get("fingerprint", "0")),
            tuple(int(u) for u in data.get("uploads", ())),
            str(data.get("checked_at", "")),
        )


@dataclass
class Comparison:
    """What applying would do: counts, and a sample of changed rows with old and new values
    (value changes and note updates), and the basis they were computed against."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    changes: list[dict[str, Any]] = field(default_factory=list)
    notes: int = 0
    basis: Basis = field(default_factory=Basis, compare=False)


@dataclass(frozen=True)
class Applied:
    """What applying did: rows inserted, values changed, notes updated."""

    inserted: int = 0
    changed: int = 0
    notes: int = 0


class Stale(Exception):
    """The stored values differ from those the preview was computed against."""


def _now_iso() -> str:
    return timezone.now().isoformat()


def empty_frame() -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=object) for name in COLUMNS})


def frame_from_records(records: pd.DataFrame) -> tuple[pd.DataFrame, set[str]]:
    """Ingest's records as the frame staging takes (database ids for codes, ISO period starts,
    notes cut to fit), and the codes the database does not know."""
    if records.empty:
        return empty_frame(), set()
    metric_ids, unknown_metrics = _ids(records["metric_code"], Metric, "code")
    area_ids, unknown_areas = _ids(records["area_code"], Area, "code")
    codes, uniques = pd.factorize(records["note"])  # each distinct note once; missing is -1
    notes = np.array([str(u)[:NOTE_LENGTH] for u in uniques] + [""], dtype=object)[codes]
    frame = pd.DataFrame(
        {
            "metric_id": metric_ids,
            "area_id": area_ids,
            "kind": records["kind"].to_numpy(),
            "period_kind": records["period_kind"].to_numpy(),
            "period_start": _iso_dates(records["period_start"]),
            "value": records["value"].to_numpy(dtype=float),
            "numerator": records["numerator"].to_numpy(dtype=float),
            "denominator": records["denominator"].to_numpy(dtype=float),
            "status": records["status"].to_numpy(),
            "note": notes,
        }
    )
    return frame, unknown_metrics | unknown_areas


def _ids(values: pd.Series, model: type[Model], field_name: str) -> tuple[np.ndarray, set[str]]:
    """Database ids for a column of codes (one query), and the codes that have none."""
    codes, uniques = pd.factorize(values)
    known = dict(
        model._default_manager.filter(**{f"{field_name}__in": list(uniques)}).values_list(
            field_name, "id"
        )
    )
    ids = np.array([known.get(u, -1) for u in uniques] or [-1], dtype=np.int64)
    return ids[codes] if len(values) else np.array([], dtype=np.int64), set(uniques) - set(known)


def _iso_dates(values: pd.Series) -> np.ndarray:
    codes, uniques = pd.factorize(values)
    texts = np.array([u.strftime("%Y-%m-%d") for u in uniques] or [""], dtype=object)
    return texts[codes] if len(values) else np.array([], dtype=object)


def stage(
    frame: pd.DataFrame, *, using: str = "default", clear_empty_notes: bool = False
) -> Staged:
    """Load the rows where the database can compare and apply them. With `clear_empty_notes`
    an empty note in the file clears the stored note; otherwise the stored note stays."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        return PostgresStage(frame, using, clear_empty_notes=clear_empty_notes)
    from metrics.bulk_sqlite import PandasStage

    return PandasStage(frame, using, clear_empty_notes=clear_empty_notes)


class Staged:
    """Rows of one upload, loaded once, compared and applied from the same copy."""

    def __init__(self, frame: pd.DataFrame, using: str, *, clear_empty_notes: bool = False) -> None:
        self.frame = frame
        self.using = using
        self.clear_empty_notes = clear_empty_notes

    @property
    def connection(self):
        return connections[self.using]

    def compare(self, *, sample: int = 200) -> Comparison:
        raise NotImplementedError

    def apply(self, *, upload_id: int, now: datetime, expect: Basis | None = None) -> Applied:
        """Write new and changed rows (keeping the old values as revisions) and say how many.
        With `expect`, first check (under the writers' lock) that what is stored is what the
        preview saw, raising Stale if not. Call inside a transaction."""
        raise NotImplementedError

    def changed_since(self, basis: Basis, *, sample: int = 200) -> tuple[int, list[dict]]:
        """Stored rows for the file's keys written since `basis` was taken (by an upload it did
        not see, or after it): how many, and a sample with the value then and now."""
        raise NotImplementedError

    def close(self) -> None:
        """Release what staging holds (PostgreSQL: the temporary table)."""


# --- PostgreSQL --------------------------------------------------------------------------------


def _join() -> str:
    return " AND ".join(f"o.{c} = s.{c}" for c in KEY)


def _differs(left: str, right: str) -> str:
    """The value fields differ (the note is not one of them)."""
    return (
        f"({', '.join(f'{left}.{c}' for c in VALUES)}) IS DISTINCT FROM "
        f"({', '.join(f'{right}.{c}' for c in VALUES)})"
    )


def _note_of(stored: str, incoming: str, clear: bool) -> str:
    """The note a row keeps: the file's, unless it is empty and empty notes do not clear."""
    if clear:
        return f"{incoming}.note"
    return f"CASE WHEN {incoming}.note = '' THEN {stored}.note ELSE {incoming}.note END"


def _note_differs(stored: str, incoming: str, clear: bool) -> str:
    return f"{stored}.note <> {_note_of(stored, incoming, clear)}"


# A row's fingerprint: which row, which upload wrote it and when (an order-free sum).
_FINGERPRINT = (
    "coalesce(sum(hashtextextended(o.id::text || ':' || o.upload_id::text || ':' || "
    "extract(epoch FROM o.updated_at)::text, 0)::numeric), 0)"
)


def _csv_text(text: str) -> str:
    if text == "\\N" or any(c in text for c in ',"\n\r'):
        return '"' + text.replace('"', '""') + '"'
    return text


def _column_codes(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """A column as COPY text, each distinct value formatted once (files repeat their values):
    the codes of the rows and the table of texts they index. Floats are written with repr
    (which round-trips exactly); missing values, code -1, index the last text: \\N."""
    codes, uniques = pd.factorize(column)
    if column.dtype.kind == "f":
        texts = [repr(float(u)) for u in uniques]
    elif column.dtype.kind in "iu":
        texts = [str(int(u)) for u in uniques]
    else:
        texts = [_csv_text(str(u)) for u in uniques]
    return codes, np.array([*texts, "\\N"], dtype=object)


class CopyReader(io.TextIOBase):
    """The frame as COPY text made a chunk at a time as psycopg2 reads it, so that Python
    formats the next chunk while PostgreSQL parses the last one (the two use different cores)
    and the whole text is never in memory at once. `constants` are appended to every line."""

    def __init__(
        self,
        frame: pd.DataFrame,
        columns: list[str],
        *,
        constants: tuple[str, ...] = (),
        rows: int = 50_000,
    ) -> None:
        self.coded = [_column_codes(frame[name]) for name in columns]
        self.total, self.rows, self.start = len(frame), rows, 0
        self.suffix = "".join(f",{_csv_text(c)}" for c in constants)

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> str:
        if self.start >= self.total:
            return ""
        start, self.start = self.start, self.start + self.rows
        texts = [table[codes[start : self.start]] for codes, table in self.coded]
        lines: Iterator[str] = map(",".join, zip(*texts, strict=True))
        if self.suffix:
            lines = (line + self.suffix for line in lines)
        return "\n".join(lines) + "\n"

    # psycopg2 reads text; io's stub types readline for binary streams.
    def readline(self, size: int | None = -1) -> str:  # type: ignore[override]
        return self.read(size)


def _copy(cursor, table: str, columns: list[str], reader: CopyReader) -> None:
    raw = cursor.cursor if hasattr(cursor, "cursor") else cursor
    raw.copy_expert(
        f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')", reader
    )


class PostgresStage(Staged):
    """The rows are copied into a temporary table when there is something to compare them
    with. When nothing is stored yet for the file's metrics and areas (a first load), every
    row is new: the preview needs no join, and applying copies the rows straight into the
    observation table under an exclusive lock, with nothing to conflict with or revise."""

    def __init__(self, frame: pd.DataFrame, using: str, *, clear_empty_notes: bool = False) -> None:
        super().__init__(frame, using, clear_empty_notes=clear_empty_notes)
        self.table = f"metrics_stage_{uuid.uuid4().hex[:12]}"
        self.loaded = False

    def _ensure(self, cursor) -> None:
        """The temporary table, loaded (again, if the connection was replaced meanwhile)."""
        if self.loaded:
            cursor.execute("SELECT to_regclass(%s)", [f"pg_temp.{self.table}"])
            if cursor.fetchone()[0] is not None:
                return
        # A session temporary table (not ON COMMIT DROP) so that preview and apply in the same
        # process share one copy.
        cursor.execute(
            f"CREATE TEMPORARY TABLE {self.table} ("
            "metric_id bigint NOT NULL, area_id bigint NOT NULL, kind varchar(10) NOT NULL, "
            "period_kind varchar(10) NOT NULL, period_start date NOT NULL, "
            "value double precision, numerator double precision, "
            "denominator double precision, status varchar(12) NOT NULL, "
            "note varchar(500) NOT NULL)"
        )
        if len(self.frame):
            _copy(cursor, self.table, COLUMNS, CopyReader(self.frame, COLUMNS))
        # Temporary tables get no statistics from autovacuum; the joins need them.
        cursor.execute(f"ANALYZE {self.table}")
        self.loaded = True

    def _any_stored(self, cursor) -> bool:
        """Whether any observation is stored for the file's metrics and areas: one probe of the
        unique index's (metric, area) prefix."""
        if not len(self.frame):
            return False
        metrics = sorted(int(m) for m in np.unique(self.frame["metric_id"].to_numpy()))
        areas = sorted(int(a) for a in np.unique(self.frame["area_id"].to_numpy()))
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {OBSERVATION} "
            "WHERE metric_id = ANY(%s) AND area_id = ANY(%s))",
            [metrics, areas],
        )
        return cursor.fetchone()[0]

    def _counts(self, cursor) -> tuple[int, int, int, int, Basis]:
        """New, changed, note-updated and unchanged rows, and the basis: one join."""
        checked_at = _now_iso()
        values, notes = _differs("o", "s"), _note_differs("o", "s", self.clear_empty_notes)
        cursor.execute(
            f"SELECT count(*) FILTER (WHERE o.id IS NULL), "
            f"count(*) FILTER (WHERE o.id IS NOT NULL AND {values}), "
            f"count(*) FILTER (WHERE o.id IS NOT NULL AND NOT {values} AND {notes}), "
            f"count(*) FILTER (WHERE o.id IS NOT NULL AND NOT {values} AND NOT {notes}), "
            f"count(o.id), {_FINGERPRINT}, "
            f"array_agg(DISTINCT o.upload_id) FILTER (WHERE o.id IS NOT NULL) "
            f"FROM {self.table} s LEFT JOIN {OBSERVATION} o ON {_join()}"
        )
        new, changed, noted, unchanged, matched, fingerprint, uploads = cursor.fetchone()
        basis = Basis(matched, str(fingerprint), tuple(sorted(uploads or ())), checked_at)
        return new, changed, noted, unchanged, basis

    def compare(self, *, sample: int = 200) -> Comparison:
        with self.connection.cursor() as cursor:
            if not self._any_stored(cursor):
                return Comparison(len(self.frame), basis=Basis(checked_at=_now_iso()))
            self._ensure(cursor)
            new, changed, noted, unchanged, basis = self._counts(cursor)
            changes: list[dict[str, object]] = []
            if (changed or noted) and sample:
                clear = self.clear_empty_notes
                cursor.execute(
                    f"SELECT s.metric_id, s.area_id, s.kind, s.period_kind, s.period_start, "
                    f"o.value, s.value, o.status, s.status, o.upload_id, "
                    f"NOT {_differs('o', 's')}, o.note, {_note_of('o', 's', clear)} "
                    f"FROM {self.table} s JOIN {OBSERVATION} o ON {_join()} "
                    f"WHERE {_differs('o', 's')} OR {_note_differs('o', 's', clear)} "
                    f"ORDER BY s.metric_id, s.area_id, s.kind, s.period_start LIMIT %s",
                    [sample],
                )
                changes = [_change(row) for row in cursor.fetchall()]
        return Comparison(new, changed, unchanged, changes, noted, basis)

    def apply(self, *, upload_id: int, now: datetime, expect: Basis | None = None) -> Applied:
        with self.connection.cursor() as cursor:
            # Writers of observations take turns (readers are not blocked), so what is found
            # below stays true until this transaction commits.
            cursor.execute(f"LOCK TABLE {OBSERVATION} IN SHARE ROW EXCLUSIVE MODE")
            if not len(self.frame) or not self._any_stored(cursor):
                if expect is not None and expect.matched:
                    raise Stale  # what the preview saw has been withdrawn since
                return self._first_load(cursor, upload_id, now)
            self._ensure(cursor)
            new, changed, noted, _, basis = self._counts(cursor)
            if expect is not None and not basis.same_as(expect):
                raise Stale
            if new or changed or noted:
                self._write(cursor, new + changed + noted, changed + noted, upload_id, now)
        return Applied(new, changed, noted)

    def _first_load(self, cursor, upload_id: int, now: datetime) -> Applied:
        """Nothing stored for these metrics and areas: copy straight into the table."""
        if not len(self.frame):
            return Applied()
        with _bulk_load(cursor, len(self.frame), indexes=True):
            reader = CopyReader(self.frame, COLUMNS, constants=(str(upload_id), now.isoformat()))
            _copy(cursor, OBSERVATION, [*COLUMNS, "upload_id", "updated_at"], reader)
        return Applied(len(self.frame))

    def _write(self, cursor, rows: int, revised: int, upload_id: int, now: datetime) -> None:
        """Revisions of the rows about to change, then one upsert."""
        params = {"upload": upload_id, "now": now}
        clear, columns = self.clear_empty_notes, ", ".join(COLUMNS)
        # Updated rows fire the upload key's trigger as inserted ones fire all three.
        with _bulk_load(cursor, rows, indexes=False):
            if revised:
                with _bulk_load(cursor, revised, indexes=False, table=REVISION):
                    cursor.execute(
                        f"INSERT INTO {REVISION} (observation_id, value, numerator, "
                        f"denominator, status, note, upload_id, replaced_by_id, replaced_at, "
                        f"by_revert) "
                        f"SELECT o.id, o.value, o.numerator, o.denominator, o.status, "
                        f"o.note, o.upload_id, %(upload)s, %(now)s, false "
                        f"FROM {self.table} s JOIN {OBSERVATION} o ON {_join()} "
                        f"WHERE {_differs('o', 's')} OR {_note_differs('o', 's', clear)}",
                        params,
                    )
            assignments = ", ".join(
                [
                    *(f"{c} = EXCLUDED.{c}" for c in [*VALUES, "upload_id", "updated_at"]),
                    f"note = {_note_of(OBSERVATION, 'EXCLUDED', clear)}",
                ]
            )
            cursor.execute(
                f"INSERT INTO {OBSERVATION} ({columns}, upload_id, updated_at) "
                f"SELECT {columns}, %(upload)s, %(now)s FROM {self.table} "
                f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET {assignments} "
                f"WHERE {_differs(OBSERVATION, 'EXCLUDED')} "
                f"OR {_note_differs(OBSERVATION, 'EXCLUDED', clear)}",
                params,
            )

    def changed_since(self, basis: Basis, *, sample: int = 200) -> tuple[int, list[dict]]:
        params = {"uploads": list(basis.uploads), "checked": basis.checked_at, "n": sample}
        since = "WHERE NOT (o.upload_id = ANY(%(uploads)s)) OR o.updated_at > %(checked)s"
        with self.connection.cursor() as cursor:
            self._ensure(cursor)
            body = f"FROM {self.table} s JOIN {OBSERVATION} o ON {_join()} "
            cursor.execute(f"SELECT count(*) {body} {since}", params)
            count = cursor.fetchone()[0]
            cursor.execute(
                f"SELECT s.metric_id, s.area_id, s.kind, s.period_kind, s.period_start, "
                f"r.value, o.value, r.status, o.status, o.upload_id {body}"
                f"LEFT JOIN LATERAL (SELECT value, status FROM {REVISION} "
                f"WHERE observation_id = o.id AND replaced_at > %(checked)s "
                f"ORDER BY replaced_at, id LIMIT 1) r ON true {since} "
                f"ORDER BY s.metric_id, s.area_id, s.kind, s.period_start LIMIT %(n)s",
                params,
            )
            return count, [_change(row) for row in cursor.fetchall()]

    def close(self) -> None:
        if not self.loaded or self.connection.connection is None:
            return  # nothing staged, or the connection (and its temporary table) has gone
        with self.connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")
        self.loaded = False


class _bulk_load:
    """For a large load into `table` (at least BULK_THRESHOLD rows, and at least as many as the
    table holds),
    do what the PostgreSQL manual advises for populating a table ("Populating a Database"):
    drop the foreign keys, and with `indexes` the secondary indexes too, insert, then add them
    back in the same transaction. Adding a key checks every row with one join where the
    constraint triggers would run one lookup per row, and building an index sorts once where
    inserting updates it row by row. The table is exclusively locked until commit, so nothing
    else reads or writes it half-built; on any error the transaction rolls back with the
    constraints as they were. Smaller loads keep the ordinary triggers and indexes."""

    def __init__(self, cursor, rows: int, *, indexes: bool, table: str = OBSERVATION) -> None:
        self.cursor = cursor
        self.rows = rows
        self.table = table
        self.indexes = indexes
        self.constraints: list[tuple[str, str]] = []
        self.index_definitions: list[tuple[str, str]] = []
        self.active = False

    def __enter__(self) -> _bulk_load:
        if self.rows < BULK_THRESHOLD:
            return self
        cursor = self.cursor
        cursor.execute(f"SELECT reltuples FROM pg_class WHERE oid = '{self.table}'::regclass")
        if self.rows < max(cursor.fetchone()[0], 0):
            return self  # re-checking the whole table would cost more than the triggers
        # Altering a table needs no pending deferred checks on it or on the tables it refers to
        # (an upload row made earlier in the same transaction has some): run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        self.active = True
        kinds = "('f', 'u')" if self.indexes else "('f')"
        # Foreign keys first out and last in; unique constraints before the keys are added.
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
            f"WHERE conrelid = '{self.table}'::regclass AND contype IN {kinds} "
            "ORDER BY contype"
        )
        self.constraints = list(cursor.fetchall())
        for name, _ in self.constraints:
            cursor.execute(f'ALTER TABLE {self.table} DROP CONSTRAINT "{name}"')
        if self.indexes:
            cursor.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid "
                f"WHERE x.indrelid = '{self.table}'::regclass AND NOT x.indisprimary "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)"
            )
            self.index_definitions = list(cursor.fetchall())
            for name, _ in self.index_definitions:
                cursor.execute(f'DROP INDEX "{name}"')
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            return  # the transaction rolls back, restoring the constraints
        for _, definition in self.index_definitions:
            self.cursor.execute(definition)
        for name, definition in reversed(self.constraints):
            self.cursor.execute(f'ALTER TABLE {self.table} ADD CONSTRAINT "{name}" {definition}')
        if self.active:
            self.cursor.execute("SET CONSTRAINTS ALL DEFERRED")  # Django's keys are deferred


def _change(row) -> dict[str, object]:
    """A changed row as the preview lists it; `row` may end with whether only its note changed
    and the old and new notes."""
    metric_id, area_id, kind, period_kind, start, old, new, old_status, new_status, upload = row[
        :10
    ]
    note_only, old_note, new_note = (*row[10:], False, "", "")[:3]
    return {
        "metric_id": metric_id,
        "area_id": area_id,
        "kind": kind,
        "period_kind": period_kind,
        "period_start": str(start),
        "old": None if old is None or _isnan(old) else float(old),
        "new": None if new is None or _isnan(new) else float(new),
        "old_status": old_status,
        "new_status": new_status,
        "old_upload_id": upload,
        "note_only": bool(note_only),
        "old_note": old_note or "",
        "new_note": new_note or "",
    }


def _isnan(value: object) -> bool:
    return isinstance(value, float) and np.isnan(value)
