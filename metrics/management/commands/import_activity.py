"""`python manage.py import_activity FILE [--profile NAME | --profile-file FILE] [--dry-run]
[--report json] [--save-profile NAME] [--clear-empty-notes]`: the browser upload for scripts
and large files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from integration.findings import Finding, findings_report
from integration.reports import PrintStyle, report_print
from metrics import services
from metrics.ingest import Profile, ProfileError, profile_from_json
from metrics.models import MappingProfile

# "Error (row 4, column 'Value'): …", as the command has always printed.
PRINT_STYLE = PrintStyle(labels={"error": "Error", "warning": "Warning"})


class Command(BaseCommand):
    help = (
        "Validate an activity file (CSV or .xlsx), preview what it would change and apply it in "
        "one transaction. Exits non-zero when the file has errors (nothing is applied then)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV or Excel (.xlsx) file")
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--profile", help="name of a saved mapping profile")
        which.add_argument(
            "--profile-file", help="a profile JSON file, used without saving it (see README)"
        )
        parser.add_argument(
            "--save-profile",
            metavar="NAME",
            help="save the mapping used (from --profile-file or guessed) as a profile NAME",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="validate and preview only; the upload is kept, validated, to apply later",
        )
        parser.add_argument(
            "--clear-empty-notes",
            action="store_true",
            help="an empty note in the file clears the stored note (kept otherwise)",
        )
        parser.add_argument("--report", choices=["text", "json"], default="text")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"No such file: {path}")
        profile, definition = self._profile(options)
        if options["save_profile"]:
            if definition is None and profile is not None:
                try:
                    definition = Profile.from_dict(profile.definition)
                except ProfileError as exc:
                    raise CommandError(f"The profile cannot be used: {exc}") from None
            definition = definition or self._guess(path)
            profile = services.profile_save(name=options["save_profile"], definition=definition)
            definition = None
        try:
            upload = services.upload_create(
                content=path.read_bytes(),
                filename=path.name,
                profile=profile,
                definition=definition,
                keep_for_apply=not options["dry_run"],
                clear_empty_notes=options["clear_empty_notes"],
            )
        except services.UploadError as exc:
            self._emit(options, _unreadable(path.name, str(exc)))
            raise CommandError(str(exc)) from None
        except ProfileError as exc:
            raise CommandError(f"The profile cannot be used: {exc}") from None
        report = upload.report
        if not report["errors"] and not options["dry_run"]:
            try:
                upload = services.upload_apply(upload=upload)
            except services.UploadError as exc:
                raise CommandError(str(exc)) from None
            report = upload.report
        report = {
            **report,
            "upload_id": upload.pk,
            "state": upload.state,
            "dry_run": options["dry_run"],
        }
        self._emit(options, report)
        if report["errors"]:
            count = len(report["errors"])
            raise CommandError(
                f"{count:,} error{'s' if count != 1 else ''} in {path.name}; nothing was applied."
            )

    def _profile(self, options: dict) -> tuple[MappingProfile | None, Profile | None]:
        if options["profile"]:
            try:
                return MappingProfile.objects.get(name=options["profile"]), None
            except MappingProfile.DoesNotExist:
                names = ", ".join(MappingProfile.objects.values_list("name", flat=True)) or "none"
                raise CommandError(
                    f"No profile called '{options['profile']}'; saved profiles: {names}."
                ) from None
        if options["profile_file"]:
            source = Path(options["profile_file"])
            if not source.is_file():
                raise CommandError(f"No such profile file: {source}")
            try:
                return None, profile_from_json(source.read_text(encoding="utf-8-sig"))
            except (ProfileError, UnicodeDecodeError) as exc:
                raise CommandError(f"{source.name}: {exc}") from None
        return None, None

    def _guess(self, path: Path) -> Profile:
        from metrics.ingest import IngestError, guess_profile, read_table

        try:
            table = read_table(path.read_bytes(), path.name)
        except IngestError as exc:
            raise CommandError(str(exc)) from None
        return guess_profile(table.header, title_lines=table.title_lines)

    def _emit(self, options: dict, report: dict[str, Any]) -> None:
        state = report.get("state", "")
        summary = [
            f"{report['file']}: {report['rows']:,} rows read with profile '{report['profile']}'."
        ]
        if not report["errors"]:
            verb = "Applied" if state == "applied" else "Would apply"
            summary.append(
                f"{verb}: {report['new']:,} new, {report['changed']:,} changed, "
                f"{report['unchanged']:,} unchanged."
            )
        if report.get("changes_published") and state != "applied":
            summary.append(f"This changes {report['changed']:,} values that are already published.")
        report_print(
            self.stdout.write,
            report,
            json_output=options["report"] == "json",
            summary=summary,
            style=PRINT_STYLE,
            footer=[f"Upload {report['upload_id']} is {state}."] if report.get("upload_id") else [],
        )


def _unreadable(filename: str, message: str) -> dict[str, Any]:
    return {
        "file": filename,
        "profile": "",
        "rows": 0,
        "new": 0,
        "changed": 0,
        "unchanged": 0,
        **findings_report([Finding.error(message, value=filename)]),
        "state": "",
    }
