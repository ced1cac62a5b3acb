"""FakeConverter: a stand-in for unit tests of code that merely *needs* a PDF.

NOT A RENDITION. It never runs LibreOffice: it pulls the plain text out of the DOCX and writes a
tiny one-page PDF that lists it, headed by a "FAKE RENDITION" banner. Layout, fonts, tables and
pages of the document are all ignored, and the CJK glyphs are not even embedded (viewers show
substitutes) — but the text layer is exact, so ``pdftotext`` / pypdf read the document's text back,
which is what tests of storage, numbering, signing … need. Never use it to produce documents.

What sealing needs is kept too: every Word bookmark of the body becomes a PDF named destination
at the line where its paragraph starts (LibreOffice exports bookmarks the same way), so the visible
seal finds its ``anjuan_seal`` anchor and a test that is not about conversion can issue and seal
documents without waiting for LibreOffice.
"""

from __future__ import annotations

import io
import threading
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree

from ..errors import ConversionError
from .api import ConverterBase

__all__ = ["FAKE_BANNER", "FakeCall", "FakeConverter", "docx_text"]

# Plain ASCII without "(", ")" or "\\": it is written into the PDF as a literal string.
FAKE_BANNER = "FAKE RENDITION - NOT A REAL PDF OF THIS DOCUMENT - anjuan FakeConverter"
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_LINE_CHARS = 38  # CJK characters fit ~38 per line at 12 pt on A4 with 2 cm margins
_MAX_LINES = 60  # one page; the rest is cut (with a marker line)


@dataclass(frozen=True)
class FakeCall:
    """One recorded call of :meth:`FakeConverter.convert`."""

    docx: bytes
    pdfa: bool
    timeout: float | None


def docx_text(docx: bytes) -> list[str]:
    """The paragraphs of a DOCX body as plain strings (tabs as spaces, breaks as new lines)."""
    return [text for text, _ in _paragraphs(docx)]


def _paragraphs(docx: bytes) -> list[tuple[str, tuple[str, ...]]]:
    """Each line of the body with the bookmarks that start in its paragraph (on its first line)."""
    try:
        with zipfile.ZipFile(io.BytesIO(docx)) as archive:
            xml = archive.read("word/document.xml")
    except (zipfile.BadZipFile, KeyError) as exc:
        raise ConversionError(
            "不是有效的 DOCX 文档", "not a valid DOCX document", details={"reason": str(exc)}
        ) from exc
    paragraphs: list[tuple[str, tuple[str, ...]]] = []
    for para in ElementTree.fromstring(xml).iter(f"{_W}p"):
        parts = []
        marks = []
        for node in para.iter():
            if node.tag == f"{_W}t" and node.text:
                parts.append(node.text)
            elif node.tag == f"{_W}tab":
                parts.append(" ")
            elif node.tag in (f"{_W}br", f"{_W}cr"):
                parts.append("\n")
            elif node.tag == f"{_W}bookmarkStart" and node.get(f"{_W}name"):
                marks.append(node.get(f"{_W}name", ""))
        for index, text in enumerate("".join(parts).split("\n")):
            paragraphs.append((text, tuple(marks) if index == 0 else ()))
    return paragraphs


def _wrap(paragraphs: list[tuple[str, tuple[str, ...]]]) -> tuple[list[str], dict[str, int]]:
    """The page's lines, and the line index of each bookmark (the last line if it was cut off)."""
    lines: list[str] = []
    anchors: dict[str, int] = {}
    for text, marks in paragraphs:
        for mark in marks:
            anchors.setdefault(mark, len(lines))
        if not text:
            lines.append("")
        while text:
            lines.append(text[:_LINE_CHARS])
            text = text[_LINE_CHARS:]
    if len(lines) > _MAX_LINES:
        lines = [*lines[: _MAX_LINES - 1], "[… truncated by FakeConverter]"]
    return lines, {mark: min(line, len(lines) - 1) for mark, line in anchors.items()}


def _utf16_hex(text: str) -> str:
    # Identity-H: each 2-byte code is a CID; we use the UTF-16 code unit as CID and map it back
    # to Unicode in the ToUnicode CMap. Characters outside the BMP become "?".
    return "".join(f"{ord(ch) if ord(ch) < 0x10000 else 0x3F:04X}" for ch in text)


_LEFT, _TOP, _FIRST_LINE, _PITCH = 56.7, 800.0, 24.0, 12.5  # points: text start, banner line, line pitch


def _destination_name(name: str) -> str:
    """A bookmark name as a PDF name token (ASCII letters, digits, ``-`` and ``_``; others as #xx)."""
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_") else f"#{ord(c) & 0xFF:02X}" for c in name)


def _pdf(lines: list[str], anchors: dict[str, int], pdfa: bool) -> bytes:
    content = ["BT", "/F1 9 Tf", f"{_LEFT} {_TOP:g} Td", f"({FAKE_BANNER}) Tj", "/F2 12 Tf", f"0 -{_FIRST_LINE:g} Td"]
    for line in lines:
        content.append(f"<{_utf16_hex(line)}> Tj")
        content.append("0 -12.5 Td")
    content.append("ET")
    stream = "\n".join(content).encode("ascii")

    codes = sorted({ord(ch) if ord(ch) < 0x10000 else 0x3F for line in lines for ch in line})
    cmap_lines = [
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap",
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def",
        "1 begincodespacerange <0000> <FFFF> endcodespacerange",
    ]
    for start in range(0, len(codes), 100):
        chunk = codes[start : start + 100]
        cmap_lines.append(f"{len(chunk)} beginbfchar")
        cmap_lines += [f"<{code:04X}> <{code:04X}>" for code in chunk]
        cmap_lines.append("endbfchar")
    cmap_lines.append("endcmap CMapName currentdict /CMap defineresource pop end end")
    cmap = "\n".join(cmap_lines).encode("ascii")

    producer = "anjuan FakeConverter (not a real rendition)" + (" pdfa requested" if pdfa else "")
    # Named destinations [page /XYZ left top 0] at the top of each bookmarked line (12 pt text).
    dests = " ".join(
        f"/{_destination_name(name)} [3 0 R /XYZ {_LEFT} {_TOP - _FIRST_LINE - _PITCH * line + 12:.2f} 0]"
        for name, line in sorted(anchors.items())
    )
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R" + (f" /Dests << {dests} >>".encode("ascii") if dests else b"") + b" >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595.28 841.89] "
        b"/Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /FakeCJK /Encoding /Identity-H "
        b"/DescendantFonts [7 0 R] /ToUnicode 8 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /FakeCJK "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
        b"/FontDescriptor 9 0 R /DW 1000 /CIDToGIDMap /Identity >>",
        b"<< /Length %d >>\nstream\n" % len(cmap) + cmap + b"\nendstream",
        b"<< /Type /FontDescriptor /FontName /FakeCJK /Flags 4 /FontBBox [0 -120 1000 880] "
        b"/ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>",
        b"<< /Producer (" + producer.encode("ascii") + b") /Title (FakeConverter output) >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\n" % (len(objects) + 1, len(objects)))
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


class FakeConverter(ConverterBase):
    """Test double for :class:`~.api.Converter`: text-only one-page PDFs, every call recorded in
    :attr:`calls`. ``fail_with`` makes every call raise that exception instead."""

    def __init__(self, *, fail_with: Exception | None = None) -> None:
        self.calls: list[FakeCall] = []
        self.fail_with = fail_with
        self.closed = False
        self._lock = threading.Lock()

    def convert(self, docx: bytes, *, pdfa: bool = False, timeout: float | None = None) -> bytes:
        with self._lock:
            self.calls.append(FakeCall(docx, pdfa, timeout))
        if self.fail_with is not None:
            raise self.fail_with
        if not docx:
            raise ConversionError("文档为空", "empty document", details={"reason": "empty"})
        lines, anchors = _wrap(_paragraphs(docx))
        return _pdf(lines, anchors, pdfa)

    def close(self) -> None:
        self.closed = True
