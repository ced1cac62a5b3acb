"""Fonts for the PDF renditions: the packaged fontconfig file and the environment that applies it.

Official documents name faces Debian lacks (仿宋_GB2312, 方正小标宋简体, 黑体 …).
``templates/fonts/anjuan-fonts.conf`` includes the system configuration and aliases those names to
Noto Serif / Sans CJK SC; LibreOffice picks it up through ``FONTCONFIG_FILE``, so only the
converter's processes see the aliases, never the rest of the machine.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["DEFAULT_FONTCONFIG_FILE", "office_env"]

DEFAULT_FONTCONFIG_FILE: Path = Path(__file__).resolve().parent.parent / "fonts" / "anjuan-fonts.conf"
"""The fontconfig file shipped with anjuan.templates."""


def office_env(fontconfig_file: Path | None) -> dict[str, str]:
    """Environment for LibreOffice and the UNO worker.

    Drops the ``PYTHON*`` / ``VIRTUAL_ENV`` variables: the worker runs under the system Python
    (the one with ``uno``), which must not pick up the service's virtualenv.
    """
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PYTHON") and key not in ("VIRTUAL_ENV", "__PYVENV_LAUNCHER__")
    }
    if fontconfig_file is not None:
        env["FONTCONFIG_FILE"] = str(fontconfig_file)
    return env
