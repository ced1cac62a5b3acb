"""The publishing pipeline every generated document goes through: convert → seal → store.

An issued 执法文书, a 卷宗 volume and a 执法指导意见书 are made the same way once their DOCX (or, for a
volume, its parts) exists: LibreOffice converts, the bureau's keys seal, the blob store keeps the
files. :class:`Publisher` does those steps for all of them, so that a failure means the same thing
wherever it happens — translated here, once, from the leaf libraries' errors:

* LibreOffice missing, down or hung (``converter_unavailable``, ``conversion_timeout``): the service
  is unavailable (503, try again), not the document bad;
* any other conversion or rendering failure: :class:`~.errors.RenderFailed` (500 — a document
  anjuan generated should always convert, so the fault is ours);
* the blob store refusing writes (``storage_*``): 503, raised by the store itself.

Outages of the converter and the blob store are noted with the archive's :class:`~.health.Outages`
(logged once, recorded once) here too, and so are their recoveries.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from anjuan.templates.errors import TemplateError

from .errors import RenderFailed, ServiceUnavailable
from .health import Outages

if TYPE_CHECKING:
    from anjuan.templates.convert import Converter

    from .blobs import BlobStore
    from .sealing import SealingService, SealPlan

__all__ = ["Publisher", "translate_template_error"]

#: converter failures that mean "not now" (the same document converts once LibreOffice is back)
OUTAGE_CODES = ("converter_unavailable", "conversion_timeout")


def translate_template_error(exc: TemplateError, details: dict[str, Any] | None = None) -> Exception:
    """The archive's error for a rendering or conversion failure of a document anjuan generated."""
    if exc.code in OUTAGE_CODES:
        return ServiceUnavailable(exc.message_zh, exc.message_en, code=exc.code, details=details)
    return RenderFailed(exc.message_zh, exc.message_en, code=exc.code, details=details)


class Publisher:
    """Convert, seal and store, with one translation of failures (see the module docstring)."""

    def __init__(
        self,
        *,
        converter: Callable[[], Converter],
        sealing: SealingService,
        blobs: BlobStore,
        outages: Outages,
        db_write: Callable[[], Any],
        pdfa: bool,
    ) -> None:
        # The converter is a callable: the warm LibreOffice pool starts on first use, not here.
        self._converter = converter
        self.sealing = sealing
        self.blobs = blobs
        self.outages = outages
        self._db_write = db_write
        self.pdfa = pdfa

    @contextmanager
    def converting(self, details: dict[str, Any] | None = None) -> Iterator[None]:
        """Around any code that converts (``convert`` below, or a volume built part by part)."""
        try:
            yield
        except TemplateError as exc:
            if exc.code in OUTAGE_CODES:
                self.outages.failed("converter", exc.code, exc.message_en)
            raise translate_template_error(exc, details) from exc
        except ServiceUnavailable as exc:  # the pool could not start at all
            if exc.code in OUTAGE_CODES:
                self.outages.failed("converter", exc.code, exc.message_en)
            raise
        self.outages.ok("converter")

    def convert(self, docx: bytes, details: dict[str, Any] | None = None) -> bytes:
        """DOCX → PDF (PDF/A-2b when the installation asks for it)."""
        with self.converting(details):
            return self._converter().convert(docx, pdfa=self.pdfa)

    @property
    def converter(self) -> Converter:
        """For a volume, which converts its parts itself (use inside :meth:`converting`)."""
        return self._converter()

    def seal(self, plan: SealPlan, pdf: bytes, *, title: str) -> tuple[bytes, list[dict[str, Any]]]:
        """The officers' signatures and the bureau's seal (a seal image may be stored on first use)."""
        with self._storage(writes=False):
            return self.sealing.seal(self._db_write, plan, pdf, title=title)

    def store(self, *files: bytes) -> list[str]:
        """Each file into the blob store; their SHA-256 digests, in order."""
        with self._storage(writes=True):
            return [self.blobs.put(data) for data in files]

    @contextmanager
    def _storage(self, *, writes: bool) -> Iterator[None]:
        try:
            yield
        except ServiceUnavailable as exc:
            if exc.code.startswith("storage_"):
                self.outages.failed("storage", exc.code, exc.message_en)
            raise
        if writes:  # only a write that succeeded shows the store is back (a cached seal image does not)
            self.outages.ok("storage")
