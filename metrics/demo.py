"""Demo data for metrics, loaded through the same upload services analysts use.

The files in `fixtures/demo/metrics/` are what an analyst would have: Wolverhampton's BCF
monitoring tables (Figures 20 and 21 of its 2017-19 narrative plan) and its care home and
reablement targets, Plymouth's DTOC benefit figures, and Trafford Data Lab's published series
(Open Government Licence), unchanged. `README.md` there gives every source.

Idempotent: a file already uploaded (same sha256) is not uploaded again; one left validated or
failed by an interrupted run is applied.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model

from integration.demo import Output
from integration.models import DemoDataLoad
from integration.tabular import sha256_of
from metrics import services
from metrics.choices import UploadState
from metrics.models import MappingProfile, Upload

DEMO_DIR = Path(settings.BASE_DIR) / "fixtures" / "demo" / "metrics"
DATASET = "bcf-metrics"
DESCRIPTION = (
    "BCF metrics for Wolverhampton (emergency admissions, care home and reablement targets, from "
    "its BCF plan 2017-19), Plymouth (DTOC, 2014 scrutiny report) and Greater Manchester "
    "(Trafford Data Lab published series)"
)

# (file, saved profile to read it with; None: the mapping guessed from its header)
DEMO_FILES: list[tuple[str, str | None]] = [
    ("wolverhampton-nel-monitoring-2016-17.csv", "Wolverhampton NEL monitoring"),
    ("wolverhampton-nel-plan-2017-18.csv", "Wolverhampton NEL plan"),
    ("wolverhampton-bcf-targets-2017-19.csv", None),
    ("plymouth-dtoc-benefits-2014.csv", None),
    ("trafford-dtoc.csv", "Trafford Data Lab"),
    ("trafford-home_after_discharge.csv", "Trafford Data Lab"),
    ("trafford-residential_home_admissions.csv", "Trafford Data Lab"),
    ("trafford-admissions_falls.csv", "Trafford Data Lab"),
]


class DemoDataError(RuntimeError):
    """A demo file no longer validates: the files or the catalogue changed under it."""


def demo_profiles_load() -> dict[str, MappingProfile]:
    profiles = {}
    for path in sorted((DEMO_DIR / "profiles").glob("*.json")):
        profile = services.profile_import(text=path.read_text(encoding="utf-8"))
        profiles[profile.name] = profile
    return profiles


def load_demo_data(*, stdout: Output) -> None:
    """Upload and apply each demo file (or note that it is loaded already)."""
    profiles = demo_profiles_load()
    analyst = get_user_model().objects.filter(username="analyst").first()
    for name, profile_name in DEMO_FILES:
        content = (DEMO_DIR / name).read_bytes()
        sha256 = sha256_of(content)
        upload = (
            Upload.objects.filter(sha256=sha256, is_demo=True)
            .exclude(state=UploadState.DISCARDED)
            .order_by("-uploaded_at", "-pk")
            .first()
        )
        if upload is not None and upload.state == UploadState.APPLIED:
            stdout.write(f"Metrics demo: {name} already loaded (upload {upload.pk}); unchanged.\n")
            continue
        if upload is None:
            upload = services.upload_create(
                content=content,
                filename=name,
                user=analyst,
                profile=profiles[profile_name] if profile_name else None,
                is_demo=True,
                keep_for_apply=True,
            )
        if upload.report.get("errors"):
            first = upload.report["errors"][0]
            raise DemoDataError(f"Demo file {name} has errors, first: {first}")
        upload = services.upload_apply(upload=upload, user=analyst)
        stdout.write(
            f"Metrics demo: {name}: {upload.new_count} new, {upload.changed_count} changed, "
            f"{upload.unchanged_count} unchanged.\n"
        )
    DemoDataLoad.objects.update_or_create(dataset=DATASET, defaults={"description": DESCRIPTION})
