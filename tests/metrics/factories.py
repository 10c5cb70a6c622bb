"""Factories and bulk helpers for metrics tests.

Areas and the metric catalogue come from the data migration, so tests look them up by code
(`area("E08000031")`, `metric("non-elective-admissions")`) rather than making new ones.
Observations are written with `bulk_create`, as an upload writes them, one statement a call.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

import factory
from django.utils import timezone

from metrics.choices import ObservationKind, PeriodKind, UploadState
from metrics.models import Area, Metric, Observation, ObservationRevision, Upload

WOLVERHAMPTON = "E08000031"
ENGLAND = "E92000001"
NEL = "non-elective-admissions"

# Wolverhampton NEL (domain-reference §4.1): Figure 20 (2016/17 against the 2015/16
# baseline, dated Apr-16 … Mar-17 as printed) and Figure 21 "Total NEL" (the 2017/18 plan).
BASELINE_15_16 = [1990, 1960, 1966, 1992, 1833, 2100, 2326, 2228, 2161, 2187, 2064, 2035]
ACTUAL_16_17 = [1968, 1954, 1964, 1953, 1752, 1855, 1946, 1996, 1980, 2072, 1793, 1954]
PLAN_17_18 = [1758, 1825, 1793, 1858, 1683, 1717, 1798, 1875, 1904, 1859, 1787, 1892]


class UploadFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Upload

    file = factory.django.FileField(filename="activity.csv", data=b"area,metric\n")
    original_name = factory.Sequence(lambda n: f"activity-{n}.csv")
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    state = UploadState.APPLIED
    uploaded_by = None


def area(code: str) -> Area:
    return Area.objects.get(code=code)


def metric(code: str) -> Metric:
    return Metric.objects.get(code=code)


def fy_months(year: int) -> list[date]:
    """April to March of the financial year starting in `year`."""
    return [date(year + (m < 4), m, 1) for m in (4, 5, 6, 7, 8, 9, 10, 11, 12, 1, 2, 3)]


def months_from(first: date, count: int) -> list[date]:
    out, index = [], first.year * 12 + first.month - 1
    for i in range(count):
        out.append(date((index + i) // 12, (index + i) % 12 + 1, 1))
    return out


def observations(
    *,
    metric: Metric,
    area: Area,
    kind: str,
    values: dict[date, float | None],
    upload: Upload | None = None,
    period_kind: str = PeriodKind.MONTH,
    note: str = "",
) -> list[Observation]:
    """Bulk-create one kind of value for one metric and area."""
    upload = upload or UploadFactory()
    now = timezone.now()
    rows = [
        Observation(
            metric=metric,
            area=area,
            kind=kind,
            period_kind=period_kind,
            period_start=day,
            value=value,
            upload=upload,
            updated_at=now,
            note=note,
        )
        for day, value in values.items()
    ]
    return Observation.objects.bulk_create(rows)


def bulk_series(
    *,
    metrics: Sequence[Metric],
    areas: Sequence[Area],
    months: Sequence[date],
    upload: Upload | None = None,
    kinds: Sequence[str] = (ObservationKind.ACTUAL, ObservationKind.PLAN),
) -> int:
    """Actuals (and plans) for every metric, area and month; deterministic, varied values."""
    upload = upload or UploadFactory()
    now = timezone.now()
    rows = []
    for a_index, a in enumerate(areas):
        for m_index, m in enumerate(metrics):
            for i, day in enumerate(months):
                base = 100 + 10 * m_index + a_index % 37
                for kind in kinds:
                    wobble = (i * 7 + a_index * 3) % 11 - 5
                    value = base + (wobble if kind == ObservationKind.ACTUAL else 0)
                    rows.append(
                        Observation(
                            metric=m,
                            area=a,
                            kind=kind,
                            period_kind=PeriodKind.MONTH,
                            period_start=day,
                            value=float(value),
                            upload=upload,
                            updated_at=now,
                        )
                    )
    Observation.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def wolverhampton_nel(*, uploaded_by=None) -> dict[str, Upload]:
    """The Wolverhampton NEL demo figures as two uploads: Figure 20 and Figure 21."""
    wolves, nel = area(WOLVERHAMPTON), metric(NEL)
    fig20 = UploadFactory(
        original_name="wolverhampton-nel-monitoring-2016-17.csv", uploaded_by=uploaded_by
    )
    fig21 = UploadFactory(
        original_name="wolverhampton-nel-plan-2017-18.csv", uploaded_by=uploaded_by
    )
    months_16 = fy_months(2016)
    observations(
        metric=nel,
        area=wolves,
        kind=ObservationKind.BASELINE,
        values=dict(zip(months_16, BASELINE_15_16, strict=True)),
        upload=fig20,
    )
    observations(
        metric=nel,
        area=wolves,
        kind=ObservationKind.ACTUAL,
        values=dict(zip(months_16, ACTUAL_16_17, strict=True)),
        upload=fig20,
    )
    observations(
        metric=nel,
        area=wolves,
        kind=ObservationKind.PLAN,
        values=dict(zip(fy_months(2017), PLAN_17_18, strict=True)),
        upload=fig21,
    )
    return {"fig20": fig20, "fig21": fig21}


def revise(obs: Observation, *, value: float, upload: Upload, when: datetime | None = None):
    """Record a revision as an upload does: keep the old value, then change the current one."""
    when = when or timezone.now() + timedelta(minutes=1)
    ObservationRevision.objects.create(
        observation=obs,
        value=obs.value,
        status=obs.status,
        note=obs.note,
        upload=obs.upload,
        replaced_by=upload,
        replaced_at=when,
    )
    obs.value, obs.upload, obs.updated_at = value, upload, when
    obs.save()
    return obs
