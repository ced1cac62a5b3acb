#!/usr/bin/env bash
# Regenerate the lock files from pyproject.toml with pip-tools (exact versions + hashes of every
# distribution of each pinned release). `make upgrade` calls this with --upgrade: the newest
# releases the ranges in pyproject.toml allow. Without --upgrade, existing pins are kept and only
# what pyproject.toml changed is re-resolved.
#   requirements/runtime.txt  what the product ships: runtime deps + the build backend (setuptools,
#                             wheel) so that installing anjuan itself resolves nothing at install time
#   requirements/dev.txt      runtime.txt + the test and lint tools (constrained to runtime.txt, so
#                             a package in both has the same pin in both)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
COMMON=(--quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links
        --no-emit-trusted-host --resolver=backtracking)
[ "${1:-}" = "--upgrade" ] && COMMON+=(--upgrade)
# The lock describes PyPI's releases, not this machine's local wheel cache.
export PIP_FIND_LINKS= PIP_CONSTRAINT=
export CUSTOM_COMPILE_COMMAND="make lock   (or: make upgrade)"
"$PY" -m piptools compile "${COMMON[@]}" --build-deps-for editable -o requirements/runtime.txt pyproject.toml
"$PY" -m piptools compile "${COMMON[@]}" --extra dev -c requirements/runtime.txt -o requirements/dev.txt pyproject.toml
