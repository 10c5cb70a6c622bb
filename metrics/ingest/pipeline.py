"""Step 3 onwards: reshape to one value per row, resolve periods, metrics, kinds and areas, clean
and validate values (`checks`), and produce the records with every finding.

Per-row work is done on whole columns; anything done in Python is done once per distinct text
(period, metric, area), so a million rows with a few thousand distinct keys stay fast.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from metrics.ingest.checks import check_duplicates, check_totals, clean_values
from metrics.ingest.context import ParseContext, by_key, groups, pair_codes, source_rows
from metrics.ingest.profiles import Profile, default_financial_year, map_columns, normalise_header
from metrics.ingest.types import (
    KINDS,
    RECORD_COLUMNS,
    AreaResolver,
    FindingLog,
    IngestResult,
    MetricRule,
    RawTable,
    describe_rows,
)
from metrics.periods import Period, PeriodError, parse_period

TEXT_ROLES = ("area_code", "area_name", "period", "financial_year", "month_name", "metric", "kind")
BUILTIN_KINDS = {
    "actual": "actual",
    "actuals": "actual",
    "outturn": "actual",
    "activity": "actual",
    "plan": "plan",
    "planned": "plan",
    "trajectory": "plan",
    "forecast": "plan",
    "baseline": "baseline",
    "target": "target",
}


def empty_records() -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series(dtype=object) for name in RECORD_COLUMNS})


def parse(
    table: RawTable,
    profile: Profile,
    *,
    metrics: dict[str, MetricRule],
    resolve_area: AreaResolver,
    max_findings_per_check: int = 100,
) -> IngestResult:
    """Turn a read table into observation records, with a finding for everything doubtful."""
    log = FindingLog(max_findings_per_check)
    log.items.extend(table.findings)
    mapping = map_columns(table.header, profile, title_lines=table.title_lines, log=log)
    rows = len(table.data)
    if log.has_errors:
        return IngestResult(empty_records(), log.finish(), rows)
    ctx = ParseContext(profile, mapping, metrics, resolve_area, log)
    frame = _reshape(table, ctx)
    bad = np.zeros(len(frame), dtype=bool)
    skip = np.zeros(len(frame), dtype=bool)
    ctx.skip = skip  # rows skipped on purpose get no further findings
    _resolve_periods(frame, ctx, bad, skip)
    _resolve_metrics(frame, ctx, bad, skip)
    _resolve_kinds(frame, ctx, bad)
    _resolve_areas(frame, ctx, bad, skip)
    clean_values(frame, ctx, bad)
    check_totals(table, frame, ctx)
    check_duplicates(frame, ctx, bad | skip, bad)
    records = _records(frame, ctx, ~(bad | skip))
    return IngestResult(records, log.finish(), rows)


# --- reshaping -------------------------------------------------------------------------------


def _text(table: RawTable, ctx: ParseContext, role: str) -> pd.Series:
    """The trimmed texts of a role's column, or its default, or blanks.

    Key texts with spaces or tabs around them are trimmed, and the analyst is told once per
    column; each distinct text is looked at once (a million rows hold few distinct keys).
    """
    name = ctx.mapping.roles.get(role)
    if name is None:
        default = ctx.profile.defaults.get(role, "")
        return pd.Series([default] * len(table.data), index=table.data.index, dtype=object)
    column = table.data[name]
    codes, uniques = pd.factorize(column)
    stripped = np.asarray(uniques.str.strip(), dtype=object)
    if role in TEXT_ROLES:
        _warn_untrimmed(table, ctx.log, name, np.asarray(stripped != uniques)[codes])
    return pd.Series(stripped[codes], index=column.index, dtype=object)


def _reshape(table: RawTable, ctx: ParseContext) -> pd.DataFrame:
    """One row per value: long files as they are, wide files stacked column by column."""
    mapping, profile = ctx.mapping, ctx.profile
    ids = pd.DataFrame({"source_row": table.row_numbers}, index=table.data.index)
    for role in (*TEXT_ROLES, "status", "note"):
        ids[role] = _text(table, ctx, role)
    for role in ("numerator", "denominator"):
        name = mapping.roles.get(role)
        ids[f"{role}_raw"] = table.data[name] if name else ""
    ids["metric_fixed"] = None
    ids["kind_fixed"] = None
    ids["period_id"] = -1
    if profile.layout == "long":
        ids["value_raw"] = table.data[mapping.roles["value"]] if "value" in mapping.roles else ""
        ids["value_column"] = mapping.roles.get("value", "")
        return ids.reset_index(drop=True)
    blocks = []
    columns = mapping.periods if profile.layout == "wide_months" else mapping.measures
    for header, meaning in columns.items():
        block = ids.copy()
        block["value_raw"] = table.data[header]
        block["value_column"] = header
        if isinstance(meaning, Period):
            block["period_id"] = ctx.period_id(meaning)
        else:
            block["metric_fixed"], block["kind_fixed"] = meaning
        blocks.append(block)
    return pd.concat(blocks, ignore_index=True)


def _warn_untrimmed(table: RawTable, log: FindingLog, name: str, untidy: np.ndarray) -> None:
    if untidy.any():
        first = int(np.flatnonzero(untidy)[0])
        log.add(
            "warning",
            f"{int(untidy.sum()):,} values in column '{name}' have spaces or tabs around the "
            "text; they were trimmed.",
            row=int(table.row_numbers[first]),
            column=name,
            value=table.data[name].iloc[first],
        )


# --- periods ---------------------------------------------------------------------------------


def _period_keys(frame: pd.DataFrame, ctx: ParseContext) -> tuple[pd.Series, Callable, str] | None:
    """Which texts name the period in this file and how to read one of them."""
    roles, defaults = ctx.mapping.roles, ctx.profile.defaults
    if "period" in roles or ("period" in defaults and "financial_year" not in roles):
        texts = frame["period"]
        looks_monthly = texts.drop_duplicates().str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])").any()
        prefer = "month" if looks_monthly else "year"
        return texts, lambda t: parse_period(t, ambiguous_as=prefer), roles.get("period", "")
    if "financial_year" in roles and "month_name" in roles:
        keys = frame["financial_year"] + "\x1f" + frame["month_name"]
        return keys, _fy_and_month, roles["month_name"]
    if "month_name" in roles and "financial_year" in defaults:
        fy = default_financial_year(ctx.profile)
        return (
            frame["month_name"],
            lambda t: parse_period(t, financial_year=fy),
            roles["month_name"],
        )
    if "financial_year" in roles:
        return frame["financial_year"], parse_period, roles["financial_year"]
    return None


def _fy_and_month(key: str) -> Period:
    year, month = key.split("\x1f")
    return parse_period(year, month_name_context=month)


def _resolve_periods(
    frame: pd.DataFrame, ctx: ParseContext, bad: np.ndarray, skip: np.ndarray
) -> None:
    if ctx.profile.layout == "wide_months":
        return
    found = _period_keys(frame, ctx)
    if found is None:
        bad[:] = True
        return
    keys, reader, column = found
    totals = {normalise_header(t) for t in ctx.profile.total_columns}

    def read(text: str) -> object:
        if normalise_header(text.replace("\x1f", " ")) in totals:
            return "total"
        try:
            return reader(text)
        except PeriodError as exc:
            return exc

    answers, codes = by_key(keys, read)
    ids = np.array([ctx.period_id(a) if isinstance(a, Period) else -1 for a in answers])
    frame["period_id"] = ids[codes] if len(answers) else -1
    for index, positions in groups(codes).items():
        answer = answers[index]
        if isinstance(answer, Period):
            continue
        rows = source_rows(frame, positions)
        text = str(keys.iloc[positions[0]]).replace("\x1f", " ")
        if answer == "total":
            skip[positions] = True
            ctx.log.add(
                "warning",
                f"'{text}' is a total, not a period, so it is not stored ({describe_rows(rows)}).",
                row=rows[0],
                column=column,
                value=text,
            )
            continue
        bad[positions] = True
        for row in rows:
            ctx.log.add("error", str(answer), row=row, column=column, value=text, check="period")


# --- metrics and kinds -----------------------------------------------------------------------


def _metric_lookup(ctx: ParseContext) -> dict[str, str | None]:
    lookup: dict[str, str | None] = {}
    for rule in ctx.metrics.values():
        for text in (rule.code, rule.name, *rule.aliases):
            if text:
                lookup[normalise_header(text)] = rule.code
    for text, code in ctx.profile.metric_aliases.items():
        lookup[normalise_header(text)] = code
    return lookup


def _known_codes(ctx: ParseContext) -> str:
    return ", ".join(sorted(ctx.metrics)) or "none"


def _resolve_metrics(
    frame: pd.DataFrame, ctx: ParseContext, bad: np.ndarray, skip: np.ndarray
) -> None:
    wide = ctx.profile.layout == "wide_measures"
    texts = frame["metric_fixed"].fillna(frame["metric"]) if wide else frame["metric"]
    lookup = _metric_lookup(ctx)
    sentinel = object()
    answers, codes = by_key(texts, lambda t: lookup.get(normalise_header(t), sentinel))
    codes_out = np.array([a if isinstance(a, str) else None for a in answers], dtype=object)
    frame["metric_code"] = codes_out[codes]
    for index, positions in groups(codes).items():
        answer, text = answers[index], str(texts.iloc[positions[0]])
        rows = source_rows(frame, positions)
        column = (
            frame["value_column"].iloc[positions[0]] if wide else ctx.mapping.roles.get("metric")
        )
        where: dict[str, Any] = {"row": rows[0], "column": column, "value": text}
        if answer is None:
            skip[positions] = True
            ctx.log.add(
                "warning",
                f"Rows labelled '{text}' are skipped, as the profile says ({describe_rows(rows)}).",
                **where,
            )
        elif answer is sentinel or answer not in ctx.metrics:
            bad[positions] = True
            name = answer if isinstance(answer, str) else text
            ctx.log.add(
                "error",
                f"Metric '{name}' ({describe_rows(rows)}) is not in the catalogue or "
                f"the profile's metric aliases; known codes: {_known_codes(ctx)}.",
                **where,
            )


def _resolve_kinds(frame: pd.DataFrame, ctx: ParseContext, bad: np.ndarray) -> None:
    aliases = {normalise_header(k): v for k, v in BUILTIN_KINDS.items()}
    aliases.update({normalise_header(k): v for k, v in ctx.profile.kind_aliases.items()})
    default = ctx.profile.defaults.get("kind", "actual")
    if "kind" not in ctx.mapping.roles:
        # A wide table's row label can carry the kind ('Baseline (15/16 Activity)').
        answers, codes = by_key(frame["metric"], lambda t: aliases.get(normalise_header(t)))
        labels = np.array([a or default for a in answers], dtype=object)[codes]
        frame["kind_code"] = frame["kind_fixed"].fillna(pd.Series(labels, index=frame.index))
        return

    def read(text: str) -> str | None:
        # A blank kind cell takes the default; any other text must be a known kind.
        return aliases.get(normalise_header(text)) if text else default

    answers, codes = by_key(frame["kind"], read)
    frame["kind_code"] = np.array(answers, dtype=object)[codes]
    column = ctx.mapping.roles["kind"]
    for index, positions in groups(codes).items():
        if answers[index] in KINDS:
            continue
        bad[positions] = True
        rows, text = source_rows(frame, positions), str(frame["kind"].iloc[positions[0]])
        ctx.log.add(
            "error",
            f"Kind '{text}' ({describe_rows(rows)}) is not one we know; use "
            f"{', '.join(KINDS)} or add it to the profile's kind aliases.",
            row=rows[0],
            column=column,
            value=text,
        )


# --- areas -----------------------------------------------------------------------------------


def _resolve_areas(
    frame: pd.DataFrame, ctx: ParseContext, bad: np.ndarray, skip: np.ndarray
) -> None:
    pairs, codes = pair_codes(frame["area_code"], frame["area_name"])
    answers = [ctx.resolve_area(code or None, name or None) for code, name in pairs]
    frame["area_resolved"] = np.array([a.code for a in answers], dtype=object)[codes]
    column = ctx.mapping.roles.get("area_code") or ctx.mapping.roles.get("area_name")
    for index, positions in groups(codes).items():
        match = answers[index]
        if match.kind == "area" and not match.message:
            continue
        rows = source_rows(frame, positions)
        code, name = pairs[index]
        label = f"'{code}' ({name})" if code and name else f"'{code or name}'"
        near = (
            f" Closest known areas: {', '.join(match.suggestions[:5])}."
            if match.suggestions
            else ""
        )
        detail = f" {match.message}" if match.message else ""
        where: dict[str, Any] = {"row": rows[0], "column": column, "value": code or name}
        if match.kind == "area":
            # A known area with a caveat, e.g. abolished in a boundary change: kept, but said.
            ctx.log.add(
                "warning", f"Area {label} ({describe_rows(rows)}): {match.message}", **where
            )
        elif match.kind == "comparator":
            ctx.log.add(
                "warning",
                f"Area {label} is a comparator, not a programme area; its {len(positions):,} "
                f"values ({describe_rows(rows)}) are kept for comparison.{detail}",
                **where,
            )
        elif match.kind == "legacy" and match.code:
            ctx.log.add(
                "warning",
                f"Area {label} is an old code or name, matched to "
                f"'{match.code}' ({describe_rows(rows)}).{detail}",
                **where,
            )
        elif match.kind == "out_of_scope":
            skip[positions] = True
            ctx.log.add(
                "warning",
                f"Area {label} is out of scope and was skipped ({describe_rows(rows)})."
                f"{detail}{near}",
                **where,
            )
        else:
            bad[positions] = True
            ctx.log.add(
                "error",
                f"Area {label} ({describe_rows(rows)}) is not a known area.{detail}{near}",
                **where,
            )


def _records(frame: pd.DataFrame, ctx: ParseContext, keep: np.ndarray) -> pd.DataFrame:
    kept = frame[keep]
    codes = kept["period_id"].to_numpy()
    kinds = np.array([p.kind for p in ctx.periods] or [""], dtype=object)
    starts: np.ndarray = np.array([p.start for p in ctx.periods], dtype="datetime64[D]")
    if not ctx.periods:
        # One NaT, so that indexing an empty selection still has a dtype.
        starts = np.array(["NaT"], dtype="datetime64[D]")
    return pd.DataFrame(
        {
            "area_code": kept["area_resolved"].to_numpy(),
            "metric_code": kept["metric_code"].to_numpy(),
            "kind": kept["kind_code"].to_numpy(),
            "period_kind": kinds[codes] if len(kept) else np.array([], dtype=object),
            "period_start": pd.to_datetime(starts[codes]) if len(kept) else pd.to_datetime([]),
            "value": kept["value"].to_numpy(dtype=float),
            "numerator": kept["numerator_v"].to_numpy(dtype=float),
            "denominator": kept["denominator_v"].to_numpy(dtype=float),
            "status": kept["status_code"].to_numpy(),
            "note": kept["note"].to_numpy(),
            "source_row": kept["source_row"].to_numpy(dtype=np.int64),
            "raw_value": kept["value_raw"].to_numpy(),
        }
    )
