"""Who changed what, when, in plain English: typed reads of simple-history's tables.

Every domain model (and each user's groups, their roles) keeps a historical table. This module
turns consecutive rows of one object into field-level changes people read ("Baseline end:
30 Sep 2018 → 31 Dec 2018"), set-based: a page of changes costs a fixed number of queries per
kind of object on it (the rows, their predecessors, many-to-many snapshots, related names),
never one per row. simple-history's own `diff_against` queries per row for many-to-many fields
and foreign keys, so the comparison is done here over rows fetched in bulk.

Apps above `integration` say what only they know through `describer_register` (called from
their AppConfig.ready): the page an object lives on, a one-line summary of a bulk change such
as an applied import, and who acted when nobody was signed in.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, overload

from django.apps import apps
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import CharField, Field, Model, OuterRef, Q, QuerySet, Subquery, Value
from django.utils import timezone
from django.utils.text import capfirst

from integration.people import display_name

# A row of one of simple-history's generated models: they carry no static type.
Record = Any
# Each app's describers take its own model's objects (built from history rows, related objects
# already attached), so they are typed over Any here.
Linker = Callable[[Sequence[Any]], list[str]]
Summariser = Callable[[Sequence[tuple[Any, Any]]], list[str]]
Actor = Callable[[Any], str]

ACTIONS = {"+": "Created", "~": "Changed", "-": "Deleted"}
# A change with no earlier row: the object predates its history (loaded by a migration), so
# only the values it then had are known.
FIRST_RECORDED = "First recorded"
# Bookkeeping nobody reads as a change: stale-edit counters, password hashes, sign-in times.
HIDDEN_FIELDS = frozenset({"version", "password", "last_login"})
BLANK = "none"


@dataclass(frozen=True)
class Describer:
    """What an app knows about its objects' history (each part optional, each set-based)."""

    links: Linker | None = None
    summaries: Summariser | None = None
    actor: Actor | None = None


_describers: dict[type[Model], Describer] = {}


def describer_register(model: type[Model], describer: Describer) -> None:
    _describers[model] = describer


@dataclass(frozen=True)
class FieldChange:
    """One field of one change: its label, old → new as people read them; for many-to-many
    fields (leads, roles) the names added and removed instead."""

    label: str
    old: str = ""
    new: str = ""
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        if self.added or self.removed:
            parts = []
            if self.added:
                parts.append("added " + ", ".join(self.added))
            if self.removed:
                parts.append("removed " + ", ".join(self.removed))
            return "; ".join(parts)
        return f"{self.old} → {self.new}"


@dataclass(frozen=True)
class ChangeEntry:
    """One history row as a reader sees it."""

    when: datetime
    who: str
    action: str
    object_type: str
    object_label: str
    url: str
    reason: str
    summary: str = ""
    changes: tuple[FieldChange, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Scope:
    """The history rows of one model that a page shows (all of them without `q`)."""

    model: type[Model]
    q: Q = field(default_factory=Q)


# -- which models keep history ---------------------------------------------------------------


def tracked_models() -> list[type[Model]]:
    """Every model with a simple-history manager, in app order."""
    return [m for m in apps.get_models() if _manager_name(m)]


def is_tracked(model: type[Model]) -> bool:
    return bool(_manager_name(model))


def _manager_name(model: type[Model]) -> str:
    return getattr(model._meta, "simple_history_manager_attribute", "")


def history_model(model: type[Model]) -> Any:
    """simple-history's generated model of `model` (no static type: made at start-up)."""
    return getattr(model, _manager_name(model)).model


def model_label(model: type[Model]) -> str:
    return model._meta.label_lower


def type_name(model: type[Model]) -> str:
    return str(capfirst(model._meta.verbose_name))


def model_choices() -> list[tuple[str, str]]:
    """(label, "Milestone") for every tracked model, by name: the change log's type filter."""
    return sorted(((model_label(m), type_name(m)) for m in tracked_models()), key=lambda c: c[1])


# -- the index: which rows, newest first -----------------------------------------------------


def change_index(
    scopes: Iterable[Scope], *, narrow: Callable[[QuerySet], QuerySet] | None = None
) -> QuerySet | None:
    """One query over every scope's historical table, newest first: (date, id, model label)
    rows to page through. `narrow` applies the same filters (user, dates) to every table."""
    parts = []
    for scope in scopes:
        rows = history_model(scope.model)._default_manager.filter(scope.q).order_by()
        if narrow is not None:
            rows = narrow(rows)
        label = Value(model_label(scope.model), output_field=CharField())
        parts.append(
            rows.annotate(model_label=label).values("history_date", "history_id", "model_label")
        )
    if not parts:
        return None
    first, *rest = parts
    combined = first.union(*rest, all=True) if rest else first
    return combined.order_by("-history_date", "-history_id")


class ChangeLog(Sequence[ChangeEntry]):
    """The changes an index selects, built only for the slice a page (or an export) reads, so
    django-tables2 and Paginator page through it like a list."""

    def __init__(self, index: QuerySet | None) -> None:
        self.rows_index = index
        self._count: int | None = None

    def __len__(self) -> int:
        if self._count is None:
            self._count = 0 if self.rows_index is None else self.rows_index.count()
        return self._count

    @overload
    def __getitem__(self, key: int) -> ChangeEntry: ...

    @overload
    def __getitem__(self, key: slice) -> list[ChangeEntry]: ...

    def __getitem__(self, key: int | slice) -> ChangeEntry | list[ChangeEntry]:
        if isinstance(key, int):
            return self[key : key + 1][0]
        if self.rows_index is None:
            return []
        return entries_for(list(self.rows_index[key]))

    def __iter__(self) -> Iterator[ChangeEntry]:
        return iter(self[0 : len(self)])


# -- rows into entries -----------------------------------------------------------------------


def entries_for(rows: Sequence[dict[str, Any]]) -> list[ChangeEntry]:
    """The entries for index rows, in their order; a row that changed nothing a reader would
    see (a sign-in time, a counter) is left out."""
    ids_by_label: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        ids_by_label[row["model_label"]].append(row["history_id"])
    built: dict[tuple[str, int], ChangeEntry] = {}
    for label, ids in ids_by_label.items():
        for history_id, entry in _entries_of(apps.get_model(label), ids).items():
            built[(label, history_id)] = entry
    keys = ((row["model_label"], row["history_id"]) for row in rows)
    return [built[key] for key in keys if key in built]


def _entries_of(model: type[Model], ids: Sequence[int]) -> dict[int, ChangeEntry]:
    """Entries for one model's history rows: the rows and their predecessors in two queries,
    then many-to-many snapshots and related objects in one query each."""
    records = _with_predecessor_ids(model, ids)
    history = history_model(model)
    previous_ids = [r.previous_id for r in records if r.previous_id]
    earlier = history._default_manager.filter(history_id__in=previous_ids)
    previous = {p.history_id: p for p in earlier}
    pairs = [(r, previous.get(r.previous_id)) for r in records]
    everything = [r for pair in pairs for r in pair if r is not None]
    related = _Related.load(model, everything)
    instances = [
        (related.instance(model, new), old and related.instance(model, old)) for new, old in pairs
    ]
    describer = _describers.get(model, Describer())
    links = describer.links([new for new, _ in instances]) if describer.links else None
    summaries = describer.summaries(instances) if describer.summaries else None
    entries: dict[int, ChangeEntry] = {}
    for i, (new, old) in enumerate(pairs):
        entry = ChangeEntry(
            when=timezone.localtime(new.history_date),
            who=_who(new, instances[i][0], describer),
            action=_action(new, old),
            object_type=type_name(model),
            object_label=_label(instances[i][0]),
            url=links[i] if links else "",
            reason=new.history_change_reason or "",
            summary=summaries[i] if summaries else "",
            changes=tuple(related.changes(new, old)),
        )
        if entry.action != "Changed" or entry.changes or entry.summary or entry.reason:
            entries[new.history_id] = entry
    return entries


def _action(new: Record, old: Record | None) -> str:
    if new.history_type == "~" and old is None:
        return FIRST_RECORDED
    return ACTIONS.get(new.history_type, "Changed")


def _with_predecessor_ids(model: type[Model], ids: Sequence[int]) -> list[Record]:
    """The rows with, on each, the id of the same object's row just before it (ties on the
    date broken by id) and the user who made it: one query."""
    history = history_model(model)
    pk = model._meta.pk.attname
    earlier = (
        history._default_manager.filter(**{pk: OuterRef(pk)})
        .filter(
            Q(history_date__lt=OuterRef("history_date"))
            | Q(history_date=OuterRef("history_date"), history_id__lt=OuterRef("history_id"))
        )
        .order_by("-history_date", "-history_id")
        .values("history_id")[:1]
    )
    rows = history._default_manager.filter(history_id__in=ids).select_related("history_user")
    return list(rows.annotate(previous_id=Subquery(earlier)))


def _who(record: Record, instance: Model, describer: Describer) -> str:
    if record.history_user is not None:
        return display_name(record.history_user)
    if describer.actor is not None:
        return describer.actor(instance)
    reason = (record.history_change_reason or "").lower()
    return "Plan import" if reason.startswith("plan import") else "System"


def _label(instance: Model) -> str:
    """The object as its own `__str__` names it, from the historical values."""
    try:
        return str(instance) or f"#{instance.pk}"
    except (ObjectDoesNotExist, AttributeError):
        return f"{type_name(type(instance))} #{instance.pk}"


def _name(obj: Model) -> str:
    if isinstance(obj, AbstractBaseUser):
        return display_name(obj)
    return _label(obj)


def shown(value: Any, model_field: Field | None = None) -> str:
    """A stored value as people read it: choice labels, "30 Sep 2018", Yes/No, lists."""
    if value is None or value == "" or value == [] or value == {}:
        return BLANK
    if model_field is not None and model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, datetime):
        local = timezone.localtime(value) if timezone.is_aware(value) else value
        return f"{local.day} {local:%b %Y %H:%M}"
    if isinstance(value, date):
        return f"{value.day} {value:%b %Y}"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


class _Related:
    """The related objects and many-to-many snapshots of a set of history rows, fetched with
    one query per related model and per many-to-many field."""

    def __init__(self) -> None:
        self.objects: dict[type[Model], dict[Any, Model]] = {}
        # history_id -> field name -> ids of the related objects then
        self.snapshots: dict[int, dict[str, set[Any]]] = defaultdict(dict)

    @classmethod
    def load(cls, model: type[Model], records: Sequence[Record]) -> _Related:
        related = cls()
        wanted: dict[type[Model], set[Any]] = defaultdict(set)
        for f in _relations(model):
            for record in records:
                value = getattr(record, f.attname)
                if value is not None:
                    wanted[f.related_model].add(value)
        for m2m in _m2m_fields(model):
            target = related._snapshots_load(model, m2m, records)
            wanted[m2m.related_model].update(target)
        for related_model, pks in wanted.items():
            related.objects[related_model] = related_model._base_manager.in_bulk(pks)
        return related

    def _snapshots_load(self, model: type[Model], m2m: Any, records: Sequence[Record]) -> set[Any]:
        through = getattr(history_model(model), m2m.name).model
        target = f"{m2m.m2m_reverse_field_name()}_id"
        ids = [r.history_id for r in records]
        found: set[Any] = set()
        for record in records:
            self.snapshots[record.history_id][m2m.name] = set()
        for history_id, pk in through._default_manager.filter(history_id__in=ids).values_list(
            "history_id", target
        ):
            self.snapshots[history_id][m2m.name].add(pk)
            found.add(pk)
        return found

    def instance(self, model: type[Model], record: Record) -> Model:
        """The object as it was, its foreign keys already in place (no query to name them)."""
        obj = model(**{f.attname: getattr(record, f.attname) for f in record.tracked_fields})
        for f in _relations(model):
            f.set_cached_value(obj, self._object(f, getattr(record, f.attname)))
        return obj

    def _object(self, f: Any, pk: Any) -> Model | None:
        return self.objects.get(f.related_model, {}).get(pk)

    def shown(self, f: Any, value: Any) -> str:
        if value is None or not f.is_relation:
            return shown(value, f)
        obj = self._object(f, value)
        return (
            _name(obj)
            if obj is not None
            else f"deleted {f.related_model._meta.verbose_name} #{value}"
        )

    def changes(self, new: Record, old: Record | None) -> Iterator[FieldChange]:
        if new.history_type == "-":
            return
        for f in _visible_fields(type(new).instance_type):
            before = getattr(old, f.attname) if old is not None else None
            after = getattr(new, f.attname)
            if before != after and not (old is None and _is_default(f, after)):
                yield FieldChange(
                    str(capfirst(f.verbose_name)), self.shown(f, before), self.shown(f, after)
                )
        for m2m in _m2m_fields(type(new).instance_type):
            yield from self._m2m_change(m2m, new, old)

    def _m2m_change(self, m2m: Any, new: Record, old: Record | None) -> Iterator[FieldChange]:
        after = self.snapshots[new.history_id].get(m2m.name, set())
        before = self.snapshots[old.history_id].get(m2m.name, set()) if old is not None else set()
        if before == after:
            return
        objects = self.objects.get(m2m.related_model, {})

        def names(pks: set[Any]) -> tuple[str, ...]:
            return tuple(sorted(_name(objects[pk]) if pk in objects else f"#{pk}" for pk in pks))

        yield FieldChange(
            str(capfirst(m2m.verbose_name)),
            added=names(after - before),
            removed=names(before - after),
        )


def _relations(model: type[Model]) -> list[Any]:
    return [
        f for f in model._meta.concrete_fields if f.is_relation and (f.many_to_one or f.one_to_one)
    ]


def _visible_fields(model: type[Model]) -> list[Any]:
    history = history_model(model)
    tracked = {f.name for f in getattr(history, "tracked_fields", [])}
    return [
        f
        for f in model._meta.concrete_fields
        if f.name in tracked and f.editable and not f.primary_key and f.name not in HIDDEN_FIELDS
    ]


def _is_default(f: Any, value: Any) -> bool:
    """A value a new object was given without anyone choosing it: not worth a line."""
    return shown(value) == BLANK or value == f.get_default()


def _m2m_fields(model: type[Model]) -> list[Any]:
    return list(getattr(history_model(model), "_history_m2m_fields", []))
