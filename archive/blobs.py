"""Content-addressed blob store: a file's name is its SHA-256, and a stored file is never rewritten.

Writes go to a temporary file in the target directory, are flushed to disk, then linked into place
with ``os.link``, which fails instead of overwriting when the name exists — so two writers of the
same content cannot clobber each other, and a crash leaves at most a stray temporary file.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import tempfile
import threading
from pathlib import Path
from typing import Protocol

from .errors import NotFound, StorageUnavailable
from .private import DIR_MODE, private_dir

__all__ = ["BlobStore", "FileBlobStore", "MemoryBlobStore", "sha256_hex"]


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class BlobStore(Protocol):
    def put(self, data: bytes) -> str:
        """Store ``data``; return its SHA-256 (hex). Storing existing content is a no-op."""
        ...

    def get(self, digest: str) -> bytes: ...

    def exists(self, digest: str) -> bool: ...


class FileBlobStore:
    """Blobs under ``root/ab/cd/<sha256>`` (two fan-out levels keep directories small)."""

    def __init__(self, root: Path) -> None:
        self.root = private_dir(Path(root))  # 0700: the evidence is nobody else's to read

    def path(self, digest: str) -> Path:
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise NotFound("文件摘要无效", "invalid blob digest", code="blob_not_found", details={"sha256": digest})
        return self.root / digest[:2] / digest[2:4] / digest

    def put(self, data: bytes) -> str:
        digest = sha256_hex(data)
        target = self.path(digest)
        if target.exists():
            # Stored already — perhaps as an orphan of an issue that stopped half-way, which a new
            # issue now reuses: touching it tells maintenance (archive/maintenance.py, which only
            # removes orphans older than its grace period) that it is wanted again.
            with contextlib.suppress(OSError):
                os.utime(target)
            return digest
        try:
            self._write(target, data)
        except OSError as exc:
            fault = _storage_fault(exc)
            if fault is exc:
                raise
            raise fault from exc
        return digest

    def _write(self, target: Path, data: bytes) -> None:
        for level in (target.parent.parent, target.parent):  # each fan-out level 0700 (mkdir's
            level.mkdir(mode=DIR_MODE, exist_ok=True)  # mode= covers only the last of parents=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.chmod(tmp, 0o400)  # read-only (blobs are never rewritten), and the owner's only
            # A concurrent writer may have stored the same content first: theirs stands.
            with contextlib.suppress(FileExistsError):
                os.link(tmp, target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)

    def get(self, digest: str) -> bytes:
        try:
            data = self.path(digest).read_bytes()
        except FileNotFoundError as exc:
            raise NotFound("文件不存在", "blob not found", code="blob_not_found", details={"sha256": digest}) from exc
        if sha256_hex(data) != digest:
            # Fixity failure: surface it loudly rather than serve altered content.
            raise NotFound("文件校验失败", "blob fails its checksum", code="blob_corrupt", details={"sha256": digest})
        return data

    def exists(self, digest: str) -> bool:
        return self.path(digest).exists()


def _storage_fault(exc: OSError) -> Exception:
    """A disk that refuses writes is an outage (503, try later), not a bug; anything else stays."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return StorageUnavailable("存储空间已满，暂时不能保存文件", f"blob storage is full: {exc}", code="storage_full")
    if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO):
        return StorageUnavailable("文件存储为只读或不可用，暂时不能保存文件", f"blob storage refuses writes: {exc}")
    return exc


class MemoryBlobStore:
    """Test implementation: same contract, kept in a dict."""

    def __init__(self) -> None:
        self._data: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def put(self, data: bytes) -> str:
        digest = sha256_hex(data)
        with self._lock:
            self._data.setdefault(digest, bytes(data))
        return digest

    def get(self, digest: str) -> bytes:
        try:
            return self._data[digest]
        except KeyError as exc:
            raise NotFound("文件不存在", "blob not found", code="blob_not_found", details={"sha256": digest}) from exc

    def exists(self, digest: str) -> bool:
        return digest in self._data
