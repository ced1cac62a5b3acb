"""Evidence attachments as volume pages: a photo (JPEG/PNG) becomes one A4 page, a scanned PDF is
checked and kept as it is — without its active content. The original file is stored untouched
beside its page rendition.

Active content in a scanned PDF is **removed, not refused** (:func:`evidence_pdf`): the evidence is
still needed — a party's submission or a third party's record cannot be asked for again in a clean
form — and what makes a PDF act (JavaScript, launch/URI/submit actions, /AA triggers, embedded files,
file-attachment annotations, XFA; see :mod:`.active`) is never what it shows. The rendition that goes
into the volume is the file rewritten without it; what was removed is returned (the archive records
it in the event log and in the rendition's own metadata, ``/AnjuanSanitised``), and the original
bytes stay in the blob store under their SHA-256 as the record of what was received. A file that is
still not clean after removal (too complex to check completely) is refused with the list.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pikepdf
from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import TemplateError
from .active import ActiveFinding, sanitise_pdf, summary

__all__ = [
    "DEFAULT_MAX_PIXELS",
    "AttachmentError",
    "AttachmentPdf",
    "attachment_pdf",
    "evidence_pdf",
    "image_dimensions",
    "pdf_page_sizes",
    "sniff_media_type",
]


@dataclass(frozen=True)
class AttachmentPdf:
    media_type: str  # of the file as received
    pdf: bytes  # the page rendition for the volume (a PDF scan: itself, active content removed)
    pages: int
    removed: tuple[ActiveFinding, ...] = ()  # active content taken out of a PDF scan


_A4_PX = (1240, 1754)  # A4 at 150 dpi
_MARGIN_PX = 118  # 20 mm
#: a phone photo is ~12–50 MP. An image's header is checked against the limit before decoding
#: (:func:`image_dimensions`); the archive sets Pillow's global to its setting as the backstop for
#: every other decode.
DEFAULT_MAX_PIXELS = 40_000_000


class AttachmentError(TemplateError):
    code = "bad_attachment"


def sniff_media_type(data: bytes) -> str:
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    raise AttachmentError(
        "附件格式不支持（仅限 JPEG、PNG 照片或 PDF 扫描件）",
        "unsupported attachment: only JPEG or PNG photos and PDF scans",
    )


def image_dimensions(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG or JPEG header, without decoding a pixel; None if it is neither
    or the header cannot be found. A 175 KiB PNG can declare 12,500 × 12,500 pixels: 700 MiB decoded."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if not data.startswith(b"\xff\xd8"):
        return None
    # JPEG: walk the marker segments to the first SOFn (frame header: length, precision, height, width).
    # Each step moves forward by at least two bytes, so a hostile file costs at most one pass.
    i, n = 2, len(data)
    while i + 9 < n:
        if data[i] != 0xFF:
            return None
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # no length
            i += 2
            continue
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            return int.from_bytes(data[i + 7 : i + 9], "big"), int.from_bytes(data[i + 5 : i + 7], "big")
        if marker in (0xD9, 0xDA):  # end of image, start of scan: no frame header before them
            return None
        i += 2 + int.from_bytes(data[i + 2 : i + 4], "big")
    return None


def pdf_page_sizes(data: bytes) -> list[tuple[float, float]] | None:
    """Each page's (width, height) in points, read from the page tree without parsing any page's
    content; None if the PDF cannot be read."""
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            sizes = []
            for page in pdf.pages:
                x0, y0, x1, y1 = (float(v) for v in page.mediabox)
                unit = float(page.obj.get("/UserUnit", 1))
                sizes.append((abs(x1 - x0) * unit, abs(y1 - y0) * unit))
            return sizes
    except Exception:  # unreadable: the caller's own check reports it properly
        return None


def attachment_pdf(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> tuple[str, bytes, int]:
    """(media type, PDF for the volume, pages): :func:`evidence_pdf` without the list of removals."""
    made = evidence_pdf(data, max_pixels=max_pixels)
    return made.media_type, made.pdf, made.pages


def evidence_pdf(data: bytes, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> AttachmentPdf:
    """The volume pages of an uploaded photo or scan (see the module docstring). An image over
    ``max_pixels`` is refused from its header, before decoding (code ``image_too_many_pixels``)."""
    media_type = sniff_media_type(data)
    if media_type == "application/pdf":
        pages = _checked_pdf(data)
        clean, removed, left = sanitise_pdf(data)
        if left:
            zh, en = summary(left)
            raise AttachmentError(
                f"PDF 含有无法清除的活动内容，不能入卷：{zh}",
                f"the PDF has active content that cannot be removed: {en}",
                code="attachment_active_content",
                details={"findings": [str(f) for f in left]},
            )
        if removed:
            clean = _note_removal(clean, data, removed)
        return AttachmentPdf(media_type, clean, pages, tuple(removed))
    size = image_dimensions(data)
    if size is not None and size[0] * size[1] > max_pixels:
        width, height = size
        raise AttachmentError(
            f"图片尺寸 {width}×{height} 超出上限 {max_pixels} 像素",
            f"image of {width}×{height} exceeds {max_pixels} pixels",
            code="image_too_many_pixels",
            details={"width": width, "height": height, "limit": max_pixels},
        )
    # (a header this parser cannot read is left to Pillow, whose own pixel limit is the backstop)
    try:
        image = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
        image = image.convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise AttachmentError("图片无法读取", f"cannot read the image: {exc}") from exc
    box = (_A4_PX[0] - 2 * _MARGIN_PX, _A4_PX[1] - 2 * _MARGIN_PX)
    image.thumbnail(box, Image.Resampling.LANCZOS)
    page = Image.new("RGB", _A4_PX, "white")
    page.paste(image, ((_A4_PX[0] - image.width) // 2, _MARGIN_PX))
    out = io.BytesIO()
    page.save(out, format="PDF", resolution=150.0, quality=88)
    return AttachmentPdf(media_type, out.getvalue(), 1)


def _note_removal(clean: bytes, original: bytes, removed: list[ActiveFinding]) -> bytes:
    """The rendition says in its own metadata that it is not the file as received, and which one it
    was made from (its SHA-256), so the page in a volume can be traced to the original."""
    import hashlib

    _zh, en = summary(removed, limit=50)
    with pikepdf.open(io.BytesIO(clean)) as pdf:
        pdf.docinfo["/AnjuanSanitised"] = pikepdf.String(f"已清除活动内容 removed active content: {en}")
        pdf.docinfo["/AnjuanOriginalSHA256"] = pikepdf.String(hashlib.sha256(original).hexdigest())
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True)
    return out.getvalue()


def _checked_pdf(data: bytes) -> int:
    """A scan must open without a password: an archive copy must stay readable for decades (DA/T 70
    可用性). Its active content is removed afterwards (安全性, :func:`evidence_pdf`)."""
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            if pdf.is_encrypted:
                raise AttachmentError("PDF 已加密，不能入卷", "the PDF is encrypted")
            return len(pdf.pages)
    except pikepdf.PasswordError as exc:
        raise AttachmentError("PDF 已加密，不能入卷", "the PDF is encrypted") from exc
    except pikepdf.PdfError as exc:
        raise AttachmentError("PDF 无法读取", f"cannot read the PDF: {exc}") from exc
