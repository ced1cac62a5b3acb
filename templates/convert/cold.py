"""ColdSofficeConverter: one ``soffice --headless --convert-to pdf`` per document.

The naive way, kept as the benchmark baseline and as a fallback where a long-running pool is not
wanted (a one-off CLI run). Every call starts LibreOffice from scratch with a throwaway user
profile — ≈ 1 s per document instead of ≈ 0.1 s for :class:`~.pool.UnoPool` — but needs neither
``uno`` nor any state, and calls from several threads simply run several offices.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import signal
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Any

from ..errors import ConversionError, ConversionTimeout
from .api import ConverterBase, ConverterOptions, check_docx, find_soffice
from .fonts import office_env

__all__ = ["ColdSofficeConverter"]

log = logging.getLogger("anjuan.templates.convert")

# --convert-to accepts JSON filter options since LibreOffice 7.4; 2 = PDF/A-2b.
# Bookmarks become named destinations, as in the pool: the seal goes where `anjuan_seal` points.
_BOOKMARKS = '"ExportBookmarksToPDFDestination":{"type":"boolean","value":"true"}'
_PDF = "pdf:writer_pdf_Export:{" + _BOOKMARKS + "}"
_PDFA = "pdf:writer_pdf_Export:{" + _BOOKMARKS + ',"SelectPdfVersion":{"type":"long","value":"2"}}'


class ColdSofficeConverter(ConverterBase):
    """``ColdSofficeConverter(options)`` or keyword overrides of :class:`ConverterOptions`;
    uses ``soffice``, ``timeout`` and ``fontconfig_file``."""

    def __init__(self, options: ConverterOptions | None = None, **overrides: Any) -> None:
        opts = options or ConverterOptions()
        self.options: ConverterOptions = dataclasses.replace(opts, **overrides) if overrides else opts
        self._running: set[subprocess.Popen[bytes]] = set()
        self._lock = threading.Lock()
        self._closed = False

    def convert(self, docx: bytes, *, pdfa: bool = False, timeout: float | None = None) -> bytes:
        """PDF of ``docx``; see :class:`~.api.Converter`."""
        check_docx(docx)
        if self._closed:
            raise ConversionError("转换器已关闭", "converter is closed", code="converter_closed")
        soffice = find_soffice(self.options.soffice)
        limit = self.options.timeout if timeout is None else timeout
        with tempfile.TemporaryDirectory(prefix="anjuan-cold-") as tmp:
            work = Path(tmp)
            source = work / "document.docx"
            source.write_bytes(docx)
            cmd = [
                soffice,
                # A throwaway profile: no state shared between calls, and no clash with a
                # desktop LibreOffice of the same user (which would swallow the request).
                f"-env:UserInstallation={(work / 'profile').as_uri()}",
                "--headless",
                "--norestore",
                "--nologo",
                "--nodefault",
                "--nolockcheck",
                "--convert-to",
                _PDFA if pdfa else _PDF,
                "--outdir",
                str(work / "out"),
                str(source),
            ]
            proc = subprocess.Popen(
                cmd,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=office_env(self.options.fontconfig_file),
                cwd=work,
                start_new_session=True,  # own group: a timeout kills soffice.bin too, not just the script
            )
            with self._lock:
                self._running.add(proc)
            try:
                output, _ = proc.communicate(timeout=limit)
            except subprocess.TimeoutExpired as exc:
                self._kill(proc)
                log.warning("cold soffice conversion timed out after %.3g s", limit)
                raise ConversionTimeout(
                    f"文档转换超时（{limit:g} 秒）",
                    f"conversion exceeded its time limit of {limit:g} s",
                    details={"timeout": limit},
                ) from exc
            finally:
                with self._lock:
                    self._running.discard(proc)
            pdf_path = work / "out" / "document.pdf"
            pdf = pdf_path.read_bytes() if pdf_path.exists() else b""
            if proc.returncode != 0 or not pdf.startswith(b"%PDF"):
                text = output.decode("utf-8", "replace").strip()
                log.error("cold soffice conversion failed (exit %s): %s", proc.returncode, text)
                raise ConversionError(
                    f"LibreOffice 无法转换该文档（退出码 {proc.returncode}）：{text}",
                    f"LibreOffice could not convert the document (exit {proc.returncode}): {text}",
                    details={"reason": text, "exit_code": proc.returncode},
                )
            return pdf

    @staticmethod
    def _kill(proc: subprocess.Popen[bytes]) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()

    def close(self) -> None:
        """Kill conversions still running in other threads (their callers get an error)."""
        self._closed = True
        with self._lock:
            running = list(self._running)
        for proc in running:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                if proc.returncode is None:
                    os.killpg(proc.pid, signal.SIGKILL)
