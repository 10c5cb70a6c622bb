"""Plan import, step 4: the writes. Workstreams, milestones (new ones in bulk), leads,
governance bodies, cross-references, statuses (through `programmes.services`), parents and
removals. Milestones missing from a later file are marked removed, never deleted; statuses go
into history at the file's as-of date, so an older file never overwrites a newer current status.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from typing import Any

from django.apps import apps
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from simple_history.utils import bulk_create_with_history

from integration.findings import Finding
from programmes import rules
from programmes.choices import LeadKind, StatusSource
from programmes.models import (
    GovernanceBody,
    Milestone,
    MilestoneReference,
    Organisation,
    Person,
    StatusUpdate,
    UnresolvedReference,
    Workstream,
)
from programmes.plan_import import parsing as pp
from programmes.plan_import.matching import ImportContext
from programmes.plan_import.reading import PlanTable
from programmes.plan_import.rows import PlanRow, max_length
from programmes.services import baseline_revision_record, status_record

_BRACKETS = re.compile(r"\s*\(([^)]*)\)$")
# "position" alone moves when rows above are added or removed; that is not a change.
_NOT_CHANGES = ("position", "import_key")


def person_for_name(text: str, kind: str, *, cache: dict[str, Person] | None = None) -> Person:
    """The person (or team) with this name, created if new; "Name (ORG)" sets the organisation."""
    name = text
    organisation = None
    match = _BRACKETS.search(text)
    if match and kind != "team":
        name = text[: match.start()].strip()
        organisation, _ = Organisation.objects.get_or_create(
            name=match[1].strip(), defaults={"short_name": match[1].strip()[:50]}
        )
    key = pp.normalise_text(name).lower()
    if cache is not None and key in cache:
        return cache[key]
    person = Person.objects.filter(name__iexact=name).order_by("id").first()
    if person is None:
        person = Person.objects.create(
            name=name,
            kind=LeadKind.TEAM if kind == "team" else LeadKind.PERSON,
            organisation=organisation,
        )
    if cache is not None:
        cache[key] = person
    return person


class PlanWriter:
    """Writes parsed rows into the programme; the caller's transaction may roll it all back
    (the preview does). Keeps what it did for the report."""

    def __init__(
        self,
        *,
        context: ImportContext,
        table: PlanTable,
        user: User | None,
        in_force: dict[int, StatusUpdate],
        findings: list[Finding],
    ) -> None:
        self.context = context
        self.programme = context.programme
        self.as_of = context.as_of
        self.table = table
        self.user = user
        self.in_force = in_force
        self.findings = findings
        self.actions: list[dict[str, Any]] = []
        self.workstream_actions: dict[str, str] = {}
        self.pending: list[tuple[PlanRow, Milestone, list[Person]]] = []
        self.new_references: list[MilestoneReference] = []
        self.counts: Counter[str] = Counter()
        self.by_initials: dict[str, Person] = {}
        self.by_name: dict[str, Person] = {}
        self.bodies: dict[str, GovernanceBody] = {}

    def warn(self, row: int | None, canon: str, value: str, message: str) -> None:
        column = self.table.column(canon)
        self.findings.append(Finding.warning(message, row=row, column=column, value=value))

    # -- workstreams ---------------------------------------------------------------------------

    def workstreams_save(self, rows: Sequence[PlanRow]) -> dict[str, Workstream]:
        """The workstream of every number rows without errors use: created, renamed or as is.
        A row with errors creates nothing, not even its workstream."""
        existing = self.context.workstreams
        # Names only from rows without errors: an error row's text may not even fit.
        good_names: dict[str, str] = {}
        for p in rows:
            if not p.has_errors and p.workstream_text:
                good_names.setdefault(p.workstream_number, p.workstream_text)
        result: dict[str, Workstream] = {}
        for p in rows:
            number = p.workstream_number
            if p.has_errors or not number or number in result:
                continue
            result[number] = self._workstream_save(number, good_names.get(number, ""), existing)
        return result

    def _workstream_save(
        self, number: str, name: str, existing: dict[str, Workstream]
    ) -> Workstream:
        ws = existing.get(number)
        if ws is None:
            self.workstream_actions[number] = "created"
            return Workstream.objects.create(
                programme=self.programme,
                number=number,
                name=name or f"Workstream {number}",
                position=int(number) if number.isdigit() else 0,
            )
        if name and name != ws.name and not self.context.older:
            ws.name = name
            ws.save(update_fields=["name"])
            self.workstream_actions[number] = "updated"
        else:
            self.workstream_actions[number] = "unchanged"
        return ws

    # -- people and governance bodies ----------------------------------------------------------

    def people_and_bodies_load(self) -> None:
        for person in Person.objects.order_by("id"):
            if person.initials:
                self.by_initials.setdefault(person.initials.upper(), person)
            if person.name:
                self.by_name.setdefault(pp.normalise_text(person.name).lower(), person)
        for body in GovernanceBody.objects.all():
            for alias in [body.acronym, *body.aliases, *body.former_names]:
                self.bodies.setdefault(pp.normalise_text(alias).upper(), body)

    def _people(self, tokens: Sequence[pp.LeadToken]) -> list[Person]:
        people: list[Person] = []
        for token in tokens:
            if token.kind == "placeholder":
                continue
            if token.kind == "initials":
                person = self.by_initials.get(token.text.upper())
                if person is None:
                    person = Person.objects.create(initials=token.text, kind=LeadKind.PERSON)
                    self.by_initials[token.text.upper()] = person
            else:
                person = person_for_name(token.text, token.kind, cache=self.by_name)
            if person not in people:
                people.append(person)
        return people

    def _body(self, p: PlanRow) -> GovernanceBody | None:
        if not p.governance:
            return None
        key = p.governance.upper()
        body = self.bodies.get(key)
        if body is not None:
            return body
        if len(p.governance) > max_length(GovernanceBody, "acronym"):
            self.warn(
                p.row,
                "governance",
                p.governance,
                f"“{p.governance}” is too long for a governance body's acronym; it is kept as "
                "text only.",
            )
            return None
        body = GovernanceBody.objects.create(acronym=p.governance)
        self.bodies[key] = body
        self.warn(
            p.row,
            "governance",
            p.governance,
            f"Governance body “{p.governance}” is not known, so it is added. An administrator "
            "can give it its full name, or make it an alias of an existing body.",
        )
        return body

    # -- one row -------------------------------------------------------------------------------

    def row_save(
        self, p: PlanRow, milestone: Milestone | None, ws: Workstream, position: int
    ) -> Milestone:
        """Create (later, in bulk) or update the row's milestone, and note what happened."""
        body = self._body(p)
        people = self._people(p.leads)
        values = _milestone_values(p, ws, body, position)
        meaningful: list[str] = []
        if milestone is None:
            milestone = self._milestone_new(p, values, people)
            action = "created"
        else:
            changed = self._milestone_update(p, milestone, values, people)
            meaningful = [c for c in changed if c not in _NOT_CHANGES]
            action = "updated" if meaningful else "unchanged"
        self.counts[action] += 1
        self.actions.append(
            {
                "row": p.row,
                "ref": p.ref,
                "title": p.title[:100],
                "workstream": ws.number,
                "action": action,
                "changes": sorted(set(meaningful)) if action == "updated" else [],
            }
        )
        return milestone

    def _milestone_new(self, p: PlanRow, values: dict[str, Any], people: list[Person]) -> Milestone:
        """Saved with the other new rows in one bulk insert (`pending_create`)."""
        older = self.context.older
        milestone = Milestone(
            programme=self.programme,
            added_on=self.as_of,
            # A row only an older file has was in the plan then and gone by the next file.
            removed_on=self.context.latest_as_of if older else None,
            **values,
        )
        self.pending.append((p, milestone, people))
        return milestone

    def _milestone_update(
        self, p: PlanRow, milestone: Milestone, values: dict[str, Any], people: list[Person]
    ) -> list[str]:
        changed: list[str] = []
        if not self.context.older:
            baseline_revision_record(
                milestone=milestone, new_values=values, changed_on=self.as_of, recorded_by=self.user
            )
            for name, value in values.items():
                if getattr(milestone, name) != value:
                    setattr(milestone, name, value)
                    changed.append(name)
            if milestone.removed_on is not None:
                milestone.removed_on = None
                changed.append("removed_on")
            if changed:
                milestone.version += 1
                milestone.save()
            if set(milestone.leads.all()) != set(people):
                milestone.leads.set(people)
                changed.append("leads")
            if self._references(p, milestone, created=False):
                changed.append("references")
        if self._status(p, milestone, created=False):
            changed.append("status")
        return changed

    def pending_create(self) -> None:
        """Insert the new milestones, their leads and links in bulk, then record statuses."""
        if not self.pending:
            return
        # In bulk, with their first history rows (and those rows' leads), so as-at reports and
        # the audit trail know what the import created, and when, from the start.
        created = [m for _, m, _ in self.pending]
        bulk_create_with_history(created, Milestone, batch_size=500, **self._history)
        through = Milestone.leads.through
        links = through.objects.bulk_create(
            [
                through(milestone_id=m.pk, person_id=person.pk)
                for _, m, people in self.pending
                for person in people
            ],
            batch_size=1000,
        )
        self._creation_leads_record(created, links)
        for p, m, _ in self.pending:
            self._references(p, m, created=True)
        bulk_create_with_history(
            self.new_references, MilestoneReference, batch_size=1000, **self._history
        )
        for p, m, _ in self.pending:
            self._status(p, m, created=True)

    @property
    def _history(self) -> dict[str, Any]:
        """Who and why on the history rows of what this import writes in bulk."""
        return {
            "default_user": self.user if getattr(self.user, "pk", None) else None,
            "default_change_reason": "Plan import",
        }

    @staticmethod
    def _creation_leads_record(created: list[Milestone], links: list[Any]) -> None:
        """The leads of each new milestone's first history row (simple-history records a
        milestone's leads only when it is saved one at a time)."""
        history: Any = Milestone.history.model
        first_rows = dict(
            history.objects.filter(id__in=[m.pk for m in created], history_type="+").values_list(
                "id", "history_id"
            )
        )
        leads_at: Any = apps.get_model("programmes", "HistoricalMilestone_leads")
        leads_at.objects.bulk_create(
            [
                leads_at(
                    id=link.pk,
                    history_id=first_rows[link.milestone_id],
                    milestone_id=link.milestone_id,
                    person_id=link.person_id,
                )
                for link in links
                if link.milestone_id in first_rows
            ],
            batch_size=1000,
        )

    # -- cross-references ----------------------------------------------------------------------

    def _references(self, p: PlanRow, milestone: Milestone, *, created: bool) -> bool:
        """Make the milestone's links and unresolved tokens match the cell; True if changed."""
        corrected = {c.code: c.raw for c in p.references.corrections}
        desired: dict[int, tuple[str, bool]] = {}
        for code in p.references.codes:
            obj = self.context.codes[(code.framework, code.code)]
            desired[obj.pk] = (corrected.get(code, code.code), code in corrected)
        changed = self._unresolved_sync(p, milestone, desired, created=created)
        return self._links_sync(milestone, desired, created=created) or changed

    def _unresolved_sync(
        self,
        p: PlanRow,
        milestone: Milestone,
        desired: dict[int, tuple[str, bool]],
        *,
        created: bool,
    ) -> bool:
        """Tokens no known code fits are kept for review; a person's earlier choice stands."""
        existing = (
            {}
            if created
            else {(u.framework_id, u.raw_token): u for u in milestone.unresolved_references.all()}
        )
        changed = False
        keep: set[int] = set()
        for token in p.references.unresolved:
            framework = (
                self.context.frameworks[token.candidates[0].framework]
                if token.candidates
                else self.context.default_framework
            )
            if framework is None:
                continue
            current = existing.get((framework.pk, token.raw))
            if current is None:
                current = UnresolvedReference.objects.create(
                    milestone=milestone,
                    framework=framework,
                    raw_token=token.raw,
                    message=token.message[:300],
                )
                current.candidates.set(
                    [self.context.codes[(c.framework, c.code)] for c in token.candidates]
                )
                existing[(framework.pk, token.raw)] = current
                changed = True
            keep.add(current.pk)
            if current.resolved_code_id:
                # A person chose the code earlier; the same token in a later file keeps it.
                desired.setdefault(current.resolved_code_id, (token.raw, False))
        stale = [u.pk for u in existing.values() if u.pk not in keep]
        if stale:
            UnresolvedReference.objects.filter(pk__in=stale).delete()
            changed = True
        return changed

    def _links_sync(
        self, milestone: Milestone, desired: dict[int, tuple[str, bool]], *, created: bool
    ) -> bool:
        current = {} if created else {r.code_id: r for r in milestone.milestonereference_set.all()}
        changed = False
        gone = [r.pk for code_id, r in current.items() if code_id not in desired]
        if gone:
            MilestoneReference.objects.filter(pk__in=gone).delete()
            changed = True
        new = [
            MilestoneReference(
                milestone=milestone, code_id=code_id, raw_token=raw[:50], auto_corrected=auto
            )
            for code_id, (raw, auto) in desired.items()
            if code_id not in current
        ]
        if new and created:
            self.new_references.extend(new)  # inserted with the other new rows' links
        elif new:
            bulk_create_with_history(new, MilestoneReference, **self._history)
            changed = True
        for code_id, (raw, auto) in desired.items():
            ref = current.get(code_id)
            if ref is not None and ref.auto_corrected != auto:
                ref.raw_token, ref.auto_corrected = raw[:50], auto
                ref.save(update_fields=["raw_token", "auto_corrected"])
                changed = True
        return changed

    # -- status --------------------------------------------------------------------------------

    def _status(self, p: PlanRow, milestone: Milestone, *, created: bool) -> bool:
        """Record the file's status at its as-of date when it differs from history there."""
        if not created and self._status_unchanged(p, milestone):
            return False
        try:
            status_record(
                milestone=milestone,
                rating=p.rating,
                rating_raw=p.status.raw,
                as_of=self.as_of,
                author=self.user,
                author_name="" if self.user else "Plan import",
                narrative=p.narrative,
                cause=p.cause,
                path_to_green=p.path_to_green,
                forecast_end=p.forecast_end,
                forecast_reason=p.forecast_reason,
                source=StatusSource.IMPORT,
                completed_on=p.completed_on,
            )
        except ValidationError as exc:  # the rows step checks the same rules; belt and braces
            for message in exc.messages:
                column = self.table.column("status")
                self.findings.append(
                    Finding.error(message, row=p.row, column=column, value=p.status.raw)
                )
            return False
        return True

    def _status_unchanged(self, p: PlanRow, milestone: Milestone) -> bool:
        compare: dict[str, Any] = {
            "rating": p.rating,
            "rating_raw": p.status.raw,
            "forecast_end": p.forecast_end,
        }
        for canon, attribute in (
            ("progress", "narrative"),
            ("cause", "cause"),
            ("path_to_green", "path_to_green"),
        ):
            if canon in self.table.headers:
                compare[attribute] = getattr(p, attribute)
        if not rules.carries_recovery(p.rating):  # status_record keeps none for Green/Complete
            compare.update(cause="", path_to_green="")
        in_force = self.in_force.get(milestone.pk)
        return in_force is not None and all(getattr(in_force, k) == v for k, v in compare.items())

    # -- parents and removals ------------------------------------------------------------------

    def parents_set(self, rows: Sequence[PlanRow], saved: dict[int, Milestone]) -> None:
        """A row's parent is the last earlier row of its workstream with the parent ref."""
        last_by_ref: dict[tuple[str, str], Milestone] = {}
        for p in rows:
            milestone = saved[p.row]
            parent = None
            if p.parent_ref:
                parent = last_by_ref.get((p.workstream_number, p.parent_ref))
                if parent is None:
                    self.warn(
                        p.row,
                        "parent_ref",
                        p.parent_ref,
                        f"No earlier row of this workstream has ref {p.parent_ref}; the row is "
                        "imported without a parent.",
                    )
            if p.ref:
                last_by_ref[(p.workstream_number, p.ref)] = milestone
            if self.context.older and not (
                milestone.added_on == self.as_of and milestone.removed_on
            ):
                continue
            if milestone.parent_id != (parent.pk if parent else None):
                milestone.parent = parent
                milestone.save(update_fields=["parent"])
                self._parent_changed(p.row)

    def _parent_changed(self, row: int) -> None:
        action = next(a for a in self.actions if a["row"] == row)
        if action["action"] == "unchanged":
            action["action"] = "updated"
            self.counts["unchanged"] -= 1
            self.counts["updated"] += 1
        if action["action"] == "updated":
            action["changes"] = sorted({*action["changes"], "parent"})

    def removed_mark(self, kept: set[int]) -> list[dict[str, Any]]:
        """Milestones the file no longer has are marked removed at its date (never deleted)."""
        if self.context.older:
            return []
        gone = list(
            Milestone.objects.filter(programme=self.programme, removed_on__isnull=True)
            .exclude(pk__in=kept)
            .select_related("workstream")
        )
        for m in gone:
            m.removed_on = self.as_of
            m.version += 1
            m.save(update_fields=["removed_on", "version", "updated_at"])
        return [
            {"ref": m.ref, "title": m.title[:100], "workstream": m.workstream.number} for m in gone
        ]


def _milestone_values(
    p: PlanRow, ws: Workstream, body: GovernanceBody | None, position: int
) -> dict[str, Any]:
    return {
        "workstream": ws,
        "ref": p.ref,
        "title": p.title,
        "sub_group": p.sub_group,
        "section": p.section,
        "lead_text": p.lead_text,
        "baseline_start": p.start.value,
        "baseline_start_precision": p.start.precision,
        "baseline_start_raw": p.start.raw,
        "baseline_end": p.end.as_end(),
        "baseline_end_precision": p.end.precision,
        "baseline_end_raw": p.end.raw,
        "governance_body": body,
        "governance_raw": p.governance,
        "references_raw": p.references.raw,
        "position": position,
        "import_key": p.key,
    }
