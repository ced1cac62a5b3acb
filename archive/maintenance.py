"""日常维护 (maintenance): remove what failures leave behind — orphan blobs and dead LibreOffice profiles.

**Orphan blobs (孤立文件).** Issuing stores the files first and records them after: when that last
step fails (the database write after the sealed PDF was stored), the blob store keeps files no row
names — up to 15 per outage. They are harmless but never go away by themselves. A blob is an orphan
only when no column of :data:`BLOB_COLUMNS` and no entry of the operation log names its digest, and
its file is older than a grace period (24 h): a blob written by an issue still in flight is not yet
named by anything, and must never be touched. Stray ``.tmp-*`` files (a crash while writing) go
after the same grace period. Fan-out directories are never removed: a writer may be about to put a
file into one (``mkdir`` then ``mkstemp``), and an empty directory costs nothing.

**Dead profiles (残留转换目录).** A LibreOffice pool (``templates/convert/pool.py``) works in an
``anjuan-convert-*`` directory of the temp dir and holds an ``flock`` on each ``profile-N.lock`` for its
whole life; a cold conversion (``cold.py``) uses an ``anjuan-cold-*`` directory for one call. Both are
removed by their owner — unless it was killed (``kill -9``, OOM). A directory is dead when none of its
lock files is held, no process works in it, holds a file of it open or names it on its command line
(Linux ``/proc``), and nothing in it changed for the grace period (1 h). Whatever cannot be checked
(another user's directory, an unreadable lock) is kept.

Dry run is the default everywhere; :func:`run_maintenance` with ``apply=True`` deletes, logs each
removal, and records one ``maintenance`` event in the hash-chained log.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import logging
import os
import re
import shutil
import stat
import tempfile
import time
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sqlalchemy import Text, cast, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from . import events
from .errors import ArchiveError, FieldError, ValidationFailed
from .models import FILE_COLUMNS, NOT_FILE_COLUMNS, Event

if TYPE_CHECKING:
    from .db import Database

__all__ = [
    "BLOB_COLUMNS",
    "DEFAULT_BLOB_GRACE",
    "DEFAULT_PROFILE_GRACE",
    "NOT_BLOB_COLUMNS",
    "BlobStoreUnreadable",
    "Failure",
    "MaintenanceReport",
    "OrphanBlob",
    "References",
    "StaleProfile",
    "blob_column_names",
    "find_orphan_blobs",
    "find_stale_profiles",
    "referenced_digests",
    "run_maintenance",
]

log = logging.getLogger("anjuan.maintenance")

DEFAULT_BLOB_GRACE = dt.timedelta(hours=24)
DEFAULT_PROFILE_GRACE = dt.timedelta(hours=1)
# Floors, so that a typo cannot reach an issue in flight (rendering, sealing, then the database
# write) or a cold conversion still running (converter_timeout is a minute by default).
MIN_BLOB_GRACE = dt.timedelta(hours=1)
MIN_PROFILE_GRACE = dt.timedelta(minutes=10)
#: at most this many digests / directory names go into the maintenance event (the counts are whole)
EVENT_LIST_LIMIT = 100

ProfileKind = Literal["convert", "cold"]
PROFILE_PREFIXES: dict[str, ProfileKind] = {"anjuan-convert-": "convert", "anjuan-cold-": "cold"}
TEMP_PREFIX = ".tmp-"  # FileBlobStore.put writes here first (archive/blobs.py)

# Every column that names a stored file (blob) by its SHA-256: models.FILE_COLUMNS, the one list
# fixity reads too. Digests recorded only in the operation log are covered separately
# (referenced_digests): received packages (packaging/importer.py keeps its files and manifest as
# blobs and names them only in its ``package_received`` event), and seal images replaced by an
# upload (sealing.py).
BLOB_COLUMNS: tuple[InstrumentedAttribute[Any], ...] = tuple(c.column for c in FILE_COLUMNS)
NOT_BLOB_COLUMNS = NOT_FILE_COLUMNS

_IN_CHUNK = 500  # digests per IN (…): well below SQLite's and PostgreSQL's bound-parameter limits
_DIGEST = re.compile(r"^[0-9a-f]{64}$")
_FANOUT = re.compile(r"^[0-9a-f]{2}$")
# A digest anywhere in an event's JSON (not part of a longer hex run).
_DIGEST_IN_TEXT = re.compile(r"(?<![0-9a-f])[0-9a-f]{64}(?![0-9a-f])")


def blob_column_names() -> frozenset[str]:
    """``table.column`` of every :data:`BLOB_COLUMNS` entry."""
    return frozenset(f"{c.property.columns[0].table.name}.{c.property.columns[0].name}" for c in BLOB_COLUMNS)


# -- report --------------------------------------------------------------------------------------


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).isoformat(timespec="seconds")


@dataclass(frozen=True)
class OrphanBlob:
    """A file of the blob store nothing names: a blob (``sha256`` set) or a stray temporary file."""

    path: Path
    sha256: str | None  # None: a ``.tmp-*`` file left by an interrupted write
    size: int
    mtime: float

    @property
    def temporary(self) -> bool:
        return self.sha256 is None

    def to_dict(self) -> dict[str, Any]:
        return {"sha256": self.sha256, "path": str(self.path), "size": self.size, "modified": _iso(self.mtime)}


@dataclass(frozen=True)
class StaleProfile:
    """A LibreOffice working directory whose owner is gone."""

    path: Path
    kind: ProfileKind
    size: int
    mtime: float  # newest change anywhere inside

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "kind": self.kind, "size": self.size, "modified": _iso(self.mtime)}


@dataclass(frozen=True)
class Failure:
    path: Path
    error: str

    def to_dict(self) -> dict[str, Any]:
        return {"path": str(self.path), "error": self.error}


@dataclass(frozen=True)
class MaintenanceReport:
    """What was found and, when ``applied``, removed (``failed`` names what could not be)."""

    applied: bool
    blob_dir: Path | None  # None: the blob store is not a directory (nothing to clean there)
    temp_dir: Path
    blob_grace: dt.timedelta
    profile_grace: dt.timedelta
    orphans: tuple[OrphanBlob, ...]  # blobs and stray temporary files
    profiles: tuple[StaleProfile, ...]
    profiles_in_use: int  # directories kept because a live pool or conversion uses them (or may)
    failed: tuple[Failure, ...] = ()

    @property
    def blobs(self) -> tuple[OrphanBlob, ...]:
        return tuple(o for o in self.orphans if not o.temporary)

    @property
    def temp_files(self) -> tuple[OrphanBlob, ...]:
        return tuple(o for o in self.orphans if o.temporary)

    def to_dict(self) -> dict[str, Any]:
        def group(items: Sequence[OrphanBlob | StaleProfile]) -> dict[str, Any]:
            return {
                "count": len(items),
                "bytes": sum(i.size for i in items),
                "items": [i.to_dict() for i in items],
            }

        return {
            "applied": self.applied,
            "blob_dir": str(self.blob_dir) if self.blob_dir else None,
            "temp_dir": str(self.temp_dir),
            "blob_grace_hours": self.blob_grace.total_seconds() / 3600,
            "profile_grace_hours": self.profile_grace.total_seconds() / 3600,
            "orphan_blobs": group(self.blobs),
            "temp_files": group(self.temp_files),
            "stale_profiles": group(self.profiles),
            "profiles_in_use": self.profiles_in_use,
            "failed": [f.to_dict() for f in self.failed],
        }


# -- orphan blobs --------------------------------------------------------------------------------


@dataclass(frozen=True)
class References:
    """Digests something names, and the last event read (the log is append-only: a re-check
    only needs what came after it)."""

    digests: frozenset[str]
    last_event_id: int


def referenced_digests(session: Session, *, among: Collection[str] | None = None, after_event: int = 0) -> References:
    """Every digest a row of :data:`BLOB_COLUMNS` or an event (after ``after_event``) names; with
    ``among``, only which of those digests are named (a cheap re-check just before deleting).

    The operation log counts as a reference: whatever it names was once part of the record (a
    received package, a seal image since replaced) and stays. Its own ``maintenance`` entries do
    not, or a digest once removed could never be cleaned again."""
    found: set[str] = set()
    wanted = None if among is None else sorted(set(among))
    if wanted == []:
        return References(frozenset(), after_event)
    for column in BLOB_COLUMNS:
        query = select(column).where(column.is_not(None)).distinct()
        if wanted is None:
            found.update(session.scalars(query))
            continue
        for start in range(0, len(wanted), _IN_CHUNK):
            found.update(session.scalars(query.where(column.in_(wanted[start : start + _IN_CHUNK]))))
    # The mark first, and only events up to it: an event committed while the log is read (READ
    # COMMITTED on PostgreSQL) is then left to the re-check instead of being skipped by it. Ids grow
    # in commit order — every event takes the audit_head lock before it is inserted (audit.py).
    last = max(after_event, session.scalar(select(func.max(Event.id))) or 0)
    query = (
        select(cast(Event.data, Text))
        .where(Event.id > after_event, Event.id <= last, Event.action != "maintenance")
        .execution_options(yield_per=2000)
    )
    for text in session.scalars(query):
        if text:
            found.update(_DIGEST_IN_TEXT.findall(text))
    return References(frozenset(found if wanted is None else found & set(wanted)), last)


def _blob_files(root: Path) -> Iterator[tuple[Path, str | None, os.stat_result]]:
    """Files of the ``root/ab/cd/<sha256>`` layout and stray temporary files beside them; anything
    else (unknown names, misplaced files, symlinks) is not the store's and is left alone."""
    with contextlib.suppress(FileNotFoundError), os.scandir(root) as level1:
        for a in level1:
            if not (_FANOUT.match(a.name) and a.is_dir(follow_symlinks=False)):
                continue
            with os.scandir(a.path) as level2:
                for b in level2:
                    if not (_FANOUT.match(b.name) and b.is_dir(follow_symlinks=False)):
                        continue
                    with os.scandir(b.path) as files:
                        for f in files:
                            if not f.is_file(follow_symlinks=False):
                                continue
                            if _DIGEST.match(f.name) and f.name[:2] == a.name and f.name[2:4] == b.name:
                                yield Path(f.path), f.name, f.stat(follow_symlinks=False)
                            elif f.name.startswith(TEMP_PREFIX):
                                yield Path(f.path), None, f.stat(follow_symlinks=False)


def _orphans(root: Path, refs: frozenset[str], grace: dt.timedelta, now: float) -> tuple[OrphanBlob, ...]:
    cutoff = now - grace.total_seconds()
    try:
        out = [
            OrphanBlob(path, digest, st.st_size, st.st_mtime)
            for path, digest, st in _blob_files(root)
            if st.st_mtime < cutoff and (digest is None or digest not in refs)
        ]
    except OSError as exc:
        raise BlobStoreUnreadable(
            f"无法读取文件库：{exc}", f"cannot read the blob store: {exc}", details={"blob_dir": str(root)}
        ) from exc
    return tuple(sorted(out, key=lambda o: str(o.path)))


def find_orphan_blobs(
    session: Session, store_root: Path, grace: dt.timedelta = DEFAULT_BLOB_GRACE, *, now: float | None = None
) -> tuple[OrphanBlob, ...]:
    """Blob files under ``store_root`` nothing names, and stray ``.tmp-*`` files, older than ``grace``."""
    _check_grace("blob_grace", "孤立文件保留期", grace, MIN_BLOB_GRACE)
    refs = referenced_digests(session)
    return _orphans(Path(store_root), refs.digests, grace, time.time() if now is None else now)


# -- stale LibreOffice profiles ------------------------------------------------------------------


class BlobStoreUnreadable(ArchiveError):  # 文件库不可读: a run that cannot see every file decides nothing
    code = "blob_store_unreadable"


class _Unknown(Exception):
    """Something about a directory could not be checked: keep it."""


def _lock_held(path: Path) -> bool:
    """Whether some open file description holds an flock on ``path`` (tried, then released at once)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise _Unknown(f"cannot open {path.name}: {exc}") from exc
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        except OSError as exc:
            raise _Unknown(f"cannot lock {path.name}: {exc}") from exc
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def _tree(path: Path) -> tuple[int, float]:
    """Total size and newest mtime of a directory tree (symlinks not followed)."""
    try:
        size, newest = 0, os.lstat(path).st_mtime
    except OSError as exc:
        raise _Unknown(str(exc)) from exc
    todo = [path]
    while todo:
        try:
            with os.scandir(todo.pop()) as entries:
                for entry in entries:
                    st = entry.stat(follow_symlinks=False)
                    newest = max(newest, st.st_mtime)
                    if stat.S_ISDIR(st.st_mode):
                        todo.append(Path(entry.path))
                    else:
                        size += st.st_size
        except OSError as exc:
            raise _Unknown(str(exc)) from exc
    return size, newest


def _used_by_processes(dirs: Collection[Path]) -> set[Path]:
    """Those of ``dirs`` a running process works in (cwd), holds a file of open, or names on its
    command line (``--profile …``, ``-env:UserInstallation=file://…``). Linux ``/proc`` only;
    processes of other users cannot be read (they cannot use our 0700 directories either)."""
    proc = Path("/proc")
    if not dirs or not proc.is_dir():
        return set()
    needles = {d: (str(d), d.as_uri()) for d in dirs}
    found: set[Path] = set()
    with os.scandir(proc) as pids:
        for pid in pids:
            if not pid.name.isdigit() or len(found) == len(needles):
                continue
            names: list[str] = []
            with contextlib.suppress(OSError):
                names.append(os.readlink(f"{pid.path}/cwd"))
            with contextlib.suppress(OSError), os.scandir(f"{pid.path}/fd") as fds:
                for fd in fds:
                    with contextlib.suppress(OSError):
                        names.append(os.readlink(fd.path))
            cmdline = ""
            with contextlib.suppress(OSError):
                cmdline = Path(f"{pid.path}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
            for d, (plain, uri) in needles.items():
                if d in found:
                    continue
                if any(n == plain or n.startswith(plain + "/") for n in names) or plain in cmdline or uri in cmdline:
                    found.add(d)
    return found


def _in_use(path: Path, kind: ProfileKind) -> bool:
    """The liveness tests that must hold again right before a removal (cheap, no tree walk)."""
    if kind == "convert" and any(_lock_held(lock) for lock in sorted(path.glob("profile-*.lock"))):
        return True
    return bool(_used_by_processes([path]))


def _scan_profiles(
    temp_dir: Path | None, grace: dt.timedelta, now: float | None
) -> tuple[Path, tuple[StaleProfile, ...], int]:
    """(the temp dir, its dead profile directories, how many were kept as in use or unknown)."""
    _check_grace("profile_grace", "转换目录保留期", grace, MIN_PROFILE_GRACE)
    base = Path(os.path.realpath(temp_dir if temp_dir is not None else tempfile.gettempdir()))
    cutoff = (time.time() if now is None else now) - grace.total_seconds()
    candidates: list[StaleProfile] = []
    kept = 0
    try:
        with os.scandir(base) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except FileNotFoundError:
        return base, (), 0
    for entry in entries:
        kind = next((k for p, k in PROFILE_PREFIXES.items() if entry.name.startswith(p)), None)
        if kind is None or not entry.is_dir(follow_symlinks=False):
            continue
        path = Path(entry.path)
        try:
            # The flock first: it is the pool's own statement that it lives, however idle.
            if kind == "convert" and any(_lock_held(lock) for lock in sorted(path.glob("profile-*.lock"))):
                kept += 1
                continue
            size, newest = _tree(path)
        except _Unknown as exc:
            log.info("kept %s: cannot check it (%s)", path, exc)
            kept += 1
            continue
        if newest >= cutoff:
            kept += 1  # changed recently: maybe a pool starting up or a conversion running
            continue
        candidates.append(StaleProfile(path, kind, size, newest))
    busy = _used_by_processes([c.path for c in candidates])
    stale = tuple(c for c in candidates if c.path not in busy)
    return base, stale, kept + len(busy)


def find_stale_profiles(
    temp_dir: Path | None = None, grace: dt.timedelta = DEFAULT_PROFILE_GRACE, *, now: float | None = None
) -> tuple[StaleProfile, ...]:
    """``anjuan-convert-*`` / ``anjuan-cold-*`` directories in ``temp_dir`` (default: the system's)
    that no live pool or conversion uses and that did not change for ``grace``."""
    return _scan_profiles(temp_dir, grace, now)[1]


# -- run -----------------------------------------------------------------------------------------


def _check_grace(field: str, label: str, grace: dt.timedelta, floor: dt.timedelta) -> None:
    if grace < floor:
        hours = floor.total_seconds() / 3600
        raise ValidationFailed(
            [
                FieldError(
                    field,
                    label,
                    field.replace("_", " "),
                    f"不得少于{hours:g}小时，以免删除正在使用的文件",
                    f"must be at least {hours:g} h, so that nothing still in use is removed",
                )
            ],
            code="grace_too_short",
        )


def _remove_profiles(profiles: Sequence[StaleProfile]) -> tuple[list[StaleProfile], list[Failure]]:
    removed, failed = [], []
    for profile in profiles:
        try:
            if _in_use(profile.path, profile.kind):  # a last look: it was free a moment ago
                log.info("kept %s: in use after all", profile.path)
                continue
            shutil.rmtree(profile.path)
        except (OSError, _Unknown) as exc:
            log.warning("could not remove %s: %s", profile.path, exc)
            failed.append(Failure(profile.path, str(exc)))
            continue
        log.info("removed stale converter directory %s (%s, %d bytes)", profile.path, profile.kind, profile.size)
        removed.append(profile)
    return removed, failed


def _remove_orphans(
    session: Session, orphans: Sequence[OrphanBlob], refs: References, grace: dt.timedelta
) -> tuple[list[OrphanBlob], list[Failure]]:
    """Unlink inside the caller's write transaction: no other writer commits meanwhile, so a digest
    named since the scan is seen here and kept."""
    named = referenced_digests(session, among=[o.sha256 for o in orphans if o.sha256], after_event=refs.last_event_id)
    cutoff = time.time() - grace.total_seconds()
    removed, failed = [], []
    for orphan in orphans:
        if orphan.sha256 in named.digests:
            log.info("kept blob %s: named since the scan", orphan.sha256)
            continue
        try:
            if os.lstat(orphan.path).st_mtime >= cutoff:
                continue  # written again meanwhile
            # Blobs are 0444, but unlinking needs only the directory to be writable.
            os.unlink(orphan.path)
        except FileNotFoundError:
            continue
        except OSError as exc:
            log.warning("could not remove %s: %s", orphan.path, exc)
            failed.append(Failure(orphan.path, str(exc)))
            continue
        what = f"orphan blob {orphan.sha256}" if orphan.sha256 else f"stray temporary file {orphan.path}"
        log.info("removed %s (%d bytes, modified %s)", what, orphan.size, _iso(orphan.mtime))
        removed.append(orphan)
    return removed, failed


def run_maintenance(
    db: Database,
    *,
    actor: str,
    blob_root: Path | None,
    temp_dir: Path | None = None,
    apply: bool = False,
    blob_grace: dt.timedelta = DEFAULT_BLOB_GRACE,
    profile_grace: dt.timedelta = DEFAULT_PROFILE_GRACE,
) -> MaintenanceReport:
    """Find orphan blobs (under ``blob_root``; None skips them) and dead converter directories; with
    ``apply``, remove them and record one ``maintenance`` event. Without it nothing changes."""
    _check_grace("blob_grace", "孤立文件保留期", blob_grace, MIN_BLOB_GRACE)
    base, profiles, in_use = _scan_profiles(temp_dir, profile_grace, None)
    # The slow part (every row, the whole log, the directory walk) runs outside any write lock.
    with db.read() as s:
        refs = referenced_digests(s) if blob_root is not None else References(frozenset(), 0)
    orphans = _orphans(Path(blob_root), refs.digests, blob_grace, time.time()) if blob_root is not None else ()
    if not apply:
        return MaintenanceReport(False, blob_root, base, blob_grace, profile_grace, orphans, profiles, in_use)

    gone_profiles, failed = _remove_profiles(profiles)
    with db.write() as s:
        gone_blobs, failed_blobs = _remove_orphans(s, orphans, refs, blob_grace)
        failed += failed_blobs
        blobs = [o for o in gone_blobs if o.sha256]
        temps = [o for o in gone_blobs if not o.sha256]
        events.record(
            s,
            actor=actor,
            entity="archive",
            entity_id=0,
            action="maintenance",
            orphan_blobs=len(blobs),
            orphan_bytes=sum(o.size for o in blobs),
            # referenced_digests skips maintenance events: a digest named here is no reference.
            removed_blobs=[o.sha256 for o in blobs[:EVENT_LIST_LIMIT]],
            temp_files=len(temps),
            stale_profiles=len(gone_profiles),
            profile_bytes=sum(p.size for p in gone_profiles),
            removed_profiles=[p.path.name for p in gone_profiles[:EVENT_LIST_LIMIT]],
            failed=[f.to_dict() for f in failed[:EVENT_LIST_LIMIT]],
            blob_grace_hours=blob_grace.total_seconds() / 3600,
            profile_grace_hours=profile_grace.total_seconds() / 3600,
        )
    return MaintenanceReport(
        True,
        blob_root,
        base,
        blob_grace,
        profile_grace,
        tuple(gone_blobs),
        tuple(gone_profiles),
        in_use,
        tuple(failed),
    )
