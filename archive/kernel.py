"""The kernel: what every service of the archive shares, built once.

Settings, the database, the blob store, the rules (every data file, :mod:`.rules`), the clock, the
LibreOffice converter and the sealing service (both made on first use), the publishing pipeline
(convert → seal → store, :mod:`.publishing`), the dependency-outage tracker, and the change hook:
whatever writes to the archive calls :meth:`Kernel.after_change`, and whoever follows the archive
(the search index) listens with :meth:`Kernel.on_change`.

A service takes the kernel and the peer services it needs in its constructor, never the
:class:`~anjuan.archive.service.Archive` that builds them all.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from anjuan.templates.convert import Converter, ConverterOptions, UnoPool
from anjuan.templates.errors import TemplateError

from . import events
from .blobs import BlobStore, FileBlobStore
from .clock import Clock, SystemClock
from .config import Settings
from .db import Database
from .errors import ServiceUnavailable
from .health import Outage, Outages
from .private import FILE_MODE, private_dir, private_file, tighten
from .publishing import Publisher
from .rules import Rules
from .sealing import SealingService
from .views import Verification

if TYPE_CHECKING:
    from anjuan.templates.render import DocxRenderer

__all__ = ["Kernel"]

log = logging.getLogger("anjuan.archive")


def _image_pixel_limit(pixels: int) -> None:
    """Pillow's decompression-bomb limit follows the setting (uploads are checked against it from
    their headers first; this is the backstop for every other decode, which Pillow refuses at 2×)."""
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = pixels


class Kernel:
    def __init__(
        self,
        settings: Settings,
        *,
        db: Database | None = None,
        blobs: BlobStore | None = None,
        converter: Converter | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.settings = settings
        private_dir(settings.data_dir)
        _image_pixel_limit(settings.image_max_pixels)
        self.db = db or Database(settings.db_url)
        self._private_database()
        # One tracker for every dependency: each outage is logged once and recorded in the event
        # log once, when it ends (while the database is down nothing can be written there).
        self.outages: Outages = self.db.outages
        self.outages.recorder = self._record_outage
        self.rules = Rules(settings)
        self.clock: Clock = clock or SystemClock()
        self.blobs: BlobStore = blobs or FileBlobStore(settings.blob_dir)
        self.sealing = SealingService(settings, self.blobs)
        self._converter = converter
        self._owns_converter = converter is None
        self._converter_lock = threading.Lock()
        # 转换 → 签章 → 存储: the one pipeline every generated document ends in.
        self.publisher = Publisher(
            converter=lambda: self.converter,
            sealing=self.sealing,
            blobs=self.blobs,
            outages=self.outages,
            db_write=self.db.write,
            pdfa=settings.pdfa,
        )
        self._listeners: list[Callable[[], None]] = []
        if not settings.enforce_gates:
            log.warning("procedure gates are OFF (ANJUAN_ENFORCE_GATES=false): documents are issued in any order")

    def _private_database(self) -> None:
        """The SQLite file (and its journals, which SQLite creates with the file's mode) 0600."""
        if not self.db.is_sqlite:
            return
        name = self.db.engine.url.database
        if not name or name == ":memory:" or name.startswith("file:"):
            return
        path = Path(name)
        if path.parent.is_dir():
            private_file(path)
            for suffix in ("-wal", "-shm", "-journal"):
                tighten(path.with_name(path.name + suffix), FILE_MODE)

    # -- the change hook -----------------------------------------------------------------------------

    def on_change(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` after every committed change (it must return at once: it only signals)."""
        self._listeners.append(listener)

    def after_change(self) -> None:
        for listener in self._listeners:
            listener()

    # -- made on first use ---------------------------------------------------------------------------

    @cached_property
    def renderer(self) -> DocxRenderer:
        """The DOCX renderer (docxtpl): commands that render nothing never import it."""
        from anjuan.templates.render import DocxRenderer

        return DocxRenderer()

    @property
    def converter(self) -> Converter:
        """The warm LibreOffice pool, started on first use (so read-only commands never pay for it)."""
        with self._converter_lock:
            if self._converter is None:
                options = ConverterOptions(
                    pool_size=self.settings.converter_pool_size,
                    timeout=self.settings.converter_timeout,
                    retries=self.settings.converter_retries,
                )
                pool = UnoPool(options)
                try:
                    pool.start()
                except TemplateError as exc:
                    raise ServiceUnavailable(exc.message_zh, exc.message_en, code=exc.code) from exc
                self._converter = pool
            return self._converter

    def verify(self, pdf: bytes) -> Verification:
        """The signature check of any copy (:meth:`~.sealing.SealingService.verify`): bounded, and
        checked before a database session is opened (a slow file holds no connection)."""
        report = self.sealing.check_signatures(pdf)
        with self.db.read() as s:
            return self.sealing.verify(s, pdf, report=report)

    def close(self) -> None:
        """Stop the converter this kernel started and close the database's connections."""
        with self._converter_lock:
            if self._converter is not None and self._owns_converter:
                self._converter.close()
                self._converter = None
        self.db.dispose()

    def _record_outage(self, outage: Outage) -> None:
        with self.db.write() as s:
            events.record(
                s,
                actor="system",
                entity="archive",
                entity_id=0,
                action="outage",
                dependency=outage.dependency,
                code=outage.code,
                started=outage.started,
                ended=outage.ended,
                seconds=round(outage.seconds, 1),
                failed_requests=outage.failures,
                first_error=outage.message[:500],
            )
