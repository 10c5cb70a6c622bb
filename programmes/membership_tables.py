"""The Members page's table: who takes part in a programme, with their role and workstreams."""

from __future__ import annotations

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from integration.people import display_name
from integration.tables import CaptionedTable
from programmes.choices import MembershipRole
from programmes.models import Membership


class MembershipTable(CaptionedTable):
    """One row per membership; managers get a "Change" link on each."""

    caption = "Members of this programme"
    row_header = True

    class Meta(CaptionedTable.Meta):
        pass

    member = tables.Column(verbose_name="Person or team", empty_values=())
    organisation = tables.Column(verbose_name="Organisation", empty_values=())
    role = tables.Column(verbose_name="Role", empty_values=())
    workstreams = tables.Column(verbose_name="Workstreams", empty_values=())
    change = tables.Column(verbose_name="Action", empty_values=())

    def __init__(self, rows: list[Membership], *, can_manage: bool) -> None:
        super().__init__(rows, exclude=() if can_manage else ("change",))

    def render_member(self, record: Membership) -> str:
        if record.user is not None:
            return display_name(record.user)
        return f"{record.team} (team)"

    def render_organisation(self, record: Membership) -> str:
        person = getattr(record.user, "person", None) if record.user else None
        organisation = (
            record.team.organisation if record.team else getattr(person, "organisation", None)
        )
        return str(organisation or "")

    def render_role(self, record: Membership) -> str:
        return record.get_role_display()

    def render_workstreams(self, record: Membership) -> str:
        if record.role != MembershipRole.CONTRIBUTOR:
            return "All"
        return (
            ", ".join(ws.number for ws in record.workstreams.all()) or "Only milestones they lead"
        )

    def render_change(self, record: Membership) -> SafeString:
        url = reverse("programmes:membership_edit", args=[record.programme.slug, record.pk])
        return format_html(
            '<a class="govuk-link" href="{}">Change'
            '<span class="govuk-visually-hidden"> {}</span></a>',
            url,
            self.render_member(record),
        )
