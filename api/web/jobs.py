"""Long operations (组卷, 重建索引, 导出归档信息包, 固定性检查) run off the request, with progress.

A page starts a job and polls its state (htmx, every half second) until it is done, then follows
the job's result link. Jobs live in this process only: they report progress to the page that
started them; what they change is in the archive and its event log like any other change.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from anjuan.archive.errors import NotFound

from anjuan.errors import AnjuanError

__all__ = ["Job", "JobRunner", "Progress"]

log = logging.getLogger("anjuan.web.jobs")

#: progress(done, total, stage) — any may be called as often as the work likes
Progress = Callable[[int, int, str], None]


@dataclass
class Job:
    id: int
    owner: str  # only the user who started a job sees it
    title: str
    state: str = "running"  # running | done | failed
    done: int = 0
    total: int = 0
    stage: str = "排队中"
    result_url: str = ""
    result: Any = None
    error_zh: str = ""
    error_en: str = ""
    error_code: str = ""
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None

    @property
    def percent(self) -> int:
        if self.state == "done":
            return 100
        return int(100 * self.done / self.total) if self.total else 0

    @property
    def seconds(self) -> float:
        return round((self.finished or time.monotonic()) - self.started, 1)


class JobRunner:
    """A small pool (two workers: the machine has two cores and LibreOffice is one of them)."""

    def __init__(self, workers: int = 2, keep: int = 200) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="anjuan-job")
        self._jobs: dict[int, Job] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._keep = keep

    def start(self, *, owner: str, title: str, work: Callable[[Progress], tuple[str, Any]]) -> Job:
        """Run ``work(progress)``; it returns (result URL, result) when it succeeds."""
        job = Job(id=next(self._ids), owner=owner, title=title)
        with self._lock:
            self._jobs[job.id] = job
            for old in sorted(self._jobs)[: max(0, len(self._jobs) - self._keep)]:
                self._jobs.pop(old, None)

        def progress(done: int, total: int, stage: str = "") -> None:
            job.done, job.total = done, total
            if stage:
                job.stage = stage

        def run() -> None:
            job.stage = "进行中"
            try:
                job.result_url, job.result = work(progress)
                job.state = "done"
                job.stage = "完成"
            except AnjuanError as exc:
                job.state = "failed"
                job.error_zh, job.error_en, job.error_code = exc.message_zh, exc.message_en, exc.code
            except Exception as exc:  # a job must always end in a state the page can show
                log.exception("job %s (%s) failed", job.id, job.title)
                job.state = "failed"
                job.error_zh, job.error_en, job.error_code = "内部错误", str(exc) or type(exc).__name__, "internal"
            finally:
                job.finished = time.monotonic()
                log.info("job %s %s: %s in %.1fs", job.id, job.title, job.state, job.seconds)

        self._pool.submit(run)
        return job

    def get(self, job_id: int, owner: str) -> Job:
        job = self._jobs.get(job_id)
        if job is None or job.owner != owner:
            raise NotFound("任务不存在", f"no job {job_id}", code="job_not_found")
        return job

    def wait(self, job_id: int, timeout: float = 60.0) -> Job:
        """Block until a job ends (CLI-like callers and tests)."""
        deadline = time.monotonic() + timeout
        job = self._jobs[job_id]
        while job.state == "running" and time.monotonic() < deadline:
            time.sleep(0.05)
        return job

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
