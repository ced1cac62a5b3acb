"""目录与页码核对 (table-of-contents and page-number check): read any case-file (卷宗) PDF the way a
reviewer does — made by anjuan or by anyone else — and say where its 卷内目录 and its stamped page
numbers disagree.

A volume is: optional cover (案卷首页 / 封面), the 卷内目录 page(s), the documents one after another,
an optional 卷内备考表. Content pages carry a stamped page number (页号) in a margin; the 目录 gives
each document's start page. Nothing here trusts how the PDF was made:

* the 目录 is read back from the page — the table's columns from the x positions of its heading row
  (序号 | 文件名称及编号 | 责任者 | 日期 | 页号 | 备注), its rows from the 序号 numbers, wrapped cells
  attached to the right row whether the cells are top-aligned or vertically centred;
* the stamp of every page is an integer standing alone in the top or bottom tenth of the page —
  never a number inside a line of other text (a table cell, “第 1 页 共 2 页”, “— 1 —”); where a
  page has several such numbers, the one in the band the volume is stamped in and that carries the
  sequence on (a form's own footer “1” is not the volume's page number);
* where each document really starts comes from the outline (bookmarks), matched to the 目录 by name
  and 文号; entries no bookmark matches are looked for by the document title in the first lines of
  the pages between their neighbours (the whole volume this way when there is no outline).

Text positions come from poppler's ``pdftotext -bbox`` when installed (fast), else from pypdf (the
same answer, slower). ``check_volume`` never raises on bad input: an unreadable file is the finding
``not_a_pdf``.
"""

from __future__ import annotations

import html
import io
import itertools
import re
import shutil
import subprocess
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from statistics import median
from typing import Any

from pypdf import PdfReader

__all__ = ["DocumentSource", "SealStatus", "SealVerifier", "TocEntry", "VolumeCheck", "VolumeFinding", "check_volume"]


@dataclass(frozen=True)
class TocEntry:
    """One row of the 卷内目录 (table of contents) as printed."""

    seq: int  # 序号
    title: str  # 文件名称及编号 as read (whitespace inside CJK text removed, characters kept as printed)
    number: str | None  # 文号 recognised in the title cell, e.g. （晋临）应急罚〔2026〕1号
    responsible: str  # 责任者 ('' if the cell is empty)
    date: str | None  # 日期 normalised to YYYY-MM-DD (from 2026-11-06, 2026.11.06 or 2026年11月6日)
    start: int  # 页号: the document's first page
    end: int | None  # 止: last page of a “起-止” entry (normally only the last row has one)
    remark: str  # 备注
    toc_page: int  # physical (1-based) PDF page the row was read from


@dataclass(frozen=True)
class VolumeFinding:
    """One disagreement, with a stable ``code`` for machines and a message for people."""

    code: str
    message_zh: str
    message_en: str
    page: int | None = None  # stamped page number (页号) concerned
    physical_page: int | None = None  # 1-based PDF page concerned
    entry: int | None = None  # 序号 of the 目录 entry concerned


@dataclass(frozen=True)
class SealStatus:
    """One signature of the volume (a document's seal kept in it, or the volume's own seal) as the
    caller's verifier judged it: the leaf does not verify signatures itself (``signing`` does)."""

    name: str  # signature field or signer, for the message
    ok: bool  # intact, valid and trusted
    whole_file: bool = True  # the signature covers the file as it is (nothing appended or cut since)
    problems: tuple[str, ...] = ()


#: The signatures of a PDF, one status each (``signing.verify.verify_pdf`` or the archive's verifier).
SealVerifier = Callable[[bytes], Sequence[SealStatus]]
#: The PDF the archive keeps of the document a 目录 entry names, or None if it knows none.
DocumentSource = Callable[[TocEntry], bytes | None]


@dataclass(frozen=True)
class VolumeCheck:
    """Result of :func:`check_volume`: what was read, and what disagrees (``ok`` = nothing)."""

    ok: bool
    pages: int  # physical pages
    toc: tuple[TocEntry, ...]
    stamps: tuple[int | None, ...]  # stamped number read on each physical page (None = none)
    starts: tuple[tuple[str, int, int | None], ...]  # (document title, physical page, stamped page) per document
    findings: tuple[VolumeFinding, ...]
    # Added by issue 16 (defaults keep older callers working): the signatures as verified (empty when
    # no verifier was given: ``sealed`` is then None), and whether the pages could be rendered to tell
    # visible from hidden text.
    seals: tuple[SealStatus, ...] = ()
    sealed: bool | None = None
    rendered: bool = False

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the HTTP API and the command line print this)."""
        return {
            "ok": self.ok,
            "pages": self.pages,
            "toc": [asdict(e) for e in self.toc],
            "stamps": list(self.stamps),
            "starts": [{"title": t, "physical_page": p, "page": s} for t, p, s in self.starts],
            "findings": [asdict(f) for f in self.findings],
            "seals": [asdict(seal) for seal in self.seals],
            "sealed": self.sealed,
            "rendered": self.rendered,
        }


# --- text with positions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Run:
    """A piece of text and its box in PDF points, y measured up from the bottom of the page."""

    text: str
    x: float
    x2: float
    y: float  # bottom of the box (about the baseline)
    top: float

    @property
    def size(self) -> float:
        return max(self.top - self.y, 1.0)

    @property
    def cx(self) -> float:
        return (self.x + self.x2) / 2

    @property
    def cy(self) -> float:
        return (self.y + self.top) / 2


@dataclass(frozen=True)
class _Page:
    width: float
    height: float
    runs: tuple[_Run, ...]
    candidates: tuple[_Run, ...] = ()  # runs that may be the stamped page number, likeliest first
    lines: tuple[tuple[_Run, ...], ...] = field(default=())  # text lines, top first, without those


_WORD = re.compile(
    r'<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)">([^<]*)</word>|'
    r'<page width="([\d.]+)" height="([\d.]+)">'
)


def _poppler_pages(pdf: bytes) -> list[tuple[float, float, list[_Run]]] | None:
    """Every page's words with their boxes from poppler's ``pdftotext -bbox`` (C++: a 120-page volume
    in ~30 ms, where reading positions with pypdf takes over a second). None if poppler is absent or
    fails — the caller then reads with pypdf."""
    exe = shutil.which("pdftotext")
    if exe is None:
        return None
    try:
        with tempfile.NamedTemporaryFile(suffix=".pdf") as tmp:
            tmp.write(pdf)
            tmp.flush()
            result = subprocess.run([exe, "-bbox", "-q", tmp.name, "-"], capture_output=True, timeout=120)
    except (OSError, subprocess.SubprocessError):
        return None
    if result.returncode != 0:
        return None
    pages: list[tuple[float, float, list[_Run]]] = []
    for match in _WORD.finditer(result.stdout.decode("utf-8", "replace")):
        if match[6] is not None:
            pages.append((float(match[6]), float(match[7]), []))
        elif pages:
            height = pages[-1][1]
            text = html.unescape(match[5]).strip()
            if text:
                x1, y1, x2, y2 = (float(match[i]) for i in range(1, 5))
                pages[-1][2].append(_Run(text, x1, x2, height - y2, height - y1))
    return pages


def _advance(text: str, size: float) -> float:
    """Rough advance width: CJK glyphs are square, Latin letters and digits about half as wide."""
    return sum(size if unicodedata.east_asian_width(c) in "WF" else size * 0.5 for c in text)


def _pypdf_runs(page: Any) -> list[_Run]:
    """Text runs with positions from pypdf's visitor (the fallback when poppler is not installed)."""
    box = page.mediabox
    left, bottom = float(box.left), float(box.bottom)
    runs: list[_Run] = []

    def visit(text: str, cm: list[float], tm: list[float], _font: Any, font_size: Any) -> None:
        if not text.strip():
            return
        # text space → user space: tm × cm
        a = tm[0] * cm[0] + tm[1] * cm[2]
        d = tm[2] * cm[1] + tm[3] * cm[3]
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4] - left
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5] - bottom
        size = float(font_size or 0) * (abs(d) or abs(a) or 1.0) or 10.0
        cursor = 0
        for part in text.split():  # split at spaces like poppler's words (widths estimated)
            start = text.index(part, cursor)
            cursor = start + len(part)
            x_part = x + _advance(text[:start], size)
            runs.append(_Run(part, x_part, x_part + _advance(part, size), y, y + size))

    page.extract_text(visitor_text=visit)
    return runs


def _lines(runs: Iterable[_Run]) -> list[tuple[_Run, ...]]:
    """Group runs into text lines (vertical centres within half a glyph), top line first."""
    lines: list[list[_Run]] = []
    for run in sorted(runs, key=lambda r: -r.cy):
        if lines:
            last = lines[-1]
            centre = median(r.cy for r in last)
            if abs(run.cy - centre) <= 0.5 * min(run.size, median(r.size for r in last)):
                last.append(run)
                continue
        lines.append([run])
    return [tuple(sorted(line, key=lambda r: r.x)) for line in lines]


# --- comparing and cleaning text ----------------------------------------------------------------------

_BRACKETS = str.maketrans({"〔": "[", "〕": "]", "【": "[", "】": "]", "［": "[", "］": "]", "—": "-", "–": "-"})


def _fold(text: str) -> str:
    """Compare text the way a reader does: no whitespace, full-width and half-width forms equal."""
    return "".join(unicodedata.normalize("NFKC", text).translate(_BRACKETS).split())


def _wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF"


def _clean(text: str) -> str:
    """Text as printed, minus the spaces PDF extraction puts inside CJK text (“2026 年 10 月”)."""
    words = text.split()
    out = words[0] if words else ""
    for word in words[1:]:
        out += word if _wide(out[-1]) or _wide(word[0]) else " " + word
    return out


def _line_text(runs: Iterable[_Run]) -> str:
    return _clean(" ".join(r.text for r in runs))


# --- stamps and page kinds ----------------------------------------------------------------------------

_INTEGER = re.compile(r"^\d{1,4}$")
_HEADINGS = {
    "toc": ("卷内目录", "卷内文件目录"),
    "notes": ("卷内备考表", "备考表"),
    "cover": ("案卷首页", "案卷封面", "封面"),
}


def _candidates(runs: Sequence[_Run], width: float, height: float) -> tuple[_Run, ...]:
    """Runs that may be the stamped page number, most plausible first: an integer 1–9999 alone in
    the top or bottom tenth of the page.

    Alone means no other text on its line anywhere across the page, so a table cell holding a lone
    number, “第 1 页 共 2 页” or an official document's own “— 1 —” are never taken for a stamp even
    when they reach into the margin band. Nearest the page edge is most plausible, then nearest a
    corner or the bottom centre (where stamps are put)."""
    band = height * 0.10
    found = []
    for run in runs:
        if not _INTEGER.match(run.text) or int(run.text) == 0:
            continue
        if not (run.y > height - band or run.top < band):
            continue
        if not any(
            other is not run
            and not _INTEGER.match(other.text)
            and abs(other.cy - run.cy) < 0.5 * max(run.size, other.size)
            for other in runs
        ):
            found.append(run)

    def plausibility(run: _Run) -> tuple[float, float]:
        edge = min(height - run.top, run.y)
        place = min(run.cx, width - run.cx, abs(run.cx - width / 2))
        return (round(edge / 6), place)  # edge distance in coarse steps, then the horizontal place

    return tuple(sorted(found, key=plausibility))


def _choose_stamps(pages: Sequence[_Page]) -> list[int | None]:
    """The stamp of each page, chosen with the whole volume in view.

    A volume is stamped in one margin band, top or bottom: the band where the numbers run on from page
    to page. A lone number in the other band (a document's own page number “1” in its footer) is not
    the volume's stamp — unless it is the next number of the sequence. Within the band, a candidate
    that carries the sequence on beats a merely more plausible one."""

    def upper(run: _Run, page: _Page) -> bool:
        return run.cy > page.height / 2

    def runs_on(in_top: bool) -> int:
        """How often a number in that band carries on the one before (documents' own numbers restart)."""
        count, last, skipped = 0, None, 0
        for page in pages:
            numbers = [int(c.text) for c in page.candidates if upper(c, page) == in_top]
            if not numbers:
                skipped += 1
                continue
            count += last is not None and any(last < n <= last + 1 + skipped for n in numbers)
            last, skipped = numbers[0], 0
        return count

    top, bottom = runs_on(True), runs_on(False)
    band = None if top == bottom else top > bottom
    stamps: list[int | None] = []
    last, skipped = 0, 0
    for page in pages:
        follows = [c for c in page.candidates if last < int(c.text) <= last + 1 + skipped]
        usual = [c for c in page.candidates if band is None or upper(c, page) == band]
        pick = next((c for c in follows if c in usual), None) or next(iter(usual or follows), None)
        if pick is None:
            stamps.append(None)
            skipped += 1
        else:
            stamps.append(int(pick.text))
            last, skipped = int(pick.text), 0
    return stamps


def _kind(lines: Sequence[tuple[_Run, ...]]) -> str | None:
    """toc / notes / cover when one of the first three lines is that page's heading: the word alone,
    with a short addition (卷内目录（续）) or a bracketed one — not a sentence that merely starts so."""
    for line in lines[:3]:
        text = _fold(_line_text(line))
        for kind, words in _HEADINGS.items():
            for word in words:
                if text.startswith(word) and (len(text) <= len(word) + 6 or text[len(word)] in "(["):
                    return kind
    return None


def _read_pages(pdf: bytes, reader: PdfReader) -> list[_Page]:
    return _read_pages_exact(pdf, reader)[0]


def _read_pages_exact(pdf: bytes, reader: PdfReader) -> tuple[list[_Page], bool]:
    """The pages, and whether their text boxes are poppler's exact ones (pypdf's are estimates)."""
    poppler = _poppler_pages(pdf)
    if poppler is not None and len(poppler) != len(reader.pages):
        poppler = None
    pages: list[_Page] = []
    for index, page in enumerate(reader.pages):
        if poppler is not None:
            width, height, runs = poppler[index]
        else:
            box = page.mediabox
            width, height = float(box.width), float(box.height)
            try:
                runs = _pypdf_runs(page)
            except Exception:  # a damaged page reads as empty; its missing stamp is reported
                runs = []
        candidates = _candidates(runs, width, height)
        lines = _lines(r for r in runs if r not in candidates)
        pages.append(_Page(width, height, tuple(runs), candidates, tuple(lines)))
    return pages, poppler is not None


# --- the 卷内目录 table -----------------------------------------------------------------------------

_LABELS = {
    "seq": ("序号", "序"),
    "title": ("文件名称", "文件题名", "题名"),
    "responsible": ("责任者",),
    "date": ("日期",),
    "pages": ("页号", "页次", "页码"),
    "remark": ("备注", "备"),
}
_DATE = re.compile(r"(\d{4})[-./年](\d{1,2})[-./月](\d{1,2})日?")
_PAGES = re.compile(r"^(\d{1,4})(?:[-~至](\d{1,4}))?$")
# 文号 core: the year in 〔〕 (or [] 【】 ［］) and the serial number: 〔2026〕1号, [2026]第3号
_NUMBER_CORE = re.compile(r"[〔\[［【]\d{4}[〕\]］】]第?\d+号(?:之\d+)?")
# The 机关代字 right before the year, led by a bracket group: （晋临）应急罚〔…
_NUMBER_LEAD = re.compile(r"[（(][^（）()]{1,8}[）)][^（）()〔\[［【]{0,12}$")
# How document names end (行政处罚决定书, 现场检查记录, 立案审批表 …): where an unbracketed 代字 begins.
_NAME_ENDS = ("书", "表", "录", "单", "报告", "通知", "决定", "函", "回执", "证明", "意见", "清单", "计划", "方案")
_QUALIFIER = re.compile(r"[（(][^（）()]*[）)]")


@dataclass(frozen=True)
class _Columns:
    keys: tuple[str, ...]  # column keys left to right
    bounds: tuple[float, ...]  # x boundaries between them
    seq_right: float  # right edge of the 序号 column (numbers left of it are 序号)

    def of(self, run: _Run) -> str:
        return self.keys[sum(1 for b in self.bounds if run.cx > b)]


def _split_number(title: str) -> tuple[str, str | None]:
    """文件名称 and 文号 of a title cell: ``行政处罚决定书（单位）（晋临）应急罚〔2026〕1号`` →
    (``行政处罚决定书（单位）``, ``（晋临）应急罚〔2026〕1号``)."""
    cores = list(_NUMBER_CORE.finditer(title))
    if not cores:
        return title, None
    core = cores[-1]
    before = title[: core.start()]
    lead = _NUMBER_LEAD.search(before)
    if lead is not None:
        start = lead.start()
    else:
        # Unbracketed 代字 (晋临应急罚〔2026〕1号): it begins after the document name and its qualifiers.
        ends = [m.end() for word in _NAME_ENDS for m in re.finditer(re.escape(word), before)]
        start = max(ends, default=len(before))
        while (qualifier := _QUALIFIER.match(before, start)) is not None:
            start = qualifier.end()
    return title[:start].rstrip(" ，,、"), title[start : core.end()]


def _core(name: str) -> str:
    """A document name without qualifiers in brackets: 行政处罚决定书（单位） → 行政处罚决定书."""
    return _fold(_QUALIFIER.sub("", name))


_HEAD_PHRASES = (
    *("序号", "文件名称及编号", "文件题名", "文号", "责任者", "日期"),
    *("页号", "页次", "页码", "起止页号", "备注"),
)


def _heading_word(text: str) -> bool:
    """A piece of the 目录 heading row (序号, 文件名称及编号, or a wrapped part such as 及编号 / 号)."""
    folded = _fold(text)
    return bool(folded) and any(folded in phrase for phrase in _HEAD_PHRASES)


def _columns(lines: Sequence[tuple[_Run, ...]]) -> tuple[_Columns, float] | None:
    """Columns from the 目录's heading row, and the y below which the table body starts.

    The heading row is found around its 文件名称 label; it may wrap (序/号, 文件名称及/编号) or centre
    some labels between two lines, so the labels are looked for within about a line and a half."""
    runs = [r for i, line in enumerate(lines) if not (i < 3 and _kind([line])) for r in line]
    for label in sorted(runs, key=lambda r: -r.cy):
        if not any(_fold(label.text).startswith(w) for w in _LABELS["title"]):
            continue
        # Only heading words: the first row's cells may lie within that distance too.
        band = [r for r in runs if abs(r.cy - label.cy) <= 1.6 * label.size and _heading_word(r.text)]
        found: dict[str, _Run] = {}
        for key, words in _LABELS.items():
            for run in sorted(band, key=lambda r: (-r.cy, r.x)):
                if key not in found and any(_fold(run.text).startswith(w) for w in words):
                    found[key] = run
                    break
        if not {"seq", "title", "pages"} <= set(found):
            continue
        body_top = min(r.y for r in band) - 1
        body = [r for r in runs if r.cy < body_top]
        return _make_columns(found, band + body), body_top
    return None


def _make_columns(heads: dict[str, _Run], runs: Sequence[_Run]) -> _Columns:
    """Column boundaries from the heading labels ``heads`` and the text of the table ``runs``.

    Between two columns the boundary lies in the widest gap that no text crosses between their heading
    centres (the title column is wide and left-aligned: half-way between centres would cut it). Text
    crossing two heading centres is not inside one cell (a note under the table) and is ignored. The
    序号 column ends right after its numbers and heading: the title column's text begins close by."""
    keys = sorted(heads, key=lambda k: heads[k].cx)
    centres = [heads[k].cx for k in keys]
    spans = sorted((r.x, r.x2) for r in runs if sum(r.x <= c <= r.x2 for c in centres) < 2)
    bounds: list[float] = []
    for left, right in itertools.pairwise(centres):
        gaps: list[tuple[float, float]] = []
        cursor = left
        for x1, x2 in spans:
            if x2 <= cursor or x1 >= right:
                continue
            if x1 > cursor:
                gaps.append((cursor, min(x1, right)))
            cursor = max(cursor, x2)
        if cursor < right:
            gaps.append((cursor, right))
        inner = [g for g in gaps if g[0] > left and g[1] < right]  # not touching the heading centres
        best = max(inner or gaps, key=lambda g: g[1] - g[0], default=None)
        bounds.append((best[0] + best[1]) / 2 if best else (left + right) / 2)
    if keys[0] == "seq" and bounds:
        head = heads["seq"]
        width = head.x2 - head.x
        numbers = [r.x2 for r in runs if _INTEGER.match(r.text) and head.x - width <= r.cx <= head.x2 + width]
        bounds[0] = max([head.x2, *numbers]) + 1
    return _Columns(tuple(keys), tuple(bounds), bounds[0] if bounds else 0.0)


def _rows(body: Sequence[_Run], columns: _Columns) -> list[tuple[_Run, list[_Run]]]:
    """Each 序号 with the runs of its row.

    A wrapped cell puts lines above and below the 序号 when the table's cells are centred vertically,
    only below it when they are top-aligned. The first row tells which: text above its 序号 means
    centred, a wrap going only downwards means top-aligned; when it is a single line the other rows
    vote. Rows then end half-way to the next 序号 (centred) or just above it (top-aligned); the last
    row of a top-aligned table takes the lines that follow on without a gap."""
    anchors = sorted((r for r in body if columns.of(r) == "seq" and _INTEGER.match(r.text)), key=lambda r: -r.cy)
    if not anchors:
        return []
    anchor_ids = {id(a) for a in anchors}
    others = [r for r in body if id(r) not in anchor_ids]
    tolerance = 0.5 * median(a.size for a in anchors)

    def between(high: float, low: float) -> list[_Run]:
        return [r for r in others if low < r.cy <= high]

    mids = [(anchors[i].cy + anchors[i + 1].cy) / 2 for i in range(len(anchors) - 1)]
    first, first_low = anchors[0], mids[0] if mids else anchors[0].cy - 4 * anchors[0].size
    if any(r.cy > first.cy + tolerance for r in others):
        # Text between the heading and the first 序号: the first row's cells are centred on it.
        top_aligned = False
    elif len({round(r.cy) for r in between(first.cy + tolerance, first_low)}) >= 2:
        # The first row wraps, and only downwards from its 序号: top-aligned.
        top_aligned = True
    else:
        # The first row is one line: let the other rows vote (a row of a top-aligned table can look
        # centred when the row above it wraps onto three lines, so this is only a fallback).
        top_votes = centre_votes = 0
        for i, anchor in enumerate(anchors[1:], start=1):
            low = mids[i] if i < len(mids) else anchor.cy - 4 * anchor.size
            ys = {round(r.cy, 1) for r in between(mids[i - 1], low)}
            if len(ys) < 2:
                continue
            if abs(max(ys) - anchor.cy) <= tolerance:
                top_votes += 1
            elif abs((max(ys) + min(ys)) / 2 - anchor.cy) <= tolerance:
                centre_votes += 1
        top_aligned = top_votes > centre_votes

    rows: list[tuple[_Run, list[_Run]]] = []
    for i, anchor in enumerate(anchors):
        if top_aligned:
            high = anchor.cy + tolerance
            low = anchors[i + 1].cy + tolerance if i + 1 < len(anchors) else None
        else:
            high = mids[i - 1] if i else anchor.cy + (anchor.cy - mids[0] if mids else 4 * anchor.size)
            low = mids[i] if i < len(mids) else anchor.cy - (mids[-1] - anchor.cy if mids else 4 * anchor.size)
        if low is None:  # the last row of a top-aligned table: its lines follow on without a gap
            cells = [r for r in others if anchor.cy - tolerance < r.cy <= high]
            for line in _lines(r for r in others if r.cy <= anchor.cy - tolerance):
                lowest = min(r.y for r in cells) if cells else anchor.y
                if max(r.top for r in line) < lowest - anchor.size or line[0].x < columns.seq_right:
                    break  # a gap, or text starting in the 序号 column: the table has ended
                cells.extend(line)
        else:
            cells = between(high, low)
        rows.append((anchor, cells))
    return rows


def _read_toc(
    lines: Sequence[tuple[_Run, ...]], physical: int, columns: _Columns | None
) -> tuple[list[TocEntry], _Columns | None]:
    """The entries of one 目录 page and its columns (``columns``: the previous page's, used when this
    page has no heading row of its own)."""
    found = _columns(lines)
    if found is not None:
        columns, body_top = found
        body = [r for line in lines for r in line if r.cy < body_top]
    elif columns is not None:
        body = [r for i, line in enumerate(lines) if not (i < 3 and _kind([line])) for r in line]
    else:
        return [], None
    entries: list[TocEntry] = []
    for anchor, cells in _rows(body, columns):
        by_column: dict[str, list[_Run]] = {}
        for run in cells:
            by_column.setdefault(columns.of(run), []).append(run)

        def text(key: str, by_column: dict[str, list[_Run]] = by_column) -> str:
            return _clean(" ".join(_line_text(line) for line in _lines(by_column.get(key, []))))

        pages = _PAGES.match(_fold(text("pages")))
        if pages is None:
            continue  # not a document row (or its 页号 is illegible): nothing to check it against
        title = text("title")
        number = _split_number(title)[1]
        date = _DATE.search(_fold(text("date")))
        iso = None
        if date and 1 <= int(date[2]) <= 12 and 1 <= int(date[3]) <= 31:
            iso = f"{int(date[1]):04d}-{int(date[2]):02d}-{int(date[3]):02d}"
        entries.append(
            TocEntry(
                seq=int(anchor.text),
                title=title,
                number=number,
                responsible=text("responsible"),
                date=iso,
                start=int(pages[1]),
                end=int(pages[2]) if pages[2] else None,
                remark=text("remark"),
                toc_page=physical,
            )
        )
    return entries, columns


# --- where documents start ----------------------------------------------------------------------------

_FRONT_OUTLINE = ("案卷首页", "卷内目录", "卷内文件目录", "卷内备考表", "备考表", "案卷封面", "封面")


def _outline_starts(reader: PdfReader) -> list[tuple[str, int]]:
    """(title, physical page) of the outline's top-level items that are documents."""
    out: list[tuple[str, int]] = []
    try:
        outline = reader.outline
    except Exception:  # a broken outline is as good as none: the text is searched instead
        return []
    for item in outline:
        if isinstance(item, list):  # nested items belong to the document above them
            continue
        try:
            title = _clean(str(item.title))
            page = reader.get_destination_page_number(item)
        except Exception:
            continue
        if page is None or page < 0 or any(_fold(title).startswith(w) for w in _FRONT_OUTLINE):
            continue
        out.append((title, page + 1))
    return out


def _names_match(a: str, b: str) -> bool:
    """Same document name, tolerant of whitespace, bracket widths and a qualifier on one side only."""
    fa, fb = _fold(a), _fold(b)
    if not fa or not fb:
        return False
    return fa == fb or fa.startswith(fb) or fb.startswith(fa) or _core(a) == _core(b) != ""


def _loose(entry: TocEntry, title: str) -> bool:
    """The outline item ``title`` can be the document of ``entry``: names match, 文号 do not differ."""
    name, number = _split_number(title)
    if not _names_match(_split_number(entry.title)[0], name):
        return False
    return entry.number is None or number is None or _fold(entry.number) == _fold(number)


def _same_number(entry: TocEntry, title: str) -> bool:
    number = _split_number(title)[1]
    return entry.number is not None and number is not None and _loose(entry, title)


def _same_name(entry: TocEntry, title: str) -> bool:
    return _fold(_split_number(entry.title)[0]) == _fold(_split_number(title)[0]) and _loose(entry, title)


def _title_at_top(page: _Page, name: str) -> bool:
    """Whether one of the page's first lines begins with the document name ``name`` (or its core
    without qualifiers), allowing the title to wrap over two or three lines and to be followed by a
    bracket or the 文号 — but not by more words (行政处罚决定书 ≠ 行政处罚决定书送达回执)."""
    variants = {v for v in (_fold(name), _core(name)) if v}
    if not variants:
        return False
    texts = [_fold(_line_text(line)) for line in page.lines[:6]]
    for i in range(min(4, len(texts))):
        joined = ""
        for text in texts[i : i + 3]:
            joined += text
            for variant in variants:
                if joined.startswith(variant):
                    rest = joined[len(variant) :]
                    if not rest or rest[0] in "([" or _NUMBER_CORE.search(rest[:30]):
                        return True
            if len(joined) >= max(len(v) for v in variants):
                break
    return False


def _title_like(page: _Page) -> str | None:
    """A document title near the top of a page (for documents the 目录 does not list, when there is no
    outline): a short centred line in a larger type than the page's text, ending like a 文书 name."""
    if not page.runs:
        return None
    body_size = median(r.size for r in page.runs)
    for line in page.lines[:3]:
        text = _line_text(line)
        folded = _fold(text)
        centre = (line[0].x + line[-1].x2) / 2
        if (
            2 <= len(folded) <= 30
            and not re.search(r"[，。：；、,:;]", text)
            and folded.endswith(_NAME_ENDS)
            and abs(centre - page.width / 2) < 0.1 * page.width
            and median(r.size for r in line) >= 1.25 * body_size
        ):
            return text
    return None


# --- what is visible ----------------------------------------------------------------------------------


def _see(pdf: bytes, pages: list[_Page]) -> tuple[list[_Page], list[tuple[_Run, ...]], bool]:
    """The pages with only their visible text, the hidden runs of each page, and whether the pages
    could be rendered at all. Text nobody can see (under a white box, in white, invisible) must count
    neither as a stamp nor as a title: a whited-out page number over-printed with another is one
    visible number and one hidden one."""
    from .visible import WhiteBox, render_pages, white_boxes

    rendering = render_pages(pdf, [(p.width, p.height) for p in pages])
    if rendering is None:
        return pages, [() for _ in pages], False
    boxes = white_boxes(pdf)
    if len(boxes) != len(pages):
        boxes = [[] for _ in pages]

    def under(run: _Run, box: WhiteBox) -> bool:
        """Under a white box painted after it: no text shown after the box starts the run's line
        at or before the run (a line of text is shown from its origin on)."""
        if not box.covers(run.cx, run.cy):
            return False
        return not any(
            abs(y - run.y) < 0.6 * run.size and x <= run.x + 1 and (text is None or run.text in text)
            for x, y, text in box.later_text
        )

    seen: list[_Page] = []
    hidden: list[tuple[_Run, ...]] = []
    for index, page in enumerate(pages):
        gone = tuple(
            r
            for r in page.runs
            if not rendering.inked(index, r.x, r.y, r.x2, r.top) or any(under(r, b) for b in boxes[index])
        )
        if not gone:
            seen.append(page)
            hidden.append(())
            continue
        runs = [r for r in page.runs if r not in gone]
        candidates = _candidates(runs, page.width, page.height)
        lines = _lines(r for r in runs if r not in candidates)
        seen.append(_Page(page.width, page.height, tuple(runs), candidates, tuple(lines)))
        hidden.append(gone)
    return seen, hidden, True


def _overprinted(page: _Page) -> list[tuple[_Run, _Run]]:
    """Pairs of different visible numbers drawn on top of each other in the stamp band: a stamp
    over-printed with another number (the old one not covered, or only partly)."""
    pairs = []
    for a, b in itertools.combinations(page.candidates, 2):
        near = abs(a.cx - b.cx) < 2 * max(a.size, b.size) and abs(a.cy - b.cy) < max(a.size, b.size)
        if near and a.text != b.text:
            pairs.append((a, b))
    return pairs


def _where(stamp: int | None, physical: int) -> str:
    return f"第{stamp}页（PDF第{physical}页）" if stamp is not None else f"PDF第{physical}页"


def _page_text(page: _Page) -> str:
    """A page's visible text without its stamp, for comparing with the archive's copy."""
    return _fold("".join(r.text for line in page.lines for r in line))


def _number_lines(page: _Page) -> list[str]:
    """文号 printed as a line of their own (or after the document name) near the top of the page —
    where a document shows its own number, not a sentence citing another document's."""
    out = []
    for line in page.lines[:6]:
        text = _line_text(line)
        name, number = _split_number(text)
        if number is not None and (not _fold(name) or _fold(name).endswith(_NAME_ENDS)):
            out.append(number)
    return out


def _seal_findings(statuses: Sequence[SealStatus], finding: Callable[..., None]) -> None:
    if not statuses:
        finding(
            "volume_unsealed",
            "卷宗没有电子签章（未盖章，或签章已被去除）",
            "the volume carries no signature (never sealed, or its seal was stripped)",
        )
        return
    for status in statuses:
        if not status.ok:
            why = "；".join(status.problems) or "签名无效或不受信任"
            finding(
                "seal_invalid",
                f"电子签章“{status.name}”验证未通过：{why}",
                f"signature {status.name} does not verify: {'; '.join(status.problems) or 'invalid or untrusted'}",
            )
    if not statuses[-1].whole_file:
        finding(
            "seal_not_whole_file",
            f"最后一个电子签章“{statuses[-1].name}”之后文件又被修改（签章不覆盖整个文件）",
            f"the file was changed after its last signature ({statuses[-1].name})",
        )


# --- the check ----------------------------------------------------------------------------------------


def check_volume(
    pdf: bytes, *, verify: SealVerifier | None = None, documents: DocumentSource | None = None
) -> VolumeCheck:
    """Check a volume the way a reviewer does: its parts (cover, 卷内目录, 备考表), the 目录 against
    the stamped page numbers and the documents, each page against the document the 目录 puts it in
    (its 文号; with ``documents``, the archive's own copy of that document, page by page), stamps
    whited out or over-printed (text that cannot be seen counts for nothing), and — with ``verify`` —
    its signatures: a volume without one, or with one that fails, is not in order.

    Never raises on bad input: an unreadable file gives ``ok=False`` with the finding ``not_a_pdf``.
    """
    findings: list[VolumeFinding] = []

    def finding(code: str, zh: str, en: str, **where: Any) -> None:
        findings.append(VolumeFinding(code, zh, en, **where))

    try:
        reader = PdfReader(io.BytesIO(pdf))
        pages, exact = _read_pages_exact(pdf, reader)
    except Exception as exc:  # not a PDF, encrypted, or broken beyond reading
        finding("not_a_pdf", "文件不是可读取的PDF", f"not a readable PDF: {exc}")
        return VolumeCheck(False, 0, (), (), (), tuple(findings))
    # Ink is looked for where the text is: only with poppler's exact boxes (pypdf's widths are guesses).
    pages, hidden, rendered = _see(pdf, pages) if exact else (pages, [() for _ in pages], False)
    count = len(pages)
    stamps = _choose_stamps(pages)

    # Page kinds. The 目录 is the first run of pages headed 卷内目录 (plus pages continuing its table
    # without a heading); the cover can only come first; the 备考表 is the first one after the 目录.
    kinds: list[str | None] = [_kind(p.lines) for p in pages]
    toc: list[TocEntry] = []
    toc_pages: list[int] = []
    columns: _Columns | None = None
    for index, page in enumerate(pages):
        if kinds[index] == "toc" and (not toc_pages or toc_pages[-1] == index - 1):
            rows, page_columns = _read_toc(page.lines, index + 1, columns)
        elif toc_pages and toc_pages[-1] == index - 1 and kinds[index] is None and toc:
            # A 目录 page without heading: only if its 序号 carry on from the previous page.
            rows, page_columns = _read_toc(page.lines, index + 1, columns)
            if not rows or rows[0].seq != toc[-1].seq + 1:
                break
        elif toc_pages:
            break
        else:
            continue
        toc_pages.append(index)
        columns = page_columns or columns
        toc.extend(rows)
    for index in toc_pages:
        kinds[index] = "toc"
    for index in range(1, count):
        if kinds[index] == "cover" and (not toc_pages or index > toc_pages[0]):
            kinds[index] = None
    if not count or kinds[0] != "cover":
        finding("cover_missing", "卷宗第一页不是案卷首页（封面）", "the volume does not begin with its cover")
    if not toc:
        finding("toc_missing", "未找到卷内目录", "no 卷内目录 (table of contents) found")

    # Content pages: after the 目录 (or the cover when there is no 目录), before the 备考表.
    first = toc_pages[-1] + 1 if toc_pages else (1 if count and kinds[0] == "cover" else 0)
    end = next((i for i in range(first, count) if kinds[i] == "notes"), count)
    content = range(first, end)
    if end == count:
        finding("notes_missing", "卷宗缺少卷内备考表", "the volume has no 卷内备考表")

    # What was covered up: text under a white box (or drawn white or invisible), numbers over-printed.
    for index, gone in enumerate(hidden):
        if gone:
            shown = "、".join(f"“{r.text}”" for r in gone[:5]) + ("等" if len(gone) > 5 else "")
            finding(
                "hidden_text",
                f"{_where(stamps[index], index + 1)}有被遮盖或不可见的文字：{shown}",
                f"PDF page {index + 1} has covered or invisible text: {' '.join(r.text for r in gone[:5])}",
                page=stamps[index],
                physical_page=index + 1,
            )
    for index, page in enumerate(pages):
        for a, b in _overprinted(page):
            finding(
                "stamp_overprinted",
                f"PDF第{index + 1}页页码处有两个不同的页码“{a.text}”和“{b.text}”叠印",
                f"PDF page {index + 1}: two different page numbers printed over each other ({a.text}, {b.text})",
                page=stamps[index],
                physical_page=index + 1,
            )

    for index in content:
        if stamps[index] is None:
            finding(
                "stamp_missing",
                f"PDF第{index + 1}页没有页码",
                f"PDF page {index + 1} carries no page number",
                physical_page=index + 1,
            )
    _check_sequence(stamps, content, finding)

    # Where documents really start: the outline; entries it does not cover are looked for by their
    # titles at the top of the pages between their neighbours.
    outline = [(t, p) for t, p in _outline_starts(reader) if first < p <= end]
    starts: list[tuple[str, int]] = list(outline)
    matched: dict[int, int] = {}  # 目录 index → index in starts
    for tier in (_same_number, _same_name, _loose):  # surest pairs first: two 询问笔录 are told apart by name
        for k, entry in enumerate(toc):
            if k in matched:
                continue
            s = next((s for s, (t, _) in enumerate(starts) if s not in matched.values() and tier(entry, t)), None)
            if s is not None:
                matched[k] = s
    for k, entry in enumerate(toc):
        if k in matched:
            continue
        before = [starts[matched[j]][1] for j in range(k) if j in matched]
        after = [starts[matched[j]][1] for j in range(k + 1, len(toc)) if j in matched]
        # Page indexes (0-based) to search: after the previous matched document's first page (its
        # 1-based number is the index of the page after it) up to before the next one's.
        low = max(before, default=first)
        high = min(after, default=end + 1)
        name = _split_number(entry.title)[0]
        taken = {starts[s][1] for s in matched.values()}
        hit = next((i for i in range(low, high - 1) if i + 1 not in taken and _title_at_top(pages[i], name)), None)
        if hit is None:
            continue
        # A bookmark on that page whose title did not match (文件3, 附件…) is this document's.
        bookmark = next((s for s, (_, p) in enumerate(starts) if p == hit + 1 and s not in matched.values()), None)
        if bookmark is None:
            starts.append((entry.title, hit + 1))
            bookmark = len(starts) - 1
        matched[k] = bookmark
    if not outline and toc:
        # Without an outline, documents the 目录 does not list show only by their title lines.
        running: str | None = None
        for index in content:
            here = next((t for t, p in starts if p == index + 1), None)
            if here is not None:
                running = here
                continue
            title = _title_like(pages[index])
            if title is not None and not (running and _names_match(_split_number(running)[0], title)):
                starts.append((title, index + 1))
                running = title
    order = sorted(range(len(starts)), key=lambda s: starts[s][1])

    for k, entry in enumerate(toc):
        if k not in matched:
            finding(
                "toc_entry_not_found",
                f"目录第{entry.seq}项《{entry.title}》在卷内找不到",
                f"目录 entry {entry.seq} ({entry.title}) is not in the volume",
                page=entry.start,
                entry=entry.seq,
            )
            continue
        title, physical = starts[matched[k]]
        actual = stamps[physical - 1]
        if actual is not None and actual != entry.start:
            finding(
                "toc_page_mismatch",
                f"目录第{entry.seq}项《{entry.title}》页号为{entry.start}，实际起始页为第{actual}页",
                f"目录 entry {entry.seq} ({entry.title}) gives page {entry.start};"
                f" the document starts on page {actual}",
                page=actual,
                physical_page=physical,
                entry=entry.seq,
            )
    _check_ownership(pages, stamps, toc, starts, matched, end, documents, finding)
    listed = set(matched.values())
    if toc:
        for s in order:
            if s in listed:
                continue
            title, physical = starts[s]
            number = stamps[physical - 1]
            zh = f"第{number}页" if number is not None else f"PDF第{physical}页"
            en = f"page {number}" if number is not None else f"PDF page {physical}"
            finding(
                "document_not_in_toc",
                f"卷内文件《{title}》（{zh}）未列入目录",
                f"{title} ({en}) is in the volume but not in the 目录",
                page=stamps[physical - 1],
                physical_page=physical,
            )
    if toc and toc[-1].end is not None:
        last = next((stamps[i] for i in reversed(content) if stamps[i] is not None), None)
        if last is not None and toc[-1].end != last:
            finding(
                "toc_end_mismatch",
                f"目录末项（第{toc[-1].seq}项）止页为{toc[-1].end}，卷内最后一页页码为{last}",
                f"the last 目录 entry ({toc[-1].seq}) ends on page {toc[-1].end}; the last numbered page is {last}",
                page=last,
                entry=toc[-1].seq,
            )
    _active_findings(pdf, finding)
    seals: tuple[SealStatus, ...] = ()
    if verify is not None:
        seals = tuple(verify(pdf))
        _seal_findings(seals, finding)
    return VolumeCheck(
        ok=not findings,
        pages=count,
        toc=tuple(toc),
        stamps=tuple(stamps),
        starts=tuple((starts[s][0], starts[s][1], stamps[starts[s][1] - 1]) for s in order),
        findings=tuple(findings),
        seals=seals,
        sealed=None if verify is None else bool(seals) and all(x.ok for x in seals) and seals[-1].whole_file,
        rendered=rendered,
    )


def _active_findings(pdf: bytes, finding: Callable[..., None]) -> None:
    """安全性: scripts, actions, embedded files, XFA — the same detector that cleans evidence on upload
    and stops a volume being sealed (:mod:`.active`). One finding ``active_content`` per piece."""
    from .active import open_and_find

    try:
        found = open_and_find(pdf)
    except Exception as exc:  # pypdf read it, qpdf cannot: say so rather than pass it unchecked
        finding("active_content", "无法检查活动内容", f"active content cannot be checked: {exc}")
        return
    for item in found[:50]:
        page = _page_of(item.where)
        finding(
            "active_content",
            f"含有活动内容（{item.message_zh}）：{item.where}",
            f"active content ({item.message_en}) at {item.where}",
            physical_page=page,
        )


def _page_of(where: str) -> int | None:
    match = re.match(r"page (\d+)\b", where)
    return int(match.group(1)) if match else None


def _check_ownership(
    pages: Sequence[_Page],
    stamps: Sequence[int | None],
    toc: Sequence[TocEntry],
    starts: Sequence[tuple[str, int]],
    matched: dict[int, int],
    end: int,
    documents: DocumentSource | None,
    finding: Callable[..., None],
) -> None:
    """Every page of a listed document belongs to it: no page shows another 文号 where a document
    prints its own, and — where the archive keeps the document — each page reads as the archive's
    copy does (a page swapped in from another case's volume shows its own number, or other text)."""
    firsts = sorted({p for _, p in starts})
    for k, entry in enumerate(toc):
        if k not in matched:
            continue
        physical = starts[matched[k]][1]
        stop = next((p for p in firsts if p > physical), end + 1)  # 1-based first page after it
        span = range(physical - 1, min(stop - 1, end))
        if entry.number is not None:
            own = _fold(entry.number)
            for index in span:
                other = next((n for n in _number_lines(pages[index]) if _fold(n) != own), None)
                if other is not None:
                    finding(
                        "page_not_of_document",
                        f"{_where(stamps[index], index + 1)}载有文号{other}，不属于目录第{entry.seq}项"
                        f"《{entry.title}》",
                        f"PDF page {index + 1} shows the number {other}: not a page of 目录 entry {entry.seq}",
                        page=stamps[index],
                        physical_page=index + 1,
                        entry=entry.seq,
                    )
        stored = documents(entry) if documents is not None else None
        if stored is None:
            continue
        try:
            kept = _read_pages(stored, PdfReader(io.BytesIO(stored)))
        except Exception:  # the archive's copy unreadable: nothing to compare with
            continue
        if len(kept) != len(span):
            finding(
                "page_count_differs",
                f"目录第{entry.seq}项《{entry.title}》在卷内有{len(span)}页，存档原件为{len(kept)}页",
                f"目录 entry {entry.seq} has {len(span)} pages in the volume; the archived original {len(kept)}",
                page=entry.start,
                entry=entry.seq,
            )
        for offset, (index, original) in enumerate(zip(span, kept, strict=False)):
            if _page_text(pages[index]) != _page_text(original):
                finding(
                    "page_not_as_archived",
                    f"{_where(stamps[index], index + 1)}与存档的《{entry.title}》第{offset + 1}页不一致"
                    "（页面被替换或改动）",
                    f"PDF page {index + 1} differs from page {offset + 1} of the archived {entry.title}",
                    page=stamps[index],
                    physical_page=index + 1,
                    entry=entry.seq,
                )


def _check_sequence(stamps: Sequence[int | None], content: range, finding: Callable[..., None]) -> None:
    """Stamps must run 1, 2, 3 … over every stamped page (front matter too, when it is numbered).

    A content page without a stamp is reported once (``stamp_missing``): the next stamp may then
    either count that page or not. A repeat is ``stamp_duplicate``; any other jump is
    ``stamp_out_of_sequence`` at the page where it happens, and counting resumes from there."""
    seen: dict[int, int] = {}
    expected, slack = 1, 0
    for index, number in enumerate(stamps):
        if number is None:
            if index in content:
                slack += 1
            continue
        if number in seen:
            finding(
                "stamp_duplicate",
                f"页码{number}重复（PDF第{seen[number] + 1}页和第{index + 1}页）",
                f"page number {number} appears twice (PDF pages {seen[number] + 1} and {index + 1})",
                page=number,
                physical_page=index + 1,
            )
        elif not expected <= number <= expected + slack:
            finding(
                "stamp_out_of_sequence",
                f"PDF第{index + 1}页页码为{number}，应为{expected}",
                f"PDF page {index + 1} is numbered {number}, expected {expected}",
                page=number,
                physical_page=index + 1,
            )
        seen.setdefault(number, index)
        expected, slack = number + 1, 0
