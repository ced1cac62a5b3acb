"""The ``anjuan`` command's entry point: what users see of Python itself is decided here, first.

Users of the command line never see library noise: no Python warning (pyHanko's import raises
cryptography's DSA deprecation on every start), no library log record (pyHanko logs a traceback
for every certificate path it fails to build when a seal is not trusted) and no Python traceback
(an unexpected error is one line in Chinese and English, exit status 70). ``--verbose`` (anywhere
on the line) or ``ANJUAN_VERBOSE=1`` shows all of them, for a developer.

This module must stay import-light: the filters have to be in place *before* the command module
imports pyHanko, cryptography and the rest.
"""

from __future__ import annotations

import logging
import os
import sys
import warnings

__all__ = ["configure_output", "main", "verbose_requested"]

VERBOSE_FLAG = "--verbose"
INTERNAL_ERROR = 70  # EX_SOFTWARE: the program failed, not the input


def verbose_requested(argv: list[str], environ: dict[str, str] | os._Environ[str]) -> bool:
    return VERBOSE_FLAG in argv or environ.get("ANJUAN_VERBOSE", "").lower() in ("1", "true", "yes")


class _OwnRecords(logging.Filter):
    """Only anjuan's own log records (and uvicorn's, which ``anjuan serve`` prints on purpose)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.name.split(".", 1)[0] in ("anjuan", "uvicorn")


def configure_output(verbose: bool) -> None:
    """Warnings and logging for a command-line run (idempotent)."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_anjuan_cli", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler._anjuan_cli = True  # type: ignore[attr-defined]
    if verbose:
        warnings.simplefilter("default")
        logging.captureWarnings(True)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.setLevel(logging.INFO)
    else:
        # A library's warning or log record is for its developers, not for a case handler.
        warnings.simplefilter("ignore")
        handler.addFilter(_OwnRecords())
        handler.setFormatter(logging.Formatter("%(message)s"))
        root.setLevel(logging.WARNING)
    root.addHandler(handler)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    verbose = verbose_requested(args, os.environ)
    configure_output(verbose)
    from anjuan.api import cli  # after the filters: importing it imports pyHanko

    try:
        cli.run([a for a in args if a != VERBOSE_FLAG], verbose=verbose)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        print("已中断 interrupted", file=sys.stderr)
        raise SystemExit(130) from None
    except Exception as exc:  # the last resort: a bug or an unforeseen failure, never a traceback
        if verbose:
            raise
        print(
            f"内部错误 internal error: {exc.__class__.__name__}: {exc}\n"
            "（加 --verbose 查看详细信息 / run again with --verbose for details）",
            file=sys.stderr,
        )
        raise SystemExit(INTERNAL_ERROR) from None
