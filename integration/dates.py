"""Today, as the people using the product count days: in London.

Every "as of today" in the product comes from `today()`. The server's clock may be in UTC;
between midnight and 01:00 in British Summer Time a naive `date.today()` would still say
yesterday, and two pages would disagree about what is overdue.
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone


def today() -> date:
    """Today's date in the project's time zone (Europe/London)."""
    return timezone.localdate()
