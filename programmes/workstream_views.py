"""The workstream page: its milestones, and the outcome metrics it aims to move."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from programmes import services
from programmes.forms import MetricLinkForm
from programmes.metric_links import workstream_linked_metrics
from programmes.models import MetricLink, Workstream
from programmes.selectors import reporting_date_or_today
from programmes.views import _add_service_errors, _require_editor


def _workstream(slug: str, number: str) -> Workstream:
    return get_object_or_404(
        Workstream.objects.select_related("programme").prefetch_related("sros"),
        programme__slug=slug,
        number=number,
    )


@require_http_methods(["GET", "POST"])
def workstream_detail(request: HttpRequest, slug: str, number: str) -> HttpResponse:
    workstream = _workstream(slug, number)
    form = MetricLinkForm(request.POST or None, workstream=workstream)
    if request.method == "POST":
        _require_editor(request)
        if form.is_valid():
            try:
                link = services.metric_link_add(
                    workstream=workstream, user=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                _add_service_errors(form, error)
            else:
                messages.success(request, f"Linked to {link.metric.short_name} in {link.area}.")
                return redirect("programmes:workstream_detail", slug=slug, number=number)
    milestones = (
        workstream.milestones.current().prefetch_related("leads").order_by("position", "id")
    )
    return render(
        request,
        "programmes/workstream_detail.html",
        {
            "programme": workstream.programme,
            "workstream": workstream,
            "milestones": milestones,
            "linked": workstream_linked_metrics(workstream),
            "form": form,
            "as_at": reporting_date_or_today(workstream.programme),
        },
        status=400 if form.errors else 200,
    )


@require_POST
def metric_link_remove(request: HttpRequest, slug: str, number: str, pk: int) -> HttpResponse:
    _require_editor(request)
    workstream = _workstream(slug, number)
    link = get_object_or_404(MetricLink, pk=pk, workstream=workstream)
    services.metric_link_remove(link=link)
    messages.success(request, "The metric link was removed.")
    return redirect("programmes:workstream_detail", slug=slug, number=number)
