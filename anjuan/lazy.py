"""Package attributes imported on first use (PEP 562), for the leaf libraries' ``__init__`` modules.

``anjuan.signing``, ``anjuan.templates`` and ``anjuan.templates.volume`` name many things that live
in modules with heavy imports (pyHanko, python-docx, pikepdf …). Importing such a package must not
import all of them: a command-line call that seals or renders nothing would pay seconds of start-up.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(package: str, exports: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``: ``exports`` maps each public name to the
    submodule (relative to ``package``) that defines it; the value is kept once looked up."""

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f".{module}", package), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(exports))

    return __getattr__, __dir__
