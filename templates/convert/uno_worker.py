"""One LibreOffice instance driven over UNO, serving DOCX → PDF jobs on stdin/stdout.

This script is NOT imported by anjuan: the pool (``pool.py``) runs it by path with a Python that
has the ``uno`` module (Debian: ``/usr/bin/python3`` + python3-uno), because the service's own
interpreter usually has no ``uno``. It must therefore stay dependency-free: stdlib + uno only.

Lifecycle
    1. start ``soffice`` (headless, own user profile, ``--accept=pipe,…``) as a child in the same
       process group, so the pool can kill the worker and its office with one ``killpg``;
    2. connect over UNO and send ``{"event": "ready", …}``;
    3. serve requests until stdin closes or ``{"op": "quit"}`` arrives, then terminate the office.

Framing (both directions): 4-byte big-endian length, then that many bytes of UTF-8 JSON.

Requests and replies::

    {"op": "convert", "id": 7, "input": "/…/job.docx", "output": "/…/job.pdf", "pdfa": false}
    → {"id": 7, "ok": true, "ms": 93.1}
    → {"id": 7, "ok": false, "fatal": false, "error": "…"}   bad document, office still fine
    → {"id": 7, "ok": false, "fatal": true, "error": "…"}    office gone; the worker exits next
    {"op": "ping", "id": 8} → {"id": 8, "ok": true}
    {"op": "quit"}          → (no reply; exit)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import struct
import subprocess
import sys
import threading
import time
import uuid
import zipfile
from typing import Any

import uno  # type: ignore[import-not-found]  # provided by python3-uno / LibreOffice's python
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]

__all__ = ["main"]

_HEADER = struct.Struct(">I")
# Document load flags that make a UNO-driven office safe and cheap for a batch converter.
_MACRO_NEVER_EXECUTE = 0  # com.sun.star.document.MacroExecMode.NEVER_EXECUTE
_UPDATE_NO_UPDATE = 0  # com.sun.star.document.UpdateDocMode.NO_UPDATE: never fetch linked content


def _log(message: str) -> None:
    # stderr is collected by the pool and logged at DEBUG level; stdout is the protocol channel.
    sys.stderr.write(f"uno_worker[{os.getpid()}]: {message}\n")
    sys.stderr.flush()


def _prop(name: str, value: Any) -> PropertyValue:
    prop = PropertyValue()
    prop.Name = name
    prop.Value = value
    return prop


class Channel:
    """Length-prefixed JSON over two raw file descriptors."""

    def __init__(self, read_fd: int, write_fd: int) -> None:
        self._read_fd = read_fd
        self._write_fd = write_fd
        self._lock = threading.Lock()

    def _read_exact(self, size: int) -> bytes | None:
        chunks = bytearray()
        while len(chunks) < size:
            chunk = os.read(self._read_fd, size - len(chunks))
            if not chunk:
                return None
            chunks += chunk
        return bytes(chunks)

    def receive(self) -> dict[str, Any] | None:
        header = self._read_exact(_HEADER.size)
        if header is None:
            return None
        body = self._read_exact(_HEADER.unpack(header)[0])
        if body is None:
            return None
        return json.loads(body.decode("utf-8"))

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps(message, ensure_ascii=False).encode("utf-8")
        data = _HEADER.pack(len(body)) + body
        with self._lock:
            view = memoryview(data)
            while view:
                written = os.write(self._write_fd, view)
                view = view[written:]


class Office:
    """The soffice child process and the UNO desktop connected to it."""

    def __init__(self, soffice: str, profile_dir: str, start_timeout: float, pipe_name: str) -> None:
        self.soffice = soffice
        self.profile_url = uno.systemPathToFileUrl(os.path.abspath(profile_dir))
        self.start_timeout = start_timeout
        # Unique per start (the pool chooses it, so that it can remove the socket file
        # /tmp/OSL_PIPE_<uid>_<name>, which LibreOffice leaves behind when it is killed).
        self.pipe_name = pipe_name
        self.proc: subprocess.Popen[bytes] | None = None
        self.desktop: Any = None
        # Set once serving / when shutting down; the watchdog only acts in between.
        self.serving = False
        self.stopping = False

    def start(self) -> None:
        args = [
            self.soffice,
            f"-env:UserInstallation={self.profile_url}",
            "--headless",
            "--invisible",
            "--norestore",
            "--nologo",
            "--nodefault",
            "--nolockcheck",
            f"--accept=pipe,name={self.pipe_name};urp;StarOffice.ComponentContext",
        ]
        # stdout → our stderr: the office must never write into (or hold open) the protocol pipe,
        # or the pool would neither parse replies nor see EOF when this worker dies.
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=2, stderr=2, close_fds=True)
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        url = f"uno:pipe,name={self.pipe_name};urp;StarOffice.ComponentContext"
        deadline = time.monotonic() + self.start_timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            code = self.proc.poll()
            if code is not None:
                raise RuntimeError(f"soffice exited with code {code} during start-up")
            try:
                ctx = resolver.resolve(url)
                self.desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
                return
            except Exception as exc:  # NoConnectException until the office listens
                last_error = exc
                time.sleep(0.05)
        raise RuntimeError(f"soffice did not accept a UNO connection in {self.start_timeout:.0f} s: {last_error}")

    def alive(self) -> bool:
        if self.proc is None or self.proc.poll() is not None:
            return False
        try:
            # A cheap remote call: raises DisposedException once the bridge is gone.
            self.desktop.getComponents()
            return True
        except Exception:
            return False

    def convert(self, source: str, target: str, pdfa: bool) -> None:
        load_props = (
            _prop("Hidden", True),
            # ReadOnly: the office never takes a lock on the input, and never writes it back.
            _prop("ReadOnly", True),
            _prop("MacroExecutionMode", _MACRO_NEVER_EXECUTE),
            _prop("UpdateDocMode", _UPDATE_NO_UPDATE),
        )
        doc = self.desktop.loadComponentFromURL(uno.systemPathToFileUrl(source), "_blank", 0, load_props)
        if doc is None:
            raise ValueError("LibreOffice could not load the document (not a valid DOCX?)")
        try:
            filter_data = (
                # 0 = PDF 1.6 (LibreOffice's default), 2 = PDF/A-2b.
                _prop("SelectPdfVersion", 2 if pdfa else 0),
                # Fonts are embedded (subset) by default; say so explicitly so a changed default
                # in a future LibreOffice cannot silently produce PDFs that depend on local fonts.
                _prop("EmbedStandardFonts", True),
                # Writer bookmarks become PDF named destinations: the sealing step finds the place
                # of the seal (bookmark ``anjuan_seal`` over the organisation name and date) by name.
                # Named destinations are allowed in PDF/A-2b.
                _prop("ExportBookmarksToPDFDestination", True),
            )
            store_props = (
                _prop("FilterName", "writer_pdf_Export"),
                _prop("Overwrite", True),
                # FilterData must travel as a typed sequence, which plain pyuno cannot infer.
                _prop("FilterData", uno.Any("[]com.sun.star.beans.PropertyValue", filter_data)),
            )
            uno.invoke(doc, "storeToURL", (uno.systemPathToFileUrl(target), store_props))
        finally:
            try:
                doc.close(True)
            except Exception:
                with contextlib.suppress(Exception):
                    doc.dispose()

    def stop(self, grace: float = 5.0) -> None:
        self.stopping = True
        if self.desktop is not None:
            # The office drops the bridge while terminating: an exception here is the normal outcome.
            with contextlib.suppress(Exception):
                self.desktop.terminate()
            self.desktop = None
        if self.proc is not None:
            try:
                self.proc.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                _log("soffice did not terminate; killing it")
                self.proc.kill()
                self.proc.wait()


_WARM_UP_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
    ),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
    ),
    "word/document.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>'
        '<w:p><w:r><w:rPr><w:rFonts w:eastAsia="方正小标宋简体"/><w:lang w:eastAsia="zh-CN"/></w:rPr>'
        "<w:t>预热 warm-up</w:t></w:r></w:p>"
        '<w:p><w:r><w:rPr><w:rFonts w:eastAsia="仿宋_GB2312"/><w:lang w:eastAsia="zh-CN"/></w:rPr>'
        "<w:t>行政执法文书</w:t></w:r></w:p>"
        '<w:p><w:r><w:rPr><w:rFonts w:eastAsia="黑体"/><w:lang w:eastAsia="zh-CN"/></w:rPr>'
        "<w:t>黑体</w:t></w:r></w:p>"
        "</w:body></w:document>"
    ),
}


def warm_up(office: Office, work_dir: str) -> None:
    """Convert a tiny DOCX once: loads Writer, the DOCX import, PDF export and the CJK fonts now
    (≈ 150 ms) instead of during the first real job."""
    source = os.path.join(work_dir, f"warm-up-{os.getpid()}.docx")
    target = source[: -len(".docx")] + ".pdf"
    with zipfile.ZipFile(source, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in _WARM_UP_PARTS.items():
            archive.writestr(name, text)
    try:
        office.convert(source, target, False)
    finally:
        for path in (source, target):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)


def _die(office: Office, code: int) -> None:
    # Nobody will clean up after us: remove the office's pipe socket (LibreOffice leaves it).
    for folder in ("/tmp", "/var/tmp"):
        with contextlib.suppress(OSError):
            os.unlink(f"{folder}/OSL_PIPE_{os.getuid()}_{office.pipe_name}")
    if os.getpgid(0) == os.getpid():
        # We lead our own process group (the pool starts us with setsid): take the office and
        # everything it spawned with us.
        os.killpg(os.getpid(), signal.SIGKILL)
    if office.proc is not None:
        office.proc.kill()
    os._exit(code)


def _watchdog(parent: int, office: Office) -> None:
    """Exit at once when the pool process dies (even if the main thread is stuck in a UNO call),
    and when the office dies while idle: the pool then sees a dead worker *before* it hands it a
    job and restarts it, instead of losing a job attempt to it."""
    ticks = 0
    while True:
        time.sleep(0.1)
        ticks += 1
        if office.serving and not office.stopping and office.proc is not None and office.proc.poll() is not None:
            _log(f"soffice exited unexpectedly (code {office.proc.returncode}); exiting")
            _die(office, 5)
        if ticks % 10 == 0 and os.getppid() != parent:
            _log("parent process gone; shutting down")
            _die(office, 3)


def serve(channel: Channel, office: Office) -> int:
    while True:
        request = channel.receive()
        if request is None:  # the pool closed our stdin
            return 0
        op = request.get("op")
        job_id = request.get("id")
        if op == "quit":
            return 0
        if op == "ping":
            channel.send({"id": job_id, "ok": office.alive()})
            continue
        if op != "convert":
            channel.send({"id": job_id, "ok": False, "fatal": False, "error": f"unknown op {op!r}"})
            continue
        started = time.perf_counter()
        try:
            office.convert(request["input"], request["output"], bool(request.get("pdfa")))
        except Exception as exc:
            fatal = not office.alive()
            message = f"{type(exc).__name__}: {exc}".strip()
            _log(f"job {job_id} failed (fatal={fatal}): {message}")
            channel.send({"id": job_id, "ok": False, "fatal": fatal, "error": message})
            if fatal:
                return 4
            continue
        channel.send({"id": job_id, "ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--soffice", required=True)
    parser.add_argument("--profile", required=True, help="user profile directory of this instance")
    parser.add_argument("--start-timeout", type=float, default=60.0)
    parser.add_argument("--pipe-name", default=f"anjuan-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    parser.add_argument("--warm-up", action="store_true", help="convert a tiny document before ready")
    args = parser.parse_args(argv)

    # Keep the protocol on a private duplicate of stdout and point fd 1 at stderr, so that any
    # stray print (ours, pyuno's, a library's) cannot corrupt a frame.
    proto_out = os.dup(1)
    os.dup2(2, 1)
    channel = Channel(0, proto_out)

    office = Office(args.soffice, args.profile, args.start_timeout, args.pipe_name)
    threading.Thread(target=_watchdog, args=(os.getppid(), office), daemon=True).start()
    started = time.perf_counter()
    try:
        office.start()
        if args.warm_up:
            warm_up(office, args.profile)
    except Exception as exc:
        _log(f"start failed: {exc}")
        channel.send({"event": "failed", "error": f"{type(exc).__name__}: {exc}"})
        if office.proc is not None and office.proc.poll() is None:
            office.proc.kill()
        return 2
    pid = office.proc.pid if office.proc is not None else None
    office.serving = True
    channel.send(
        {
            "event": "ready",
            "pid": os.getpid(),
            "office_pid": pid,
            "ms": round((time.perf_counter() - started) * 1000, 1),
        }
    )
    code = 0
    try:
        code = serve(channel, office)
    finally:
        office.stop()
    return code


if __name__ == "__main__":
    sys.exit(main())
