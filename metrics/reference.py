"""Reference data: the metric catalogue (by framework) and the areas of England.

The files live in `fixtures/reference/` (see its README for where each came from). The data
migration `0002_reference_data` calls `reference_data_load` with the historical models, so every
database has the catalogue and areas after `migrate`; calling it again changes nothing.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any, TextIO

from metrics.areas import normalise_area_code, normalise_area_name
from metrics.ingest.types import MetricRule

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "reference"
MODEL_NAMES = ("MetricFramework", "Metric", "SeriesBreak", "Area", "AreaAlias")
COMPARATOR_KINDS = frozenset({"country", "region", "combined"})

# Fields the fixture sets on creation only: after that they belong to the administrators who
# tune them (how far from plan still counts as on track is a local decision).
LOCAL_METRIC_FIELDS = {"tolerance_percent": Decimal("0")}
METRIC_DEFAULTS: dict[str, Any] = {"allow_negative": False, "rate_per": None, "population": ""}


def current_models() -> SimpleNamespace:
    """The live models, in the shape `reference_data_load` takes (a migration passes its own)."""
    from metrics import models

    return SimpleNamespace(**{name: getattr(models, name) for name in MODEL_NAMES})


def migration_models(apps: Any) -> SimpleNamespace:
    """The historical models of a migration's `apps`, for `reference_data_load`."""
    return SimpleNamespace(**{name: apps.get_model("metrics", name) for name in MODEL_NAMES})


@dataclass
class _Tally:
    """Created, updated and unchanged counts of one kind of row."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(handle)]


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _field_names(model: Any) -> set[str]:
    return {f.name for f in model._meta.get_fields()}


def _upsert(model: Any, tally: _Tally, lookup: dict, values: dict, create_only: dict) -> Any:
    """Create the row, or bring an existing one in line with `values` (fields the model does not
    have are dropped, so an older migration state can still load a newer fixture)."""
    names = _field_names(model)
    values = {k: v for k, v in values.items() if k in names}
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        extra = {k: v for k, v in create_only.items() if k in names}
        tally.created += 1
        return model.objects.create(**lookup, **values, **extra)
    changed = [k for k, v in values.items() if getattr(obj, k) != v]
    if changed:
        for key in changed:
            setattr(obj, key, values[key])
        obj.save(update_fields=changed)
        tally.updated += 1
    else:
        tally.unchanged += 1
    return obj


# --- the catalogue ---------------------------------------------------------------------------


def catalogue_read(path: Path | None = None) -> dict:
    """The catalogue file as data (frameworks, each with its metrics and their series breaks)."""
    with (path or REFERENCE_DIR / "metrics.json").open(encoding="utf-8") as handle:
        return json.load(handle)


def _load_catalogue(m: SimpleNamespace, data: dict) -> dict[str, dict[str, int]]:
    frameworks, metrics, breaks = _Tally(), _Tally(), _Tally()
    parents: dict[str, str | None] = {}
    for framework_data in data["frameworks"]:
        framework = _upsert(
            m.MetricFramework,
            frameworks,
            {"slug": framework_data["slug"]},
            {
                "name": framework_data["name"],
                "starts": _date(framework_data["starts"]),
                "ends": _date(framework_data.get("ends")),
                "is_current": bool(framework_data.get("is_current", False)),
            },
            {},
        )
        for position, item in enumerate(framework_data["metrics"], start=1):
            values = {**METRIC_DEFAULTS, "position": position * 10}
            values.update(
                {k: v for k, v in item.items() if k not in ("code", "series_breaks", "parent")}
            )
            values["aliases"] = _clean_aliases(values.get("aliases", []))
            values["framework"] = framework
            # A parent is set in a second pass, once every metric exists.
            parents[item["code"]] = item.get("parent")
            metric = _upsert(m.Metric, metrics, {"code": item["code"]}, values, LOCAL_METRIC_FIELDS)
            for break_data in item.get("series_breaks", []):
                _upsert(
                    m.SeriesBreak,
                    breaks,
                    {
                        "metric": metric,
                        "date": _date(break_data["date"]),
                        "kind": break_data["kind"],
                    },
                    {"label": break_data["label"]},
                    {},
                )
    by_code = {metric.code: metric for metric in m.Metric.objects.filter(code__in=list(parents))}
    for code, parent_code in parents.items():
        metric = by_code[code]
        parent_id = by_code[parent_code].pk if parent_code else None
        if metric.parent_id != parent_id:
            metric.parent_id = parent_id
            metric.save(update_fields=["parent"])
    return {
        "frameworks": frameworks.as_dict(),
        "metrics": metrics.as_dict(),
        "series_breaks": breaks.as_dict(),
    }


def _clean_aliases(aliases: list[str]) -> list[str]:
    """Trimmed (ingest trims the file's text too) and without repeats."""
    seen: list[str] = []
    for alias in aliases:
        text = " ".join(str(alias).split())
        if text and text not in seen:
            seen.append(text)
    return seen


# --- areas -----------------------------------------------------------------------------------


def _load_areas(m: SimpleNamespace, directory: Path) -> dict[str, Any]:
    areas = _upsert_areas(m, _read_csv(directory / "areas.csv"))
    ids = dict(m.Area.objects.values_list("code", "pk"))
    # Boundary changes: successors for replaced areas, a code alias for re-coded ones.
    successors_added, wanted_aliases = _boundary_changes(
        m, ids, _read_csv(directory / "area_changes.csv")
    )
    for row in _read_csv(directory / "area_aliases.csv"):
        wanted_aliases.append((row["code"], row["alias"], False))
    aliases, conflicts = _add_aliases(m, ids, wanted_aliases)
    return {
        "areas": areas.as_dict(),
        "area_aliases": aliases.as_dict(),
        "successors_added": successors_added,
        "alias_conflicts": conflicts,
    }


def _upsert_areas(m: SimpleNamespace, rows: list[dict[str, str]]) -> _Tally:
    areas = _Tally()
    existing = {a.code: a for a in m.Area.objects.all()}
    new, changed = [], []
    fields = ("name", "kind", "is_hwb", "is_comparator", "valid_from", "valid_to")
    for row in rows:
        values = {
            "name": row["name"],
            "kind": row["kind"],
            "is_hwb": row["is_hwb"].lower() == "true",
            "is_comparator": row["kind"] in COMPARATOR_KINDS,
            "valid_from": _date(row["valid_from"]),
            "valid_to": _date(row["valid_to"]),
        }
        area = existing.get(row["code"])
        if area is None:
            new.append(m.Area(code=row["code"], **values))
        elif any(getattr(area, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(area, key, value)
            changed.append(area)
        else:
            areas.unchanged += 1
    m.Area.objects.bulk_create(new)
    m.Area.objects.bulk_update(changed, fields)
    areas.created, areas.updated = len(new), len(changed)
    return areas


def _boundary_changes(
    m: SimpleNamespace, ids: dict[str, int], changes: list[dict[str, str]]
) -> tuple[int, list[tuple[str, str, bool]]]:
    """Successor links added for replaced areas, and the code aliases re-coded areas need."""
    wanted_aliases: list[tuple[str, str, bool]] = []
    through = m.Area._meta.get_field("successors").remote_field.through
    links = set(through.objects.values_list("from_area_id", "to_area_id"))
    new_links = []
    for change in changes:
        if change["change"] == "replaced":
            link = (ids[change["old_code"]], ids[change["new_code"]])
            if link not in links:
                links.add(link)
                new_links.append(through(from_area_id=link[0], to_area_id=link[1]))
        elif change["change"] == "recoded":
            wanted_aliases.append((change["new_code"], change["old_code"], True))
        else:
            raise ValueError(f"area_changes.csv: unknown change '{change['change']}'")
    through.objects.bulk_create(new_links)
    return len(new_links), wanted_aliases


def _add_aliases(
    m: SimpleNamespace, ids: dict[str, int], wanted_aliases: list[tuple[str, str, bool]]
) -> tuple[_Tally, list[str]]:
    """New aliases created; an alias already naming another area is a conflict, not a move."""
    aliases = _Tally()
    known = {a.normalised: a for a in m.AreaAlias.objects.all()}
    conflicts: list[str] = []
    new_aliases = []
    for code, alias, is_code in wanted_aliases:
        normalised = normalise_area_code(alias) if is_code else normalise_area_name(alias)
        current = known.get(normalised)
        if current is None:
            obj = m.AreaAlias(
                area_id=ids[code], alias=alias, normalised=normalised, is_code=is_code
            )
            known[normalised] = obj
            new_aliases.append(obj)
        elif current.area_id != ids[code]:
            conflicts.append(f"{alias} ({code})")
        else:
            aliases.unchanged += 1
    m.AreaAlias.objects.bulk_create(new_aliases)
    aliases.created = len(new_aliases)
    return aliases, conflicts


# --- entry points ----------------------------------------------------------------------------


def reference_data_load(
    *,
    stdout: TextIO | None = None,
    models: SimpleNamespace | None = None,
    directory: Path | None = None,
) -> dict[str, Any]:
    """Load the metric catalogue, series breaks, areas, successors and aliases; idempotent.

    Existing rows are brought in line with the files (except each metric's tolerance, which
    administrators own after creation); nothing is deleted, so aliases learned from uploads stay.
    `models` is a namespace of the five models (`migration_models(apps)` in a migration).
    Returns counts: {"frameworks": {"created", "updated", "unchanged"}, "metrics": …,
    "series_breaks": …, "areas": …, "area_aliases": …, "successors_added", "alias_conflicts"}.
    """
    m = models or current_models()
    directory = directory or REFERENCE_DIR
    result: dict[str, Any] = {}
    result.update(_load_catalogue(m, catalogue_read(directory / "metrics.json")))
    result.update(_load_areas(m, directory))
    if stdout is not None:
        parts = []
        for key in ("frameworks", "metrics", "series_breaks", "areas", "area_aliases"):
            counts = result[key]
            parts.append(
                f"{key.replace('_', ' ')}: {counts['created']} new, {counts['updated']} updated, "
                f"{counts['unchanged']} unchanged"
            )
        stdout.write("Reference data loaded. " + "; ".join(parts) + ".\n")
        for conflict in result["alias_conflicts"]:
            stdout.write(f"Alias already belongs to another area, left alone: {conflict}\n")
    return result


def metric_rules(*, framework: str | None = None) -> dict[str, MetricRule]:
    """What ingest needs of every metric in the catalogue (or one framework's), by code.

    One query. The catalogue keeps every code, name, short name and alias unique across metrics
    (a test checks), so a text in a file can only mean one metric."""
    from metrics.models import Metric

    metrics = Metric.objects.select_related("framework").order_by("framework__starts", "position")
    if framework:
        metrics = metrics.filter(framework__slug=framework)
    rules: dict[str, MetricRule] = {}
    for metric in metrics:
        aliases = _clean_aliases([metric.short_name, *(metric.aliases or [])])
        rules[metric.code] = MetricRule(
            code=metric.code,
            unit=metric.unit,
            missing_markers_mean=metric.missing_markers_mean,
            allow_negative=metric.allow_negative,
            name=metric.name,
            aliases=tuple(aliases),
            rate_per=metric.rate_per,
            aggregation=metric.aggregation,
        )
    return rules
