"""History page of a metric in an area: the metric's definition, its series breaks, the area
and its aliases, and every upload that published values for it (one entry per upload)."""

from __future__ import annotations

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse

from integration import audit
from integration.audit_views import history_render
from metrics.models import (
    Area,
    AreaAlias,
    Metric,
    Observation,
    ObservationRevision,
    SeriesBreak,
    Upload,
)


def _uploads_of(metric: Metric, area: Area) -> Q:
    """Uploads whose values for this metric and area are stored now or were revised since."""
    current = Observation.objects.filter(metric=metric, area=area).values("upload_id")
    revised = ObservationRevision.objects.filter(
        observation__metric=metric, observation__area=area
    ).values("replaced_by_id")
    return Q(id__in=current) | Q(id__in=revised)


def metric_history(request: HttpRequest, area_code: str, metric_code: str) -> HttpResponse:
    area = get_object_or_404(Area, code=area_code)
    metric = get_object_or_404(Metric, code=metric_code)
    scopes = [
        audit.Scope(Metric, Q(id=metric.pk)),
        audit.Scope(SeriesBreak, Q(metric_id=metric.pk)),
        audit.Scope(Area, Q(id=area.pk)),
        audit.Scope(AreaAlias, Q(area_id=area.pk)),
        audit.Scope(Upload, _uploads_of(metric, area)),
    ]
    back_url = reverse("metrics:metric_detail", args=[area.code, metric.code])
    context = {
        "title": metric.name,
        "caption": f"{area.name} ({area.code})",
        "breadcrumbs": [
            (f"Metrics: {area.name}", reverse("metrics:dashboard") + f"?area={area.code}")
        ],
        "back_url": back_url,
        "history_url": request.path,
        "change_log_query": f"object_type=metrics.metric&object_id={metric.pk}",
    }
    return history_render(request, scopes=scopes, context=context)
