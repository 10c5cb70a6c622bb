"""Areas: matching the codes and names in uploaded files to the areas this product knows.

`AreaResolver` is built once per upload from three queries and then answers every (code, name)
pair in the file from memory, so a million-row file costs the same three queries as a small one.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from metrics.ingest.types import AreaMatch
from metrics.models import Area, AreaAlias, Upload

ONS_CODE = re.compile(r"^[ENSW]\d{8}$")

COMPARATOR_KINDS = frozenset({"country", "region", "combined"})

# Codes of the other UK nations: never part of England's Better Care Fund.
OTHER_NATIONS = {
    "S": "Scottish",
    "W": "Welsh",
    "N": "Northern Irish",
}
OTHER_NATION_TYPES = {
    "S12": "Scottish council area codes (S12…)",
    "S08": "Scottish health board codes (S08…)",
    "W06": "Welsh unitary authority codes (W06…)",
    "W11": "Welsh local health board codes (W11…)",
    "N09": "Northern Ireland local government district codes (N09…)",
}

# English ONS code types that are real places but not Health and Wellbeing Board areas.
NOT_HWB_TYPES = {
    "E07": "a district",
    "E05": "an electoral ward",
    "E01": "a lower layer super output area",
    "E02": "a middle layer super output area",
    "E38": "an NHS clinical commissioning group or sub-ICB location",
    "E54": "an integrated care board",
    "E40": "an NHS England region",
}

# Words that name the council rather than the place: "Trafford Council",
# "London Borough of Barnet", "Kingston upon Hull, City of".
_PREFIXES = (
    ("london", "borough", "of"),
    ("royal", "borough", "of"),
    ("metropolitan", "borough", "of"),
    ("borough", "of"),
    ("county", "of"),
    ("city", "of"),
    ("the",),
)
_SUFFIXES = (
    ("metropolitan", "borough", "council"),
    ("metropolitan", "district", "council"),
    ("borough", "council"),
    ("district", "council"),
    ("county", "council"),
    ("city", "council"),
    ("unitary", "authority"),
    ("council",),
    ("city", "of"),
    ("county", "of"),
    ("ua",),
)
_WORDS = {"upon": "on", "saint": "st"}


def normalise_area_name(text: str | None) -> str:
    """Fold an area name for matching: 'Stockton On Tees' and 'Stockton-on-Tees', 'Kingston Upon
    Hull' and 'Kingston upon Hull, City of', 'St. Helens' and 'St Helens', '&' and 'and' all fold
    to the same text. Used both when storing `AreaAlias.normalised` and when matching a file."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", str(text)).lower().replace("&", " and ")
    text = re.sub(r"['’`]", "", text)  # "King's Lynn" → "kings lynn"
    tokens = [_WORDS.get(t, t) for t in re.sub(r"[^0-9a-z]+", " ", text).split()]
    changed = True
    while changed and tokens:
        changed = False
        for prefix in _PREFIXES:
            rest = tokens[len(prefix) :]
            # "City of London" is a place name, not "London" with a council prefix.
            if tuple(tokens[: len(prefix)]) == prefix and rest and rest != ["london"]:
                tokens, changed = rest, True
        for suffix in _SUFFIXES:
            rest = tokens[: -len(suffix)]
            if tuple(tokens[-len(suffix) :]) == suffix and rest:
                tokens, changed = rest, True
    return " ".join(tokens)


def normalise_area_code(code: str | None) -> str:
    """Codes match without case or spaces: ' e08000009 ' is E08000009."""
    return re.sub(r"\s+", "", str(code or "")).upper()


def _long_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


@dataclass(frozen=True)
class _Area:
    """What the resolver keeps of an area: plain values, so answering needs no queries."""

    code: str
    name: str
    kind: str
    is_hwb: bool
    is_comparator: bool
    valid_from: date | None
    valid_to: date | None

    @property
    def label(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def rank(self) -> tuple[bool, bool, bool, str]:
        # When a name fits several areas: programme areas before districts, current before
        # abolished (a file saying "Somerset" most likely means the authority that exists now).
        return (self.kind == "district", self.valid_to is not None, not self.is_hwb, self.code)


class AreaResolver:
    """Answers `resolver(code, name) -> AreaMatch` for an upload, from memory.

    Build it once per upload (three queries); call it for every distinct (code, name) pair.
    Legacy codes matched by name are collected in `learned` (legacy code → ONS code) so that the
    upload can remember them with `area_aliases_remember` when it is applied.
    """

    def __init__(self) -> None:
        rows = Area.objects.only(
            "pk", "code", "name", "kind", "is_hwb", "is_comparator", "valid_from", "valid_to"
        )
        self._by_code: dict[str, _Area] = {}
        self._by_id: dict[int, _Area] = {}
        for row in rows:
            area = _Area(
                code=row.code,
                name=row.name,
                kind=row.kind,
                is_hwb=row.is_hwb,
                is_comparator=row.is_comparator,
                valid_from=row.valid_from,
                valid_to=row.valid_to,
            )
            self._by_code[normalise_area_code(area.code)] = area
            self._by_id[row.pk] = area

        self._successors: dict[str, list[_Area]] = {}
        through = Area.successors.through.objects.values_list("from_area_id", "to_area_id")
        for old_id, new_id in through:
            if old_id in self._by_id and new_id in self._by_id:
                old, new = self._by_id[old_id], self._by_id[new_id]
                self._successors.setdefault(old.code, []).append(new)
        for successors in self._successors.values():
            successors.sort(key=lambda a: a.code)

        # Names and aliases fold to one index; an area's own name wins over an alias.
        self._by_name: dict[str, list[_Area]] = {}
        for area in self._by_code.values():
            self._index_name(area.name, area)
        self._code_aliases: dict[str, _Area] = {}
        aliases = AreaAlias.objects.values_list("area_id", "alias", "normalised", "is_code")
        for area_id, alias, normalised, is_code in aliases:
            aliased = self._by_id.get(area_id)
            if aliased is None:
                continue
            if is_code:
                self._code_aliases[normalise_area_code(normalised or alias)] = aliased
            else:
                self._index_name(alias, aliased, normalised=normalised)
        for found in self._by_name.values():
            found.sort(key=lambda a: a.rank)
        # Suggestions come from areas a file could mean: programme areas and comparators.
        self._suggestable = {
            key: found
            for key, found in self._by_name.items()
            if any(a.kind != "district" for a in found)
        }
        self.learned: dict[str, str] = {}

    def _index_name(self, text: str, area: _Area, *, normalised: str | None = None) -> None:
        key = normalised or normalise_area_name(text)
        if key:
            found = self._by_name.setdefault(key, [])
            if area not in found:
                found.append(area)

    # --- answering ---------------------------------------------------------------------------

    def __call__(self, code: str | None, name: str | None) -> AreaMatch:
        code = normalise_area_code(code)
        name = (name or "").strip()
        if code:
            return self._by_given_code(code, name)
        if name:
            return self._by_given_name(name)
        return AreaMatch(None, "unknown", "The row has no area code or name.")

    def _by_given_code(self, code: str, name: str) -> AreaMatch:
        area = self._by_code.get(code)
        if area is not None:
            return self._answer(area)
        alias = self._code_aliases.get(code)
        if alias is not None:
            return self._answer(
                alias, legacy=f"'{code}' is an old code for {alias.name}; stored as {alias.code}."
            )
        if ONS_CODE.match(code):
            return self._unknown_ons_code(code, name)
        # Not an ONS code: a pre-2009 code such as 00BR or 318. Match it by the file's name.
        found = self._lookup_name(name) if name else None
        if found is None and not name:
            # A name in the code column ("Trafford") still says which area it is.
            found = self._lookup_name(code)
            if found is not None:
                return self._answer(found[0], also=found[1:])
        if found is not None:
            # A pre-2009 code means an old file: of two areas with one name (Somerset), the one
            # that existed then, not its successor.
            found = sorted(found, key=lambda a: (a.kind == "district", a.valid_from is not None))
            area = found[0]
            if area.kind != "district":
                self.learned[code] = area.code
            return self._answer(
                area,
                also=found[1:],
                legacy=(
                    f"'{code}' is not an ONS code; matched by the name '{name}' to "
                    f"{area.label}. The code will be remembered as an alias when applied."
                ),
            )
        return AreaMatch(
            None,
            "unknown",
            f"'{code}' is not an ONS code (such as E08000009). Older files use codes like "
            "00BR or 318: give the area's name in the file so it can be matched by name.",
            self._suggest(name) if name else [],
        )

    def _unknown_ons_code(self, code: str, name: str) -> AreaMatch:
        nation = OTHER_NATIONS.get(code[0])
        if nation:
            kind = OTHER_NATION_TYPES.get(code[:3], f"{nation} codes ({code[:3]}…)")
            return AreaMatch(None, "out_of_scope", f"{kind} are outside England's BCF.")
        what = NOT_HWB_TYPES.get(code[:3])
        if what:
            label = f"{name} ({code})" if name else code
            return AreaMatch(
                None, "out_of_scope", f"{label} is {what}, not a Health and Wellbeing Board area."
            )
        if name:
            suggestions = self._suggest(name)
        else:
            # Codes of the same type first (E08… for E08…): a typo rarely changes the type.
            codes = [
                c for c, a in self._by_code.items() if a.kind != "district" and c[:3] == code[:3]
            ] or [c for c, a in self._by_code.items() if a.kind != "district"]
            near = difflib.get_close_matches(code, codes, n=5, cutoff=0.75)
            suggestions = [self._by_code[c].label for c in near]
        return AreaMatch(None, "unknown", f"'{code}' is not a known ONS area code.", suggestions)

    def _by_given_name(self, name: str) -> AreaMatch:
        found = self._lookup_name(name)
        if found is None:
            return AreaMatch(None, "unknown", f"No area is called '{name}'.", self._suggest(name))
        return self._answer(found[0], also=found[1:])

    def _lookup_name(self, name: str) -> list[_Area] | None:
        return self._by_name.get(normalise_area_name(name)) or None

    def _answer(
        self, area: _Area, *, also: Iterable[_Area] = (), legacy: str | None = None
    ) -> AreaMatch:
        notes = [legacy] if legacy else []
        if area.kind == "district":
            notes.append(
                f"{area.label} is a district, not a Health and Wellbeing Board area; the county "
                "or unitary area it belongs to is not recorded here."
            )
            return AreaMatch(area.code, "out_of_scope", " ".join(notes))
        if area.valid_to is not None:
            successors = self._successors.get(area.code, [])
            after = _long_date(area.valid_to + timedelta(days=1))
            if successors:
                names = " and ".join(s.label for s in successors)
                notes.append(
                    f"{area.label} was abolished on {_long_date(area.valid_to)}; from {after} "
                    f"it is part of {names}. Values are stored against {area.code}: "
                    "check the period."
                )
            else:
                notes.append(f"{area.label} was abolished on {_long_date(area.valid_to)}.")
        named = {area.code, *(s.code for s in self._successors.get(area.code, []))}
        others = [a for a in also if a.code not in named and a.kind != "district"]
        if others:
            notes.append(
                f"The name also fits {', '.join(a.label for a in others)}; taken as {area.label}."
            )
        message = " ".join(notes)
        if area.is_comparator:
            return AreaMatch(area.code, "comparator", message)
        return AreaMatch(area.code, "legacy" if legacy else "area", message)

    def _suggest(self, name: str, limit: int = 5) -> list[str]:
        """The closest known area names to `name`, best first, as 'Name (CODE)': names that
        start with or contain the text first ('Stockton' → Stockton-on-Tees), then difflib's."""
        key = normalise_area_name(name)
        if not key:
            return []
        keys = sorted(
            (k for k in self._suggestable if k.startswith(key) or (len(key) > 3 and key in k)),
            key=lambda k: (not k.startswith(key), len(k), k),
        )
        keys += difflib.get_close_matches(key, list(self._suggestable), n=limit * 2, cutoff=0.6)
        labels: list[str] = []
        for found in keys:
            for area in self._suggestable[found]:
                if area.kind != "district" and area.label not in labels:
                    labels.append(area.label)
        return labels[:limit]


# --- remembering aliases ---------------------------------------------------------------------


def area_alias_remember(
    *, area_code: str, alias: str, is_code: bool, upload: Upload | None = None
) -> AreaAlias | None:
    """Store `alias` (a legacy code or a name variant) for the area with `area_code`, learned from
    `upload`. Returns the alias, or None when the alias already belongs to another area (an alias
    never moves silently from one area to another)."""
    alias = alias.strip()
    normalised = normalise_area_code(alias) if is_code else normalise_area_name(alias)
    if not normalised:
        return None
    area = Area.objects.get(code=area_code)
    existing = AreaAlias.objects.filter(normalised=normalised).first()
    if existing is not None:
        return existing if existing.area_id == area.pk else None
    return AreaAlias.objects.create(
        area=area, alias=alias, normalised=normalised, is_code=is_code, learned_from=upload
    )


def area_aliases_remember(
    learned: Mapping[str, str], *, upload: Upload | None = None
) -> list[AreaAlias]:
    """Store many legacy codes at once (`AreaResolver.learned`: legacy code → ONS code) in a fixed
    number of queries. Codes already known are left alone. Returns the new aliases."""
    wanted = {normalise_area_code(k): v for k, v in learned.items() if normalise_area_code(k)}
    if not wanted:
        return []
    known = set(
        AreaAlias.objects.filter(normalised__in=list(wanted)).values_list("normalised", flat=True)
    )
    areas = Area.objects.in_bulk(set(wanted.values()), field_name="code")
    new = [
        AreaAlias(
            area=areas[code], alias=alias, normalised=alias, is_code=True, learned_from=upload
        )
        for alias, code in sorted(wanted.items())
        if alias not in known and code in areas
    ]
    return AreaAlias.objects.bulk_create(new)
