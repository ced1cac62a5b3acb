"""Where the seal goes: the template's ``anjuan_seal`` bookmark, read back from the PDF.

The DOCX templates put a Word bookmark named ``anjuan_seal`` on the paragraph that carries the
organisation name over the date at the bottom right (``templates.generic.seal_block``), where the
paper seal is pressed. The converter exports Writer bookmarks as PDF *named destinations*
(``ExportBookmarksToPDFDestination``), so the sealing step finds the page and the top of that
paragraph by name, without parsing any page content.

LibreOffice writes the destination as ``[page /XYZ x y 0]``: ``y`` is the top of the paragraph's first
line, ``x`` the start of that (centred) line — which moves with the length of the organisation name,
so the horizontal centre of the seal comes from the block's layout instead (:class:`SealBlockLayout`,
the same numbers as the templates), and ``x`` is only used to check that the destination does lie in
that block. LibreOffice also mangles destination names: every character other than ``[A-Za-z0-9-]``
becomes its two hex digits (``anjuan_seal`` → ``anjuan5Fseal``); both spellings are accepted.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader

from .api import Placement

__all__ = ["SEAL_ANCHOR", "SealBlockLayout", "find_seal_anchor", "libreoffice_destination_name", "seal_anchor_in"]

SEAL_ANCHOR = "anjuan_seal"
_MM = 72.0 / 25.4


@dataclass(frozen=True)
class SealBlockLayout:
    """The organisation name/date block as the templates lay it out (``templates/generic.py``:
    page margins, ``seal_block``'s left indent of 45 % of the text width, 26 pt line pitch)."""

    margin_left_mm: float = 28.0
    margin_right_mm: float = 26.0
    indent_fraction: float = 0.45  # the block starts this far into the text width
    line_pitch_pt: float = 26.0
    lines: int = 2  # organisation name, date
    # GB/T 9704-2012 §7.3.5.1: name and date sit a little below the seal's centre (居印章中心偏下), and
    # the seal's top stays within a line of the text above: lift the centre a little, not more.
    lift_pt: float = 4.0

    def block_x(self, page_left: float, page_right: float) -> tuple[float, float]:
        """Left and right edges of the block in points."""
        text_left = page_left + self.margin_left_mm * _MM
        text_right = page_right - self.margin_right_mm * _MM
        return text_left + (text_right - text_left) * self.indent_fraction, text_right


DEFAULT_LAYOUT = SealBlockLayout()


def libreoffice_destination_name(name: str) -> str:
    """The name LibreOffice gives the PDF destination of Writer bookmark ``name``."""
    out = []
    for char in name:
        if char.isascii() and (char.isalnum() or char == "-"):
            out.append(char)
        else:
            # LibreOffice keeps only the low byte of the UTF-16 code unit: use ASCII bookmark names.
            out.append(f"{ord(char) & 0xFF:02X}")
    return "".join(out)


def find_seal_anchor(
    pdf: bytes,
    name: str = SEAL_ANCHOR,
    *,
    size_mm: float = 42.0,
    layout: SealBlockLayout = DEFAULT_LAYOUT,
) -> Placement | None:
    """The box for a round seal of ``size_mm`` over the block bookmarked ``name``, or ``None`` when the
    PDF has no such destination (an unsealed form, or a PDF made without bookmark export)."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    return seal_anchor_in(reader, name, size_mm=size_mm, layout=layout)


def seal_anchor_in(
    reader: PdfFileReader,
    name: str = SEAL_ANCHOR,
    *,
    size_mm: float = 42.0,
    layout: SealBlockLayout = DEFAULT_LAYOUT,
) -> Placement | None:
    """:func:`find_seal_anchor` on an already parsed document (the sealer's own reader)."""
    root = reader.root
    dest = _lookup(root, {name, libreoffice_destination_name(name)})
    if dest is None:
        return None
    parsed = _parse_destination(dest)
    if parsed is None:
        return None
    page_ref, x, top = parsed
    index, page = _page_index(root, page_ref)
    if index is None or page is None:
        return None
    left, bottom, right, page_top = _media_box(page)
    if top is None:
        return None
    block_left, block_right = layout.block_x(left, right)
    if x is not None and not (block_left - 1 <= x <= block_right):
        # Not the template layout (the bookmark sits elsewhere): centre the seal on the line's start.
        centre_x = x + size_mm * _MM / 2
    else:
        centre_x = (block_left + block_right) / 2
    # The seal straddles the organisation name and the date (压年盖月), as on paper.
    centre_y = top - layout.line_pitch_pt * layout.lines / 2 + layout.lift_pt
    half = size_mm * _MM / 2
    # Keep the whole seal on the page.
    centre_x = min(max(centre_x, left + half), right - half)
    centre_y = min(max(centre_y, bottom + half), page_top - half)
    box = (round(centre_x - half, 2), round(centre_y - half, 2), round(centre_x + half, 2), round(centre_y + half, 2))
    return Placement(page=index, box=box)


# -- PDF plumbing --------------------------------------------------------------------------------


def _get(node: generic.DictionaryObject, key: str) -> Any:
    """``node[key]`` dereferenced, or ``None`` (pyHanko's ``.get`` returns indirect references as is)."""
    return node[key] if key in node else None  # noqa: SIM401  (.get would not dereference)


def _lookup(root: generic.DictionaryObject, names: set[str]) -> Any:
    """The destination called one of ``names``: ``/Dests`` (PDF 1.1) or the ``/Names /Dests`` tree."""
    dests = _get(root, "/Dests")
    if isinstance(dests, generic.DictionaryObject):
        for key in names:
            value = _get(dests, "/" + key)
            if value is not None:
                return value
    name_dict = _get(root, "/Names")
    if isinstance(name_dict, generic.DictionaryObject):
        tree = _get(name_dict, "/Dests")
        if isinstance(tree, generic.DictionaryObject):
            for key, value in _name_tree(tree, depth=0):
                if key in names:
                    return value
    return None


def _name_tree(node: generic.DictionaryObject, depth: int) -> Iterator[tuple[str, Any]]:
    if depth > 32:  # a malformed (cyclic) tree must not hang the sealer
        return
    pairs = _get(node, "/Names")
    if isinstance(pairs, generic.ArrayObject):
        for i in range(0, len(pairs) - 1, 2):
            key = pairs[i]
            if isinstance(key, generic.TextStringObject | generic.ByteStringObject):
                text = key.original_bytes.decode("latin-1") if hasattr(key, "original_bytes") else str(key)
                yield text, pairs[i + 1]
            else:
                yield str(key), pairs[i + 1]
    kids = _get(node, "/Kids")
    if isinstance(kids, generic.ArrayObject):
        for kid in kids:
            kid = kid.get_object()
            if isinstance(kid, generic.DictionaryObject):
                yield from _name_tree(kid, depth + 1)


def _number(value: Any) -> float | None:
    value = value.get_object() if hasattr(value, "get_object") else value
    if isinstance(value, generic.NumberObject | generic.FloatObject | int | float):
        return float(value)
    return None


def _parse_destination(dest: Any) -> tuple[generic.IndirectObject, float | None, float | None] | None:
    """(page reference, left, top) of an explicit destination ``[page /XYZ left top zoom]`` and kin."""
    dest = dest.get_object()
    if isinstance(dest, generic.DictionaryObject):
        dest = _get(dest, "/D")
        if dest is None:
            return None
        dest = dest.get_object()
    if not isinstance(dest, generic.ArrayObject) or len(dest) < 2:
        return None
    page = dest.raw_get(0) if hasattr(dest, "raw_get") else dest[0]
    if not isinstance(page, generic.IndirectObject):
        return None
    kind = str(dest[1])
    args = [_number(v) for v in list(dest)[2:]]
    if kind == "/XYZ" and len(args) >= 2:
        return page, args[0], args[1]
    if kind in ("/FitH", "/FitBH") and args:
        return page, None, args[0]
    if kind == "/FitR" and len(args) >= 4:
        return page, args[0], args[3]
    return None


def _page_index(
    root: generic.DictionaryObject, page_ref: generic.IndirectObject
) -> tuple[int | None, generic.DictionaryObject | None]:
    target = page_ref.reference
    index = 0
    stack: list[Any] = [root.raw_get("/Pages")]
    seen: set[Any] = set()
    while stack:
        ref = stack.pop()
        if isinstance(ref, generic.IndirectObject):
            if ref.reference in seen:
                continue
            seen.add(ref.reference)
        node = ref.get_object()
        if not isinstance(node, generic.DictionaryObject):
            continue
        if _get(node, "/Type") == "/Pages" or "/Kids" in node:
            kids = node.raw_get("/Kids")
            kids = kids.get_object() if isinstance(kids, generic.IndirectObject) else kids
            # depth-first, in document order
            stack.extend(reversed([kids.raw_get(i) for i in range(len(kids))]))
            continue
        if isinstance(ref, generic.IndirectObject) and ref.reference == target:
            return index, node
        index += 1
    return None, None


def _media_box(page: generic.DictionaryObject) -> tuple[float, float, float, float]:
    node: Any = page
    for _ in range(32):  # MediaBox is inheritable
        box = _get(node, "/MediaBox")
        if box is not None:
            x1, y1, x2, y2 = (float(v) for v in box)
            return min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)
        parent = _get(node, "/Parent")
        if parent is None:
            break
        node = parent.get_object()
    return 0.0, 0.0, 595.28, 841.89  # A4
