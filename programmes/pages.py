"""Page builders for the plan pages: they compose selectors, rules and forms into what a
template shows, so views only route (url -> view -> service or page builder)."""

from __future__ import annotations

from typing import Any

from django.forms import Form
from django.http import QueryDict

from programmes import selectors
from programmes.forms import MilestoneForm, StatusUpdateForm
from programmes.metric_links import programme_linked_metrics
from programmes.models import Milestone, Programme
from programmes.report_tables import ConflictTable
from programmes.tables import WorkstreamOverviewTable
from programmes.templatetags.programme_tags import day_date

# The conflict page lists these fields by the labels of the objects chosen, not their ids.
_MANY = ("leads", "references")
_ONE = ("workstream", "parent", "governance_body")


def programme_overview(programme: Programme) -> dict[str, Any]:
    """The programme page: a row per workstream, totals, the scale and the linked metrics."""
    rows, as_of = selectors.programme_overview(programme)
    ratings = selectors.programme_ratings(programme)
    linked_metrics = programme_linked_metrics(programme)
    caption = (
        "Workstreams with their senior responsible owners, ratings and overdue milestones "
        f"as at {day_date(as_of)}"
    )
    return {
        "programme": programme,
        "rows": rows,
        "as_of": as_of,
        "totals": {
            "milestones": sum(r.total for r in rows),
            "overdue": sum(r.overdue for r in rows),
        },
        "ratings": ratings,
        "linked_metrics": linked_metrics,
        "table": WorkstreamOverviewTable(
            rows,
            programme=programme,
            ratings=ratings,
            linked_metrics=linked_metrics,
            caption=caption,
        ),
    }


# The fields "Same as last update" copies: kept only when the person chooses to.
RECOVERY_FIELDS = ("cause", "path_to_green")


def status_form_initial(milestone: Milestone, *, same_as_last: bool = False) -> dict[str, Any]:
    """What the status form starts with: the current rating and, from the latest update, the
    forecast. Cause and path to green start empty, so last month's words never slip into a new
    update unseen; `same_as_last` copies them in, visibly, when the person asks."""
    initial: dict[str, Any] = {"rating": milestone.rating}
    latest = selectors.latest_status(milestone)
    if latest is not None:
        initial.update(
            forecast_end=f"{latest.forecast_end:%d/%m/%Y}" if latest.forecast_end else "",
            forecast_reason=latest.forecast_reason,
        )
        if same_as_last:
            initial.update({name: getattr(latest, name) for name in RECOVERY_FIELDS})
    return initial


def status_form_copied(milestone: Milestone, submitted: QueryDict) -> dict[str, Any]:
    """The form as the person filled it in, with the latest update's cause and path to green
    copied over theirs ("Same as last update" pressed before saving; nothing is saved)."""
    typed = {name: submitted.get(name, "") for name in StatusUpdateForm.base_fields}
    copied = status_form_initial(milestone, same_as_last=True)
    return {**typed, **{name: copied.get(name, "") for name in RECOVERY_FIELDS}}


def status_form_context(milestone: Milestone) -> dict[str, Any]:
    """What the form says about the latest update, for the "Same as last update" button."""
    latest = selectors.latest_status(milestone)
    has_recovery = latest is not None and any(getattr(latest, n) for n in RECOVERY_FIELDS)
    return {"latest_update": latest if has_recovery else None}


def milestone_conflict(
    programme: Programme, form: MilestoneForm, current: Milestone
) -> dict[str, Any]:
    """Someone saved in between: both versions side by side, and the user's form bound again
    to the saved version, so saving again is a deliberate choice."""
    current = (
        Milestone.objects.select_related("workstream", "governance_body", "parent")
        .prefetch_related("leads", "milestonereference_set__code")
        .get(pk=current.pk)
    )
    saved = MilestoneForm(programme=programme, milestone=current)
    submitted: QueryDict = form.data  # type: ignore[assignment]  # a bound form's POST
    comparison = []
    for name in form.fields:
        if name == "version" or name in MilestoneForm.REASON_FIELDS:
            continue
        theirs = _display(saved, name, saved.initial.get(name))
        yours = _display(
            form,
            name,
            submitted.getlist(name) if name in _MANY else submitted.get(name, ""),
        )
        comparison.append(
            {
                "label": form.fields[name].label,
                "saved": theirs,
                "yours": yours,
                "differs": theirs != yours,
            }
        )
    data = submitted.copy()
    data["version"] = str(current.version)
    retry = MilestoneForm(data, programme=programme, milestone=current)
    retry.is_valid()
    return {
        "programme": programme,
        "milestone": current,
        "comparison_table": ConflictTable(comparison),
        "form": retry,
    }


def _display(form: Form, name: str, value: Any) -> str:
    """A field's value as text for the conflict page (choices shown by their labels)."""
    field: Any = form.fields[name]  # a model choice field where `name` is one of _MANY/_ONE
    if name in _MANY:
        chosen = {str(v) for v in (value or [])}
        return ", ".join(str(o) for o in field.queryset if str(o.pk) in chosen) or "None"
    if name in _ONE:
        if value in (None, ""):
            return "None"
        obj = field.queryset.filter(pk=value).first() if str(value).isdigit() else None
        return field.label_from_instance(obj) if obj else str(value)
    return str(value or "").strip() or "None"
