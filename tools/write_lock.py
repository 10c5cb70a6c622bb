"""Writes a lock file from `pip install --dry-run --report`: every package pip resolved, each
pinned to the exact version, sorted. Usage: python tools/write_lock.py REPORT.json SOURCE.txt"""

import json
import sys
from pathlib import Path

# The installer itself is the virtual environment's, as `pip freeze` leaves it out too: a lock
# that pinned pip would replace the pip reading it.
INSTALLERS = {"pip", "setuptools", "wheel"}


def lock_lines(report: dict) -> list[str]:
    pins = {
        item["metadata"]["name"].lower(): item["metadata"]["version"]
        for item in report["install"]
        if item["metadata"]["name"].lower() not in INSTALLERS
    }
    return [f"{name}=={version}" for name, version in sorted(pins.items())]


def main(report_path: str, source: str) -> None:
    report = json.loads(Path(report_path).read_text())
    header = [
        f"# Every package {source} needs, at the exact version: written by `make lock`,",
        "# never by hand. Edit the top level in requirements*.txt, then run `make lock`.",
    ]
    print("\n".join([*header, *lock_lines(report)]))


if __name__ == "__main__":
    main(*sys.argv[1:])
