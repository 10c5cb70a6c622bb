"""What the parse steps share: the run's context and column helpers that work once per
distinct text (a million rows hold few distinct keys)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from metrics.ingest.profiles import ColumnMap, Profile
from metrics.ingest.types import AreaResolver, FindingLog, MetricRule
from metrics.periods import Period


@dataclass
class ParseContext:
    """One parse run: the profile and its column map, the catalogue's rules, the area resolver,
    the findings so far, and the distinct periods met (each a small integer id)."""

    profile: Profile
    mapping: ColumnMap
    metrics: dict[str, MetricRule]
    resolve_area: AreaResolver
    log: FindingLog
    periods: list[Period] = field(default_factory=list)
    skip: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    _ids: dict[Period, int] = field(default_factory=dict, init=False, repr=False)
    _metric_codes: tuple[np.ndarray, list] | None = field(default=None, init=False, repr=False)

    def period_id(self, period: Period) -> int:
        """A small integer per distinct period, so rows compare and sort without Python objects."""
        if period not in self._ids:
            self._ids[period] = len(self.periods)
            self.periods.append(period)
        return self._ids[period]

    def metric_codes(self, frame: pd.DataFrame) -> tuple[np.ndarray, list]:
        """The frame's metric codes factorized once (its metrics are fixed once resolved)."""
        if self._metric_codes is None:
            codes, uniques = pd.factorize(frame["metric_code"])
            self._metric_codes = (codes, list(uniques))
        return self._metric_codes


def groups(codes: np.ndarray) -> dict[int, np.ndarray]:
    """Positions of each distinct code, computed with one sort (not one scan per code)."""
    order = np.argsort(codes, kind="stable")
    uniques, starts = np.unique(codes[order], return_index=True)
    bounds = list(starts[1:]) + [len(order)]
    return {int(u): order[s:e] for u, s, e in zip(uniques, starts, bounds, strict=True)}


def source_rows(frame: pd.DataFrame, positions: np.ndarray) -> list[int]:
    """The file rows behind some values, each once: a wide file has many values per row."""
    return sorted({int(r) for r in frame["source_row"].to_numpy()[positions]})


def pair_codes(first: pd.Series, second: pd.Series) -> tuple[list[tuple[str, str]], np.ndarray]:
    """The distinct (first, second) pairs and each row's index into them, from the columns'
    integer codes: joining a million pairs of strings first would cost more than the rest."""
    first_codes, first_uniques = pd.factorize(first)
    second_codes, second_uniques = pd.factorize(second)
    width = max(len(second_uniques), 1)
    codes, combined = pd.factorize(first_codes.astype(np.int64) * width + second_codes)
    pairs = [(str(first_uniques[c // width]), str(second_uniques[c % width])) for c in combined]
    return pairs, codes


def by_key(keys: pd.Series, func: Callable[[str], object]) -> tuple[list[object], np.ndarray]:
    """Apply `func` once per distinct key; return the answers and each row's index into them."""
    codes, uniques = pd.factorize(keys)
    return [func(u) for u in uniques], codes


def rule_array(
    frame: pd.DataFrame, ctx: ParseContext, attribute: str, default: object
) -> np.ndarray:
    """A metric rule's attribute for every row, looked up once per distinct metric."""
    codes, uniques = ctx.metric_codes(frame)
    rules = ctx.metrics
    looked_up = [getattr(rules[u], attribute) if u in rules else default for u in uniques]
    by_metric = np.array([default if v is None else v for v in looked_up] + [default], dtype=object)
    return by_metric[codes]  # code -1 (no metric) takes the default at the end
