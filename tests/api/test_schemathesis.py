"""schemathesis against the app's own OpenAPI document, in-process (ASGI, no server): every
operation, with a platform administrator's token and a county handler's, answers no 5xx, and
what it answers matches the schema it declares (errors included: the one ErrorResponse body).

Bounded: a few examples per operation (``MAX_EXAMPLES``) and a fixed seed (``derandomize``), so
the run takes about a minute on two cores and gives the same cases every time. The world is the
session's sample bureau, copied once for the module; the only operation left out is
``POST /api/auth/logout``, which would revoke the token the other operations use.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from anjuan.api.app import create_app
from anjuan.archive.db import Database
from anjuan.archive.service import Archive
from anjuan.indexing.memory import MemoryBackend
from anjuan.templates.convert import FakeConverter
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.fixtures.archive import PASSWORD, BureauTemplate, make_archive

MAX_EXAMPLES = 6


class _Late:
    """The archive the app serves, set by the module's fixture: the app — and from it the schema that
    parametrizes the test — must exist when the module is imported, the archive only once the
    session's fixtures have built it (schemathesis' lazy ``from_fixture`` does not run under the
    pytest in use)."""

    target: Archive | None = None

    def __getattr__(self, name: str) -> Any:
        if self.target is None:
            raise RuntimeError("the world fixture has not set the archive")
        return getattr(self.target, name)


_LATE = _Late()
APP = create_app(archive=_LATE)  # type: ignore[arg-type]
schema = schemathesis.openapi.from_asgi("/openapi.json", APP).exclude(path="/api/auth/logout")


@pytest.fixture(scope="module")
def tokens(bureau_template: BureauTemplate, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A copy of the sample bureau behind APP; bearer tokens of its administrator and a county handler."""
    directory = tmp_path_factory.mktemp("schemathesis")
    bureau_template.copy_to(directory)
    database = Database(f"sqlite:///{directory / 'anjuan.db'}")
    try:
        with FakeConverter() as fake:
            for archive in make_archive(database, fake, directory, search_backend=MemoryBackend()):
                _LATE.target = archive
                people = {"admin": "admin", "county": bureau_template.bureau.people["张伟"].name}
                yield {
                    who: archive.accounts.login(username=name, password=PASSWORD).token for who, name in people.items()
                }
    finally:
        _LATE.target = None
        database.dispose()


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_error_and_schema_conformance(case: Any, tokens: dict[str, str]) -> None:
    for token in tokens.values():
        case.call_and_validate(
            headers={"Authorization": f"Bearer {token}"},
            checks=[not_a_server_error, response_schema_conformance],
        )
