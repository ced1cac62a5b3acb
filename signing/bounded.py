"""Bounded verification: what one PDF may cost before, and while, it is verified.

Anyone may hand anjuan a PDF to verify (no login), so the work a file can cause must be bounded:

- :func:`~.limits.check_structure` counts, in the raw bytes and before any parser runs, the file's revisions
  (incremental updates: ``startxref`` / ``%%EOF`` markers, xref tables and streams), its
  objects (object headers and the largest declared ``/Size``) and its signature dictionaries
  (``/ByteRange``). pyHanko's work grows with each of them — every revision is a historical view it
  builds and compares (10,000 appended updates to a 1.5 MB file took over a minute) — so a file past a
  :class:`VerifyLimits` is refused at once with a code (``verify_too_many_revisions``,
  ``verify_too_many_objects``, ``verify_too_many_signatures``; :class:`~.errors.VerificationError`,
  with ``details`` naming the limit and the value). The counts over-estimate rather than miss: a
  keyword inside a compressed stream is invisible, but then the parser cannot use it either, and the
  signature count is checked again after parsing (:func:`~.verify.verify_pdf`).
- :class:`VerifierPool` runs :func:`~.verify.verify_pdf` in worker processes, each verification under
  a wall-clock deadline: past it the worker is killed (a thread cannot be stopped, a process can) and
  the caller gets ``verify_timeout``. The pool has a fixed number of workers, so concurrent
  verifications never use more than that many cores; a caller that cannot get a worker in time gets
  ``verify_busy``. Workers stay warm between verifications (pyHanko imported once), so the normal path
  costs one pipe round trip more than an in-process call.

Our own outputs are far inside the default limits: a sealed document has one revision per signature
(3–4 in the demo), a sealed volume two; they have a few dozen object headers and a few hundred objects.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING, Any

from .errors import VerificationError
from .limits import VerifyLimits, check_structure

if TYPE_CHECKING:
    from asn1crypto import x509

    from .api import VerificationReport

__all__ = ["VerifierPool", "VerifyLimits", "check_structure"]


# -- worker processes ---------------------------------------------------------------------------------


class _Records(logging.Handler):
    """The worker's log records and warnings (pyHanko's, cryptography's), kept to go back with the
    answer: the caller's logging decides what is shown (a CLI user sees none, ``--verbose`` all),
    exactly as if the verification had run in the caller's process."""

    def __init__(self, keep: int = 200) -> None:
        super().__init__(logging.INFO)
        self.keep = keep
        self.records: list[dict[str, Any]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if len(self.records) >= self.keep:
            return
        exc_text = record.exc_text
        if record.exc_info and not exc_text:
            exc_text = logging.Formatter().formatException(record.exc_info)
        self.records.append(
            {
                "name": record.name,
                "levelno": record.levelno,
                "levelname": record.levelname,
                "msg": record.getMessage(),
                "exc_text": exc_text,
            }
        )

    def take(self) -> list[dict[str, Any]]:
        records, self.records = self.records, []
        return records


def capture_output() -> _Records:
    """Route every warning and log record of this (worker) process into a :class:`_Records`."""
    import warnings

    records = _Records()
    root = logging.getLogger()
    root.handlers[:] = [records]
    root.setLevel(logging.INFO)
    warnings.simplefilter("default")
    logging.captureWarnings(True)
    return records


def replay(records: list[dict[str, Any]]) -> None:
    """A worker's records, handed to this process's loggers as if they had been logged here."""
    for data in records:
        record = logging.makeLogRecord(data)
        logger = logging.getLogger(record.name)
        if logger.isEnabledFor(record.levelno):
            logger.handle(record)


def worker_main(conn: Connection, records: _Records | None = None) -> None:
    """One worker (``python -m anjuan.signing._verify_worker FD``): verify each job it is sent until
    the connection closes (or it is killed)."""
    records = records or capture_output()
    from .errors import SigningError
    from .verify import verify_pdf

    roots_cache: dict[tuple[bytes, ...], list[x509.Certificate]] = {}
    while True:
        try:
            pdf, roots_der, limits = conn.recv()
        except (EOFError, OSError):
            return
        try:
            roots = roots_cache.get(roots_der)
            if roots is None:
                from asn1crypto import x509 as asn1_x509

                roots = [asn1_x509.Certificate.load(der) for der in roots_der]
                roots_cache.clear()
                roots_cache[roots_der] = roots
            reply: tuple[str, Any] = ("ok", verify_pdf(pdf, trust_roots=roots, limits=limits))
        except SigningError as exc:
            reply = ("error", (exc.message_zh, exc.message_en, exc.code, dict(exc.details)))
        except Exception as exc:  # reported to the caller as a failed verification, never a dead worker
            reply = ("crash", f"{exc.__class__.__name__}: {str(exc)[:300]}")
        try:
            conn.send((*reply, records.take()))
        except (EOFError, OSError):
            return


@dataclass
class _Worker:
    process: subprocess.Popen[bytes]
    conn: Connection
    jobs: int = 0

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.close()
        with contextlib.suppress(Exception):
            self.process.kill()
            self.process.wait(5)


def _start_worker() -> _Worker:
    # A fresh interpreter, not a fork: the server is multi-threaded (a forked child can inherit a
    # lock some other thread held), and multiprocessing's spawn would re-import the caller's
    # __main__. The job connection is one end of a socket pair handed down as a file descriptor.
    parent, child = socket.socketpair()
    try:
        process = subprocess.Popen(
            [sys.executable, "-m", "anjuan.signing._verify_worker", str(child.fileno())],
            pass_fds=(child.fileno(),),
            stdin=subprocess.DEVNULL,
            # Nothing of the worker reaches the caller's terminal: its records come back with each
            # answer (:func:`replay`), its failures as ``verify_failed``.
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    except OSError as exc:
        parent.close()
        raise VerificationError(
            "无法启动验证进程", f"cannot start a verification worker: {exc}", code="verify_failed"
        ) from exc
    finally:
        child.close()
    return _Worker(process, Connection(parent.detach()))


class VerifierPool:
    """``workers`` warm verifier processes; each :meth:`verify` runs under a deadline (see the module
    docstring). Thread-safe; :meth:`close` stops the workers. :meth:`shared` gives the one pool of a
    size in this process (its workers hold no state of a caller: the trust roots come with each job)."""

    @classmethod
    def shared(cls, workers: int) -> VerifierPool:
        with _SHARED_LOCK:
            pool = _SHARED.get(workers)
            if pool is None or pool._closed:
                pool = _SHARED[workers] = cls(workers)
                atexit.register(pool.close)
            return pool

    def __init__(self, workers: int = 2, *, max_jobs_per_worker: int = 500) -> None:
        self._slots = threading.BoundedSemaphore(workers)
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []
        self._max_jobs = max_jobs_per_worker
        self._closed = False
        #: verifications stopped at their deadline (their worker killed), for tests and monitoring
        self.killed = 0
        #: verifications running in a worker now
        self.running = 0
        #: worker processes started so far
        self.started = 0

    def verify(
        self,
        pdf: bytes,
        *,
        trust_roots: list[bytes],
        limits: VerifyLimits,
        timeout: float,
        wait: float | None = None,
    ) -> VerificationReport:
        """Verify ``pdf`` in a worker within ``timeout`` seconds (``verify_timeout`` past it, the worker
        killed); wait at most ``wait`` seconds (default ``timeout``) for a free worker (``verify_busy``).
        ``trust_roots`` are DER certificates. Raises :class:`VerificationError` with those codes, the
        structural ones of :func:`check_structure`, or ``verify_failed`` if a worker dies."""
        check_structure(pdf, limits)  # refused here, before a worker is even asked
        if not self._slots.acquire(timeout=timeout if wait is None else wait):
            raise VerificationError(
                "验证服务繁忙，请稍后重试",
                "all verification workers are busy; try again shortly",
                code="verify_busy",
            )
        try:
            return self._run(bytes(pdf), tuple(trust_roots), limits, timeout)
        finally:
            self._slots.release()

    def _run(self, pdf: bytes, roots: tuple[bytes, ...], limits: VerifyLimits, timeout: float) -> VerificationReport:
        worker: _Worker | None = self._checkout()
        assert worker is not None
        with self._lock:
            self.running += 1
        try:
            worker.conn.send((pdf, roots, limits))
            if not worker.conn.poll(timeout):
                # Runaway work: stop it for real, not just stop waiting for it.
                worker.kill()
                worker = None
                with self._lock:
                    self.killed += 1
                raise VerificationError(
                    f"验证超时（超过 {timeout:g} 秒），已终止",
                    f"verification took longer than {timeout:g} s and was stopped",
                    code="verify_timeout",
                    details={"limit": timeout},
                )
            kind, payload, records = worker.conn.recv()
        except (EOFError, OSError) as exc:
            if worker is not None:
                worker.kill()
                worker = None
            raise VerificationError(
                "验证进程意外退出", f"the verification worker died: {exc}", code="verify_failed"
            ) from exc
        finally:
            with self._lock:
                self.running -= 1
            if worker is not None:
                self._checkin(worker)
        replay(records)
        if kind == "ok":
            return payload  # type: ignore[no-any-return]
        if kind == "error":
            zh, en, code, details = payload
            raise VerificationError(zh, en, code=code, details=details)
        raise VerificationError("验证失败", f"verification failed: {payload}", code="verify_failed")

    def _checkout(self) -> _Worker:
        with self._lock:
            if self._closed:
                raise VerificationError("验证服务已关闭", "the verifier pool is closed", code="verify_failed")
            while self._idle:
                worker = self._idle.pop()
                if worker.alive():
                    worker.jobs += 1
                    return worker
                worker.kill()
        worker = _start_worker()
        worker.jobs = 1
        with self._lock:
            self.started += 1
        return worker

    def _checkin(self, worker: _Worker) -> None:
        with self._lock:
            # A worker is recycled now and then: whatever a long life accumulates (caches, fragmentation).
            if self._closed or worker.jobs >= self._max_jobs:
                worker.kill()
            else:
                self._idle.append(worker)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.kill()


_SHARED: dict[int, VerifierPool] = {}
_SHARED_LOCK = threading.Lock()
