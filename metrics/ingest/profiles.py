"""Step 2: profiles (saved column mappings per source) and matching a file's header to roles.

A profile is plain JSON so that it can be exported, edited and imported (format version 1):

    {
      "version": 1,
      "name": "trafford-dtoc",
      "source": "Trafford Data Lab, DTOC beds",
      "layout": "long",                        # long | wide_months | wide_measures
      "columns": {"area_code": ["area_code", "ONS code"], "value": ["value"]},
      "defaults": {"kind": "actual", "financial_year": "2017/18"},
      "metric_aliases": {"Daily DTOC beds attributable to adult social care": "dtoc_beds_asc",
                         "Variance": null},    # null: rows with this text are skipped
      "kind_aliases": {"Baseline (15/16 Activity)": "baseline"},
      "measures": {"dtoc_total": ["dtoc_days", "actual"]},   # wide_measures: column -> metric, kind
      "total_columns": ["Full Year", "Total"],
      "sheet": null
    }

Header texts match case-, space- and punctuation-insensitively. A role missing from `columns`
falls back to the built-in aliases; an empty list switches that off.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from metrics.ingest.types import KINDS, STATUSES, FindingLog
from metrics.periods import (
    Period,
    PeriodError,
    find_financial_year,
    fy_label,
    is_month_name,
    parse_financial_year,
    parse_period,
)

FORMAT_VERSION = 1
LAYOUTS = ("long", "wide_months", "wide_measures")
ROLES = (
    "area_code",
    "area_name",
    "period",
    "financial_year",
    "month_name",
    "metric",
    "kind",
    "value",
    "numerator",
    "denominator",
    "status",
    "note",
)
DEFAULT_KEYS = (
    "area_code",
    "area_name",
    "metric",
    "kind",
    "financial_year",
    "period",
    "status",
    "note",
)
DEFAULT_TOTALS = ["Full Year", "Full year", "Total", "Year total", "Annual total"]

BUILTIN_ALIASES: dict[str, list[str]] = {
    "area_code": [
        "area_code",
        "ONS code",
        "Area Code",
        "LA code",
        "Org code",
        "Organisation code",
        "Geography code",
        "Local authority code",
        "HWB code",
        "Code",
    ],
    "area_name": [
        "area_name",
        "Area",
        "Local authority",
        "Area name",
        "LA name",
        "LA",
        "Organisation",
        "Organisation name",
        "Geography",
        "HWB",
        "Council",
        "Name",
    ],
    "period": [
        "period",
        "Month",
        "Date",
        "Year",
        "Period",
        "Time period",
        "Reporting period",
        "Period start",
    ],
    "financial_year": ["financial_year", "Financial year", "FY", "Fin year", "Year"],
    "month_name": ["month_name", "Month", "Month name"],
    "metric": [
        "metric",
        "Metric code",
        "Metric name",
        "Indicator",
        "Indicator name",
        "Measure name",
    ],
    "kind": ["kind", "Type", "Value type", "Series", "Data type"],
    "value": [
        "value",
        "Value",
        "Count",
        "Rate",
        "Number",
        "Figure",
        "Percentage",
        "Percent",
        "Proportion",
        "Actual",
    ],
    "numerator": ["numerator", "Num"],
    "denominator": ["denominator", "Denom", "Population"],
    "status": ["status", "Flag", "Data status"],
    "note": ["note", "Notes", "Comment", "Comments"],
}
# Roles each layout takes from the built-in aliases when the profile does not name them.
LAYOUT_ROLES = {
    "long": ROLES,
    "wide_months": ("area_code", "area_name", "metric", "kind", "status", "note"),
    "wide_measures": (
        "area_code",
        "area_name",
        "period",
        "financial_year",
        "month_name",
        "status",
        "note",
    ),
}


class ProfileError(ValueError):
    """A profile (usually imported JSON) that is not valid; the message names the bad key."""


def normalise_header(text: str) -> str:
    """'Area Code', 'area_code' and ' AREA-CODE ' all become 'areacode'."""
    return re.sub(r"[^0-9a-z]+", "", str(text).lower().replace("&", "and"))


@dataclass
class Profile:
    """How to read one source's files: layout, header aliases per role, defaults and aliases."""

    name: str = "guessed"
    source: str = ""
    layout: str = "long"
    columns: dict[str, list[str]] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    metric_aliases: dict[str, str | None] = field(default_factory=dict)
    kind_aliases: dict[str, str] = field(default_factory=dict)
    measures: dict[str, tuple[str, str]] = field(default_factory=dict)
    total_columns: list[str] = field(default_factory=lambda: list(DEFAULT_TOTALS))
    sheet: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "version": FORMAT_VERSION,
            "name": self.name,
            "source": self.source,
            "layout": self.layout,
            "columns": {role: list(aliases) for role, aliases in self.columns.items()},
            "defaults": dict(self.defaults),
            "metric_aliases": dict(self.metric_aliases),
            "kind_aliases": dict(self.kind_aliases),
            "measures": {header: list(pair) for header, pair in self.measures.items()},
            "total_columns": list(self.total_columns),
            "sheet": self.sheet,
        }

    @classmethod
    def from_dict(cls, data: object) -> Profile:
        return _profile_from_dict(data)


ColumnMapping = Profile  # the name for the same thing


def profile_to_json(profile: Profile) -> str:
    return json.dumps(profile.to_dict(), indent=2, ensure_ascii=False)


def profile_from_json(text: str) -> Profile:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProfileError(
            f"The profile is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})."
        ) from None
    return _profile_from_dict(data)


def default_financial_year(profile: Profile) -> int | None:
    """The profile's default financial year as its start year ('2017/18' or '2017' → 2017)."""
    text = (profile.defaults.get("financial_year") or "").strip()
    if not text:
        return None
    if text.isdigit() and len(text) == 4:
        return int(text)
    try:
        return parse_financial_year(text)
    except PeriodError:
        raise ProfileError(
            f"'defaults' → 'financial_year': '{text}' is not a financial year; use e.g. '2017/18'."
        ) from None


# --- validation of imported profiles ---------------------------------------------------------


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ProfileError(message)


def _text_map(data: dict, key: str, *, allow_null: bool = False) -> dict[str, str | None]:
    value = data.get(key, {})
    _require(isinstance(value, dict), f"'{key}' must be an object of text to text.")
    for item_key, item in value.items():
        ok = isinstance(item, str) or (allow_null and item is None)
        _require(ok, f"'{key}' → '{item_key}' must be a text{' or null' if allow_null else ''}.")
    return dict(value)


def _columns(data: dict) -> dict[str, list[str]]:
    value = data.get("columns", {})
    _require(isinstance(value, dict), "'columns' must be an object of role to header aliases.")
    columns: dict[str, list[str]] = {}
    for role, aliases in value.items():
        _require(
            role in ROLES, f"Unknown role '{role}' in 'columns'; roles are {', '.join(ROLES)}."
        )
        aliases = [aliases] if isinstance(aliases, str) else aliases
        valid = isinstance(aliases, list) and all(isinstance(a, str) for a in aliases)
        _require(valid, f"'columns' → '{role}' must be a list of header texts.")
        columns[role] = aliases
    return columns


def _measures(data: dict) -> dict[str, tuple[str, str]]:
    value = data.get("measures", {})
    _require(isinstance(value, dict), "'measures' must be an object of header to [metric, kind].")
    measures: dict[str, tuple[str, str]] = {}
    for header, pair in value.items():
        if isinstance(pair, dict):
            pair = [pair.get("metric"), pair.get("kind", "actual")]
        if isinstance(pair, str):
            pair = [pair, "actual"]
        valid = isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)
        _require(valid, f"'measures' → '{header}' must be [metric code, kind].")
        _require(
            pair[1] in KINDS, f"'measures' → '{header}': kind must be one of {', '.join(KINDS)}."
        )
        measures[header] = (pair[0], pair[1])
    return measures


def _profile_from_dict(data: object) -> Profile:
    _require(isinstance(data, dict), "A profile must be a JSON object.")
    assert isinstance(data, dict)
    allowed = set(Profile().to_dict())
    for key in data:
        _require(
            key in allowed,
            f"Unknown key '{key}' in the profile; keys are {', '.join(sorted(allowed))}.",
        )
    _require(data.get("version") == FORMAT_VERSION, f"'version' must be {FORMAT_VERSION}.")
    name = data.get("name", "")
    _require(isinstance(name, str) and name.strip() != "", "'name' must be a non-empty text.")
    _require(isinstance(data.get("source", ""), str), "'source' must be a text.")
    layout = data.get("layout", "long")
    _require(layout in LAYOUTS, f"'layout' must be one of {', '.join(LAYOUTS)}, not {layout!r}.")
    defaults = _text_map(data, "defaults")
    for key in defaults:
        _require(
            key in DEFAULT_KEYS,
            f"Unknown key '{key}' in 'defaults'; keys are {', '.join(DEFAULT_KEYS)}.",
        )
    _require(
        defaults.get("kind", "actual") in KINDS,
        f"'defaults' → 'kind' must be one of {', '.join(KINDS)}.",
    )
    _require(
        defaults.get("status", "reported") in STATUSES,
        f"'defaults' → 'status' must be one of {', '.join(STATUSES)}.",
    )
    kind_aliases = _text_map(data, "kind_aliases")
    for text, kind in kind_aliases.items():
        _require(kind in KINDS, f"'kind_aliases' → '{text}' must be one of {', '.join(KINDS)}.")
    totals = data.get("total_columns", list(DEFAULT_TOTALS))
    _require(
        isinstance(totals, list) and all(isinstance(t, str) for t in totals),
        "'total_columns' must be a list of header texts.",
    )
    sheet = data.get("sheet")
    _require(sheet is None or isinstance(sheet, str), "'sheet' must be a text or null.")
    profile = Profile(
        name=name,
        source=data.get("source", ""),
        layout=layout,
        columns=_columns(data),
        defaults={k: str(v) for k, v in defaults.items()},
        metric_aliases=_text_map(data, "metric_aliases", allow_null=True),
        kind_aliases={k: str(v) for k, v in kind_aliases.items()},
        measures=_measures(data),
        total_columns=list(totals),
        sheet=sheet,
    )
    default_financial_year(profile)  # raises ProfileError naming the key when it is not a year
    return profile


# --- matching a header to a profile ----------------------------------------------------------


@dataclass
class ColumnMap:
    """Which header column plays which part, for one file and one profile."""

    roles: dict[str, str] = field(default_factory=dict)
    periods: dict[str, Period] = field(default_factory=dict)
    measures: dict[str, tuple[str, str]] = field(default_factory=dict)
    totals: list[str] = field(default_factory=list)
    unused: list[str] = field(default_factory=list)


class _Header:
    """The header with a lookup by normalised text that hands out each column once."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.claimed: set[str] = set()

    def take(self, aliases: list[str]) -> str | None:
        wanted = [normalise_header(a) for a in aliases]
        for alias in wanted:
            for name in self.names:
                if name not in self.claimed and normalise_header(name) == alias:
                    self.claimed.add(name)
                    return name
        return None

    def free(self) -> list[str]:
        return [n for n in self.names if n not in self.claimed]


def map_columns(
    header: list[str], profile: Profile, *, title_lines: list[str], log: FindingLog
) -> ColumnMap:
    """Assign columns to roles; log an error for a required role that has no column and no
    default, and a warning for each column that is not used."""
    cols = _Header(header)
    result = ColumnMap()
    try:
        default_financial_year(profile)
    except ProfileError as exc:
        log.add("error", str(exc))
        return result
    for role, aliases in profile.columns.items():
        found = cols.take(aliases)
        if found:
            result.roles[role] = found
    _take_measures(cols, profile, result, log)
    while (total := cols.take(profile.total_columns)) is not None:
        result.totals.append(total)
    if profile.layout == "wide_months":
        _take_periods(cols, profile, result, title_lines, log)
    _take_builtin(cols, profile, result)
    if profile.layout == "wide_months" and "metric" not in result.roles:
        _take_row_label(cols, profile, result)
    result.unused = cols.free()
    for name in result.unused:
        log.add("warning", f"Column '{name}' is not used and was ignored.", column=name)
    _check_required(profile, result, log)
    return result


def _take_measures(cols: _Header, profile: Profile, result: ColumnMap, log: FindingLog) -> None:
    if profile.layout != "wide_measures":
        return
    for header, pair in profile.measures.items():
        found = cols.take([header])
        if found:
            result.measures[found] = pair
        else:
            log.add("warning", f"Column '{header}' named in the profile is not in the file.")


def _take_periods(
    cols: _Header, profile: Profile, result: ColumnMap, title_lines: list[str], log: FindingLog
) -> None:
    """Columns whose header is a period: 'Apr-16', '2019/20', or a bare 'Apr' with the year from
    the profile or, failing that, from the title or first header cell ('2017-18 Plans')."""
    year = default_financial_year(profile)
    bare = [n for n in cols.free() if is_month_name(n)]
    if bare and year is None:
        year = _year_from_titles([*title_lines, *cols.names], log)
        if year is None:
            log.add(
                "error",
                f"Month columns ({', '.join(bare[:3])} …) have no year; give the financial "
                "year in the profile's defaults (e.g. '2017/18').",
            )
            return
    for name in cols.free():
        try:
            result.periods[name] = parse_period(name, financial_year=year)
        except PeriodError:
            continue
        cols.claimed.add(name)


def _year_from_titles(texts: list[str], log: FindingLog) -> int | None:
    for text in texts:
        found = find_financial_year(text)
        if found is not None:
            log.add(
                "warning",
                f"Month columns have no year; took {fy_label(found)} from '{text}'. "
                "Set the financial year in the profile to be sure.",
            )
            return found
    return None


def _take_builtin(cols: _Header, profile: Profile, result: ColumnMap) -> None:
    roles = [r for r in LAYOUT_ROLES[profile.layout] if r not in profile.columns]
    # A 'Year' and a 'Month' column together are a financial year plus a month name.
    pair_free = "period" not in result.roles and {"financial_year", "month_name"} <= set(roles)
    if pair_free and "period" not in profile.columns:
        names = {normalise_header(n) for n in cols.free()}
        months = {normalise_header(a) for a in BUILTIN_ALIASES["month_name"]}
        years = {normalise_header(a) for a in BUILTIN_ALIASES["financial_year"]}
        if names & months and names & years:
            roles = ["financial_year", "month_name"] + [r for r in roles if r != "period"]
    for role in roles:
        if role in result.roles:
            continue
        found = cols.take(BUILTIN_ALIASES[role])
        if found:
            result.roles[role] = found


def _take_row_label(cols: _Header, profile: Profile, result: ColumnMap) -> None:
    """In a wide table the first text column usually labels the rows ('Total NEL')."""
    if "metric" in profile.defaults or "metric" in profile.columns:
        return
    free = cols.free()
    if free:
        result.roles["metric"] = free[0]
        cols.claimed.add(free[0])


def _aliases_text(profile: Profile, role: str) -> str:
    aliases = profile.columns.get(role) or BUILTIN_ALIASES[role]
    return ", ".join(f"'{a}'" for a in aliases)


def _check_required(profile: Profile, result: ColumnMap, log: FindingLog) -> None:
    roles, defaults = result.roles, profile.defaults
    if not ({"area_code", "area_name"} & set(roles) or {"area_code", "area_name"} & set(defaults)):
        log.add(
            "error",
            "No column for the area; looked for "
            f"{_aliases_text(profile, 'area_code')} and {_aliases_text(profile, 'area_name')}.",
        )
    has_period = "period" in roles or "financial_year" in roles or "period" in defaults
    if profile.layout != "wide_months" and not has_period:
        log.add(
            "error", f"No column for the period; looked for {_aliases_text(profile, 'period')}."
        )
    if profile.layout != "wide_measures" and "metric" not in roles and "metric" not in defaults:
        log.add(
            "error",
            f"No column for the metric and no default metric; looked for "
            f"{_aliases_text(profile, 'metric')}.",
        )
    has_value = "value" in roles or {"numerator", "denominator"} <= set(roles)
    if profile.layout == "long" and not has_value:
        log.add("error", f"No column for the value; looked for {_aliases_text(profile, 'value')}.")
    if profile.layout == "wide_months" and not result.periods:
        log.add(
            "error", "No month or period columns found (expected headers like 'Apr-16' or 'Apr')."
        )
    if profile.layout == "wide_measures" and not result.measures:
        log.add(
            "error",
            "None of the profile's measure columns are in the file: "
            f"{', '.join(repr(m) for m in profile.measures) or 'none given'}.",
        )


def guess_profile(header: list[str], *, title_lines: list[str] | None = None) -> Profile:
    """Propose a profile from the built-in aliases: a long layout, or wide by month when three or
    more headers are periods. The analyst reviews it before it is saved."""
    periodic = [h for h in header if _is_period_header(h)]
    layout = "wide_months" if len(periodic) >= 3 else "long"
    profile = Profile(name="guessed", layout=layout, defaults={"kind": "actual"})
    log = FindingLog()
    mapped = map_columns(header, profile, title_lines=title_lines or [], log=log)
    profile.columns = {role: [name] for role, name in mapped.roles.items()}
    if layout == "wide_months" and any(is_month_name(h) for h in periodic):
        year = next(
            (
                find_financial_year(t)
                for t in [*(title_lines or []), *header]
                if find_financial_year(t) is not None
            ),
            None,
        )
        if year is not None:
            profile.defaults["financial_year"] = fy_label(year)
    return profile


def _is_period_header(text: str) -> bool:
    if is_month_name(text):
        return True
    try:
        parse_period(text)
    except PeriodError:
        return False
    return True
