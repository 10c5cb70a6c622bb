"""Refusals and missing pages explain themselves in the product's own layout."""

from django.urls import reverse


def test_forbidden_write_shows_a_page_that_explains_roles(board_client, db):
    from tests.programmes.factories import ProgrammeFactory

    programme = ProgrammeFactory(slug="wilts")
    response = board_client.post(
        reverse("programmes:reporting_date_set", args=[programme.slug]),
        {"reporting_date": "2019-01-01"},
    )
    html = response.content.decode()
    assert response.status_code == 403
    assert "You cannot do this" in html
    assert "Only programme managers can move the reporting date" in html
    assert "Signed in as" in html


def test_missing_page_uses_the_product_layout(board_client, db):
    response = board_client.get("/programmes/no-such-programme/exceptions/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
