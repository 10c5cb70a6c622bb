"""Read models joining plans to the outcome metrics they aim to move."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User

from metrics import charts
from metrics.models import Area, Metric
from metrics.panels import Panel
from metrics.selectors import metric_statuses_for
from metrics.status import MetricStatus
from programmes import rules
from programmes.choices import Rating
from programmes.models import MetricLink, Milestone, Programme, Workstream

Someone = User | AnonymousUser


@dataclass
class LinkedMetric:
    link: MetricLink
    status: MetricStatus
    sparkline: dict

    @property
    def chart_id(self) -> str:
        return f"sparkline-{self.link.pk}"

    @property
    def json_id(self) -> str:
        return f"sparkline-{self.link.pk}-data"


def linked_metrics_of(links: list[MetricLink]) -> list[LinkedMetric]:
    """Each link with its metric's on-track status and a sparkline (one query for all)."""
    statuses = metric_statuses_for([(link.area, link.metric) for link in links])
    result = []
    for link in links:
        status, points = statuses[(link.area_id, link.metric_id)]
        figure = charts.sparkline(points, name=link.metric.short_name)
        result.append(LinkedMetric(link, status, figure))
    return result


def _links():
    return MetricLink.objects.select_related("metric", "area", "milestone").order_by(
        "metric__position", "area__name"
    )


def workstream_linked_metrics(workstream: Workstream) -> list[LinkedMetric]:
    return linked_metrics_of(list(_links().filter(workstream=workstream)))


def programme_linked_metrics(programme: Programme) -> dict[int, list[LinkedMetric]]:
    """Linked metrics per workstream id, for the programme overview (two queries)."""
    by_workstream: dict[int, list[LinkedMetric]] = defaultdict(list)
    linked = linked_metrics_of(list(_links().filter(workstream__programme=programme)))
    for item in linked:
        by_workstream[item.link.workstream_id].append(item)
    return by_workstream


@dataclass
class LinkedWork:
    link: MetricLink
    rating: str | None

    @property
    def rating_label(self) -> str:
        return Rating(self.rating).label if self.rating else "No milestones"


def _worst_ratings(workstream_ids: set[int]) -> dict[int, str]:
    """Each workstream's worst current rating among milestones still in the plan."""
    pairs = (
        Milestone.objects.filter(workstream_id__in=workstream_ids)
        .current()
        .values_list("workstream_id", "rating")
        .distinct()
    )
    ratings: dict[int, list[str]] = {}
    for workstream_id, rating in pairs:
        ratings.setdefault(workstream_id, []).append(rating)
    return {ws: rules.worst_rating(found) or found[0] for ws, found in ratings.items()}


def linked_work_panel(*, area: Area, metric: Metric, user: Someone) -> Panel | None:
    """The metric page's list of workstreams and milestones that aim to move this metric,
    of the programmes `user` can see only."""
    visible = Programme.objects.visible_to(user)
    links = list(
        MetricLink.objects.filter(metric=metric, area=area, workstream__programme__in=visible)
        .select_related("workstream__programme", "milestone")
        .order_by("workstream__programme__name", "workstream__position")
    )
    worst = _worst_ratings({link.workstream_id for link in links})
    items = [
        LinkedWork(link, link.milestone.rating if link.milestone else worst.get(link.workstream_id))
        for link in links
    ]
    return Panel(
        title="Work that aims to move this metric",
        template="programmes/includes/metric_links_panel.html",
        context={"items": items, "area": area, "metric": metric},
    )
