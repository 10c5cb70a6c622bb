"""Dependencies are locked (every transitive package at an exact version) and audited."""

from pathlib import Path

import pytest

from tools.audit import verdict

REPO = Path(__file__).resolve().parents[2]


def _pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            name, _, version = line.partition("==")
            assert version, f"{path.name}: {line} is not pinned to an exact version"
            pins[name.lower().replace("_", "-").replace(".", "-")] = version
    return pins


@pytest.mark.parametrize(
    ("top_level", "lock"),
    [("requirements.txt", "requirements.lock"), ("requirements-dev.txt", "requirements-dev.lock")],
)
def test_the_lock_holds_every_top_level_pin_at_its_version(top_level, lock):
    locked = _pins(REPO / lock)
    for name, version in _pins(REPO / top_level).items():
        assert locked.get(name) == version, f"{name}=={version}: run `make lock`"


def test_the_dev_lock_installs_the_same_runtime_versions():
    runtime, dev = _pins(REPO / "requirements.lock"), _pins(REPO / "requirements-dev.lock")
    assert {name: dev.get(name) for name in runtime} == runtime


def test_a_vulnerable_locked_package_fails_the_audit():
    report = {
        "dependencies": [
            {"name": "django", "version": "5.2.0", "vulns": [{"id": "PYSEC-2025-1"}]},
            {"name": "pandas", "version": "3.1.1", "vulns": []},
        ]
    }
    lines, status = verdict(report)
    assert status == 1
    assert "pip-audit: django 5.2.0 is vulnerable: PYSEC-2025-1" in lines


def test_packages_the_service_cannot_answer_for_are_named_but_pass():
    report = {"dependencies": [{"name": "django", "version": "5.2.19", "skip_reason": "404"}]}
    lines, status = verdict(report)
    assert status == 0
    assert "1 packages could not be audited (offline?): django" in lines[0]
