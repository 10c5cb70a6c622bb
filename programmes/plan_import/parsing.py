"""Pure parsing for programme plan import: text, dates, cross-references, leads, status, headers.

Nothing here touches the database; ratings and scales are the vocabulary of
`programmes.choices`. The importer calls these functions cell by cell, keeps the raw text beside
every parsed value, and turns `PlanParseError` and the findings returned here into row-level
errors and warnings.
"""

from __future__ import annotations

import calendar
import itertools
import re
import unicodedata
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal, NamedTuple

from integration.findings import Finding
from programmes.choices import SCALE_DESCRIPTIONS, SCALE_RATINGS, Rating, RatingScale


class PlanParseError(ValueError):
    """A cell that cannot be read; the message is written for the person who made the file."""


# --------------------------------------------------------------------------------------------
# Text
# --------------------------------------------------------------------------------------------

# Letters from other scripts that look identical to Latin ones. OCR and copy-paste put them in
# real trackers (the Wiltshire plan prints the lead "ТМ" in Cyrillic), and they make "ТМ" and
# "TM" different strings. NFKC does not fold them, so they are mapped explicitly.
_CONFUSABLES = {
    # Cyrillic capitals
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
    "С": "C", "Т": "T", "У": "Y", "Х": "X", "І": "I", "Ј": "J", "Ѕ": "S",
    # Cyrillic lower case
    "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
    "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ј": "j", "ѕ": "s",
    # Greek capitals
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
    "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
    # Greek lower case that reads as Latin
    "ο": "o", "ι": "i", "κ": "k", "ν": "v",
    # Dotless i, printed by OCR in "Paul Goodwın"-style damage
    "ı": "i",
    # Typographic apostrophes, so "CEO’s" and "CEO's" match
    "‘": "'", "’": "'",
}  # fmt: skip
_CONFUSABLES_TABLE = str.maketrans(_CONFUSABLES)

# Invisible characters that survive NFKC: zero-width spaces and joiners, the byte-order mark
# that Excel puts at the start of a CSV, and soft hyphens.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_WHITESPACE = re.compile(r"\s+")


def normalise_text(s: str | None) -> str:
    """Fold a cell to a comparable form: NFKC, Latin look-alikes, single spaces, stripped.

    Use it for matching (initials, codes, headers, status words); keep the raw text for display.
    """
    if s is None:
        return ""
    text = unicodedata.normalize("NFKC", str(s))
    text = _INVISIBLE.sub("", text).translate(_CONFUSABLES_TABLE)
    return _WHITESPACE.sub(" ", text).strip()


# --------------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------------

Precision = Literal["day", "month", "undefined", "blank"]

_MONTHS = {
    name: number
    for number in range(1, 13)
    for name in (
        calendar.month_name[number].lower(),
        calendar.month_abbr[number].lower(),
    )
}
_MONTHS["sept"] = 9  # the Wiltshire plan writes "Sept 2018"

_PLACEHOLDERS = {
    "to be defined",
    "to be confirmed",
    "to be agreed",
    "tbc",
    "tba",
    "tbd",
}

_MONTH = r"(?P<month>[a-z]+)\.?"
_YEAR4 = r"(?P<year>\d{4})"
# Spreadsheet readers turn date cells into "2018-09-06 00:00:00"; the midnight time is noise.
_ISO = re.compile(r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})(?: 00:00(?::00)?)?")
_NUMERIC = re.compile(r"(?P<day>\d{1,2})[/.-](?P<month>\d{1,2})[/.-](?P<year>\d{4}|\d{2})")
_WEEKDAY = r"(?:(?:mon|tues|wednes|thurs|fri|satur|sun)day,?\s+)?"
_DAY_MONTH = re.compile(
    _WEEKDAY + r"(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+" + _MONTH + r"(?:,?\s+(?P<year>\d{4}))?"
)
_MONTH_YEAR = re.compile(_MONTH + r"(?P<sep>\s+|-|\s*'\s*)(?P<year>\d{4}|\d{2})")
_MONTH_ONLY = re.compile(_MONTH)


@dataclass(frozen=True)
class PlanDate:
    """A plan date as printed: the value, how precise it is, and the raw text it came from."""

    value: date | None
    precision: Precision
    raw: str
    assumed_year: bool = False

    def as_end(self) -> date | None:
        """The date to use when this is an end date: month precision means the month's last day."""
        if self.value is None or self.precision != "month":
            return self.value
        last_day = calendar.monthrange(self.value.year, self.value.month)[1]
        return self.value.replace(day=last_day)

    @property
    def warning(self) -> str | None:
        """A plain-English note for the import report, or None when nothing needs saying."""
        if self.assumed_year and self.value is not None:
            shown = f"{self.value:%B %Y}" if self.precision == "month" else f"{self.value:%d %B %Y}"
            return f"“{self.raw}” has no year; read as {shown}. Check the year."
        if self.precision == "undefined":
            return f"“{self.raw}” is kept as an undefined date; no date has been made up."
        return None


def parse_month_date(text: str | date | None, *, context_year: int | None = None) -> PlanDate:
    """Read a plan date: a month ("Sept 2018"), a UK day ("31/03/2019"), a placeholder or blank.

    A month with no year ("Sept") takes `context_year` (the row's start year or the plan's year)
    and is flagged `assumed_year` so the importer warns. Anything else raises PlanParseError.
    """
    if isinstance(text, date):
        # A spreadsheet date cell: the reader has already made it a date, so it is day-precise.
        day = text.date() if isinstance(text, datetime) else text
        return PlanDate(day, "day", day.isoformat())
    raw = "" if text is None else str(text).strip()
    cleaned = normalise_text(raw).lower()
    if not cleaned:
        return PlanDate(None, "blank", raw)
    if cleaned in _PLACEHOLDERS:
        return PlanDate(None, "undefined", raw)
    for reader in (_read_iso, _read_numeric, _read_day_month, _read_month_year, _read_month):
        parsed = reader(cleaned, raw, context_year)
        if parsed is not None:
            return parsed
    raise PlanParseError(
        f"“{raw}” is not a date we can read. Use a month and year (“Sept 2018”), "
        "a day (“31/03/2019”, day first), or “To be defined”."
    )


def _read_iso(cleaned: str, raw: str, _context_year: int | None) -> PlanDate | None:
    match = _ISO.fullmatch(cleaned)
    if match is None:
        return None
    day, month, year = int(match["day"]), int(match["month"]), int(match["year"])
    return PlanDate(_make_date(year, month, day, raw), "day", raw)


def _read_numeric(cleaned: str, raw: str, _context_year: int | None) -> PlanDate | None:
    match = _NUMERIC.fullmatch(cleaned)
    if match is None:
        return None
    year = _full_year(match["year"])
    day, month = int(match["day"]), int(match["month"])
    if month > 12:
        raise PlanParseError(
            f"“{raw}” has month {month}. Dates are read day first (UK order), "
            "so write 31 March 2019 as 31/03/2019."
        )
    return PlanDate(_make_date(year, month, day, raw), "day", raw)


def _read_day_month(cleaned: str, raw: str, context_year: int | None) -> PlanDate | None:
    match = _DAY_MONTH.fullmatch(cleaned)
    if match is None or match["month"] not in _MONTHS:
        return None
    month = _MONTHS[match["month"]]
    if match["year"]:
        return PlanDate(_make_date(int(match["year"]), month, int(match["day"]), raw), "day", raw)
    year = _required_context_year(raw, context_year)
    return PlanDate(_make_date(year, month, int(match["day"]), raw), "day", raw, True)


def _read_month_year(cleaned: str, raw: str, _context_year: int | None) -> PlanDate | None:
    match = _MONTH_YEAR.fullmatch(cleaned)
    if match is None or match["month"] not in _MONTHS:
        return None
    year_text = match["year"]
    if len(year_text) == 2 and not match["sep"].strip():
        # "Dec 18" could be 18 December or December 2018; only "Dec-18" / "Dec '18" are years.
        raise PlanParseError(
            f"“{raw}” is ambiguous (a day or a year?): write the year in full, "
            f"“{match['month'].title()} 20{year_text}”."
        )
    value = _make_date(_full_year(year_text), _MONTHS[match["month"]], 1, raw)
    return PlanDate(value, "month", raw)


def _read_month(cleaned: str, raw: str, context_year: int | None) -> PlanDate | None:
    match = _MONTH_ONLY.fullmatch(cleaned)
    if match is None or match["month"] not in _MONTHS:
        return None
    year = _required_context_year(raw, context_year)
    return PlanDate(date(year, _MONTHS[match["month"]], 1), "month", raw, True)


def _required_context_year(raw: str, context_year: int | None) -> int:
    if context_year is None:
        raise PlanParseError(
            f"“{raw}” has no year, and there is no start date or plan year to take it from. "
            "Add the year, for example “Sept 2018”."
        )
    return context_year


def _full_year(text: str) -> int:
    # Two-digit years in care plans ("31.07.18") are this century; nothing here predates 2000.
    return 2000 + int(text) if len(text) == 2 else int(text)


def _make_date(year: int, month: int, day: int, raw: str) -> date:
    # A care plan dated before 1900 or after 2199 is a typing slip ("Aug 1018"), not a date.
    if not 1900 <= year <= 2199:
        raise PlanParseError(f"“{raw}” has the year {year}, which cannot be right for a plan.")
    try:
        return date(year, month, day)
    except ValueError:
        raise PlanParseError(f"“{raw}” is not a real date (day {day}, month {month}).") from None


# --------------------------------------------------------------------------------------------
# Cross-references (CQC areas of improvement and other frameworks)
# --------------------------------------------------------------------------------------------


class Code(NamedTuple):
    """A cross-reference code within its framework, e.g. Code("AOI", "AOI7")."""

    framework: str
    code: str


class Correction(NamedTuple):
    """A damaged token corrected automatically because exactly one known code fits it."""

    raw: str
    code: Code
    message: str


class Unresolved(NamedTuple):
    """A token kept as printed for a person to resolve: several codes fit, or none does."""

    raw: str
    candidates: tuple[Code, ...]
    message: str


@dataclass(frozen=True)
class ReferenceParse:
    """The result of reading one cross-reference cell; `raw` is the cell as printed."""

    codes: tuple[Code, ...]
    corrections: tuple[Correction, ...]
    unresolved: tuple[Unresolved, ...]
    raw: str


# Separators between codes. Whitespace between codes is handled by the token pattern, because a
# space can also sit inside a code ("AOI 2").
_REFERENCE_SEPARATORS = re.compile(r"[,;/&+]|\band\b", re.IGNORECASE)
# A code: letters and digits (optionally joined by "-" or "."), then an optional number after a
# space: "AOI 2 AOI 8" is two tokens, "AOI 2" and "AOI 8".
_REFERENCE_TOKEN = re.compile(r"[A-Z0-9]+(?:[-.][A-Z0-9]+)*(?:\s+\d+\b)?")
_LEADING_ZEROS = re.compile(r"(?<=\D)0+(?=\d+$)")
# Characters OCR confuses in printed codes; a missing "I" is handled separately.
_OCR_SWAPS = {"0": "0O", "O": "O0", "1": "1I", "I": "I1"}
_MAX_TOKEN_FOR_READINGS = 8  # readings double per ambiguous character; real codes are short


def parse_references(
    text: str | None, *, codes_by_framework: Mapping[str, Collection[str]]
) -> ReferenceParse:
    """Read a cross-reference cell ("AOI 2 AOI 8, AOI 9") into codes of the given frameworks.

    Spacing, case and zero-padding ("AOI09") are formatting, fixed silently. OCR damage (0 for O,
    1 for I, a missing I) is corrected only when exactly one known code fits, and reported; when
    several fit or none does, the token is kept as unresolved with its candidates.
    """
    raw = "" if text is None else str(text)
    known = _known_codes(codes_by_framework)
    codes: list[Code] = []
    corrections: list[Correction] = []
    unresolved: list[Unresolved] = []
    for token in _reference_tokens(raw):
        exact = known.get(_code_key(token))
        if exact is not None:
            codes.append(exact)
            continue
        candidates = _ocr_candidates(token, known)
        if len(candidates) == 1:
            codes.append(candidates[0])
            corrections.append(
                Correction(token, candidates[0], _correction_message(token, candidates[0]))
            )
        else:
            unresolved.append(Unresolved(token, candidates, _unresolved_message(token, candidates)))
    return ReferenceParse(tuple(dict.fromkeys(codes)), tuple(corrections), tuple(unresolved), raw)


def _known_codes(codes_by_framework: Mapping[str, Collection[str]]) -> dict[str, Code]:
    known: dict[str, Code] = {}
    for framework, codes in codes_by_framework.items():
        for code in codes:
            known[_code_key(code)] = Code(framework, code)
    return known


def _reference_tokens(raw: str) -> list[str]:
    tokens: list[str] = []
    for piece in _REFERENCE_SEPARATORS.split(normalise_text(raw)):
        tokens.extend(_REFERENCE_TOKEN.findall(piece.upper()))
    return tokens


def _code_key(code: str) -> str:
    """Compare codes ignoring case, spaces, "-"/"." and zero-padding: "AOI 09" == "AOI9"."""
    compact = re.sub(r"[\s.\-]", "", normalise_text(code).upper())
    return _LEADING_ZEROS.sub("", compact)


def _ocr_candidates(token: str, known: Mapping[str, Code]) -> tuple[Code, ...]:
    """Every known code that some OCR reading of the token produces, in a stable order."""
    compact = re.sub(r"[\s.\-]", "", token)
    if len(compact) > _MAX_TOKEN_FOR_READINGS:
        return ()
    found: dict[str, Code] = {}
    for reading in _ocr_readings(compact):
        code = known.get(_code_key(reading))
        if code is not None:
            found[code.code] = code
    return tuple(sorted(found.values(), key=lambda c: (c.framework, _natural_key(c.code))))


def _ocr_readings(compact: str) -> set[str]:
    """All spellings the printed token may stand for: swap 0/O and 1/I, and restore one lost I."""
    swapped = _swapped_readings(compact, _OCR_SWAPS)
    # An I is only "lost" if none of the printed I's is taken for a 1: reading "AOI0" as AOI10
    # would need the printed I to be a 1 and another I to be missing, two slips for one letter.
    keep_i = _swapped_readings(compact, {**_OCR_SWAPS, "I": "I"})
    with_lost_i = {s[:i] + "I" + s[i:] for s in keep_i for i in range(len(s) + 1)}
    return (swapped | with_lost_i) - {compact}


def _swapped_readings(compact: str, swaps: Mapping[str, str]) -> set[str]:
    choices = [swaps.get(char, char) for char in compact]
    return {"".join(letters) for letters in itertools.product(*choices)}


def _natural_key(code: str) -> tuple[str, int]:
    match = re.fullmatch(r"(\D*)(\d+)", code)
    return (match[1], int(match[2])) if match else (code, 0)


def _correction_message(token: str, code: Code) -> str:
    return (
        f"“{token}” read as {code.code}: it is the only {code.framework} code it can be "
        "once OCR slips (0 for O, 1 for I, a missing I) are allowed for. Please check."
    )


def _unresolved_message(token: str, candidates: Sequence[Code]) -> str:
    if not candidates:
        return f"“{token}” is not a known cross-reference code; it is kept as printed for review."
    options = " or ".join(c.code for c in candidates)
    return f"“{token}” could be {options}; it is kept as printed for someone to choose."


# --------------------------------------------------------------------------------------------
# Leads
# --------------------------------------------------------------------------------------------

LeadKind = Literal["initials", "name", "team", "placeholder"]


@dataclass(frozen=True)
class LeadToken:
    """One lead from a lead cell: its normalised text, what kind of lead it is, and the raw text."""

    text: str
    kind: LeadKind
    raw: str


_LEAD_SEPARATORS = re.compile(r"[/,&]|\s+and\s+", re.IGNORECASE)
_INITIALS = re.compile(r"[A-Z]{2,4}")
_SPLIT_INITIALS = re.compile(r"[A-Z](?: [A-Z]){1,3}")  # "E L" printed for "EL"
_NAME_WORD = re.compile(r"(?:Mc|Mac)?[A-Z][a-z]*(?:[-'][A-Z]?[a-z]+)*")  # O'Brien, Charles-Barks
_POSSESSIVE = re.compile(r"'s$")  # "CEO's" is the word "CEO"
_TRAILING_BRACKETS = re.compile(r"\s*\([^)]*\)$")  # "Hayley Richards (AWP)"
_HONORIFICS = {"Cllr", "Dr", "Mr", "Mrs", "Ms", "Miss", "Prof", "Sir", "Dame"}
# Words that make a capitalised phrase a team or role rather than a person ("Public Health").
_TEAM_WORDS = {
    "all", "board", "ccg", "ceo", "ceos", "comms", "commissioning", "council", "director",
    "group", "health", "lead", "leads", "manager", "new", "nominee", "officer", "partners",
    "programme", "provider", "providers", "public", "service", "services", "team", "trust",
}  # fmt: skip
# Capitalised abbreviations of organisations, not a person's initials.
_ORGANISATION_ACRONYMS = {"NHS", "CCG", "ICB", "STP", "PCN", "GP", "GPS", "VCS", "AWP", "LA"}
_PLACEHOLDER_LEADS = {"TBA", "TBC", "TBD", "N/A", "NA", "NONE"}


def split_leads(text: str | None) -> list[LeadToken]:
    """Split a lead cell ("LP/CB/DB/E L", "DM/WC nominee") into leads, dropping exact repeats.

    Each token is classified as initials, a person's name, a team or free text, or a placeholder
    such as "TBA" (which names nobody); the raw token is kept.
    """
    raw = "" if text is None else str(text)
    if normalise_text(raw).upper() in _PLACEHOLDER_LEADS:
        return [LeadToken(normalise_text(raw), "placeholder", raw.strip())]
    leads: dict[str, LeadToken] = {}
    for piece in _LEAD_SEPARATORS.split(raw):
        lead_text = normalise_text(piece)
        if not lead_text:
            continue
        if _SPLIT_INITIALS.fullmatch(lead_text):
            lead_text = lead_text.replace(" ", "")
        leads.setdefault(lead_text, LeadToken(lead_text, _lead_kind(lead_text), piece.strip()))
    return list(leads.values())


def _lead_kind(text: str) -> LeadKind:
    if text.upper() in _PLACEHOLDER_LEADS:
        return "placeholder"
    if _INITIALS.fullmatch(text) and text not in _ORGANISATION_ACRONYMS:
        return "initials"
    if _looks_like_name(text):
        return "name"
    return "team"


def _looks_like_name(text: str) -> bool:
    words = _TRAILING_BRACKETS.sub("", text).split()
    titled = bool(words) and words[0].rstrip(".") in _HONORIFICS
    if titled:
        words = words[1:]  # "Dr. Smith" is a person even with one name after the title
    if not (1 if titled else 2) <= len(words) <= 4:
        return False
    if any(_POSSESSIVE.sub("", w.lower()) in _TEAM_WORDS for w in words):
        return False
    return all(_NAME_WORD.fullmatch(w) for w in words)


# --------------------------------------------------------------------------------------------
# Status
# --------------------------------------------------------------------------------------------

# Keys are status text lower-cased with spaces and hyphens around "/" removed ("amber / red").
_R = Rating
_STATUS_WORDS = {
    "g": _R.GREEN, "green": _R.GREEN,
    "a": _R.AMBER, "amber": _R.AMBER,
    "r": _R.RED, "red": _R.RED,
    "a/r": _R.AMBER_RED, "ar": _R.AMBER_RED, "amber/red": _R.AMBER_RED,
    "amber red": _R.AMBER_RED,
    "a/g": _R.AMBER_GREEN, "ag": _R.AMBER_GREEN, "amber/green": _R.AMBER_GREEN,
    "amber green": _R.AMBER_GREEN,
    "complete": _R.COMPLETE, "completed": _R.COMPLETE, "done": _R.COMPLETE, "c": _R.COMPLETE,
    "": _R.NOT_RATED, "not rated": _R.NOT_RATED,
}  # fmt: skip


@dataclass(frozen=True)
class StatusParse:
    """A status cell mapped to a rating code; `unmapped` text is kept raw and reported."""

    rating: str
    raw: str
    unmapped: bool = False

    @property
    def warning(self) -> str | None:
        if not self.unmapped:
            return None
        return f"Status “{self.raw}” is not a rating we recognise; kept as written and not rated."


def parse_status(text: str | None, *, scale: str) -> StatusParse:
    """Map status text ("G", "Amber / Red", "Complete", blank) to a rating code on `scale`.

    Unrecognised text (the Wiltshire plan's "delivery") maps to not rated with `unmapped` set.
    A rating the scale does not have (Amber/Red on three-point RAG) raises PlanParseError.
    """
    if scale not in RatingScale.values:
        raise ValueError(
            f"Unknown rating scale {scale!r}; expected one of {sorted(RatingScale.values)}"
        )
    ratings = SCALE_RATINGS[RatingScale(scale)]
    raw = "" if text is None else str(text).strip()
    # "Amber / Red", "Amber-Red" and "amber/red" are the same rating written differently.
    key = re.sub(r"\s*[/-]\s*", "/", normalise_text(raw).lower())
    rating = _STATUS_WORDS.get(key)
    if rating is None:
        return StatusParse(Rating.NOT_RATED, raw, unmapped=True)
    if rating not in ratings:
        allowed = ", ".join(r.label for r in ratings)
        raise PlanParseError(
            f"Status “{raw}” means {rating.label}, which the "
            f"{SCALE_DESCRIPTIONS[RatingScale(scale)]} "
            f"does not have. Use one of: {allowed}."
        )
    return StatusParse(rating, raw)


# --------------------------------------------------------------------------------------------
# Column headers
# --------------------------------------------------------------------------------------------

# Canonical column names, and the header variants real trackers use for each. Misprints such as
# "Page 22" for "Ref" are deliberately not accepted: they are page furniture, not headers.
PLAN_COLUMNS: dict[str, tuple[str, ...]] = {
    "workstream": ("Workstream", "Work stream", "Theme"),
    "workstream_number": ("Number", "Workstream number", "Workstream no", "Theme number"),
    "ref": ("Ref", "Reference", "Ref no", "Ref number", "Reference number"),
    "title": ("Project milestone", "Milestone", "Action", "Project milestones", "Milestones"),
    "leads": ("Lead", "Leads", "Lead(s)", "Owner", "Owners"),
    "start": ("Start Date", "Start", "Baseline start"),
    "end": ("End Date", "End", "Due", "Due date", "Baseline end"),
    "status": ("Status (G/A/R)", "Status", "RAG", "RAG status"),
    "governance": ("Governance", "Governance body"),
    "references": (
        "CQC Cross reference key",
        "CQC ref",
        "CQC reference",
        "Cross reference",
        "Cross references",
        "Cross-reference",
        "AOI",
    ),
    "section": ("Section",),
    "parent_ref": ("Parent ref", "Parent reference", "Parent"),
    "sub_group": ("Sub-group", "Subgroup", "Sub-heading"),
    "forecast_end": ("Forecast end", "Forecast end date", "Forecast"),
    "forecast_reason": ("Forecast reason", "Reason for forecast", "Slippage reason"),
    "completed_date": ("Completed date", "Date completed", "Completion date"),
    "progress": ("Progress", "Narrative", "Progress narrative"),
    "cause": ("Cause",),
    "path_to_green": ("Path to green", "Recovery actions"),
}
REQUIRED_COLUMNS = ("ref", "title", "workstream")


def _header_key(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", normalise_text(name).lower()).strip()


_HEADER_INDEX = {
    _header_key(v): canon for canon, variants in PLAN_COLUMNS.items() for v in variants
}
_UNNAMED = re.compile(r"Unnamed: (\d+)")  # pandas' name for a column with an empty heading


def canonical_header(name: str | None) -> str | None:
    """The canonical column a header stands for ("Due" -> "end"), or None if it is not one."""
    if name is None:
        return None
    return _HEADER_INDEX.get(_header_key(str(name)))


def map_plan_columns(headers: Iterable[str]) -> tuple[dict[str, str], list[Finding]]:
    """Map a file's headers to canonical columns, keyed by canonical name, valued by the header.

    Extra columns are warnings (they are ignored); a missing required column or two headers
    for the same column are errors.
    """
    mapping: dict[str, str] = {}
    findings: list[Finding] = []
    for position, header in enumerate(headers, start=1):
        text = "" if header is None else str(header)
        canon = canonical_header(text)
        if canon is None:
            findings.append(Finding.warning(_ignored_message(text, position), column=text or None))
        elif canon in mapping:
            findings.append(Finding.error(_duplicate_message(text, mapping[canon]), column=text))
        else:
            mapping[canon] = text
    for canon in REQUIRED_COLUMNS:
        if canon not in mapping:
            findings.append(Finding.error(_missing_message(canon)))
    return mapping, findings


def _ignored_message(text: str, position: int) -> str:
    if not normalise_text(text) or _UNNAMED.fullmatch(text):
        return f"Column {position} has no heading; it is ignored."
    return f"Column “{text}” is not a plan column; it is ignored."


def _duplicate_message(text: str, earlier: str) -> str:
    return (
        f"Columns “{earlier}” and “{text}” both look like the same column; "
        "keep one of them or rename the other."
    )


def _missing_message(canon: str) -> str:
    name, *others = PLAN_COLUMNS[canon]
    also = ", ".join(f"“{o}”" for o in others)
    return f"The file has no “{name}” column (also accepted: {also}). It is needed for every row."
