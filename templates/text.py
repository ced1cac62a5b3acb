"""Plain text of rendered documents, for the search index.

A DOCX is read in reading order (paragraphs and table cells, merged cells once); a PDF through
pypdf's text layer, page by page. Neither raises on a damaged file: the index would rather hold a
record with less text than lose the record.
"""

from __future__ import annotations

import io
import logging

__all__ = ["docx_text", "pdf_text"]

log = logging.getLogger(__name__)


def docx_text(data: bytes) -> str:
    from docx import Document as Docx

    try:
        doc = Docx(io.BytesIO(data))
    except Exception as exc:  # a corrupt blob must not stop indexing of everything else
        log.warning("docx text extraction failed: %s", exc)
        return ""
    out: list[str] = []
    body = doc.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = "".join(t.text or "" for t in child.iter() if t.tag.endswith("}t"))
            if text.strip():
                out.append(text)
        elif tag == "tbl":
            seen: set[int] = set()
            for cell in child.iter():
                if not cell.tag.endswith("}tc") or id(cell) in seen:
                    continue
                seen.add(id(cell))
                text = "".join(t.text or "" for t in cell.iter() if t.tag.endswith("}t"))
                if text.strip():
                    out.append(text)
    return "\n".join(out)


def pdf_text(data: bytes, max_pages: int = 200) -> str:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = []
        for page in reader.pages[:max_pages]:
            pages.append(page.extract_text() or "")
        return "\n".join(pages)
    except Exception as exc:  # see above
        log.warning("pdf text extraction failed: %s", exc)
        return ""
