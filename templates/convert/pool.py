"""UnoPool: a warm pool of LibreOffice instances converting DOCX → PDF over UNO.

Why a pool: a cold ``soffice --convert-to`` pays ~1 s of start-up per document; a running
instance driven over UNO converts a 2-page document in ~60–100 ms. Each instance is

* one ``uno_worker.py`` process, run by the Python that has ``uno`` (the service's own interpreter
  usually has not), speaking length-prefixed JSON on its stdin/stdout, and
* the ``soffice`` it started, with its own user profile (two instances sharing a profile would
  hand their work to each other and collide on locks),

both in one process group, so a hung or broken instance is killed with a single ``killpg``.

Callers check an idle instance out of a thread-safe, first-come-first-served queue, so any
number of threads may call :meth:`UnoPool.convert` at once; jobs beyond the pool size wait in
arrival order. A job that exceeds its time
limit or whose instance dies is retried (``retries`` times) on a fresh instance while the broken
one restarts in the background. Every instance is shut down on :meth:`UnoPool.close`, and at
interpreter exit for pools that were never closed.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import fcntl
import json
import logging
import os
import select
import shutil
import signal
import struct
import subprocess
import tempfile
import threading
import time
import uuid
import weakref
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

from ..errors import ConversionError, ConversionTimeout, ConverterUnavailable
from .api import ConverterBase, ConverterOptions, check_docx, find_soffice, find_uno_python
from .fonts import office_env

__all__ = ["InstanceInfo", "UnoPool"]

log = logging.getLogger("anjuan.templates.convert")

WORKER_SCRIPT = Path(__file__).resolve().parent / "uno_worker.py"
_HEADER = struct.Struct(">I")


class _WorkerDied(Exception):
    """The worker process (or its office) is gone; the job may be retried elsewhere."""


class _WorkerTimeout(Exception):
    """No reply before the deadline; the worker must be killed."""


class _StartFailed(Exception):
    """An instance could not be started."""


@dataclass(frozen=True)
class InstanceInfo:
    """A snapshot of one pool instance (for diagnostics and tests)."""

    index: int
    """Position in the pool."""
    worker_pid: int | None
    """PID of the UNO worker (also the process-group id of the instance); None while down."""
    office_pids: tuple[int, ...]
    """PIDs of the LibreOffice processes of the instance (launcher, soffice.bin …)."""
    jobs: int
    """Jobs served since the instance last started."""
    starts: int
    """How many times the instance has been started (1 + restarts)."""


def _group_members(pgid: int) -> list[int]:
    """PIDs in process group ``pgid`` (Linux /proc)."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        # After the ")" closing the command name: state, ppid, pgrp …
        if len(fields) > 2 and int(fields[2]) == pgid and fields[0] != b"Z":
            members.append(int(entry))
    return members


class _Worker:
    """One instance. Owned by exactly one thread at a time (the queue hands it out), except
    :meth:`signal_kill`, which close() may call from any thread."""

    def __init__(self, pool: UnoPool, index: int, profile_dir: Path, profile_lock: IO[bytes]) -> None:
        self.pool = pool
        self.index = index
        self.profile_dir = profile_dir
        self.profile_lock = profile_lock  # an flock held for the pool's lifetime
        self.proc: subprocess.Popen[bytes] | None = None
        self.office_pid: int | None = None
        self.pipe_name = ""
        self.jobs = 0
        self.starts = 0
        self._buffer = bytearray()
        self._next_id = 0
        self._stderr_tail: deque[str] = deque(maxlen=40)
        # Guards proc replacement (start / kill) against close() signalling from another thread.
        self._lock = threading.Lock()

    # -- process management -----------------------------------------------------------------

    def running(self) -> bool:
        """True while the worker process lives. Uses WNOWAIT so the child is NOT reaped here:
        until kill() reaps it, its PID (= our process-group id) cannot be reused, which makes
        killpg() safe at any time."""
        proc = self.proc
        if proc is None:
            return False
        try:
            info = os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return False
        return info is None

    def start(self) -> None:
        opts = self.pool.options
        try:
            self._start_once(opts)
        except _StartFailed as first:
            if self.pool.closed:
                raise
            # A killed office can leave a profile LibreOffice refuses (half-written registry,
            # stale locks). Start over from an empty profile once before giving up.
            log.warning("converter instance %d failed to start (%s); retrying with a fresh profile", self.index, first)
            shutil.rmtree(self.profile_dir, ignore_errors=True)
            self._start_once(opts)

    def _start_once(self, opts: ConverterOptions) -> None:
        with self._lock:
            if self.pool.closed:
                raise _StartFailed("pool closed")
            self._kill_locked()
            self.profile_dir.mkdir(parents=True, exist_ok=True)
            for stale in (self.profile_dir / ".lock", self.profile_dir / "user" / ".lock"):
                with contextlib.suppress(FileNotFoundError):
                    stale.unlink()
            cmd = [
                self.pool.python,
                "-s",  # no user site-packages: the worker is stdlib + uno only
                str(WORKER_SCRIPT),
                "--soffice",
                self.pool.soffice,
                "--profile",
                str(self.profile_dir),
                "--start-timeout",
                str(opts.start_timeout),
            ]
            self.pipe_name = f"anjuan-{os.getpid()}-{self.index}-{uuid.uuid4().hex[:8]}"
            cmd += ["--pipe-name", self.pipe_name]
            if opts.warm_up:
                cmd.append("--warm-up")
            began = time.monotonic()
            try:
                self.proc = subprocess.Popen(
                    cmd,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    bufsize=0,
                    env=self.pool.env,
                    cwd=self.pool.jobs_dir,
                    close_fds=True,
                    # Own session = own process group: killpg(worker pid) takes soffice with it.
                    start_new_session=True,
                )
            except OSError as exc:
                raise _StartFailed(f"cannot run {self.pool.python}: {exc}") from exc
            self._buffer.clear()
            self._stderr_tail.clear()
            assert self.proc.stderr is not None
            threading.Thread(
                target=self._pump_stderr,
                args=(self.proc.stderr,),
                name=f"anjuan-convert-{self.index}-stderr",
                daemon=True,
            ).start()
            try:
                ready = self._receive(time.monotonic() + opts.start_timeout + 10)
            except (_WorkerDied, _WorkerTimeout) as exc:
                self._kill_locked()
                raise _StartFailed(f"{exc}; {self.stderr_tail()}") from exc
            if ready.get("event") != "ready":
                self._kill_locked()
                raise _StartFailed(f"{ready.get('error', ready)}; {self.stderr_tail()}")
            self.office_pid = ready.get("office_pid")
            self.jobs = 0
            self.starts += 1
            log.info(
                "converter instance %d ready in %.0f ms (worker pid %d, soffice pid %s, start #%d)",
                self.index,
                (time.monotonic() - began) * 1000,
                self.proc.pid,
                self.office_pid,
                self.starts,
            )

    def _pump_stderr(self, stream: IO[bytes]) -> None:
        # Always drained: a full stderr pipe would block the worker (and soffice) forever.
        with stream:
            for raw in iter(stream.readline, b""):
                line = raw.decode("utf-8", "replace").rstrip()
                if line:
                    self._stderr_tail.append(line)
                    log.debug("instance %d: %s", self.index, line)

    def stderr_tail(self, lines: int = 8) -> str:
        tail = list(self._stderr_tail)[-lines:]
        return "stderr: " + (" | ".join(tail) if tail else "(empty)")

    def signal_kill(self) -> None:
        """SIGKILL the whole instance without reaping it (safe from any thread)."""
        with self._lock:
            if self.proc is not None and self.proc.returncode is None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(self.proc.pid, signal.SIGKILL)

    def kill(self) -> None:
        with self._lock:
            self._kill_locked()

    def _kill_locked(self) -> None:
        proc = self.proc
        if proc is None:
            return
        # The worker is not reaped yet (see running()), so its PID still names our group.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        self.proc = None
        self.office_pid = None
        if self.pipe_name:
            # The office's UNO pipe: LibreOffice does not remove it when killed (nor always when
            # terminated), so /tmp would collect one socket file per restart. LibreOffice puts it
            # in /tmp, or /var/tmp when /tmp is not writable, ignoring TMPDIR.
            for folder in ("/tmp", "/var/tmp"):
                with contextlib.suppress(OSError):
                    os.unlink(f"{folder}/OSL_PIPE_{os.getuid()}_{self.pipe_name}")
            self.pipe_name = ""

    def stop(self, grace: float = 10.0) -> None:
        """Ask the worker to terminate its office, wait up to ``grace`` s, then kill what remains."""
        with self._lock:
            proc = self.proc
            if proc is None:
                return
            if self.running():
                try:
                    self._send({"op": "quit"})
                    deadline = time.monotonic() + grace
                    with contextlib.suppress(_WorkerTimeout, _WorkerDied):
                        while True:  # until EOF: the worker has exited (its office first)
                            self._receive(deadline)
                except _WorkerDied:
                    pass
            self._kill_locked()  # stragglers, then reap

    # -- protocol -----------------------------------------------------------------------------

    def _send(self, message: dict[str, Any]) -> None:
        assert self.proc is not None and self.proc.stdin is not None
        body = json.dumps(message, ensure_ascii=False).encode("utf-8")
        data = memoryview(_HEADER.pack(len(body)) + body)
        try:
            while data:  # an unbuffered pipe may take a write in pieces
                written = self.proc.stdin.write(data)
                data = data[written or 0 :]
        except (BrokenPipeError, ValueError, OSError) as exc:
            raise _WorkerDied(f"cannot write to worker: {exc}") from exc

    def _receive(self, deadline: float) -> dict[str, Any]:
        assert self.proc is not None and self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        # poll, not select: a busy server easily has file descriptors above select()'s 1024 limit.
        poller = select.poll()
        poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
        while True:
            if len(self._buffer) >= _HEADER.size:
                (size,) = _HEADER.unpack_from(self._buffer)
                if len(self._buffer) >= _HEADER.size + size:
                    body = bytes(self._buffer[_HEADER.size : _HEADER.size + size])
                    del self._buffer[: _HEADER.size + size]
                    return json.loads(body.decode("utf-8"))
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _WorkerTimeout("no reply in time")
            try:
                if not poller.poll(max(1, int(remaining * 1000 + 0.999))):
                    continue
                chunk = os.read(fd, 65536)
            except (OSError, ValueError) as exc:
                raise _WorkerDied(f"cannot read from worker: {exc}") from exc
            if not chunk:
                raise _WorkerDied("worker exited")
            self._buffer += chunk

    def ping(self, timeout: float = 5.0) -> bool:
        """True when the worker answers and its office is alive (≈ 1 ms)."""
        if not self.running():
            return False
        self._next_id += 1
        try:
            self._send({"op": "ping", "id": self._next_id})
            reply = self._receive(time.monotonic() + timeout)
        except (_WorkerDied, _WorkerTimeout):
            return False
        return reply.get("id") == self._next_id and bool(reply.get("ok"))

    def run(self, docx: bytes, pdfa: bool, timeout: float) -> bytes:
        """One conversion on this instance. Raises _WorkerTimeout / _WorkerDied (retryable) or
        ConversionError (the document itself is the problem)."""
        if not self.running():
            raise _WorkerDied("worker not running")
        name = uuid.uuid4().hex
        source = self.pool.jobs_dir / f"{name}.docx"
        target = self.pool.jobs_dir / f"{name}.pdf"
        try:
            source.write_bytes(docx)
        except OSError as exc:  # jobs_dir gone: the pool is being closed
            raise _WorkerDied(f"cannot write the job file: {exc}") from exc
        try:
            self._next_id += 1
            job_id = self._next_id
            self._send({"op": "convert", "id": job_id, "input": str(source), "output": str(target), "pdfa": pdfa})
            reply = self._receive(time.monotonic() + timeout)
            if reply.get("id") != job_id:
                raise _WorkerDied(f"protocol error: reply {reply!r} to job {job_id}")
            self.jobs += 1
            if not reply.get("ok"):
                if reply.get("fatal"):
                    raise _WorkerDied(f"LibreOffice failed: {reply.get('error')}")
                raise ConversionError(
                    f"LibreOffice 无法转换该文档：{reply.get('error')}",
                    f"LibreOffice could not convert the document: {reply.get('error')}",
                    details={"reason": reply.get("error")},
                )
            try:
                pdf = target.read_bytes()
            except FileNotFoundError:
                pdf = b""
            if not pdf.startswith(b"%PDF"):
                raise ConversionError(
                    "LibreOffice 未生成 PDF",
                    "LibreOffice produced no PDF",
                    details={"reason": "no output"},
                )
            return pdf
        finally:
            for path in (source, target):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()

    def info(self) -> InstanceInfo:
        proc = self.proc
        pid = proc.pid if proc is not None and self.running() else None
        office = tuple(p for p in _group_members(pid) if p != pid) if pid is not None else ()
        return InstanceInfo(self.index, pid, office, self.jobs, self.starts)


class _Waiter:
    __slots__ = ("event", "worker")

    def __init__(self) -> None:
        self.event = threading.Event()
        self.worker: _Worker | None = None


class _FairQueue:
    """Idle instances, handed out first come, first served.

    ``queue.Queue`` is not fair: a thread that puts an instance back and immediately asks again
    usually wins it over threads already waiting, and under load some callers starve for
    seconds. Here a returned instance goes straight to the longest-waiting caller.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: deque[_Worker] = deque()
        self._waiters: deque[_Waiter] = deque()

    def put(self, worker: _Worker) -> None:
        with self._lock:
            if self._waiters:
                waiter = self._waiters.popleft()
                waiter.worker = worker
                waiter.event.set()
            else:
                self._idle.append(worker)

    def get(self, timeout: float) -> _Worker | None:
        """An idle instance, or None after ``timeout`` s or when :meth:`wake_all` is called."""
        with self._lock:
            if self._idle:
                return self._idle.popleft()
            waiter = _Waiter()
            self._waiters.append(waiter)
        waiter.event.wait(timeout)
        with self._lock:
            if waiter.worker is None and waiter in self._waiters:
                self._waiters.remove(waiter)
            return waiter.worker

    def drain(self) -> list[_Worker]:
        with self._lock:
            idle = list(self._idle)
            self._idle.clear()
            return idle

    def wake_all(self) -> None:
        """Release every waiting caller empty-handed (the pool is closing)."""
        with self._lock:
            for waiter in self._waiters:
                waiter.event.set()
            self._waiters.clear()


# Pools still open at interpreter exit get closed, so no soffice outlives the service.
_open_pools: weakref.WeakSet[UnoPool] = weakref.WeakSet()


@atexit.register
def _close_open_pools() -> None:
    for pool in list(_open_pools):
        with contextlib.suppress(Exception):
            pool.close()


def _forget_pools_after_fork() -> None:
    # A forked child (e.g. a pre-fork server worker) inherits the parent's pool objects but not
    # their processes; its exit must not kill the parent's LibreOffice instances.
    _open_pools.clear()


os.register_at_fork(after_in_child=_forget_pools_after_fork)


class UnoPool(ConverterBase):
    """A warm pool of LibreOffice instances; see the module docstring.

    ``UnoPool(options)`` or ``UnoPool(pool_size=1, timeout=5)`` (keyword overrides of
    :class:`ConverterOptions`). :meth:`start` is optional (the first ``convert`` starts the
    pool) but lets start-up errors surface early and makes the first conversion fast;
    ``with UnoPool() as pool:`` starts and closes it.
    """

    def __init__(self, options: ConverterOptions | None = None, **overrides: Any) -> None:
        opts = options or ConverterOptions()
        self.options: ConverterOptions = dataclasses.replace(opts, **overrides) if overrides else opts
        self.closed = False
        self.soffice = ""
        self.python = ""
        self.env: dict[str, str] = {}
        self.jobs_dir = Path()
        self._started = False
        self._owner_pid = os.getpid()  # the instances are children of this process only
        self._state_lock = threading.Lock()  # start/close and the counters
        self._start_lock = threading.Lock()
        self._idle = _FairQueue()
        self._workers: list[_Worker] = []
        self._base_dir: Path | None = None
        self._own_base_dir = False
        self._counters = {"jobs": 0, "failed": 0, "timeouts": 0, "crashes": 0, "restarts": 0}

    def __repr__(self) -> str:
        state = "closed" if self.closed else ("running" if self._started else "not started")
        return f"<UnoPool size={self.options.pool_size} {state}>"

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- start / close --------------------------------------------------------------------------

    def start(self) -> Self:
        """Start every instance in parallel and wait until all are ready (idempotent).

        Raises ConverterUnavailable when LibreOffice or a Python with ``uno`` is missing or
        LibreOffice does not start.
        """
        with self._start_lock:
            if self.closed:
                raise ConversionError("转换器已关闭", "converter pool is closed", code="converter_closed")
            if self._started:
                return self
            self._owner_pid = os.getpid()
            opts = self.options
            self.soffice = find_soffice(opts.soffice)
            self.python = find_uno_python(opts.python, self.soffice)
            self.env = office_env(opts.fontconfig_file)
            if opts.base_dir is None:
                self._base_dir = Path(tempfile.mkdtemp(prefix="anjuan-convert-"))
                self._own_base_dir = True
            else:
                self._base_dir = Path(opts.base_dir)
                self._base_dir.mkdir(parents=True, exist_ok=True)
            self.jobs_dir = Path(tempfile.mkdtemp(prefix="jobs-", dir=self._base_dir))
            _open_pools.add(self)
            self._workers = [_Worker(self, index, *self._claim_profile()) for index in range(opts.pool_size)]
            began = time.monotonic()
            errors: list[BaseException] = []

            def start_one(worker: _Worker) -> None:
                try:
                    worker.start()
                except BaseException as exc:
                    errors.append(exc)

            threads = [
                threading.Thread(target=start_one, args=(w,), name=f"anjuan-convert-start-{w.index}")
                for w in self._workers
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            if errors:
                reason = str(errors[0])
                log.error("converter pool failed to start: %s", reason)
                for worker in self._workers:
                    self._idle.put(worker)  # so that close() stops the ones that did start
                self.close()
                raise ConverterUnavailable(
                    f"LibreOffice 启动失败：{reason}",
                    f"LibreOffice failed to start: {reason}",
                    details={"reason": reason, "soffice": self.soffice, "python": self.python},
                )
            for worker in self._workers:
                self._idle.put(worker)
            self._started = True
            log.info(
                "converter pool of %d started in %.0f ms (soffice %s, python %s)",
                opts.pool_size,
                (time.monotonic() - began) * 1000,
                self.soffice,
                self.python,
            )
            return self

    def _claim_profile(self) -> tuple[Path, IO[bytes]]:
        """A profile directory no other live instance uses (flock'ed slot under base_dir)."""
        assert self._base_dir is not None
        slot = 0
        while True:
            lock = open(self._base_dir / f"profile-{slot}.lock", "wb")  # noqa: SIM115 — held open
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                lock.close()
                slot += 1
                continue
            return self._base_dir / f"profile-{slot}", lock

    def close(self) -> None:
        """Shut every instance down (office first), remove temporary files. Idempotent.

        Conversions still running in other threads fail with ConversionError.
        """
        with self._state_lock:
            if self.closed:
                return
            self.closed = True
        _open_pools.discard(self)
        if os.getpid() != self._owner_pid:
            return  # a forked copy: the instances belong to the parent, leave them alone
        self._idle.wake_all()
        idle = self._idle.drain()
        busy = [w for w in self._workers if all(w is not i for i in idle)]
        for worker in busy:
            worker.signal_kill()  # its owner thread notices, reaps and does not restart it
        stoppers = [threading.Thread(target=w.stop, name=f"anjuan-convert-stop-{w.index}") for w in idle]
        for thread in stoppers:
            thread.start()
        for thread in stoppers:
            thread.join()
        for worker in self._workers:
            with contextlib.suppress(OSError):
                worker.profile_lock.close()
        if self.jobs_dir != Path():
            shutil.rmtree(self.jobs_dir, ignore_errors=True)
        # Busy instances were SIGKILLed above: nothing uses their profiles any more.
        if self._own_base_dir and self._base_dir is not None:
            shutil.rmtree(self._base_dir, ignore_errors=True)
        if self._started:
            log.info("converter pool closed (%s)", self.stats())

    # -- conversion -----------------------------------------------------------------------------

    def convert(self, docx: bytes, *, pdfa: bool = False, timeout: float | None = None) -> bytes:
        """PDF bytes of ``docx`` (PDF/A-2b when ``pdfa``); thread-safe. See :class:`Converter`."""
        check_docx(docx)
        if not self._started:
            self.start()
        elif os.getpid() != self._owner_pid:
            # The instances' pipes are shared with the parent after fork(): using them would mix
            # up both processes' jobs.
            raise ConversionError(
                "转换器不能跨进程使用", "a started converter pool cannot be used across fork(); start one per process"
            )
        limit = self.options.timeout if timeout is None else timeout
        failure: ConversionError | None = None
        for attempt in range(1 + self.options.retries):
            # A retry must land on a fresh or verified instance: after a crash the other instances
            # may be broken too (e.g. all offices were killed), so check before trusting one.
            worker = self._acquire(verify=attempt > 0)
            try:
                pdf = worker.run(docx, pdfa, limit)
            except _WorkerTimeout:
                self._count("timeouts")
                failure = ConversionTimeout(
                    f"文档转换超时（{limit:g} 秒）",
                    f"conversion exceeded its time limit of {limit:g} s",
                    details={"timeout": limit},
                )
                log.warning(
                    "converter instance %d: job timed out after %.3g s (attempt %d); killing it",
                    worker.index,
                    limit,
                    attempt + 1,
                )
                self._restart(worker, "timeout")
                continue
            except _WorkerDied as exc:
                if self.closed:
                    worker.kill()
                    raise ConversionError("转换器已关闭", "converter pool is closed", code="converter_closed") from exc
                self._count("crashes")
                failure = ConversionError(
                    f"LibreOffice 异常退出：{exc}",
                    f"LibreOffice crashed: {exc}",
                    details={"reason": str(exc)},
                )
                log.warning(
                    "converter instance %d died during a job (attempt %d): %s; %s",
                    worker.index,
                    attempt + 1,
                    exc,
                    worker.stderr_tail(),
                )
                self._restart(worker, "crash")
                continue
            except ConversionError:
                self._count("failed")
                self._release(worker)
                raise
            except BaseException:
                # Anything unexpected (KeyboardInterrupt inside select …): the instance's state
                # is unknown, so do not hand it to the next caller as is.
                self._restart(worker, "interrupted")
                raise
            self._count("jobs")
            self._release(worker)
            return pdf
        self._count("failed")
        assert failure is not None
        log.error("conversion failed after %d attempts: %s", 1 + self.options.retries, failure.message_en)
        raise failure

    def _acquire(self, *, verify: bool = False) -> _Worker:
        deadline = time.monotonic() + self.options.acquire_timeout
        while True:
            if self.closed:
                raise ConversionError("转换器已关闭", "converter pool is closed", code="converter_closed")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ConversionTimeout(
                    "没有空闲的转换进程",
                    f"no free converter instance within {self.options.acquire_timeout:g} s",
                    details={"timeout": self.options.acquire_timeout},
                )
            worker = self._idle.get(remaining)  # close() wakes us up
            if worker is None:
                continue
            if worker.running() and (not verify or worker.ping()):
                return worker
            # Down (its restart failed earlier, or it died while idle): start it here.
            try:
                self._count("restarts")
                log.warning("converter instance %d found dead; restarting it", worker.index)
                worker.start()
            except _StartFailed as exc:
                self._put_back(worker)
                raise ConverterUnavailable(
                    f"LibreOffice 启动失败：{exc}",
                    f"LibreOffice failed to start: {exc}",
                    details={"reason": str(exc)},
                ) from exc
            return worker

    def _release(self, worker: _Worker) -> None:
        if self.options.recycle_after and worker.jobs >= self.options.recycle_after:
            self._restart(worker, f"recycled after {worker.jobs} jobs", graceful=True)
            return
        self._put_back(worker)

    def _put_back(self, worker: _Worker) -> None:
        with self._state_lock:
            if not self.closed:
                self._idle.put(worker)
                return
        worker.stop()

    def _restart(self, worker: _Worker, reason: str, *, graceful: bool = False) -> None:
        """Kill ``worker`` now (a hung office must not keep burning CPU) and start it again in
        the background; it rejoins the idle queue once ready."""
        self._count("restarts")
        if not graceful:
            worker.kill()
        if self.closed:
            worker.stop()
            return
        (log.info if graceful else log.warning)("restarting converter instance %d (%s)", worker.index, reason)

        def restart() -> None:
            try:
                if graceful:
                    worker.stop()
                worker.start()
            except _StartFailed as exc:
                # Stays down; the next _acquire() that draws it tries again and reports.
                if not self.closed:
                    log.error("converter instance %d failed to restart: %s", worker.index, exc)
            except Exception:
                log.exception("converter instance %d failed to restart", worker.index)
            self._put_back(worker)

        threading.Thread(target=restart, name=f"anjuan-convert-restart-{worker.index}", daemon=True).start()

    # -- diagnostics ----------------------------------------------------------------------------

    def _count(self, key: str) -> None:
        with self._state_lock:
            self._counters[key] += 1

    def stats(self) -> dict[str, int]:
        """Counters since start: jobs (succeeded), failed, timeouts, crashes, restarts."""
        with self._state_lock:
            return dict(self._counters)

    def instances(self) -> list[InstanceInfo]:
        """Snapshot of every instance: PIDs, jobs, starts."""
        return [worker.info() for worker in self._workers]
