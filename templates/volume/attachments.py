"""Evidence attachments as volume pages: a photo (JPEG/PNG) becomes one A4 page, a scanned PDF is
checked and kept as it is. The original file is stored untouched beside its page rendition."""

from __future__ import annotations

import io

import pikepdf
from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import TemplateError

__all__ = ["AttachmentError", "attachment_pdf", "sniff_media_type"]

_A4_PX = (1240, 1754)  # A4 at 150 dpi
_MARGIN_PX = 118  # 20 mm
Image.MAX_IMAGE_PIXELS = 80_000_000  # a phone photo is ~12–50 MP; refuse decompression bombs


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


def attachment_pdf(data: bytes) -> tuple[str, bytes, int]:
    """(media type, PDF for the volume, pages)."""
    media_type = sniff_media_type(data)
    if media_type == "application/pdf":
        return media_type, data, _checked_pdf(data)
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
    return media_type, out.getvalue(), 1


def _checked_pdf(data: bytes) -> int:
    """A scan must open without a password and carry no scripts: an archive copy must stay readable
    and inert for decades (DA/T 70 可用性、安全性)."""
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            if pdf.is_encrypted:
                raise AttachmentError("PDF 已加密，不能入卷", "the PDF is encrypted")
            names = pdf.Root.get("/Names")
            if ("/OpenAction" in pdf.Root and "/JS" in str(pdf.Root.OpenAction)) or (
                names is not None and "/JavaScript" in names
            ):
                raise AttachmentError("PDF 含有脚本，不能入卷", "the PDF contains JavaScript")
            if names is not None and "/EmbeddedFiles" in names:
                raise AttachmentError("PDF 含有嵌入文件，不能入卷", "the PDF carries embedded files")
            return len(pdf.pages)
    except pikepdf.PasswordError as exc:
        raise AttachmentError("PDF 已加密，不能入卷", "the PDF is encrypted") from exc
    except pikepdf.PdfError as exc:
        raise AttachmentError("PDF 无法读取", f"cannot read the PDF: {exc}") from exc
