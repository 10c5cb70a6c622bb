"""The Members page of a programme: its members read it; its managers (and administrators)
add people or teams, change roles and workstreams, and remove members. Every change is a
service call that writes history with who and why."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from integration.access import require_perm
from integration.people import display_name
from programmes import selectors, services
from programmes.forms import MembershipAddForm, MembershipChangeForm
from programmes.membership_tables import MembershipTable
from programmes.models import Membership, Programme
from programmes.permissions import CHANGE_PROGRAMME
from programmes.views import add_service_errors, may_change, signed_in_user

MEMBERS_REFUSED = "Only the programme's managers and administrators can change its members."


def _members(programme: Programme) -> list[Membership]:
    return list(
        programme.memberships.select_related(
            "programme", "user__person__organisation", "team__organisation"
        ).prefetch_related("workstreams")
    )


def _label(membership: Membership) -> str:
    return display_name(membership.user) if membership.user else str(membership.team)


@require_http_methods(["GET", "POST"])
def membership_list(request: HttpRequest, slug: str) -> HttpResponse:
    programme = selectors.programme_for(request.user, slug)
    can_manage = may_change(request, programme)
    form = MembershipAddForm(request.POST or None, programme=programme)
    if request.method == "POST":
        require_perm(request, CHANGE_PROGRAMME, programme, message=MEMBERS_REFUSED)
        if form.is_valid():
            try:
                added = services.membership_add(
                    programme=programme,
                    user=form.cleaned_data["user"],
                    team=form.cleaned_data["team"],
                    role=form.cleaned_data["role"],
                    workstreams=form.cleaned_data["workstreams"],
                    by=signed_in_user(request),
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"{_label(added)} added as {added.get_role_display()}.")
                return redirect("programmes:membership_list", programme.slug)
    context = {
        "programme": programme,
        "table": MembershipTable(_members(programme), can_manage=can_manage),
        "form": form if can_manage else None,
    }
    return render(request, "programmes/members.html", context, status=400 if form.errors else 200)


def _membership(request: HttpRequest, slug: str, pk: int) -> Membership:
    """A membership of a programme the user manages (404 unseen, 403 unmanaged)."""
    programme = selectors.programme_for(request.user, slug)
    require_perm(request, CHANGE_PROGRAMME, programme, message=MEMBERS_REFUSED)
    membership = get_object_or_404(
        Membership.objects.select_related("user", "team"), programme=programme, pk=pk
    )
    membership.programme = programme
    return membership


@require_http_methods(["GET", "POST"])
def membership_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    membership = _membership(request, slug, pk)
    initial = {"role": membership.role, "workstreams": list(membership.workstreams.all())}
    form = MembershipChangeForm(
        request.POST or None, programme=membership.programme, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_change(
                membership=membership,
                role=form.cleaned_data["role"],
                workstreams=form.cleaned_data["workstreams"],
                by=signed_in_user(request),
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, f"{_label(membership)} is now {membership.get_role_display()}."
            )
            return redirect("programmes:membership_list", slug)
    context = {"programme": membership.programme, "membership": membership, "form": form}
    return render(
        request, "programmes/member_edit.html", context, status=400 if form.errors else 200
    )


@require_POST
def membership_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    membership = _membership(request, slug, pk)
    try:
        services.membership_remove(
            membership=membership,
            by=signed_in_user(request),
            reason=request.POST.get("reason", "")[:300],
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("programmes:membership_edit", slug, pk)
    messages.success(request, f"{_label(membership)} no longer takes part in the programme.")
    return redirect("programmes:membership_list", slug)
