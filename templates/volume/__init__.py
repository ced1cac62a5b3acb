"""Case-file volumes (卷宗): assembling sealed documents into one paginated PDF with cover, 卷内目录
and 卷内备考表 (``compose``), evidence pages (``attachments``), and checking any volume's 目录
against its pages (``check``)."""

from .attachments import AttachmentError, attachment_pdf, sniff_media_type
from .check import TocEntry, VolumeCheck, VolumeFinding, check_volume
from .compose import PlacedEntry, Volume, VolumeEntry, VolumeError, VolumeOptions, build_volume, pdf_pages
from .pages import CoverInfo, NotesInfo, StampPosition, TocRow

__all__ = [
    "AttachmentError",
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
    "pdf_pages",
    "sniff_media_type",
]
