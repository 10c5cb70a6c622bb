"""Known vulnerabilities in the locked dependencies (pip-audit over PyPI's JSON API).

Fails when a vulnerability is found. When the vulnerability service cannot be reached, or it
cannot answer for a package (an offline machine, a registry mirror without PyPI's JSON API),
says which packages went unaudited and passes: `make test` must run offline.
Usage: python tools/audit.py LOCKFILE...
"""

import json
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

PYPI = "https://pypi.org/pypi/pip/json"


def pypi_reachable() -> bool:
    """One quick request first: offline, pip-audit would wait out a timeout per package."""
    try:
        with urllib.request.urlopen(PYPI, timeout=5):  # noqa: S310 - a fixed https URL
            return True
    except OSError:
        return False


def run_pip_audit(lock_files: list[str], report: Path) -> subprocess.CompletedProcess:
    requirements = [arg for path in lock_files for arg in ("-r", path)]
    command = [
        *(sys.executable, "-m", "pip_audit"),
        *requirements,
        *("--disable-pip", "--no-deps", "-s", "pypi", "--progress-spinner", "off"),
        *("--timeout", "10"),
        *("--format", "json", "--output", str(report)),
    ]
    # A fixed command over our own lock files: no shell, no untrusted input.
    return subprocess.run(command, capture_output=True, text=True, timeout=600)  # nosec B603


def verdict(report: dict) -> tuple[list[str], int]:
    """What to print about a pip-audit JSON report, and the exit status: 1 when any package
    is vulnerable; packages the service could not answer for are named but pass."""
    dependencies = report.get("dependencies", [])
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if d.get("skip_reason")]
    lines = [
        f"pip-audit: {d['name']} {d['version']} is vulnerable: "
        + ", ".join(v["id"] for v in d["vulns"])
        for d in vulnerable
    ]
    if skipped:
        names = ", ".join(sorted(d["name"] for d in skipped))
        lines.append(f"pip-audit: {len(skipped)} packages could not be audited (offline?): {names}")
    audited = len(dependencies) - len(skipped)
    lines.append(f"pip-audit: {audited} packages audited, {len(vulnerable)} vulnerable.")
    return lines, 1 if vulnerable else 0


def main(lock_files: list[str]) -> int:
    unreachable = "pip-audit: the vulnerability service could not be reached; not audited."
    if not pypi_reachable():
        print(unreachable)
        return 0
    with tempfile.TemporaryDirectory() as folder:
        report_path = Path(folder) / "audit.json"
        try:
            result = run_pip_audit(lock_files, report_path)
        except subprocess.TimeoutExpired:
            print(unreachable, "(it took too long)")
            return 0
        if not report_path.exists() or not report_path.read_text().strip():
            print(unreachable)
            print("\n".join(result.stderr.strip().splitlines()[-1:]))
            return 0
        report = json.loads(report_path.read_text())
    lines, status = verdict(report)
    print("\n".join(lines))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
