"""Whether a waiting upload's preview is still current: a newer upload applied (or reverted)
over the same metrics and areas since it was previewed means its preview is out of date.

A read for the upload list and page; applying checks exactly, row by row (`metrics.bulk`)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Q

from metrics.choices import UploadState
from metrics.models import Upload

WAITING = (UploadState.VALIDATED, UploadState.FAILED)


def uploads_overtaken(uploads: Iterable[Upload]) -> frozenset[int]:
    """The ids of the waiting uploads among `uploads` that a newer applied or reverted upload
    covering some of the same metrics and areas has overtaken since their preview (one query)."""
    waiting = [u for u in uploads if u.state in WAITING and u.previewed_at is not None]
    if not waiting:
        return frozenset()
    since = min(u.previewed_at for u in waiting if u.previewed_at is not None)
    later = list(
        Upload.objects.filter(Q(applied_at__gt=since) | Q(reverted_at__gt=since)).only(
            "pk", "applied_at", "reverted_at", "series"
        )
    )
    return frozenset(u.pk for u in waiting if any(_overtakes(other, u) for other in later))


def _overtakes(other: Upload, waiting: Upload) -> bool:
    when = max(t for t in (other.applied_at, other.reverted_at) if t is not None)
    assert waiting.previewed_at is not None
    return (
        other.pk != waiting.pk
        and when > waiting.previewed_at
        and _overlap(other.series, waiting.series, "metrics")
        and _overlap(other.series, waiting.series, "areas")
    )


def _overlap(one: dict, other: dict, key: str) -> bool:
    return bool(set(one.get(key, ())) & set(other.get(key, ())))
