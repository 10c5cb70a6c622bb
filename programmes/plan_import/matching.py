"""Plan import, step 3: what the rows are in the programme as it stands, read before writing.

Each row gets its workstream's number (from a number column, the name, or its ref) and a stable
key. Refs are not unique (the Wiltshire plan has two rows "1.8"), so a milestone's key is
workstream number + ref + normalised title (`Milestone.import_key`). A corrected file whose
title or ref changed still finds its milestone through a unique (workstream, ref) or
(workstream, title) match.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from django.db.models import F, Max
from django.utils import timezone

from integration.findings import Finding
from programmes.choices import ImportState
from programmes.models import (
    Framework,
    FrameworkCode,
    Milestone,
    PlanImport,
    Programme,
    StatusUpdate,
)
from programmes.models import Workstream as WorkstreamModel
from programmes.plan_import import parsing as pp
from programmes.plan_import.reading import PlanTable
from programmes.plan_import.rows import PlanRow, max_length
from programmes.reference import DEFAULT_FRAMEWORK_SLUG

_REF_PREFIX = re.compile(r"^\s*(\d+)(?:\.|$)")
_DIGITS = re.compile(r"^\d+$")


def title_key(title: str) -> str:
    """A title compared ignoring case, punctuation and spacing (typo fixes still differ)."""
    return re.sub(r"[^a-z0-9]+", " ", pp.normalise_text(title).lower()).strip()


def import_key(number: str, ref: str, title: str) -> str:
    """The stable key of a milestone: workstream number, ref and normalised title."""
    key = title_key(title)
    # A short fingerprint to tell titles apart, not a security measure.
    digest = hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()[:12]
    return f"{number}|{pp.normalise_text(ref)}|{key[:60]}|{digest}"[:200]


def framework_label(framework: Framework) -> str:
    """The letters every code of the framework starts with ("AOI"), else its slug."""
    prefixes = {_letters(c.code) for c in framework.codes.all()}
    if len(prefixes) == 1 and (prefix := prefixes.pop()):
        return prefix
    return framework.slug


def _letters(code: str) -> str:
    match = re.match(r"[A-Za-z]*", code)
    return match[0] if match else ""


# --- the programme as it stands ----------------------------------------------------------------


@dataclass
class ImportContext:
    """What the import reads before it writes: frameworks and codes, the programme's
    workstreams, and where this file stands among the imports already applied."""

    programme: Programme
    as_of: date
    frameworks: dict[str, Framework]  # by label ("AOI")
    codes: dict[tuple[str, str], FrameworkCode]  # (label, code) -> code
    default_framework: Framework | None
    workstreams: dict[str, WorkstreamModel]  # by number
    latest_as_of: date | None
    older: bool  # before the last applied import: history only, the current plan stays
    findings: list[Finding] = field(default_factory=list)

    @property
    def codes_by_label(self) -> dict[str, list[str]]:
        return {label: [c.code for c in f.codes.all()] for label, f in self.frameworks.items()}


def import_context_load(*, programme: Programme, as_of: date, sha: str) -> ImportContext:
    """Read the context, with the file-level warnings it gives."""
    frameworks = list(Framework.objects.prefetch_related("codes"))
    # Findings name a framework by its codes' common prefix ("the only AOI code it can be").
    by_label = {framework_label(f): f for f in frameworks}
    latest = PlanImport.objects.filter(programme=programme, state=ImportState.APPLIED).aggregate(
        latest=Max("as_of")
    )["latest"]
    context = ImportContext(
        programme=programme,
        as_of=as_of,
        frameworks=by_label,
        codes={(label, c.code): c for label, f in by_label.items() for c in f.codes.all()},
        default_framework=next(
            (f for f in frameworks if f.slug == DEFAULT_FRAMEWORK_SLUG),
            frameworks[0] if frameworks else None,
        ),
        workstreams={ws.number: ws for ws in programme.workstreams.all()},
        latest_as_of=latest,
        older=latest is not None and as_of < latest,
    )
    context.findings = _file_warnings(context, sha)
    return context


def _file_warnings(context: ImportContext, sha: str) -> list[Finding]:
    found = []
    if not context.frameworks:
        found.append(
            Finding.warning(
                "No cross-reference frameworks are set up, so codes are kept as text only."
            )
        )
    if context.older:
        found.append(
            Finding.warning(
                f"This file is as at {context.as_of:%d %B %Y}, before the last applied import "
                f"({context.latest_as_of:%d %B %Y}). Its statuses are added to history at their "
                "date; it does not change the current plan or remove milestones.",
                value=context.as_of.isoformat(),
            )
        )
    earlier = (
        PlanImport.objects.filter(
            programme=context.programme, sha256=sha, state=ImportState.APPLIED
        )
        .order_by("-decided_at")
        .first()
    )
    if earlier is not None and earlier.decided_at is not None:
        found.append(
            Finding.warning(
                f"This same file was applied on {timezone.localtime(earlier.decided_at):%d %B %Y} "
                f"(as at {earlier.as_of:%d %B %Y}); applying it again changes nothing it set.",
                value=earlier.original_name,
            )
        )
    return found


# --- workstream numbers ------------------------------------------------------------------------


def workstreams_number(
    rows: Sequence[PlanRow], *, context: ImportContext, table: PlanTable, findings: list[Finding]
) -> list[PlanRow]:
    """Give every row its workstream's number; a row whose workstream cannot be told errs."""
    numbered = [_theme_number(p) for p in rows]
    numbered = _numbers_by_name(numbered, context.workstreams, table, findings)
    numbered = _numbers_checked(numbered, table, findings)
    return _number_lengths(numbered, table, findings)


def _theme_number(p: PlanRow) -> PlanRow:
    """A "Theme" column holding numbers is the number, not a name."""
    if _DIGITS.match(p.workstream_text) and not p.workstream_number:
        return replace(p, workstream_number=p.workstream_text, workstream_text="")
    return p


def _numbers_by_name(
    rows: list[PlanRow],
    existing: Mapping[str, WorkstreamModel],
    table: PlanTable,
    findings: list[Finding],
) -> list[PlanRow]:
    """A named workstream takes the number its refs mostly start with, else the number of the
    workstream of that name, else the next free number (with a warning)."""
    by_name = {title_key(ws.name): ws for ws in existing.values()}
    prefixes: dict[str, Counter[str]] = defaultdict(Counter)
    for p in rows:
        match = _REF_PREFIX.match(p.ref) or _REF_PREFIX.match(p.parent_ref)
        if match and p.workstream_text:
            prefixes[title_key(p.workstream_text)][match[1]] += 1
    # Keyed by the name ignoring case and punctuation: "ALPHA" and "Alpha" are one theme.
    numbers_of_name: dict[str, str] = {}
    next_free = max([int(n) for n in existing if n.isdigit()] + [0])
    result = []
    for p in rows:
        if p.workstream_number or not p.workstream_text:
            result.append(p)
            continue
        key = title_key(p.workstream_text)
        if key not in numbers_of_name:
            if prefixes[key]:
                numbers_of_name[key] = prefixes[key].most_common(1)[0][0]
            elif key in by_name:
                numbers_of_name[key] = by_name[key].number
            else:
                used = set(numbers_of_name.values()) | set(existing)
                next_free += 1
                while str(next_free) in used:
                    next_free += 1
                numbers_of_name[key] = str(next_free)
                findings.append(
                    Finding.warning(
                        f"No ref gives workstream “{p.workstream_text}” a number; it is "
                        f"numbered {next_free}.",
                        row=p.row,
                        column=table.column("workstream"),
                        value=p.workstream_text,
                    )
                )
        result.append(replace(p, workstream_number=numbers_of_name[key]))
    return result


def _erred(p: PlanRow, findings: list[Finding], finding: Finding) -> PlanRow:
    findings.append(finding)
    return replace(p, has_errors=True)


def _numbers_checked(
    rows: list[PlanRow], table: PlanTable, findings: list[Finding]
) -> list[PlanRow]:
    """Rows with no workstream take the number their ref starts with; two names for one number
    are an error; a ref that starts with another workstream's number is a warning."""
    names_of_number: dict[str, str] = {}
    result = []
    for p in rows:
        if not p.workstream_number:
            match = _REF_PREFIX.match(p.ref)
            if not match:
                message = "The row has no workstream, and its ref does not say which one."
                error = Finding.error(
                    message, row=p.row, column=table.headers.get("workstream"), value=""
                )
                result.append(_erred(p, findings, error))
                continue
            p = replace(p, workstream_number=match[1])
        if p.workstream_text:
            earlier = names_of_number.setdefault(p.workstream_number, p.workstream_text)
            if title_key(earlier) != title_key(p.workstream_text):
                message = (
                    f"Workstreams “{earlier}” and “{p.workstream_text}” both have number "
                    f"{p.workstream_number}. Give each workstream its own number."
                )
                column = table.headers.get("workstream")
                error = Finding.error(message, row=p.row, column=column, value=p.workstream_text)
                p = _erred(p, findings, error)
        match = _REF_PREFIX.match(p.ref)
        if match and match[1] != p.workstream_number:
            findings.append(
                Finding.warning(
                    f"Ref {p.ref} does not start with its workstream's number "
                    f"({p.workstream_number}).",
                    row=p.row,
                    column=table.column("ref"),
                    value=p.ref,
                )
            )
        result.append(p)
    return result


def _number_lengths(
    rows: list[PlanRow], table: PlanTable, findings: list[Finding]
) -> list[PlanRow]:
    limit = max_length(WorkstreamModel, "number")
    column = table.headers.get("workstream_number") or table.headers.get("ref")
    result = []
    for p in rows:
        if len(p.workstream_number) > limit and not p.has_errors:
            message = (
                f"Workstream number “{p.workstream_number[:30]}” is longer than {limit} characters."
            )
            value = p.workstream_number[:60]
            p = _erred(p, findings, Finding.error(message, row=p.row, column=column, value=value))
        result.append(p)
    return result


# --- milestone keys and matches ----------------------------------------------------------------


def keys_assign(
    rows: Sequence[PlanRow], table: PlanTable, findings: list[Finding]
) -> list[PlanRow]:
    """The stable key of every row without errors; a row repeating another's key errs."""
    first_row: dict[str, int] = {}
    result = []
    for p in rows:
        if p.has_errors:
            result.append(p)
            continue
        p = replace(p, key=import_key(p.workstream_number, p.ref, p.title))
        if p.key in first_row:
            message = (
                f"This row repeats row {first_row[p.key]} (same workstream, ref and "
                "milestone text). Remove one of them."
            )
            column = table.headers.get("title")
            error = Finding.error(message, row=p.row, column=column, value=p.title[:100])
            p = _erred(p, findings, error)
        else:
            first_row[p.key] = p.row
        result.append(p)
    return result


def milestones_load(programme: Programme) -> list[Milestone]:
    """Everything the row comparison reads, fetched once: a fixed number of queries however
    long the plan is."""
    return list(
        Milestone.objects.filter(programme=programme)
        .select_related("workstream", "governance_body")
        .prefetch_related("leads", "unresolved_references", "milestonereference_set")
        .order_by(F("removed_on").asc(nulls_first=True), "position", "id")
    )


def statuses_in_force(programme: Programme, as_of: date) -> dict[int, StatusUpdate]:
    """Each milestone's status as it stood at `as_of`."""
    in_force: dict[int, StatusUpdate] = {}
    for update in (
        StatusUpdate.objects.standing()
        .filter(milestone__programme=programme, as_of__lte=as_of)
        .order_by("milestone_id", "-as_of", "-recorded_at", "-id")
    ):
        in_force.setdefault(update.milestone_id, update)
    return in_force


def milestones_match(
    rows: Sequence[PlanRow], existing: Sequence[Milestone]
) -> dict[int, Milestone]:
    """The stored milestone of each row (by file row number), where there is one."""
    by_key: dict[str, list[Milestone]] = defaultdict(list)
    for m in existing:
        computed = import_key(m.workstream.number, m.ref, m.title)
        by_key[computed].append(m)
        if m.import_key and m.import_key != computed:
            by_key[m.import_key].append(m)
    matched: dict[int, Milestone] = {}
    taken: set[int] = set()
    for p in rows:
        found = next((m for m in by_key.get(p.key, []) if m.pk not in taken), None)
        if found is not None:
            matched[p.row] = found
            taken.add(found.pk)
    # A corrected title keeps its ref; a corrected ref keeps its title. Only a unique pair on
    # both sides is matched, so two "1.8" rows are never confused.
    for attribute in ("ref", "title"):
        _unique_pairs_match(rows, existing, matched, attribute)
    return matched


def _signature(number: str, ref: str, title: str, attribute: str) -> tuple[str, str] | None:
    value = ref if attribute == "ref" else title_key(title)
    return (number, value) if value else None


def _unique_pairs_match(
    rows: Sequence[PlanRow],
    existing: Sequence[Milestone],
    matched: dict[int, Milestone],
    attribute: str,
) -> None:
    taken = {m.pk for m in matched.values()}
    incoming: dict[tuple[str, str], list[PlanRow]] = defaultdict(list)
    for p in rows:
        if p.row not in matched:
            sig = _signature(p.workstream_number, p.ref, p.title, attribute)
            if sig:
                incoming[sig].append(p)
    candidates: dict[tuple[str, str], list[Milestone]] = defaultdict(list)
    for m in existing:
        if m.pk not in taken:
            sig = _signature(m.workstream.number, m.ref, m.title, attribute)
            if sig:
                candidates[sig].append(m)
    for sig, ps in incoming.items():
        ms = candidates.get(sig, [])
        if len(ps) == 1 and len(ms) == 1:
            matched[ps[0].row] = ms[0]
