"""The workstream page: its milestones, and the outcome metrics it aims to move."""

from django.contrib import messages
from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from programmes import rules, selectors, services
from programmes.forms import MetricLinkForm
from programmes.metric_links import workstream_linked_metrics
from programmes.models import MetricLink, Workstream
from programmes.tables import WorkstreamMilestoneTable
from programmes.templatetags.programme_tags import day_date
from programmes.views import add_service_errors, may_change, require_plan_change, signed_in_user


def _workstream(user: User | AnonymousUser, slug: str, number: str) -> Workstream:
    """The workstream of a programme the user can see (404 otherwise)."""
    programme = selectors.programme_for(user, slug)
    workstream = get_object_or_404(
        Workstream.objects.prefetch_related("sros"), programme=programme, number=number
    )
    workstream.programme = programme  # the one read with the user's role
    return workstream


@require_http_methods(["GET", "POST"])
def workstream_detail(request: HttpRequest, slug: str, number: str) -> HttpResponse:
    workstream = _workstream(request.user, slug, number)
    if request.method == "POST":
        return _metric_link_add(request, workstream)
    return _workstream_page(request, workstream, MetricLinkForm(workstream=workstream))


def _metric_link_add(request: HttpRequest, workstream: Workstream) -> HttpResponse:
    """Link the workstream to a metric; on a refusal the page shows the form's errors."""
    require_plan_change(request, workstream.programme)
    form = MetricLinkForm(request.POST, workstream=workstream)
    if form.is_valid():
        try:
            link = services.metric_link_add(
                workstream=workstream, user=signed_in_user(request), **form.cleaned_data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"Linked to {link.metric.short_name} in {link.area}.")
            return redirect(
                "programmes:workstream_detail",
                slug=workstream.programme.slug,
                number=workstream.number,
            )
    return _workstream_page(request, workstream, form)


def _workstream_page(
    request: HttpRequest, workstream: Workstream, form: MetricLinkForm
) -> HttpResponse:
    milestones = (
        workstream.milestones.current().prefetch_related("leads").order_by("position", "id")
    )
    as_of = rules.reporting_date(workstream.programme)
    return render(
        request,
        "programmes/workstream_detail.html",
        {
            "programme": workstream.programme,
            "workstream": workstream,
            "milestones": milestones,
            "table": WorkstreamMilestoneTable(
                list(milestones),
                programme=workstream.programme,
                caption=f"Milestones of {workstream.name}, ratings as at {day_date(as_of)}",
            ),
            "linked": workstream_linked_metrics(workstream),
            "form": form,
            "as_of": as_of,
            "can_edit": may_change(request, workstream.programme),
        },
        status=400 if form.errors else 200,
    )


@require_POST
def metric_link_remove(request: HttpRequest, slug: str, number: str, pk: int) -> HttpResponse:
    workstream = _workstream(request.user, slug, number)
    require_plan_change(request, workstream.programme)
    link = get_object_or_404(MetricLink, pk=pk, workstream=workstream)
    services.metric_link_remove(link=link)
    messages.success(request, "The metric link was removed.")
    return redirect("programmes:workstream_detail", slug=slug, number=number)
