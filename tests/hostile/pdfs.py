"""Hostile PDFs, made byte by byte or with pikepdf: the inputs a public endpoint must survive."""

from __future__ import annotations

import io
import re

import pikepdf

__all__ = ["many_updates", "plain_pdf"]


def plain_pdf(pages: int = 1, text: str = "scan") -> bytes:
    """A small, clean PDF with a classic xref table (no object streams): a stand-in for a scan."""
    pdf = pikepdf.new()
    for n in range(pages):
        content = pdf.make_stream(f"BT /F1 24 Tf 72 720 Td ({text} {n + 1}) Tj ET".encode())
        font = pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica)
        page = pikepdf.Page(
            pikepdf.Dictionary(
                Type=pikepdf.Name.Page,
                MediaBox=[0, 0, 595, 842],
                Contents=content,
                Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font)),
            )
        )
        pdf.pages.append(page)
    out = io.BytesIO()
    pdf.save(out, object_stream_mode=pikepdf.ObjectStreamMode.disable, qdf=False)
    return out.getvalue()


def many_updates(base: bytes, updates: int) -> bytes:
    """``base`` with ``updates`` incremental updates appended, each redefining one new object and
    linking to the previous xref section (``/Prev``): a file with ``updates + 1`` revisions."""
    startxref = int(re.findall(rb"startxref\s+(\d+)", base)[-1])
    with pikepdf.open(io.BytesIO(base)) as pdf:
        number, generation = pdf.trailer.Root.objgen
        root = b"%d %d R" % (number, generation)
        size = int(pdf.trailer.Size)
    out = bytearray(base)
    if not out.endswith(b"\n"):
        out += b"\n"
    num = size  # one extra object, redefined by every update
    prev = startxref
    for n in range(updates):
        offset = len(out)
        out += b"%d 0 obj\n(update %d)\nendobj\n" % (num, n)
        xref = len(out)
        out += b"xref\n0 1\n0000000000 65535 f \n%d 1\n%010d 00000 n \n" % (num, offset)
        out += b"trailer\n<< /Size %d /Root %s /Prev %d >>\nstartxref\n%d\n%%%%EOF\n" % (num + 1, root, prev, xref)
        prev = xref
    return bytes(out)
