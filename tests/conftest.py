"""Shared fixtures live in tests/fixtures/; this file only makes them visible to every test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from anjuan.archive.db import Database

from tests.fixtures.browser import (  # noqa: F401  (real-browser tests: Chromium + a live server)
    browser,
    live_server,
    live_url,
    page,
    pytest_collection_modifyitems,
    pytest_runtest_makereport,
    web_archive,
)
from tests.fixtures.converter import converter_pool  # noqa: F401  (one warm pool per session)
from tests.fixtures.db import BACKENDS, make_database
from tests.fixtures.pdfsig import pdfsig  # noqa: F401  (poppler with the test root trusted)
from tests.fixtures.pki import test_pki  # noqa: F401  (one deterministic test PKI per session)
from tests.fixtures.tsa import http_tsa, test_tsa  # noqa: F401  (RFC 3161 TSA, in-process and on loopback)


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """The same test against SQLite and PostgreSQL."""
    yield from make_database(request.param, tmp_path)


@pytest.fixture
def sqlite_database(tmp_path: Path) -> Iterator[Database]:
    yield from make_database("sqlite", tmp_path)
