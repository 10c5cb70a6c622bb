"""The mapping page's answers turned into a profile, and what the page shows of a file.

The form (`metrics.forms.MappingForm`) only collects answers; what they mean for the profile
(layout, roles, defaults, label aliases) is decided here, next to the profiles themselves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from metrics.ingest.profiles import ROLES, Profile
from metrics.ingest.types import RawTable

SKIP = "__skip__"  # a row label's answer: skip these rows
MEASURE = "measure:"  # role prefix: the column holds one metric's values (wide file)
EXAMPLE_ROWS = 100  # rows looked at for a column's examples
LABELS_LISTED = 200  # distinct row labels read for the page


@dataclass(frozen=True)
class MappingAnswers:
    """What the analyst chose on the mapping page, as plain values."""

    roles_by_column: Mapping[str, str]  # header -> role, "month", "total", MEASURE+code or ""
    default_kind: str
    defaults: Mapping[str, str] = field(default_factory=dict)  # area_code, metric, financial_year
    labels: Sequence[tuple[str, str, str]] = ()  # (row label, metric or SKIP or "", kind or "")
    name: str = ""
    source: str = ""


def profile_from_answers(answers: MappingAnswers, *, old: Profile) -> Profile:
    """The profile the answers describe, keeping what the page does not show (the kind of a
    measure column, sheet, status and note defaults, aliases of labels not listed)."""
    roles = answers.roles_by_column
    chosen = {role: header for header, role in roles.items() if role in ROLES}
    months = [h for h, r in roles.items() if r == "month"]
    measures = {
        h: (r.removeprefix(MEASURE), old.measures.get(h, ("", answers.default_kind))[1])
        for h, r in roles.items()
        if r.startswith(MEASURE)
    }
    totals = [h for h, r in roles.items() if r == "total"]
    metric_aliases, kind_aliases = _label_aliases(answers, old)
    return Profile(
        name=answers.name.strip() or old.name,
        source=answers.source or old.source,
        layout="wide_months" if months else "wide_measures" if measures else "long",
        columns=_columns(chosen, old),
        defaults=_defaults(answers, old),
        metric_aliases=metric_aliases,
        kind_aliases=kind_aliases,
        measures=measures or dict(old.measures),
        total_columns=totals + [t for t in old.total_columns if t not in totals],
        sheet=old.sheet,
    )


def _columns(chosen: Mapping[str, str], old: Profile) -> dict[str, list[str]]:
    columns: dict[str, list[str]] = {}
    for role in ROLES:
        header = chosen.get(role)
        # A role with no column is switched off (an empty list), so that the built-in
        # aliases cannot pick a column the analyst set to "Not used".
        columns[role] = (
            [header] + [a for a in old.columns.get(role, []) if a != header] if header else []
        )
    return columns


def _defaults(answers: MappingAnswers, old: Profile) -> dict[str, str]:
    shown = ("area_code", "metric", "kind", "financial_year")
    defaults = {k: v for k, v in old.defaults.items() if k not in shown}
    defaults["kind"] = answers.default_kind
    for key in ("area_code", "metric", "financial_year"):
        if answers.defaults.get(key):
            defaults[key] = answers.defaults[key]
    return defaults


def _label_aliases(
    answers: MappingAnswers, old: Profile
) -> tuple[dict[str, str | None], dict[str, str]]:
    metric_aliases = dict(old.metric_aliases)
    kind_aliases = dict(old.kind_aliases)
    for text, metric, kind in answers.labels:
        metric_aliases.pop(text, None)
        kind_aliases.pop(text, None)
        if metric == SKIP:
            metric_aliases[text] = None
        elif metric:
            metric_aliases[text] = metric
        if kind:
            kind_aliases[text] = kind
    return metric_aliases, kind_aliases


def profile_changed(old: Profile, new: Profile) -> bool:
    """Whether two profiles read files differently (their names aside)."""
    a, b = old.to_dict(), new.to_dict()
    a.pop("name"), b.pop("name")
    return a != b


# --- what the mapping page shows of the file -------------------------------------------------


def column_examples(table: RawTable | None) -> dict[str, list[str]]:
    """A few distinct values of each column, so the analyst can see what it holds."""
    if table is None:
        return {}
    head = table.data.head(EXAMPLE_ROWS)
    found = {}
    for name in table.header:
        texts = head[name].astype(str).str.strip()
        found[name] = texts[texts != ""].drop_duplicates().head(3).tolist()
    return found


def row_labels(table: RawTable | None, mapping: Mapping[str, object]) -> list[str]:
    """Distinct texts of the metric column (wide files' row labels), first seen first."""
    roles = mapping.get("roles") or {}
    column = roles.get("metric") if isinstance(roles, dict) else None
    if table is None or not column or column not in table.data:
        return []
    texts = table.data[column].astype(str).str.strip()
    texts = texts[texts != ""].drop_duplicates()
    return texts.head(LABELS_LISTED).tolist()
