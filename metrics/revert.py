"""Reverting an applied upload: every value it introduced goes back to the value before it,
recorded as a new revision (history is never deleted), and the values it created are
withdrawn. Set-based: a handful of statements whatever the size of the upload.

A value is the upload's while the observation's `upload` is it. The upload may be reverted only
while every value it wrote is still its own: when a later upload has changed one since, that
upload must be reverted first (newest first, like undo).
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone

from integration.people import signed_in
from metrics.bulk import OBSERVATION, REVISION
from metrics.choices import UploadState
from metrics.models import Observation, ObservationRevision, Upload
from metrics.services import CHANGES_SHOWN, Someone, UploadError, _labels

RESTORED = ["value", "numerator", "denominator", "status", "note", "upload_id"]


def upload_revert(*, upload: Upload, reason: str, user: Someone = None) -> Upload:
    """Revert an applied upload (see the module). Raises UploadError, changing nothing, when
    there is no reason, the upload is not applied, or a later upload changed its values."""
    reason = reason.strip()
    if not reason:
        raise UploadError("Say why the upload is being reverted.")
    with transaction.atomic():
        locked = Upload.objects.select_for_update().get(pk=upload.pk)
        if locked.state != UploadState.APPLIED:
            raise UploadError(
                f"Only an applied upload can be reverted; this one is "
                f"{locked.get_state_display().lower()}."
            )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # the same writers' lock as applying
                cursor.execute(f"LOCK TABLE {OBSERVATION} IN SHARE ROW EXCLUSIVE MODE")
        _refuse_if_overtaken(locked)
        now = timezone.now()
        sample = _restored_sample(locked)
        restored = _restore(locked, now)
        withdrawn = _withdraw(locked)
        _reverted_record(locked, user, reason, now, sample=sample, counts=(restored, withdrawn))
    return locked


def _prior(upload: Upload) -> Any:
    """The revision each observation had just before `upload` applied (its value then)."""
    return ObservationRevision.objects.filter(
        observation=OuterRef("pk"), replaced_by=upload, by_revert=False
    ).order_by("-replaced_at", "-pk")


def _refuse_if_overtaken(upload: Upload) -> None:
    touched = ObservationRevision.objects.filter(observation=OuterRef("pk"), by_revert=False)
    touched = touched.filter(Q(upload=upload) | Q(replaced_by=upload))
    later = (
        Observation.objects.filter(Exists(touched))
        .exclude(upload=upload)
        .values_list("upload__pk", "upload__original_name")
        .distinct()
        .order_by("-upload__pk")[:5]
    )
    found = list(later)
    if found:
        names = ", ".join(f"upload {pk} ({name})" for pk, name in found)
        raise UploadError(
            f"Later uploads have changed values this one wrote: {names}. Revert "
            f"{'them' if len(found) > 1 else 'it'} first; nothing was changed."
        )


def _restored_sample(upload: Upload) -> list[dict[str, Any]]:
    """The first values that go back, as the upload page lists them: now → restored."""
    prior = _prior(upload)
    rows = (
        Observation.objects.filter(upload=upload)
        .filter(Exists(prior))
        .annotate(old_value=Subquery(prior.values("value")[:1]))
        .order_by("metric_id", "area_id", "kind", "period_start")
        .values(
            "metric_id", "area_id", "kind", "period_kind", "period_start", "value", "old_value"
        )[:CHANGES_SHOWN]
    )
    changes = [
        {
            **{k: row[k] for k in ("metric_id", "area_id", "kind", "period_kind")},
            "period_start": row["period_start"].isoformat(),
            "old": row["value"],
            "new": row["old_value"],
        }
        for row in rows
    ]
    _labels(changes)
    return changes


def _restore(upload: Upload, now: Any) -> int:
    """Keep each current value as a revision (marked as replaced by the revert), then put back
    the value from before the upload. Returns how many values went back."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {REVISION} (observation_id, value, numerator, denominator, status, "  # nosec B608 - table names from our models, values as parameters
            f"note, upload_id, replaced_by_id, replaced_at, by_revert) "
            f"SELECT o.id, o.value, o.numerator, o.denominator, o.status, o.note, o.upload_id, "
            f"%s, %s, %s FROM {OBSERVATION} o WHERE o.upload_id = %s AND EXISTS (SELECT 1 "
            f"FROM {REVISION} r WHERE r.observation_id = o.id AND r.replaced_by_id = %s "
            f"AND NOT r.by_revert)",
            [upload.pk, now, True, upload.pk, upload.pk],
        )
    prior = _prior(upload)
    values = {name: Subquery(prior.values(name)[:1]) for name in RESTORED}
    return (
        Observation.objects.filter(upload=upload)
        .filter(Exists(prior))
        .update(**values, updated_at=now)
    )


def _withdraw(upload: Upload) -> int:
    """Delete the values the upload created (nothing was stored before them). The upload and
    its kept file still say what they were."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {REVISION} WHERE observation_id IN "  # nosec B608 - table names from our models, values as parameters
            f"(SELECT id FROM {OBSERVATION} WHERE upload_id = %s)",
            [upload.pk],
        )
        cursor.execute(f"DELETE FROM {OBSERVATION} WHERE upload_id = %s", [upload.pk])  # nosec B608 - table names from our models, values as parameters
        return cursor.rowcount


def _reverted_record(
    upload: Upload,
    user: Someone,
    reason: str,
    now: Any,
    *,
    sample: list[dict[str, Any]],
    counts: tuple[int, int],
) -> None:
    restored, withdrawn = counts
    upload.state = UploadState.REVERTED
    upload.reverted_by = signed_in(user)
    upload.reverted_at = now
    upload.revert_reason = reason[:500]
    upload.report = {
        **upload.report,
        "reverted": {
            "restored": restored,
            "withdrawn": withdrawn,
            "changes": sample,
            "reason": reason,
            "at": now.isoformat(),
        },
    }
    upload._change_reason = (  # type: ignore[attr-defined]
        f"Reverted: {restored:,} values restored, {withdrawn:,} withdrawn ({reason})"[:100]
    )
    upload.save()
