"""MilestoneTable and the plan template tags: what each cell says."""

from datetime import date

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django_tables2 import RequestConfig

from programmes.choices import DatePrecision, Rating
from programmes.selectors import milestone_list_queryset
from programmes.tables import MILESTONE_EXPORT_COLUMNS, MilestoneTable
from programmes.templatetags.programme_tags import plan_date_text
from tests.programmes.factories import (
    MilestoneFactory,
    PersonFactory,
    ProgrammeFactory,
    WorkstreamFactory,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "precision", "text"),
    [
        (date(2018, 9, 1), DatePrecision.MONTH, "Sep 2018"),
        (date(2019, 3, 31), DatePrecision.MONTH, "Mar 2019"),
        (date(2018, 9, 6), DatePrecision.DAY, "6 Sep 2018"),
        (None, DatePrecision.UNDEFINED, "To be defined"),
        (None, DatePrecision.BLANK, ""),
    ],
)
def test_plan_dates_read_as_people_write_them(value, precision, text):
    assert plan_date_text(value, precision) == text


@pytest.mark.parametrize(
    ("rating", "html"),
    [
        (Rating.RED, '<strong class="govuk-tag govuk-tag--red">Red</strong>'),
        (Rating.AMBER_RED, '<strong class="govuk-tag govuk-tag--orange">Amber/Red</strong>'),
        (Rating.NOT_RATED, '<strong class="govuk-tag govuk-tag--grey">Not rated</strong>'),
    ],
)
def test_rating_tag_always_shows_the_rating_in_words(rating, html):
    rendered = Template("{% load programme_tags %}{% rating_tag r %}").render(
        Context({"r": rating})
    )
    assert rendered == html


def _table(programme, can_edit=False, query=""):
    request = RequestFactory().get("/", data=dict(p.split("=") for p in query.split("&") if p))
    table = MilestoneTable(
        milestone_list_queryset(programme), programme=programme, can_edit=can_edit
    )
    RequestConfig(request, paginate={"per_page": 50}).configure(table)
    return table


def test_row_shows_leads_as_written_dates_rating_and_a_link_to_the_milestone():
    programme = ProgrammeFactory(slug="wiltshire-integration")
    m = MilestoneFactory(
        workstream=WorkstreamFactory(programme=programme, number="1", name="Care"),
        ref="1.1", title="Involve service users <b>", lead_text="SG/ Sara McClellan",
        baseline_start=date(2018, 8, 1), baseline_start_precision=DatePrecision.MONTH,
        baseline_end=None, baseline_end_precision=DatePrecision.UNDEFINED, rating=Rating.AMBER,
    )  # fmt: skip
    m.leads.add(PersonFactory(initials="SG"))
    table = _table(programme)
    html = table.row_html(m)
    assert f'id="milestone-row-{m.pk}"' in html
    assert f'href="/programmes/wiltshire-integration/milestones/{m.pk}/"' in html
    assert "Involve service users &lt;b&gt;" in html  # escaped
    assert "SG/ Sara McClellan" in html
    assert "Aug 2018" in html and "To be defined" in html
    assert '<strong class="govuk-tag govuk-tag--yellow">Amber</strong>' in html
    assert "Update status" not in html


def test_editors_get_an_update_status_link_that_htmx_swaps_into_the_row():
    programme = ProgrammeFactory(slug="wiltshire-integration")
    m = MilestoneFactory(workstream=WorkstreamFactory(programme=programme), ref="1.1")
    html = _table(programme, can_edit=True).row_html(m)
    url = f"/programmes/wiltshire-integration/milestones/{m.pk}/status/"
    assert f'href="{url}" hx-get="{url}" hx-target="closest tr" hx-swap="outerHTML"' in html
    assert '<span class="govuk-visually-hidden"> of 1.1</span>' in html


def test_sorted_header_announces_its_order():
    programme = ProgrammeFactory()
    MilestoneFactory(workstream=WorkstreamFactory(programme=programme))
    html = _table(programme, query="sort=-end").as_html(RequestFactory().get("/?sort=-end"))
    assert 'aria-sort="descending"' in html
    assert 'aria-sort="none"' in html


def test_export_columns_start_with_the_required_ones():
    headers = [c.header for c in MILESTONE_EXPORT_COLUMNS]
    assert headers[:11] == [
        "ref",
        "title",
        "workstream",
        "leads",
        "start",
        "end",
        "forecast_end",
        "rating",
        "governance",
        "references",
        "completed",
    ]
