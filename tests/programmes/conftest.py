"""Fixtures shared by the programme tests."""

from datetime import date

import pytest

from programmes.choices import RatingScale
from tests.programmes.factories import ProgrammeFactory

# The Wiltshire plan's board date in the source documents: 6 September 2018.
WILTSHIRE_REPORTING_DATE = date(2018, 9, 6)


@pytest.fixture
def programme(db):
    """The Wiltshire integration programme, reporting as at 6 September 2018 on the five-point
    delivery confidence scale, as its plan does. A test that needs another programme makes
    one with ProgrammeFactory."""
    return ProgrammeFactory(
        slug="wiltshire-integration",
        name="Wiltshire Integration Programme",
        reporting_date=WILTSHIRE_REPORTING_DATE,
        rating_scale=RatingScale.DELIVERY_CONFIDENCE,
    )
