"""The exception report prints from Chromium as a clean A4 board pack."""

import os
import re
from datetime import date
from pathlib import Path

import pytest

from programmes.choices import Rating, StatusSource
from programmes.services import status_record
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.programmes.factories import MilestoneFactory, ProgrammeFactory, WorkstreamFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SEPT_6 = date(2018, 9, 6)


@pytest.fixture
def programme():
    programme = ProgrammeFactory(
        name="Wiltshire Integration Programme", slug="wilts", reporting_date=SEPT_6
    )
    for number in ("1", "2"):
        workstream = WorkstreamFactory(programme=programme, number=number, name=f"Theme {number}")
        for i in range(1, 4):
            milestone = MilestoneFactory(
                workstream=workstream, programme=programme, ref=f"{number}.{i}"
            )
            status_record(
                milestone=milestone,
                rating=Rating.RED,
                as_of=SEPT_6,
                cause="Vacancies in the discharge team",
                path_to_green="Agency staff agreed from October",
                source=StatusSource.IMPORT,
            )
    return programme


def test_exception_report_prints_as_an_a4_pack_without_navigation(page, board_user, programme):
    sign_in(page, "board", PASSWORD)
    page.goto("/programmes/wilts/exceptions/")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Exception report")
    page.emulate_media(media="print")
    assert not page.locator(".govuk-service-navigation").is_visible()
    assert not page.get_by_role("button", name="Print or save as PDF").is_visible()
    # A page break before each workstream, after the summary page.
    breaks = page.locator("section.app-page-break-before")
    assert breaks.count() == 2
    assert breaks.first.evaluate("e => getComputedStyle(e).breakBefore") == "page"
    pdf = page.pdf(format="A4", print_background=True)
    assert pdf.startswith(b"%PDF")
    if os.environ.get("BOARD_PACK_PDF"):
        Path(os.environ["BOARD_PACK_PDF"]).write_bytes(pdf)
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))
    assert pages == 3  # the summary, then each workstream on its own A4 page
