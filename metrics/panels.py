"""An extension point of the metric page: other apps add panels without metrics importing them.

`programmes` depends on `metrics`, never the reverse, yet the metric page should list the
workstreams that aim to move the metric. So `programmes` registers a panel provider here when
its app is ready, and the metric page asks every provider for its panel.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from metrics.models import Area, Metric


@dataclass(frozen=True)
class Panel:
    """A section of the metric page: a heading, the template that draws it and its context."""

    title: str
    template: str
    context: dict = field(default_factory=dict)


PanelProvider = Callable[..., Panel | None]
_providers: list[PanelProvider] = []


def panel_provider_register(provider: PanelProvider) -> PanelProvider:
    """Add a provider, called as provider(area=..., metric=..., user=...) -> Panel or None;
    `user` is who reads the page, so a provider shows only what they may see."""
    if provider not in _providers:
        _providers.append(provider)
    return provider


def metric_page_panels(*, area: Area, metric: Metric, user: Any) -> list[Panel]:
    panels = (provider(area=area, metric=metric, user=user) for provider in _providers)
    return [panel for panel in panels if panel is not None]
