"""Shared fixtures live in tests/fixtures/ and are registered here as plugins (not re-exported).

- ``tests.fixtures.db``: ``db_backend``, ``database``, ``sqlite_database`` (``both_databases`` mark)
- ``tests.fixtures.converter``: ``converter_pool`` (one warm LibreOffice pool), ``fake_converter``
- ``tests.fixtures.pki``: ``test_pki`` (one deterministic test PKI per session)
- ``tests.fixtures.tsa``: ``test_tsa``, ``http_tsa`` (RFC 3161, in-process and on loopback)
- ``tests.fixtures.pdfsig``: ``pdfsig`` (poppler with the test root trusted)
- ``tests.fixtures.archive``: ``archive``, ``bureau`` (a test bureau copied from one built per session)
- ``tests.fixtures.browser``: ``browser``, ``page``, ``web_archive``, ``live_url``, ``live_server``
"""

pytest_plugins = [
    "tests.fixtures.db",
    "tests.fixtures.converter",
    "tests.fixtures.pki",
    "tests.fixtures.tsa",
    "tests.fixtures.pdfsig",
    "tests.fixtures.archive",
    "tests.fixtures.browser",
]
