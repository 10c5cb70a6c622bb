"""Demo data for programmes, loaded through the same importers users use."""

from typing import TextIO


def load_demo_data(*, stdout: TextIO) -> None:
    """Nothing yet: the Wiltshire plan arrives with the plan importer."""
