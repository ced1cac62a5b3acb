"""组卷: one PDF volume from the sealed documents — cover, 卷内目录, the documents with continuous
page numbers, 卷内备考表 — with one outline item (bookmark) per document.

The documents' own signatures cannot survive a merge (a signature covers its file's bytes), so
each stays stored and verifiable on its own; in the volume its signature widgets are flattened
into page content (the seal image stays visible) and the fields dropped, and the volume is then
sealed once as a whole by the caller. pikepdf does the page work in C++ (qpdf): a 60-document
volume merges in tens of milliseconds, where pure-Python libraries take ten times longer.
"""

from __future__ import annotations

import datetime as dt
import io
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import pikepdf

from ..convert import Converter
from ..errors import TemplateError
from .pages import (
    NOTES_BOOKMARK,
    TOC_BOOKMARK,
    CoverInfo,
    NotesInfo,
    StampPosition,
    TocRow,
    front_and_back_docx,
    stamp_sheet_docx,
)

__all__ = ["PlacedEntry", "Volume", "VolumeEntry", "VolumeError", "VolumeOptions", "build_volume", "pdf_pages"]


class VolumeError(TemplateError):
    code = "volume_failed"


@dataclass(frozen=True)
class VolumeEntry:  # 卷内文件: one document or attachment, in its final place in the order
    title: str  # 文件名称
    number: str | None  # 文号
    responsible: str  # 责任者
    date: dt.date | None
    pdf: bytes
    remark: str = ""
    key: str = ""  # the caller's reference (e.g. "document:12"), carried into the result


@dataclass(frozen=True)
class VolumeOptions:
    stamp_position: StampPosition = "top-outer"
    number_cover: bool = False  # cover, 目录 and 备考表 are not paginated by default (domain.md §2.3)
    number_toc: bool = False
    number_notes: bool = False
    first_number: int = 1


@dataclass(frozen=True)
class PlacedEntry:
    seq: int
    key: str
    title: str
    number: str | None
    physical_start: int  # 1-based page index in the volume
    start: int  # stamped page number of its first page
    end: int  # … and of its last page
    pages: int


@dataclass(frozen=True)
class Volume:
    pdf: bytes  # unsealed
    pages: int  # physical pages
    content_pages: int  # stamped pages
    entries: tuple[PlacedEntry, ...]
    toc_pages: tuple[int, ...] = field(default=())  # 1-based physical pages of the 目录


def pdf_pages(data: bytes) -> int:
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            return len(pdf.pages)
    except pikepdf.PdfError as exc:
        raise VolumeError("文件不是有效的PDF", f"not a readable PDF: {exc}") from exc


def _dest_pages(pdf: pikepdf.Pdf) -> dict[str, int]:
    """Named destinations (our DOCX bookmarks) → 0-based page index."""
    out: dict[str, int] = {}
    names = pdf.Root.get("/Names")
    tree = names.get("/Dests") if names is not None else None
    if tree is not None:
        for name, dest in pikepdf.NameTree(tree).items():
            array = dest.get("/D") if isinstance(dest, pikepdf.Dictionary) else dest
            out[str(name)] = pdf.pages.index(pikepdf.Page(array[0]))
    legacy = pdf.Root.get("/Dests")
    if legacy is not None:
        for name, dest in legacy.items():
            array = dest.get("/D") if isinstance(dest, pikepdf.Dictionary) else dest
            out[str(name).lstrip("/")] = pdf.pages.index(pikepdf.Page(array[0]))
    return out


def _flatten(data: bytes) -> pikepdf.Pdf:
    """A document's pages for the volume: seal appearances burnt into the page, signature fields gone."""
    pdf = pikepdf.open(io.BytesIO(data))
    pdf.flatten_annotations(mode="all")
    for page in pdf.pages:
        if "/Annots" in page.obj:
            del page.obj["/Annots"]
    if "/AcroForm" in pdf.Root:
        del pdf.Root["/AcroForm"]
    return pdf


def _toc_rows(entries: Sequence[VolumeEntry], starts: Sequence[tuple[int, int]]) -> list[TocRow]:
    rows = []
    for seq, (entry, (start, end)) in enumerate(zip(entries, starts, strict=True), start=1):
        last = seq == len(entries)
        title = f"{entry.title}{entry.number}" if entry.number else entry.title
        pages = f"{start}-{end}" if last and end != start else str(start)
        rows.append(TocRow(seq, title, entry.responsible, entry.date, pages, entry.remark))
    return rows


def build_volume(
    entries: Sequence[VolumeEntry],
    cover: CoverInfo,
    notes: NotesInfo,
    converter: Converter,
    options: VolumeOptions = VolumeOptions(),
) -> Volume:
    """Lay out the volume. The 目录 needs each document's page number, and (when the 目录 itself is
    numbered) the page numbers need the 目录's length: render, measure, and render again if the
    front matter grew."""
    if not entries:
        raise VolumeError("案卷中没有可入卷的文书", "the case has no documents to put in the volume")
    sources = [_flatten(e.pdf) for e in entries]
    try:
        counts = [len(s.pages) for s in sources]
        # cover, 目录, 备考表 pages: a 目录 page holds about 16 rows.
        front_guess = (1, max(1, -(-len(entries) // 16)), 1)
        for _attempt in range(3):
            cover_n, toc_n, notes_n = front_guess
            number = options.first_number
            if options.number_cover:
                number += cover_n
            if options.number_toc:
                number += toc_n
            starts = []
            for count in counts:
                starts.append((number, number + count - 1))
                number += count
            total_stamped = (
                sum(counts)
                + (cover_n if options.number_cover else 0)
                + (toc_n if options.number_toc else 0)
                + (notes_n if options.number_notes else 0)
            )
            # 页数 on the cover counts the numbered pages (GB/T 9705 practice: the 卷皮, 目录 and 备考表
            # are not paginated unless a bureau numbers them).
            cover_info = _with_counts(cover, len(entries), total_stamped)
            front = converter.convert(front_and_back_docx(cover_info, _toc_rows(entries, starts), notes))
            front_pdf = pikepdf.open(io.BytesIO(front))
            marks = _dest_pages(front_pdf)
            if TOC_BOOKMARK not in marks or NOTES_BOOKMARK not in marks:
                raise VolumeError("目录或备考表定位失败", "cannot find the 目录/备考表 in the rendered front matter")
            measured = (
                marks[TOC_BOOKMARK],
                marks[NOTES_BOOKMARK] - marks[TOC_BOOKMARK],
                len(front_pdf.pages) - marks[NOTES_BOOKMARK],
            )
            numbered_front = options.number_cover or options.number_toc or options.number_notes
            # Only numbered front matter shifts the page numbers: otherwise one pass is always right.
            if measured == front_guess or not numbered_front:
                break
            front_pdf.close()
            front_guess = measured
        else:  # pragma: no cover - the layout converges in two passes
            raise VolumeError("目录排版不收敛", "the 目录 layout did not settle")
        return _assemble(front_pdf, measured, sources, entries, starts, total_stamped, converter, options)
    finally:
        for source in sources:
            source.close()


def _with_counts(cover: CoverInfo, items: int, pages: int) -> CoverInfo:
    from dataclasses import replace

    return replace(cover, items=items, pages=pages)


def _assemble(
    front: pikepdf.Pdf,
    parts: tuple[int, int, int],
    sources: Sequence[pikepdf.Pdf],
    entries: Sequence[VolumeEntry],
    starts: Sequence[tuple[int, int]],
    total_stamped: int,
    converter: Converter,
    options: VolumeOptions,
) -> Volume:
    cover_n, toc_n, notes_n = parts
    out = pikepdf.new()
    numbered: list[bool] = []
    for index in range(cover_n + toc_n):
        out.pages.append(front.pages[index])
        numbered.append(options.number_cover if index < cover_n else options.number_toc)
    placed: list[PlacedEntry] = []
    for seq, (source, entry, (start, end)) in enumerate(zip(sources, entries, starts, strict=True), start=1):
        physical_start = len(out.pages) + 1
        out.pages.extend(source.pages)
        numbered.extend([True] * len(source.pages))
        placed.append(
            PlacedEntry(seq, entry.key, entry.title, entry.number, physical_start, start, end, len(source.pages))
        )
    for index in range(cover_n + toc_n, cover_n + toc_n + notes_n):
        out.pages.append(front.pages[index])
        numbered.append(options.number_notes)

    # 页码: one continuous sequence over the numbered pages, laid over each as a form XObject.
    numbers: list[int | None] = []
    value = options.first_number
    for flag in numbered:
        numbers.append(value if flag else None)
        value += 1 if flag else 0
    stamped = [n for n in numbers if n is not None]
    assert len(stamped) == total_stamped
    sheet = pikepdf.open(io.BytesIO(_stamp_sheet(converter, max(stamped, default=1), options.stamp_position)))
    for page, number in zip(out.pages, numbers, strict=True):
        if number is not None:
            page.add_overlay(sheet.pages[number - 1], pikepdf.Rectangle(*page.mediabox))

    with out.open_outline() as outline:
        outline.root.append(pikepdf.OutlineItem("案卷首页", 0))
        outline.root.append(pikepdf.OutlineItem("卷内目录", cover_n))
        for item in placed:
            label = f"{item.title} {item.number}" if item.number else item.title
            outline.root.append(pikepdf.OutlineItem(label, item.physical_start - 1))
        outline.root.append(pikepdf.OutlineItem("卷内备考表", len(out.pages) - notes_n))
    out.Root.PageLabels = _page_labels(numbers, cover_n, toc_n)
    out.Root.PageMode = pikepdf.Name.UseOutlines
    buffer = io.BytesIO()
    out.save(buffer, deterministic_id=True)
    sheet.close()
    front.close()
    return Volume(
        pdf=buffer.getvalue(),
        pages=len(numbers),
        content_pages=total_stamped,
        entries=tuple(placed),
        toc_pages=tuple(range(cover_n + 1, cover_n + toc_n + 1)),
    )


_SHEETS: dict[str, tuple[int, bytes]] = {}
_SHEETS_LOCK = threading.Lock()


def _stamp_sheet(converter: Converter, highest: int, position: StampPosition) -> bytes:
    """Pages 1…n of page-number stamps. Page k only ever shows k (its side follows k's parity), so
    one rendering serves every volume: it is kept per position and re-rendered only when a volume
    is longer than any before (in powers of two, so that happens a handful of times per process)."""
    with _SHEETS_LOCK:
        cached = _SHEETS.get(position)
        if cached is not None and cached[0] >= highest:
            return cached[1]
        size = max(64, 1 << (highest - 1).bit_length())
        pdf = converter.convert(stamp_sheet_docx(list(range(1, size + 1)), position))
        if pdf_pages(pdf) != size:
            raise VolumeError("页码页数不符", f"stamp sheet has {pdf_pages(pdf)} pages for {size} numbers")
        _SHEETS[position] = (size, pdf)
        return pdf


def _page_labels(numbers: Sequence[int | None], cover_n: int, toc_n: int) -> pikepdf.Dictionary:
    """Viewers show the stamped 页码 (and 封面/目录/备考 for unnumbered pages) instead of 1…n."""
    nums: list[object] = []
    previous: object = object()
    for index, number in enumerate(numbers):
        if number is None:
            prefix = "封面" if index < cover_n else "目录" if index < cover_n + toc_n else "备考表"
            label = pikepdf.Dictionary(P=pikepdf.String(prefix))
            key: object = ("none", prefix)
        else:
            label = pikepdf.Dictionary(S=pikepdf.Name.D, St=number)
            key = ("num", number - index)
        if key != previous:
            nums.extend([index, label])
            previous = key
    return pikepdf.Dictionary(Nums=pikepdf.Array(nums))
