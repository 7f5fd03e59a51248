"""Installs are reproducible: every package pinned, with hashes, and installed as pinned."""

import re
from importlib import metadata
from pathlib import Path

import pytest
from django.conf import settings
from packaging.markers import Marker

PIN = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;]+)(?:\s*;\s*([^\\]+?))?\s*\\?$")


def locked(name):
    """``{package: (version, hashes, marker)}`` of a lock file in the project's folder."""
    text = (Path(settings.BASE_DIR) / name).read_text()
    pins, current = {}, None
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if match := PIN.match(line):
            package, version, marker = match.groups()
            current = canonical(package)
            pins[current] = (version, [], marker)
        elif line.startswith("--hash=sha256:"):
            pins[current][1].append(line.split(":", 1)[1].rstrip(" \\"))
        else:
            pytest.fail(f"{name}: a line that is neither a pin nor a hash: {line!r}")
    return pins


def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def requested(name):
    """The package names a .in file asks for."""
    text = (Path(settings.BASE_DIR) / name).read_text()
    names = set()
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            names.add(canonical(re.split(r"[\[<>=!~;\s]", line, maxsplit=1)[0]))
    return names


@pytest.mark.parametrize("lock", ["requirements.txt", "requirements-dev.txt"])
def test_every_locked_package_is_pinned_with_its_hashes(lock):
    pins = locked(lock)
    assert pins
    for package, (_version, hashes, _marker) in pins.items():
        assert hashes, f"{package} in {lock} has no hash"
        assert all(re.fullmatch(r"[0-9a-f]{64}", digest) for digest in hashes)


def test_the_locks_hold_every_package_asked_for():
    assert requested("requirements.in") <= set(locked("requirements.txt"))
    assert requested("requirements-dev.in") <= set(locked("requirements-dev.txt"))


def test_development_installs_the_same_versions_as_production():
    runtime, development = locked("requirements.txt"), locked("requirements-dev.txt")
    for package, (version, _hashes, _marker) in runtime.items():
        assert development[package][0] == version, package


def test_the_linter_is_pinned_to_one_release():
    text = (Path(settings.BASE_DIR) / "requirements-dev.in").read_text()
    assert re.search(r"^ruff==\d+\.\d+\.\d+$", text, re.MULTILINE)


def test_this_environment_was_installed_from_the_lock():
    for package, (version, _hashes, marker) in locked("requirements-dev.txt").items():
        if marker and not Marker(marker).evaluate():
            continue  # for Windows, say, or another Python
        assert metadata.version(package) == version, package
