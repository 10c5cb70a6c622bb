"""What the audit trail needs to know about metric objects: their pages, and an applied
activity upload as one line. Registered with `integration.audit` when the app is ready."""

from __future__ import annotations

from collections.abc import Sequence

from django.urls import reverse

from integration.audit import Describer, describer_register
from metrics.choices import UploadState
from metrics.models import Metric, Upload


def _metric_links(objects: Sequence[Metric]) -> list[str]:
    return [reverse("metrics:comparison", args=[m.code]) for m in objects]


def _upload_links(objects: Sequence[Upload]) -> list[str]:
    return [reverse("metrics:upload_detail", args=[u.pk]) for u in objects]


def _upload_summary(new: Upload, old: Upload | None) -> str:
    if new.state == UploadState.VALIDATED or (old is not None and old.state == new.state):
        return ""
    if new.state == UploadState.APPLIED:
        return (
            f"Applied activity upload #{new.pk}: {new.new_count} new, {new.changed_count} changed"
        )
    return f"{new.get_state_display()} activity upload #{new.pk}"


def _upload_summaries(pairs: Sequence[tuple[Upload, Upload | None]]) -> list[str]:
    """One line per upload decision, from the upload's own counts (no query)."""
    return [_upload_summary(new, old) for new, old in pairs]


def register() -> None:
    describer_register(Metric, Describer(links=_metric_links))
    describer_register(
        Upload,
        Describer(
            links=_upload_links,
            summaries=_upload_summaries,
            actor=lambda upload: f"Activity upload #{upload.pk}",
        ),
    )
