"""`manage.py import_plan FILE --programme SLUG [--as-of DATE] [--dry-run] [--report json]
[--user USERNAME]`.

Without `--user` the command runs as the system: whoever can run commands on the server
already holds every right. With `--user` it acts for that person: it refuses a programme
they do not manage (`programmes.change_programme`), records them as the uploader, and with
`--create` makes them the new programme's manager (they need the programme manager role).
"""

from datetime import date
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from integration.dates import today
from integration.findings import Finding, findings_report
from integration.reports import PrintStyle, report_print
from integration.roles import can_edit_plans
from programmes.choices import MembershipRole
from programmes.models import Programme
from programmes.permissions import CHANGE_PROGRAMME
from programmes.plan_import import (
    PlanFileError,
    PlanImportError,
    plan_import_apply,
    plan_import_preview,
    plan_import_programme_create,
)
from programmes.services import membership_add

# "ERROR: row 4, column “End Date”: …", as the command has always printed.
PRINT_STYLE = PrintStyle(
    labels={"error": "ERROR", "warning": "WARNING"}, quote=("“", "”"), brackets=False
)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--as-of “{text}” is not a date; write it as YYYY-MM-DD.") from None


class Command(BaseCommand):
    help = (
        "Import a programme plan from CSV or .xlsx: validate, report, then apply in one "
        "transaction (or only report, with --dry-run). Exits non-zero when the file has errors."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The plan file (.csv or .xlsx).")
        parser.add_argument("--programme", required=True, help="The programme's slug.")
        parser.add_argument(
            "--as-of",
            type=_date,
            help="The date the file's statuses and dates were true (YYYY-MM-DD; default today).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Report only; change nothing.")
        parser.add_argument("--report", choices=["text", "json"], default="text")
        parser.add_argument(
            "--create", action="store_true", help="Create the programme if the slug is new."
        )
        parser.add_argument("--name", help="The new programme's name (with --create).")
        parser.add_argument(
            "--user", help="Act for this user: only programmes they manage (default: system)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"There is no file {path}.")
        as_of = options["as_of"] or today()
        user = self._user(options.get("user"))
        try:
            # A dry run changes nothing, not even a programme --create would add.
            with transaction.atomic():
                programme = self._programme(options, user)
                plan_import = plan_import_preview(
                    programme=programme,
                    file_name=path.name,
                    content=path.read_bytes(),
                    as_of=as_of,
                    keep=not options["dry_run"],
                    user=user,
                )
                if options["dry_run"]:
                    transaction.set_rollback(True)
        except PlanFileError as exc:
            report = self._file_error_report(options["programme"], path, as_of, str(exc))
            self._emit(options, report)
            raise CommandError(str(exc)) from None
        report = plan_import.report
        if not report["errors"] and not options["dry_run"]:
            try:
                report = plan_import_apply(plan_import=plan_import, user=user).report
            except PlanImportError as exc:
                raise CommandError(str(exc)) from None
        report = {**report, "dry_run": options["dry_run"]}
        self._emit(options, report)
        if report["errors"]:
            raise CommandError(
                f"{len(report['errors'])} error(s) in {path.name}; nothing was imported."
            )

    @staticmethod
    def _user(username: str | None) -> User | None:
        if not username:
            return None
        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"There is no active user “{username}”.")
        return user

    def _programme(self, options: dict[str, Any], user: User | None) -> Programme:
        slug = options["programme"]
        programme = Programme.objects.filter(slug=slug).first()
        if programme is not None:
            if user is not None and not user.has_perm(CHANGE_PROGRAMME, programme):
                raise CommandError(f"{user.get_username()} does not manage “{slug}”.")
            return programme
        if not options["create"]:
            known = ", ".join(Programme.objects.values_list("slug", flat=True)) or "none yet"
            raise CommandError(
                f"There is no programme “{slug}” (known: {known}). Pass --create "
                "[--name NAME] to create it."
            )
        if user is not None and not can_edit_plans(user):
            raise CommandError(f"{user.get_username()} may not create programmes.")
        programme = plan_import_programme_create(slug=slug, name=options["name"])
        if user is not None:
            membership_add(
                programme=programme,
                user=user,
                role=MembershipRole.MANAGER,
                by=user,
                reason="Created the programme by import",
            )
        return programme

    @staticmethod
    def _file_error_report(slug: str, path: Path, as_of: date, message: str) -> dict[str, Any]:
        return {
            "programme": slug,
            "as_of": as_of.isoformat(),
            "file": path.name,
            "rows": 0,
            "created": 0,
            "updated": 0,
            "unchanged": 0,
            "removed": 0,
            "workstreams": [],
            **findings_report([Finding.error(message, value=path.name)]),
        }

    def _emit(self, options: dict[str, Any], report: dict[str, Any]) -> None:
        verb = "Would import" if options.get("dry_run") else "Imported"
        summary = (
            f"{verb} {report['file']} into {report['programme']} as at {report['as_of']}: "
            f"{report['rows']} rows in {len(report['workstreams'])} workstreams "
            f"({report.get('complete', 0)} complete); {report['created']} created, "
            f"{report['updated']} updated, {report['unchanged']} unchanged, "
            f"{report['removed']} removed."
        )
        report_print(
            self.stdout.write,
            report,
            json_output=options["report"] == "json",
            summary=[summary],
            style=PRINT_STYLE,
        )
