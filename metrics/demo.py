"""Demo data for metrics, loaded through the same upload users use."""

from typing import TextIO


def load_demo_data(*, stdout: TextIO) -> None:
    """Nothing yet: the Wolverhampton and Trafford series arrive with the activity upload."""
