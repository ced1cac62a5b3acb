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
# The document is the app's own (APP.openapi(), what /openapi.json serves), read without a request:
# a request would pass the middlewares, which need the archive that does not exist yet.
schema = schemathesis.openapi.from_dict(APP.openapi())
schema.app = APP
# Operations that change the accounts the tokens belong to (a password reset or deactivation of the
# administrator's own id would turn every later case into a 401) run in their own test, which
# restores both accounts and logs in afresh before each example.
_ACCOUNT_OPS = r"^/api/(auth/password|users/\{user_id\}/(password|deactivate|activate))$"
account_schema = schema.include(path_regex=_ACCOUNT_OPS)
schema = schema.exclude(path="/api/auth/logout").exclude(path_regex=_ACCOUNT_OPS)


_PEOPLE: dict[str, str] = {}


def _fresh_tokens() -> dict[str, str]:
    """Both accounts active, with the known password (which also clears their failure counts), and
    a new token for each."""
    archive = _LATE.target
    assert archive is not None
    admin = archive.accounts.principal("admin")
    for user in archive.accounts.users(actor=admin):
        if user.username in _PEOPLE.values():
            archive.accounts.set_active(actor=admin, user_id=user.id, active=True)
            archive.accounts.reset_password(actor=admin, user_id=user.id, new_password=PASSWORD)
    return {who: archive.accounts.login(username=name, password=PASSWORD).token for who, name in _PEOPLE.items()}


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
                _PEOPLE.update(admin="admin", county=bureau_template.bureau.people["张伟"].name)
                yield _fresh_tokens()
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


@account_schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_account_operations_answer_no_server_error(case: Any, tokens: dict[str, str]) -> None:
    for who in ("admin", "county"):
        token = _fresh_tokens()[who]
        case.call_and_validate(
            headers={"Authorization": f"Bearer {token}"},
            checks=[not_a_server_error, response_schema_conformance],
        )
