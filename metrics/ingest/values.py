"""Step 4: cleaning numbers and judging them against the metric's rules.

Every function works on whole columns. Distinct texts are cleaned once and mapped back, because a
million-row file usually holds far fewer distinct texts than rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# Texts that mean "no number here". Which status they get depends on the metric's rule.
# 'NaN' and 'inf' are not among them: they are errors, as in the plan import.
MARKERS = frozenset(
    {
        "",
        "-",
        "–",
        "—",
        "na",
        "n/a",
        "n.a.",
        "tbc",
        "tba",
        "*",
        "**",
        "x",
        "..",
        ":",
        "null",
        "none",
        "#n/a",
        "c",
        "s",
        "supp",
        "suppressed",
        "not available",
    }
)


@dataclass
class Numbers:
    """A column of texts read as numbers: `amounts` (NaN where there is none), `marker` (a
    placeholder such as 'NA' or '*'), `bad` (text that is neither)."""

    amounts: np.ndarray
    marker: np.ndarray
    bad: np.ndarray


def read_numbers(column: pd.Series) -> Numbers:
    """'1,234', ' 12.5% ', '£1,000', '"7"', '−140' become numbers; markers and junk are flagged."""
    codes, uniques = pd.factorize(column)
    text = pd.Series(uniques, dtype=object).astype(str)
    text = text.str.strip().str.strip("\"'").str.strip()
    marker = text.str.lower().isin(MARKERS).to_numpy()
    digits = text.str.replace("−", "-", regex=False).str.replace(r"[£$€,%\s]", "", regex=True)
    numbers = pd.to_numeric(digits, errors="coerce").to_numpy(dtype=float, copy=True)
    numbers[~np.isfinite(numbers)] = np.nan
    bad = np.isnan(numbers) & ~marker
    numbers[marker] = np.nan
    return Numbers(amounts=numbers[codes], marker=marker[codes], bad=bad[codes])


IMPLAUSIBLE = 1e15  # no count, rate or sum of pounds in this service comes near it
VALUE_SHOWN = 200  # characters of a cell kept in a finding; the rest is cut with an ellipsis


def clipped(text: str) -> str:
    """A cell's text short enough to keep in a report (a 32,767-character cell is not)."""
    return text if len(text) <= VALUE_SHOWN else text[: VALUE_SHOWN - 1] + "…"


def fmt(number: float) -> str:
    """A number as an analyst would write it: 21,749 or 85.7."""
    if float(number).is_integer():
        return f"{int(number):,}"
    return f"{number:,.6f}".rstrip("0").rstrip(".")
