"""The converter interface: what every DOCX → PDF implementation offers, and its options.

Implementations:

* :class:`~anjuan.templates.convert.pool.UnoPool` — the real one: a warm pool of LibreOffice
  instances driven over UNO (≈ 60–100 ms per document once warm);
* :class:`~anjuan.templates.convert.cold.ColdSofficeConverter` — one ``soffice --convert-to`` per
  document (≈ 1 s each): the benchmark baseline and a fallback;
* :class:`~anjuan.templates.convert.fake.FakeConverter` — no LibreOffice at all, for unit tests of
  unrelated code; its PDFs are NOT renditions of the document.
"""

from __future__ import annotations

import functools
import glob
import importlib.util
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self, runtime_checkable

from ..errors import ConversionError, ConverterUnavailable
from .fonts import DEFAULT_FONTCONFIG_FILE, office_env

__all__ = [
    "Converter",
    "ConverterBase",
    "ConverterOptions",
    "check_docx",
    "find_soffice",
    "find_uno_python",
]


@dataclass(frozen=True)
class ConverterOptions:
    """How a converter runs LibreOffice. Every field has a working default on Debian."""

    pool_size: int = 2
    """Number of LibreOffice instances kept warm (one per CPU core is the sweet spot)."""

    timeout: float = 30.0
    """Per-job time limit in seconds; an instance exceeding it is killed and restarted."""

    retries: int = 1
    """How often a job is retried on a fresh instance after a timeout or a crash."""

    soffice: str | None = None
    """Path of the ``soffice`` launcher; ``None`` = search PATH and the usual install places."""

    python: str | None = None
    """A Python that can ``import uno``; ``None`` = ``/usr/bin/python3``, then LibreOffice's own
    ``program/python``."""

    base_dir: Path | None = None
    """Where the instances' user profiles live. ``None`` = a temporary directory removed on close;
    a fixed directory keeps profiles between runs (faster start) and is safe to share: every
    instance locks the profile slot it uses."""

    fontconfig_file: Path | None = field(default=DEFAULT_FONTCONFIG_FILE)
    """Fontconfig file given to LibreOffice as ``FONTCONFIG_FILE`` (aliases 仿宋_GB2312 & co. to
    Noto CJK); ``None`` = leave the environment's font configuration alone."""

    start_timeout: float = 60.0
    """How long one instance may take to start (a first start also creates its profile)."""

    acquire_timeout: float = 300.0
    """How long ``convert`` waits for a free instance before giving up with ConversionTimeout."""

    recycle_after: int = 2000
    """Restart an instance after this many jobs to bound LibreOffice's memory growth; 0 = never."""

    warm_up: bool = True
    """Convert a tiny built-in document when an instance starts, so that loading Writer, the DOCX
    filter and the CJK fonts is paid at start-up and not by the first real job."""

    def __post_init__(self) -> None:
        if self.pool_size < 1:
            raise ValueError("pool_size must be at least 1")
        if self.timeout <= 0 or self.start_timeout <= 0 or self.acquire_timeout <= 0:
            raise ValueError("timeouts must be positive")
        if self.retries < 0 or self.recycle_after < 0:
            raise ValueError("retries and recycle_after must not be negative")


@runtime_checkable
class Converter(Protocol):
    """Turns DOCX bytes into PDF bytes. Thread-safe; use as a context manager or call close()."""

    def convert(self, docx: bytes, *, pdfa: bool = False, timeout: float | None = None) -> bytes:
        """PDF of ``docx``; ``pdfa`` = PDF/A-2b; ``timeout`` overrides the per-job default.

        Raises ConversionError (bad document / repeated failure), ConversionTimeout,
        ConverterUnavailable (LibreOffice or python3-uno missing).
        """
        ...

    def close(self) -> None:
        """Release every resource (processes, temporary files). Idempotent."""
        ...

    def __enter__(self) -> Self: ...

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...


class ConverterBase:
    """Context-manager plumbing shared by the implementations (they satisfy :class:`Converter`)."""

    def convert(self, docx: bytes, *, pdfa: bool = False, timeout: float | None = None) -> bytes:
        raise NotImplementedError

    def close(self) -> None:
        """Nothing to release by default."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def check_docx(docx: bytes) -> None:
    """ConversionError unless ``docx`` looks like a DOCX (a ZIP package).

    Checked before LibreOffice sees the bytes: its type detection would happily import arbitrary
    bytes as a plain-text document and "convert" them.
    """
    if not docx:
        raise ConversionError("文档为空", "empty document", details={"reason": "empty"})
    if not docx.startswith(b"PK\x03\x04"):
        raise ConversionError(
            "不是有效的 DOCX 文档", "not a DOCX document (no ZIP signature)", details={"reason": "not a zip package"}
        )


def _executable(path: str | os.PathLike[str]) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def find_soffice(configured: str | None = None) -> str:
    """Path of the ``soffice`` launcher, or ConverterUnavailable naming the package to install."""
    if configured is not None:
        resolved = shutil.which(configured) if os.sep not in configured else configured
        if resolved is None or not _executable(resolved):
            raise ConverterUnavailable.soffice_missing(configured)
        return resolved
    candidates = [shutil.which("soffice"), shutil.which("libreoffice"), "/usr/lib/libreoffice/program/soffice"]
    # Upstream (TDF) packages install under /opt/libreofficeX.Y; prefer the newest.
    candidates += sorted(glob.glob("/opt/libreoffice*/program/soffice"), reverse=True)
    for candidate in candidates:
        if candidate and _executable(candidate):
            return candidate
    raise ConverterUnavailable.soffice_missing("soffice, libreoffice, /usr/lib/libreoffice, /opt/libreoffice*")


@functools.lru_cache(maxsize=16)
def _has_uno(python: str) -> bool:
    if not _executable(python):
        return False
    if os.path.realpath(python) == os.path.realpath(sys.executable):
        return importlib.util.find_spec("uno") is not None
    try:
        probe = subprocess.run(
            [python, "-c", "import uno"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=office_env(None),
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


def find_uno_python(configured: str | None = None, soffice: str | None = None) -> str:
    """A Python interpreter that can ``import uno``, or ConverterUnavailable naming python3-uno."""
    if configured is not None:
        if not _has_uno(configured):
            raise ConverterUnavailable.uno_missing(configured)
        return configured
    candidates = ["/usr/bin/python3"]
    if soffice is not None:
        # LibreOffice's own builds ship their interpreter next to soffice.bin.
        candidates.append(str(Path(soffice).resolve().parent / "python"))
    candidates.append(sys.executable)
    for candidate in candidates:
        if _has_uno(candidate):
            return candidate
    raise ConverterUnavailable.uno_missing(", ".join(candidates))
