"""The data directory is private to the service's user, like the key store (signing/keystore.py):
directories 0700, files 0600 (blobs 0400: never rewritten). The database and the evidence in the
blob store are as confidential as the keys; another local user must not read them.

New installations create everything with these modes. An existing installation is tightened at
start-up where it is looser — the data directory, the SQLite file and its journals, the blob
root — and a failure to tighten (a file owned by someone else, a read-only mount) is logged, never
fatal: the archive must still start. Files below a 0700 directory are unreachable to others
whatever their own mode, so existing blobs are not walked one by one.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
from pathlib import Path

__all__ = ["DIR_MODE", "FILE_MODE", "private_dir", "private_file", "tighten"]

log = logging.getLogger("anjuan.archive")

DIR_MODE = 0o700
FILE_MODE = 0o600


def tighten(path: Path, mode: int) -> None:
    """Clear the permission bits of ``path`` beyond ``mode`` (never adds any)."""
    try:
        current = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return
    except OSError as exc:
        log.warning("cannot check the permissions of %s: %s", path, exc)
        return
    wanted = current & mode
    if wanted != current:
        try:
            os.chmod(path, wanted)
        except OSError as exc:
            log.warning("cannot restrict %s to mode %o (is %o): %s", path, wanted, current, exc)
        else:
            log.info("restricted %s to mode %o (was %o): the data directory is private", path, wanted, current)


def private_dir(path: Path) -> Path:
    """Make ``path`` (and missing parents) with mode 0700, or tighten it to that."""
    path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    tighten(path, DIR_MODE)
    return path


def private_file(path: Path) -> None:
    """Create ``path`` empty with mode 0600 if it does not exist (so a program that then opens it —
    SQLite — never makes it world-readable first), or tighten it to that."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    tighten(path, FILE_MODE)
