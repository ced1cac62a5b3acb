"""Shared fixtures live in tests/fixtures/ and are registered here as plugins (not re-exported).

- ``tests.fixtures.db``: ``db_backend``, ``database``, ``sqlite_database`` (``both_databases`` mark)
- ``tests.fixtures.converter``: ``converter_pool`` (one warm LibreOffice pool), ``fake_converter``
- ``tests.fixtures.pki``: ``test_pki`` (one deterministic test PKI per session)
- ``tests.fixtures.tsa``: ``test_tsa``, ``http_tsa`` (RFC 3161, in-process and on loopback)
- ``tests.fixtures.pdfsig``: ``pdfsig`` (poppler with the test root trusted)
- ``tests.fixtures.archive``: ``archive``, ``bureau`` (a test bureau copied from one built per session)
- ``tests.fixtures.browser``: ``browser``, ``page``, ``web_archive``, ``live_url``, ``live_server``
"""

from __future__ import annotations

import pytest

pytest_plugins = [
    "tests.fixtures.db",
    "tests.fixtures.converter",
    "tests.fixtures.pki",
    "tests.fixtures.tsa",
    "tests.fixtures.pdfsig",
    "tests.fixtures.archive",
    "tests.fixtures.browser",
]

# The modules that take longest (≈ 30–55 s each, `make test` prints the slowest tests), handed out
# first. `make test` gives each of the two workers one module at a time in collection order
# (--dist loadscope); a long module taken last keeps one worker busy while the other has finished
# (measured: 30 s of a 4-minute run). Longest first, the run ends on short modules on both workers.
LONGEST_FIRST = (
    "tests/api/test_schemathesis.py",  # ≈ 100 s: every operation of the OpenAPI document, two tokens
    "tests/api/test_reliability.py",
    "tests/archive/test_documents.py",
    "tests/web/test_flows.py",
    "tests/api/test_cli.py",
    "tests/templates/test_convert.py",
    "tests/archive/test_review_corpus.py",  # ~17 cases back-filled and paginated by LibreOffice
)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Move the modules of :data:`LONGEST_FIRST` to the front; order is kept otherwise."""
    rank = {module: index for index, module in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))
