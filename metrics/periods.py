"""UK financial years (April to March), quarters and months, and parsing of the period texts
that real activity files use ("2019-04", "Apr-19", "2019/20", "Q4 23/24", "2010-11" + "January").

The only home of month and financial-year arithmetic (`add_months`, `fy_start`, `month_range`,
`in_financial_year` ...) and of how a year's value is made from its periods (`year_value`).

Pure Python: no Django, no pandas. `parse_period` is cached because an upload parses each distinct
period text once and maps the result over every row.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

KINDS = ("month", "quarter", "year")

MONTHS: dict[str, int] = {}
for _number in range(1, 13):
    MONTHS[calendar.month_name[_number].lower()] = _number
    MONTHS[calendar.month_abbr[_number].lower()] = _number
MONTHS["sept"] = 9  # common in NHS papers ("Sept 2018")

HINT = "use e.g. 'Apr 2019', '2019-04' or '2019/20'"


class PeriodError(ValueError):
    """A period text that cannot be read; the message is fit to show to an analyst."""


@dataclass(frozen=True, order=True)
class Period:
    """A month, a quarter of a financial year or a whole financial year, keyed by its first day."""

    kind: str
    start: date

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"Period kind must be one of {KINDS}, not {self.kind!r}")
        if self.start.day != 1:
            raise ValueError("A period starts on the first day of a month")
        if self.kind == "year" and self.start.month != 4:
            raise ValueError("A financial year starts in April")
        if self.kind == "quarter" and self.start.month not in (1, 4, 7, 10):
            raise ValueError("A financial quarter starts in April, July, October or January")

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        return cls("month", date(year, month, 1))

    @classmethod
    def quarter(cls, financial_year: int, number: int) -> Period:
        if not 1 <= number <= 4:
            raise ValueError("A quarter is numbered 1 to 4")
        return cls("quarter", add_months(date(financial_year, 4, 1), 3 * (number - 1)))

    @classmethod
    def year(cls, financial_year: int) -> Period:
        return cls("year", date(financial_year, 4, 1))

    @property
    def months(self) -> int:
        return {"month": 1, "quarter": 3, "year": 12}[self.kind]

    @property
    def end(self) -> date:
        """The last day of the period (inclusive)."""
        last = add_months(self.start, self.months - 1)
        return date(last.year, last.month, calendar.monthrange(last.year, last.month)[1])

    @property
    def financial_year(self) -> int:
        return financial_year_of(self.start)

    @property
    def quarter_number(self) -> int:
        return (self.start.month - 4) % 12 // 3 + 1

    @property
    def label(self) -> str:
        if self.kind == "month":
            return f"{calendar.month_abbr[self.start.month]} {self.start.year}"
        if self.kind == "quarter":
            return f"Q{self.quarter_number} {fy_label(self.financial_year)}"
        return fy_label(self.financial_year)

    def __str__(self) -> str:
        return self.label


def add_months(day: date, count: int) -> date:
    """The first day of the month `count` months after (or before) `day`'s month."""
    index = day.year * 12 + day.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def financial_year_of(day: date) -> int:
    """The start year of the UK financial year containing `day` (1 Jan 2020 is in 2019/20)."""
    return day.year if day.month >= 4 else day.year - 1


def fy_start(start_year: int) -> date:
    """The first day of the financial year (1 April)."""
    return date(start_year, 4, 1)


def fy_last_month(start_year: int) -> date:
    """The first day of the financial year's last month (1 March): month-start dates of the
    year run from `fy_start` to this."""
    return date(start_year + 1, 3, 1)


def in_financial_year(month: date, start_year: int) -> bool:
    """True when a month-start date falls in the financial year starting April `start_year`."""
    return fy_start(start_year) <= month <= fy_last_month(start_year)


def month_range(first: date, last: date) -> list[date]:
    """Every month start from `first`'s month to `last`'s, inclusive."""
    first, last = first.replace(day=1), last.replace(day=1)
    months = []
    while first <= last:
        months.append(first)
        first = add_months(first, 1)
    return months


def quarter_starts(start_year: int) -> list[date]:
    """The first days of the financial year's four quarters (April, July, October, January)."""
    return [add_months(fy_start(start_year), 3 * i) for i in range(4)]


def year_value(
    aggregation: str,
    values: Sequence[float],
    *,
    ratio_pairs: Sequence[tuple[float, float]] = (),
    ratio_scale: float = 100.0,
) -> float:
    """How a year's value is made from its periods' values (in period order): their sum, mean
    or last value, or, for a ratio with (numerator, denominator) pairs, Σ numerators /
    Σ denominators × `ratio_scale`. A ratio without pairs (an area that sent only
    percentages) is the mean of its values. `aggregation` is a `metrics.choices.Aggregation`
    value: "sum", "mean", "last" or "ratio"."""
    if aggregation == "ratio" and ratio_pairs:
        return sum(n for n, _ in ratio_pairs) / sum(d for _, d in ratio_pairs) * ratio_scale
    if aggregation == "sum":
        return sum(values)
    if aggregation == "last":
        return values[-1]
    return sum(values) / len(values)


def months_of_financial_year(start_year: int) -> list[Period]:
    """April to March of the financial year starting in April `start_year`."""
    return [Period("month", add_months(date(start_year, 4, 1), i)) for i in range(12)]


def fy_label(start_year: int) -> str:
    return f"{start_year}/{(start_year + 1) % 100:02d}"


def month_in_financial_year(month: int, start_year: int) -> Period:
    """January to March belong to the second calendar year of the financial year."""
    return Period.month(start_year if month >= 4 else start_year + 1, month)


# --- parsing ------------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_UK_DATE = re.compile(r"^(\d{1,2})[/.](\d{1,2})[/.](\d{4}|\d{2})$")
_YEAR_DASH_2 = re.compile(r"^(\d{4})-(\d{2})$")
_COMPACT_MONTH = re.compile(r"^(\d{4})(\d{2})$")
_FY = re.compile(r"^(?:fy\s*)?(\d{4}|\d{2})\s*[/-]\s*(\d{4}|\d{2})(?:\s*fy)?$")
_QUARTER = re.compile(r"^q([1-4])\s*[ ,-]?\s*(.+)$|^(.+?)\s*[ ,-]?\s*q([1-4])$")
_FISCAL_MONTH = re.compile(r"^m(\d{1,2})\s*[ ,-]?\s*(.+)$")
_MONTH_YEAR = re.compile(r"^([a-z]+)\.?\s*[-/' ]?\s*(\d{4}|\d{2})$")
_YEAR_MONTH = re.compile(r"^(\d{4})\s*[-/ ]\s*([a-z]+)$")


def _unrecognised(text: str) -> PeriodError:
    return PeriodError(f"'{text}' is not a month, quarter or financial year we recognise; {HINT}")


def _full_year(text: str) -> int:
    """Two-digit years are this century: '19' is 2019."""
    number = int(text)
    return number + 2000 if len(text) <= 2 else number


def parse_financial_year(text: str) -> int:
    """'2019/20', '2019-20', '19/20', '2019/2020', 'FY2019/20' -> 2019."""
    cleaned = _SPACES.sub(" ", str(text).strip().lower())
    match = _FY.match(cleaned)
    if not match:
        raise PeriodError(f"'{text}' is not a financial year we recognise; use e.g. '2019/20'")
    first, second = _full_year(match.group(1)), _full_year(match.group(2))
    if second != first + 1:
        raise PeriodError(
            f"'{text}' is not a financial year: the second year should follow the first, "
            f"as in '{fy_label(first)}'"
        )
    return first


def _coerce_fy(financial_year: int | str | None) -> int | None:
    if financial_year is None or isinstance(financial_year, int):
        return financial_year
    return parse_financial_year(financial_year)


def _month_number(word: str) -> int | None:
    return MONTHS.get(word.strip(" .").lower())


def parse_period(
    text: str,
    *,
    month_name_context: str | None = None,
    financial_year: int | str | None = None,
    ambiguous_as: str = "year",
) -> Period:
    """Read a period as written in an activity file.

    `month_name_context` is a month name from a separate column: with it, `text` is the financial
    year ('2010-11' + 'January' is January 2011). `financial_year` (start year or a text such as
    '2017-18') gives the year to a bare month name ('Apr' ... 'Mar'), as in a wide plan whose
    title names the year. `ambiguous_as` decides 'YYYY-YY' texts that read both ways ('2011-12'
    is 2011/12 or December 2011): "year" (the default, as NHS files use it) or "month".
    """
    try:
        return _parse_cached(str(text), month_name_context, financial_year, ambiguous_as)
    except PeriodError:
        raise
    except ValueError:  # a date Python cannot hold, such as the year 0 in '0000-01'
        raise PeriodError(f"'{str(text).strip()}' is not a real period; {HINT}") from None


@lru_cache(maxsize=65536)
def _parse_cached(
    text: str, month_name: str | None, financial_year: int | str | None, ambiguous_as: str
) -> Period:
    cleaned = _SPACES.sub(" ", text.strip().lower())
    if not cleaned:
        raise PeriodError(f"The period is blank; {HINT}")
    if month_name is not None and str(month_name).strip():
        return _parse_fy_and_month(text, cleaned, str(month_name))
    period = _parse_alone(cleaned, ambiguous_as)
    if period is not None:
        return period
    month = _month_number(cleaned)
    if month is not None:
        start_year = _coerce_fy(financial_year)
        if start_year is None:
            raise PeriodError(
                f"'{text.strip()}' is a month without a year; give the financial year "
                "(e.g. '2017/18') or write the month as 'Apr 2017'"
            )
        return month_in_financial_year(month, start_year)
    if re.fullmatch(r"\d{4}", cleaned):
        raise PeriodError(
            f"'{text.strip()}' is a calendar year; say which financial year it means, "
            f"e.g. '{fy_label(int(cleaned))}'"
        )
    raise _unrecognised(text.strip())


def _parse_fy_and_month(text: str, cleaned: str, month_name: str) -> Period:
    month = _month_number(month_name)
    if month is None:
        raise PeriodError(f"'{month_name.strip()}' is not a month name we recognise")
    try:
        start_year = parse_financial_year(cleaned)
    except PeriodError:
        # A calendar year beside a month name ('2019' + 'April') is also common.
        if re.fullmatch(r"\d{4}", cleaned):
            return Period.month(int(cleaned), month)
        raise
    return month_in_financial_year(month, start_year)


def _parse_alone(cleaned: str, ambiguous_as: str) -> Period | None:
    """Forms that carry their own year; None when the text is none of them."""
    for parser in (_iso_or_uk_date, _dash_pair, _compact, _fy, _quarter, _fiscal_month, _named):
        period = parser(cleaned, ambiguous_as)
        if period is not None:
            return period
    return None


def _iso_or_uk_date(cleaned: str, _: str) -> Period | None:
    match = _ISO_DATE.match(cleaned)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = _UK_DATE.match(cleaned)
        if not match:
            return None
        day, month, year = int(match.group(1)), int(match.group(2)), _full_year(match.group(3))
    try:
        date(year, month, day)
    except ValueError:
        raise PeriodError(f"'{cleaned}' is not a real date") from None
    return Period.month(year, month)


def _dash_pair(cleaned: str, ambiguous_as: str) -> Period | None:
    """'2019-04' is a month and '2019-20' a financial year; '2011-12' could be either."""
    match = _YEAR_DASH_2.match(cleaned)
    if not match:
        return None
    year, second = int(match.group(1)), int(match.group(2))
    fy_shaped = second == (year + 1) % 100
    if fy_shaped and (ambiguous_as == "year" or second > 12):
        return Period.year(year)
    if 1 <= second <= 12:
        return Period.month(year, second)
    return None


def _compact(cleaned: str, _: str) -> Period | None:
    match = _COMPACT_MONTH.match(cleaned)
    if match and 1 <= int(match.group(2)) <= 12:
        return Period.month(int(match.group(1)), int(match.group(2)))
    return None


def _fy(cleaned: str, _: str) -> Period | None:
    if not _FY.match(cleaned):
        return None
    return Period.year(parse_financial_year(cleaned))


def _quarter(cleaned: str, _: str) -> Period | None:
    match = _QUARTER.match(cleaned)
    if not match:
        return None
    number = match.group(1) or match.group(4)
    year_text = match.group(2) or match.group(3)
    try:
        return Period.quarter(parse_financial_year(year_text), int(number))
    except PeriodError:
        return None


def _fiscal_month(cleaned: str, _: str) -> Period | None:
    """NHS fiscal months: M1 is April. 'M4 2023' is read as M4 of 2023/24."""
    match = _FISCAL_MONTH.match(cleaned)
    if not match or not 1 <= int(match.group(1)) <= 12:
        return None
    year_text = match.group(2)
    if re.fullmatch(r"\d{4}", year_text):
        start_year = int(year_text)
    else:
        try:
            start_year = parse_financial_year(year_text)
        except PeriodError:
            return None
    return Period("month", add_months(date(start_year, 4, 1), int(match.group(1)) - 1))


def _named(cleaned: str, _: str) -> Period | None:
    """'April 2019', 'Apr-19', 'Sept 2018', '2019 April'."""
    match = _MONTH_YEAR.match(cleaned)
    if match:
        word, year_text = match.group(1), match.group(2)
    else:
        match = _YEAR_MONTH.match(cleaned)
        if not match:
            return None
        year_text, word = match.group(1), match.group(2)
    month = _month_number(word)
    if month is None:
        return None
    return Period.month(_full_year(year_text), month)


def find_financial_year(text: str) -> int | None:
    """The first financial year written inside free text such as 'BCF Monitoring - 2017-18
    Plans', or None. Used to date bare month headers from a table's title."""
    for match in re.finditer(r"(?<!\d)(\d{4})\s*[/-]\s*(\d{2}|\d{4})(?!\d)", text or ""):
        first, second = int(match.group(1)), _full_year(match.group(2))
        if second == first + 1:
            return first
    return None


def is_month_name(text: str) -> bool:
    """True for a bare month name such as 'Apr' or 'January', which needs a year from elsewhere."""
    return _month_number(str(text)) is not None
