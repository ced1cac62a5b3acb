"""Case-file volumes (卷宗): assembling sealed documents into one paginated PDF with cover, 卷内目录
and 卷内备考表 (``compose``), evidence pages (``attachments``), and checking any volume's 目录
against its pages (``check``); active content found and removed (``active``)."""

from typing import TYPE_CHECKING

from anjuan.lazy import lazy_exports

if TYPE_CHECKING:
    from .active import ActiveFinding, find_active_content, open_and_find, sanitise_pdf
    from .attachments import AttachmentError, AttachmentPdf, attachment_pdf, evidence_pdf, sniff_media_type
    from .check import TocEntry, VolumeCheck, VolumeFinding, check_volume
    from .compose import PlacedEntry, Volume, VolumeEntry, VolumeError, VolumeOptions, build_volume, pdf_pages
    from .pages import CoverInfo, NotesInfo, StampPosition, TocRow

# Names are imported from their module on first use (PEP 562): pikepdf and pypdf load only when a
# volume is built or checked, not whenever the archive is.
_EXPORTS = {
    "ActiveFinding": "active",
    "find_active_content": "active",
    "open_and_find": "active",
    "sanitise_pdf": "active",
    "AttachmentError": "attachments",
    "AttachmentPdf": "attachments",
    "evidence_pdf": "attachments",
    "attachment_pdf": "attachments",
    "sniff_media_type": "attachments",
    "TocEntry": "check",
    "VolumeCheck": "check",
    "VolumeFinding": "check",
    "check_volume": "check",
    "PlacedEntry": "compose",
    "Volume": "compose",
    "VolumeEntry": "compose",
    "VolumeError": "compose",
    "VolumeOptions": "compose",
    "build_volume": "compose",
    "pdf_pages": "compose",
    "CoverInfo": "pages",
    "NotesInfo": "pages",
    "StampPosition": "pages",
    "TocRow": "pages",
}


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)


__all__ = [
    "ActiveFinding",
    "AttachmentError",
    "AttachmentPdf",
    "CoverInfo",
    "NotesInfo",
    "PlacedEntry",
    "StampPosition",
    "TocEntry",
    "TocRow",
    "Volume",
    "VolumeCheck",
    "VolumeEntry",
    "VolumeError",
    "VolumeFinding",
    "VolumeOptions",
    "attachment_pdf",
    "build_volume",
    "check_volume",
    "evidence_pdf",
    "find_active_content",
    "open_and_find",
    "pdf_pages",
    "sanitise_pdf",
    "sniff_media_type",
]
