"""The lock files and pyproject.toml tell the same story, and the test environment is the lock.

``pyproject.toml`` keeps the ranges a library user needs; ``requirements/runtime.txt`` and
``requirements/dev.txt`` pin what the product ships and tests (``make lock`` / ``make upgrade``).
These checks fail when someone edits one without the other: a new dependency that is not locked,
a range that the pinned version no longer satisfies, a pin without hashes, or two different pins
of one package in the two files.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from importlib import metadata
from pathlib import Path

import pytest
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
RUNTIME = ROOT / "requirements" / "runtime.txt"
DEV = ROOT / "requirements" / "dev.txt"

_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)")


@cache
def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


@cache
def _pins(path: Path) -> dict[str, tuple[str, int]]:
    """name → (version, number of hashes) for every pin in a pip-tools lock file."""
    pins: dict[str, tuple[str, int]] = {}
    current: str | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line)
        if match:
            current = canonicalize_name(match.group(1))
            assert current not in pins, f"{path.name}: {current} pinned twice"
            pins[current] = (match.group(2), 0)
        elif current and line.strip().startswith("--hash=sha256:"):
            version, hashes = pins[current]
            pins[current] = (version, hashes + 1)
        elif line and not line.startswith((" ", "#")):
            pytest.fail(f"{path.name}: a line that is not a pin: {line!r}")
    return pins


def _requirements(group: str) -> list[Requirement]:
    project = _pyproject()
    if group == "runtime":
        texts = project["project"]["dependencies"]
    elif group == "build":
        texts = project["build-system"]["requires"]
    else:
        texts = project["project"]["optional-dependencies"][group]
    return [Requirement(text) for text in texts]


def _applies(req: Requirement, extra: str = "") -> bool:
    return req.marker is None or req.marker.evaluate({**default_environment(), "extra": extra})


def _check(req: Requirement, pins: dict[str, tuple[str, int]], where: str) -> list[str]:
    name = canonicalize_name(req.name)
    if name not in pins:
        return [f"{req} is in pyproject.toml but not pinned in {where}"]
    version, _ = pins[name]
    if not req.specifier.contains(version, prereleases=True):
        return [f"{where} pins {name}=={version}, outside pyproject.toml's {req}"]
    problems = []
    # An extra (pyhanko[pkcs11,image-support], psycopg[binary]) brings packages of its own: locked too.
    for extra in sorted(req.extras):
        for text in metadata.requires(req.name) or []:
            sub = Requirement(text)
            if sub.marker is not None and _applies(sub, extra) and not _applies(sub):
                problems += _check(sub, pins, where)
    return problems


def test_every_dependency_in_pyproject_is_pinned_in_the_lock_within_its_range() -> None:
    runtime, dev = _pins(RUNTIME), _pins(DEV)
    problems = []
    for req in _requirements("runtime") + _requirements("build"):
        if _applies(req):
            problems += _check(req, runtime, RUNTIME.name)
    for req in _requirements("runtime") + _requirements("dev"):
        if _applies(req):
            problems += _check(req, dev, DEV.name)
    assert not problems, "the lock and pyproject.toml disagree (run `make lock`):\n" + "\n".join(problems)


def test_every_pin_has_hashes_and_the_two_files_agree() -> None:
    runtime, dev = _pins(RUNTIME), _pins(DEV)
    assert runtime and dev
    unhashed = [name for pins in (runtime, dev) for name, (_, hashes) in pins.items() if hashes == 0]
    assert not unhashed, f"pins without --hash (pip would refuse them): {unhashed}"
    differing = {n: (runtime[n][0], dev[n][0]) for n in runtime if n in dev and runtime[n][0] != dev[n][0]}
    assert not differing, f"runtime.txt and dev.txt pin different versions: {differing}"
    build = [canonicalize_name(r.name) for r in _requirements("build")]
    missing_in_dev = sorted(set(runtime) - set(dev) - set(build))
    assert not missing_in_dev, f"runtime pins missing from dev.txt: {missing_in_dev}"


def test_the_test_environment_is_the_lock() -> None:
    """What runs these tests was installed from dev.txt: every locked package at its pinned version."""
    drift = {}
    for name, (version, _) in _pins(DEV).items():
        try:
            installed = metadata.version(name)
        except metadata.PackageNotFoundError:
            drift[name] = (version, None)
            continue
        if installed != version:
            drift[name] = (version, installed)
    assert not drift, f"installed versions differ from the lock (pinned, installed): {drift} — run `make venv`"
