"""Command line: ``anjuan …`` mirrors the core operations; ``--json`` prints machine-readable output.

Every command acts as a user: ``ANJUAN_TOKEN``; or ``--user NAME`` / ``ANJUAN_USER`` with the
password from ``ANJUAN_PASSWORD`` (or a prompt); or the session saved by ``anjuan login``.

Errors print their code and a Chinese + English message on stderr and exit with status 1 (bad
input or state) or 2 (a missing service such as LibreOffice).

One module per command group; :mod:`.common` holds the Typer apps, the per-command-line state
(Typer's context object: the acting user, resolved once), output and error handling. Importing a
group's module registers its commands, in the order ``anjuan --help`` lists them.
"""

from __future__ import annotations

from . import (  # noqa: F401  (each module registers its commands)
    accounts,
    audit,
    casefiles,
    changes,
    documents,
    keys,
    maintenance,
    registry,
    search,
    server,
    stats,
)
from .common import app, run

__all__ = ["app", "run"]
