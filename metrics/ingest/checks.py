"""Step 4: values cleaned and judged against the metric's rules, totals checked against their
months, and duplicate values found. Each check names the rows, columns and raw texts it flags."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from integration.dates import today
from metrics.ingest.context import ParseContext, by_key, groups, rule_array, source_rows
from metrics.ingest.profiles import normalise_header
from metrics.ingest.types import STATUSES, RawTable, describe_rows
from metrics.ingest.values import IMPLAUSIBLE, Numbers, clipped, fmt, read_numbers
from metrics.periods import add_months

BUILTIN_STATUSES = {
    "reported": "reported",
    "final": "reported",
    "published": "reported",
    "actual": "reported",
    "provisional": "provisional",
    "draft": "provisional",
    "estimated": "provisional",
    "suppressed": "suppressed",
    "missing": "missing",
}


def clean_values(frame: pd.DataFrame, ctx: ParseContext, bad: np.ndarray) -> None:
    numbers = read_numbers(frame["value_raw"])
    values = numbers.amounts.copy()
    frame["numerator_v"] = _extra_number(frame, ctx, "numerator", bad)
    frame["denominator_v"] = _extra_number(frame, ctx, "denominator", bad)
    _derive_from_ratio(frame, ctx, values, numbers)
    status = _statuses(frame, ctx)
    meaning = rule_array(frame, ctx, "missing_markers_mean", "missing")
    empty = numbers.marker & np.isnan(values)
    zero = empty & (meaning == "zero")
    values[zero] = 0.0
    status = np.where(empty & ~zero & (status != "suppressed"), meaning, status)
    frame["value"], frame["status_code"] = values, status
    log_rows(
        frame, ctx, numbers.bad, "error", "not_number", lambda v: f"'{v}' is not a number.", bad
    )
    log_rows(
        frame,
        ctx,
        empty & ~zero,
        "warning",
        "marker",
        lambda v: f"'{v}' is not a number; stored as {{status}} (no value).",
        None,
        status=status,
    )
    log_rows(
        frame,
        ctx,
        zero,
        "warning",
        "marker_zero",
        lambda v: f"'{v}' is not a number; stored as 0, as the metric's rule says.",
        None,
    )
    _check_ranges(frame, ctx, values, bad)
    _check_future_periods(frame, ctx)


def _check_future_periods(frame: pd.DataFrame, ctx: ParseContext) -> None:
    """A period more than a year ahead is kept, with a warning: 2099 is usually a typing slip."""
    horizon = add_months(today(), 12)
    ids = frame["period_id"].to_numpy()
    for period_id, positions in groups(ids).items():
        if period_id < 0 or ctx.periods[period_id].start <= horizon:
            continue
        rows, label = source_rows(frame, positions), ctx.periods[period_id].label
        ctx.log.add(
            "warning",
            f"Period {label} is more than a year in the future ({describe_rows(rows)}); "
            "check the year.",
            row=rows[0],
            value=label,
            check="future_period",
        )


def _extra_number(frame: pd.DataFrame, ctx: ParseContext, role: str, bad: np.ndarray) -> np.ndarray:
    if role not in ctx.mapping.roles:
        return np.full(len(frame), np.nan)
    numbers = read_numbers(frame[f"{role}_raw"])
    log_rows(
        frame,
        ctx,
        numbers.bad,
        "error",
        f"not_number_{role}",
        lambda v: f"'{v}' is not a number.",
        bad,
        column=ctx.mapping.roles[role],
        raw=f"{role}_raw",
    )
    return numbers.amounts


def _derive_from_ratio(
    frame: pd.DataFrame, ctx: ParseContext, values: np.ndarray, numbers: Numbers
) -> None:
    """Fill a missing value from numerator / denominator, and warn where a given value
    disagrees with them by more than rounding."""
    num, den = frame["numerator_v"].to_numpy(), frame["denominator_v"].to_numpy()
    if np.isnan(num).all():
        return
    unit = rule_array(frame, ctx, "unit", "count")
    per = np.where(
        unit == "percentage",
        100.0,
        pd.Series(rule_array(frame, ctx, "rate_per", 1)).fillna(1).to_numpy(float),
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(den > 0, num / den * per, np.nan)
    fill = np.isnan(values) & ~np.isnan(ratio)
    values[fill] = ratio[fill]
    numbers.marker[fill] = False
    off = (
        ~fill & ~np.isnan(ratio) & (np.abs(values - ratio) > np.maximum(0.51, 0.01 * np.abs(ratio)))
    )
    log_rows(
        frame,
        ctx,
        off,
        "warning",
        "ratio",
        lambda v: f"Value '{v}' does not match numerator / denominator.",
        None,
    )


def _statuses(frame: pd.DataFrame, ctx: ParseContext) -> np.ndarray:
    default = ctx.profile.defaults.get("status", "reported")
    if "status" not in ctx.mapping.roles:
        return np.full(len(frame), default, dtype=object)
    aliases = {normalise_header(k): v for k, v in BUILTIN_STATUSES.items()}
    answers, codes = by_key(frame["status"], lambda t: aliases.get(normalise_header(t)))
    unknown = np.array([a is None for a in answers])[codes] & (frame["status"] != "").to_numpy()
    log_rows(
        frame,
        ctx,
        unknown,
        "warning",
        "status",
        lambda v: f"Status '{v}' is not one we know ({', '.join(STATUSES)}); stored as reported.",
        None,
        column=ctx.mapping.roles["status"],
        raw="status",
    )
    return np.array([a or default for a in answers], dtype=object)[codes]


def _check_ranges(
    frame: pd.DataFrame, ctx: ParseContext, values: np.ndarray, bad: np.ndarray
) -> None:
    unit = rule_array(frame, ctx, "unit", "")
    allow_negative = rule_array(frame, ctx, "allow_negative", True).astype(bool)
    with np.errstate(invalid="ignore"):
        negative = (values < 0) & ~allow_negative
        percent_out = (unit == "percentage") & ((values < 0) | (values > 100))
        fractional = (unit == "count") & ~np.isnan(values) & (np.mod(values, 1) != 0)
        implausible = np.abs(values) >= IMPLAUSIBLE
    log_rows(
        frame,
        ctx,
        negative & ~percent_out,
        "error",
        "negative",
        lambda v: f"'{v}' is negative, and this metric cannot be.",
        bad,
    )
    log_rows(
        frame,
        ctx,
        percent_out,
        "error",
        "percent_range",
        lambda v: f"'{v}' is outside 0–100, and this metric is a percentage.",
        bad,
    )
    log_rows(
        frame,
        ctx,
        fractional,
        "warning",
        "fraction",
        lambda v: f"'{v}' is a count with a fraction; check it is not an average.",
        None,
    )
    log_rows(
        frame,
        ctx,
        implausible,
        "warning",
        "implausible",
        lambda v: f"'{v}' is implausibly large (a thousand million million or more); check it.",
        None,
    )
    percentages = (unit == "percentage") & ~np.isnan(values) & ~bad
    if (
        percentages.any()
        and np.nanmax(values[percentages]) <= 1
        and np.nanmax(values[percentages]) > 0
    ):
        ctx.log.add(
            "warning",
            "All percentage values are between 0 and 1; they look like "
            "proportions. Multiply by 100 if they are.",
        )


def log_rows(
    frame: pd.DataFrame,
    ctx: ParseContext,
    mask: np.ndarray,
    severity: str,
    check: str,
    message: Callable[[str], str],
    bad: np.ndarray | None,
    *,
    column: str | None = None,
    raw: str = "value_raw",
    status: np.ndarray | None = None,
) -> None:
    """One finding per flagged row (the log caps them), naming the row, column and raw text."""
    if bad is not None:
        bad |= mask
    positions = np.flatnonzero(mask & ~ctx.skip)
    shown = positions[: ctx.log.cap + 1]
    for position in shown:
        text = clipped(str(frame[raw].iloc[position]))
        words = message(text.strip())
        if status is not None:
            words = words.replace("{status}", str(status[position]))
        ctx.log.add(
            severity,
            words,
            row=int(frame["source_row"].iloc[position]),
            column=column or str(frame["value_column"].iloc[position]),
            value=text,
            check=check,
        )
    ctx.log.add_uncounted(check, len(positions) - len(shown))


# --- totals and duplicates -------------------------------------------------------------------


def check_totals(table: RawTable, frame: pd.DataFrame, ctx: ParseContext) -> None:
    """A 'Full Year' column is never stored; it is checked against the sum of its months."""
    if ctx.profile.layout != "wide_months" or not ctx.mapping.totals:
        return
    sums = pd.DataFrame({"row": frame["source_row"], "value": frame["value"]}).groupby("row")
    summed, counted = sums["value"].sum(min_count=1), sums["value"].count()
    aggregation = dict(
        zip(frame["source_row"], rule_array(frame, ctx, "aggregation", ""), strict=False)
    )
    for name in ctx.mapping.totals:
        totals = read_numbers(table.data[name])
        for position in np.flatnonzero(~np.isnan(totals.amounts)):
            row = int(table.row_numbers[position])
            if aggregation.get(row) != "sum" or row not in summed.index:
                continue
            total, months = totals.amounts[position], summed.loc[row]
            if np.isnan(months) or abs(total - months) > 0.5:
                added = fmt(0 if np.isnan(months) else months)
                ctx.log.add(
                    "warning",
                    f"Row {row}: '{name}' is {fmt(total)} but the "
                    f"{counted.loc[row]} months add up to {added}.",
                    row=row,
                    column=name,
                    value=table.data[name].iloc[position],
                )


def check_duplicates(
    frame: pd.DataFrame, ctx: ParseContext, excluded: np.ndarray, bad: np.ndarray
) -> None:
    keys = pd.DataFrame(
        {
            "area": frame["area_resolved"],
            "metric": frame["metric_code"],
            "kind": frame["kind_code"],
            "period": frame["period_id"],
        }
    )
    candidates = keys[~excluded]
    duplicated = candidates.duplicated(keep=False)
    if not duplicated.any():
        return
    positions = candidates.index[duplicated.to_numpy()]
    clashes = candidates.loc[positions]
    for _, group in clashes.groupby(list(clashes.columns), sort=False, dropna=False):
        rows = source_rows(frame, group.index.to_numpy())
        first = group.iloc[0]
        bad[group.index.to_numpy()] = True
        ctx.log.add(
            "error",
            f"{describe_rows(rows).capitalize()} give the same area, metric, kind "
            f"and period ({first['area']}, {first['metric']}, {first['kind']}, "
            f"{ctx.periods[int(first['period'])].label}); keep one.",
            row=rows[0],
            check="duplicate",
        )
