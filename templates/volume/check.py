"""目录与页码核对: check any case-file PDF the way a reviewer does — made by anjuan or not.

The 卷内目录 is read back from the page (its table, by the positions of the text under the column
headings 序号 | 文件名称及编号 | 责任者 | 日期 | 页号 | 备注), the stamped page number of every page from
the margin bands, and where each document really starts from the outline or, failing that, from
the document titles at the top of the pages. Then every 页号 is compared with the stamp of the page
where its document starts, the stamps are checked to run 1, 2, 3 … without gaps or repeats, and
documents and 目录 entries are matched both ways.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import asdict, dataclass
from typing import Any

from pypdf import PdfReader
from pypdf.errors import PdfReadError

__all__ = ["TocEntry", "VolumeCheck", "VolumeFinding", "check_volume"]


@dataclass(frozen=True)
class TocEntry:  # one row of the 卷内目录
    seq: int  # 序号
    title: str  # 文件名称及编号 as read (whitespace removed)
    number: str | None  # 文号 recognised in the title cell
    responsible: str  # 责任者
    date: str | None  # YYYY-MM-DD
    start: int  # 页号 (start)
    end: int | None  # 止 page of a 起-止 entry
    remark: str
    toc_page: int  # physical page (1-based) the row was read from


@dataclass(frozen=True)
class VolumeFinding:
    code: str
    message_zh: str
    message_en: str
    page: int | None = None  # stamped page number concerned
    physical_page: int | None = None  # 1-based PDF page
    entry: int | None = None  # 序号 of the 目录 entry


@dataclass(frozen=True)
class VolumeCheck:
    ok: bool
    pages: int
    toc: tuple[TocEntry, ...]
    stamps: tuple[int | None, ...]
    starts: tuple[tuple[str, int, int | None], ...]  # (title, physical page, stamped page)
    findings: tuple[VolumeFinding, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "pages": self.pages,
            "toc": [asdict(e) for e in self.toc],
            "stamps": list(self.stamps),
            "starts": [{"title": t, "physical_page": p, "page": s} for t, p, s in self.starts],
            "findings": [asdict(f) for f in self.findings],
        }


@dataclass(frozen=True)
class _Run:
    text: str
    x: float
    y: float  # from the bottom of the page, as in PDF space
    x2: float | None = None  # right edge, when the reader knows it


# 文号: （晋临）应急罚〔2026〕1号 — the bracket group right before the 代字 (not 行政处罚决定书（单位）'s).
_NUMBER = re.compile(r"[（(][^（）()]{1,8}[）)][^（）()〔\[]{0,12}[〔\[]\d{4}[〕\]]\d*号?(?:-\d+)?")
_DATE = re.compile(r"(\d{4})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*日?")
_PAGES = re.compile(r"^(\d{1,4})(?:[-–—~至](\d{1,4}))?$")
_STAMP = re.compile(r"^\d{1,4}$")
_HEADINGS = {
    "toc": ("卷内目录", "卷内文件目录"),
    "notes": ("卷内备考表", "备考表"),
    "cover": ("案卷首页", "案卷封面", "封面"),
}
_HEADING_WORDS = {
    "序",
    "号",
    "序号",
    "文件名称及编号",
    "文件名称",
    "题名",
    "文号",
    "责任者",
    "日期",
    "页号",
    "页次",
    "备",
    "注",
    "备注",
}
_FRONT_OUTLINE = ("案卷首页", "卷内目录", "卷内备考表", "封面", "卷内文件目录", "备考表")


def _squash(text: str) -> str:
    """Compare text the way a reader does: no whitespace, full-width brackets folded to ASCII."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def _runs(page: Any) -> list[_Run]:
    runs: list[_Run] = []

    def visit(text: str, cm: list[float], tm: list[float], _font: Any, _size: Any) -> None:
        if not text.strip():
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        runs.append(_Run(text.strip(), x, y))

    page.extract_text(visitor_text=visit)
    return runs


_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>|'
    r'<page width="([\d.]+)" height="([\d.]+)">'
)


def _poppler_pages(pdf: bytes) -> list[tuple[float, float, list[_Run]]] | None:
    """Every page's words with their boxes from poppler's ``pdftotext -bbox`` (C++: a 120-page volume
    in ~30 ms, where reading positions with pypdf takes over a second). None if poppler is absent."""
    import html
    import shutil
    import subprocess
    import tempfile

    exe = shutil.which("pdftotext")
    if exe is None:
        return None
    with tempfile.NamedTemporaryFile(suffix=".pdf") as tmp:
        tmp.write(pdf)
        tmp.flush()
        result = subprocess.run([exe, "-bbox", "-q", tmp.name, "-"], capture_output=True, timeout=120)
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
                # baseline-ish y from the bottom: the box's lower edge
                pages[-1][2].append(_Run(text, float(match[1]), height - float(match[4]), float(match[3])))
    return pages


def _stamp(runs: list[_Run], width: float, height: float) -> int | None:
    """The page number: an integer alone in the top or bottom tenth of the page, nearest an edge."""
    band = height * 0.10
    candidates = [r for r in runs if _STAMP.match(r.text) and (r.y > height - band or r.y < band)]
    if not candidates:
        return None
    best = min(candidates, key=lambda r: min(height - r.y, r.y))
    return int(best.text)


def _top_text(runs: list[_Run], height: float) -> str:
    """The text of the upper third of a page, top first (where a document's title is)."""
    top = [r for r in runs if r.y > height * 0.6]
    return _squash("".join(r.text for r in sorted(top, key=lambda r: (-round(r.y), r.x))))


def _kind(runs: list[_Run], height: float) -> str | None:
    text = _top_text(runs, height)[:40]
    for kind, words in _HEADINGS.items():
        if any(_squash(w) in text for w in words):
            return kind
    return None


def _width(text: str, size: float = 12.0) -> float:
    """Rough advance width: CJK glyphs are square, Latin and digits about half as wide."""
    return sum(size if unicodedata.east_asian_width(c) in "WF" else size * 0.5 for c in text)


def _center(run: _Run) -> float:
    return (run.x + run.x2) / 2 if run.x2 is not None else run.x + _width(run.text) / 2


def _columns(runs: list[_Run]) -> list[tuple[str, float]] | None:
    """Column centres (x) from the heading row of the 目录 table (headings are usually centred)."""
    labels = {
        "seq": ("序号", "序"),
        "title": ("文件名称", "题名"),
        "responsible": ("责任者",),
        "date": ("日期",),
        "pages": ("页号", "页次"),
        "remark": ("备注", "备"),
    }
    found: dict[str, float] = {}
    for key, words in labels.items():
        for run in runs:
            squashed = _squash(run.text)
            if any(squashed.startswith(w) for w in words) and key not in found:
                found[key] = _center(run)
                break
    if not {"seq", "title", "pages"} <= set(found):
        return None
    return sorted(found.items(), key=lambda kv: kv[1])


def _read_toc(runs: list[_Run], physical: int) -> list[TocEntry]:
    columns = _columns(runs)
    if columns is None:
        return []
    # The heading row may wrap (序/号, 备/注): the body starts below its lowest heading word.
    top = max(r.y for r in runs if any(_squash(r.text).startswith(w) for w in ("序号", "序", "文件名称")))
    heading = [r for r in runs if _squash(r.text) in _HEADING_WORDS and top - 30 <= r.y <= top + 2]
    body = [r for r in runs if r.y < min(r.y for r in heading) - 2]

    # A cell belongs to the column whose heading centre is nearest (boundaries half-way between).
    bounds = [(columns[i][1] + columns[i + 1][1]) / 2 for i in range(len(columns) - 1)]
    if columns[0][0] == "seq":
        # The 序号 column is narrow and the title column wide: half-way between their heading centres
        # falls inside the titles. The boundary is just right of the 序号 numbers themselves.
        numbers = [r for r in body if _STAMP.match(r.text) and abs(_center(r) - columns[0][1]) <= 12]
        if numbers:
            bounds[0] = max(r.x + _width(r.text) for r in numbers) + 4

    def column(run: _Run) -> str:
        centre = _center(run)
        return columns[sum(1 for b in bounds if centre > b)][0]

    starts = sorted((r for r in body if column(r) == "seq" and _STAMP.match(r.text)), key=lambda r: -r.y)
    # Rows end half-way to the next 序号: works for cells centred vertically and for top-aligned
    # cells of up to two lines.
    edges = [(starts[i].y + starts[i + 1].y) / 2 for i in range(len(starts) - 1)]
    entries: list[TocEntry] = []
    for index, start in enumerate(starts):
        upper = edges[index - 1] if index > 0 else float("inf")
        lower = edges[index] if index < len(edges) else float("-inf")
        cells: dict[str, list[_Run]] = {}
        for run in body:
            if lower < run.y <= upper and run is not start:
                cells.setdefault(column(run), []).append(run)

        def text(key: str, cells: dict[str, list[_Run]] = cells) -> str:
            return _squash("".join(r.text for r in sorted(cells.get(key, []), key=lambda r: (-round(r.y), r.x))))

        pages = _PAGES.match(text("pages").replace("－", "-"))
        if pages is None:
            continue
        title = text("title")
        number = _NUMBER.search(title)
        date = _DATE.search(text("date"))
        entries.append(
            TocEntry(
                seq=int(start.text),
                title=title,
                number=number.group(0) if number else None,
                responsible=text("responsible"),
                date=f"{int(date[1]):04d}-{int(date[2]):02d}-{int(date[3]):02d}" if date else None,
                start=int(pages[1]),
                end=int(pages[2]) if pages[2] else None,
                remark=text("remark"),
                toc_page=physical,
            )
        )
    return entries


def _name_part(title: str) -> str:
    """文件名称 without its 文号: what a document's own first page shows as its title."""
    match = _NUMBER.search(title)
    return title[: match.start()] if match else title


def _outline_starts(reader: PdfReader) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    try:
        for item in reader.outline:
            if isinstance(item, list):  # nested items: the documents are the top level
                continue
            title = _squash(str(item.title))
            if any(title.startswith(_squash(w)) for w in _FRONT_OUTLINE):
                continue
            out.append((title, reader.get_destination_page_number(item) + 1))
    except (PdfReadError, KeyError, TypeError, AttributeError):
        return []
    return out


def _same(a: str, b: str) -> bool:
    a, b = _squash(a), _squash(b)
    return a == b or a.startswith(b) or b.startswith(a)


def check_volume(pdf: bytes) -> VolumeCheck:
    findings: list[VolumeFinding] = []

    def finding(code: str, zh: str, en: str, **where: Any) -> None:
        findings.append(VolumeFinding(code, zh, en, **where))

    try:
        reader = PdfReader(io.BytesIO(pdf))
        page_count = len(reader.pages)
    except Exception as exc:
        finding("not_a_pdf", "文件不是可读取的PDF", f"not a readable PDF: {exc}")
        return VolumeCheck(False, 0, (), (), (), tuple(findings))

    kinds: list[str | None] = []
    stamps: list[int | None] = []
    tops: list[str] = []
    toc: list[TocEntry] = []
    poppler = _poppler_pages(pdf)
    if poppler is not None and len(poppler) != page_count:
        poppler = None
    for index, page in enumerate(reader.pages):
        if poppler is not None:
            width, height, runs = poppler[index]
        else:
            box = page.mediabox
            width, height = float(box.width), float(box.height)
            try:
                runs = _runs(page)
            except Exception:  # a damaged page reads as empty; its missing stamp is reported below
                runs = []
        kind = _kind(runs, height)
        if kind == "cover" and index > 0:
            kind = None
        kinds.append(kind)
        stamps.append(_stamp(runs, width, height))
        tops.append(_top_text(runs, height))
        if kind == "toc" or (kind is None and index > 0 and kinds[index - 1] == "toc" and _columns(runs)):
            kinds[index] = "toc"
            toc.extend(_read_toc(runs, index + 1))
    if not toc:
        finding("toc_missing", "未找到卷内目录", "no 卷内目录 (table of contents) found")

    # Content pages: after the 目录, before the 备考表.
    after_toc = max((i for i, k in enumerate(kinds) if k == "toc"), default=-1) + 1
    notes = [i for i, k in enumerate(kinds) if k == "notes" and i >= after_toc]
    end = notes[0] if notes else page_count
    content = range(after_toc, end)
    for index in content:
        if stamps[index] is None:
            finding(
                "stamp_missing",
                f"第{index + 1}页（PDF页）没有页码",
                f"PDF page {index + 1} carries no page number",
                physical_page=index + 1,
            )
    seen: dict[int, int] = {}
    expected: int | None = None
    for index in content:
        number = stamps[index]
        if number is None:
            if expected is not None:
                expected += 1
            continue
        if number in seen:
            finding(
                "stamp_duplicate",
                f"页码{number}重复（PDF第{seen[number] + 1}页和第{index + 1}页）",
                f"page number {number} appears twice (PDF pages {seen[number] + 1} and {index + 1})",
                page=number,
                physical_page=index + 1,
            )
        elif expected is not None and number != expected:
            finding(
                "stamp_out_of_sequence",
                f"PDF第{index + 1}页页码为{number}，应为{expected}",
                f"PDF page {index + 1} is numbered {number}, expected {expected}",
                page=number,
                physical_page=index + 1,
            )
        seen.setdefault(number, index)
        expected = number + 1

    # Where documents really start: the outline, else titles at the top of content pages.
    starts: list[tuple[str, int]] = [(t, p) for t, p in _outline_starts(reader) if after_toc < p <= end]
    if not starts and toc:
        cursor = after_toc
        for entry in toc:
            name = _squash(_name_part(entry.title))[:12]
            hit = next((i for i in range(cursor, end) if name and name in tops[i][: len(name) + 60]), None)
            if hit is not None:
                starts.append((entry.title, hit + 1))
                cursor = hit + 1
    matched: set[int] = set()
    for entry in toc:
        index = next(
            (
                i
                for i, (title, _) in enumerate(starts)
                if i not in matched
                and _same(_name_part(title), _name_part(entry.title))
                and (entry.number is None or _squash(entry.number) in _squash(title) or _NUMBER.search(title) is None)
            ),
            None,
        )
        if index is None:
            finding(
                "toc_entry_not_found",
                f"目录第{entry.seq}项《{entry.title}》在卷内找不到",
                f"目录 entry {entry.seq} ({entry.title}) is not in the volume",
                page=entry.start,
                entry=entry.seq,
            )
            continue
        matched.add(index)
        physical = starts[index][1]
        actual = stamps[physical - 1]
        if actual != entry.start:
            finding(
                "toc_page_mismatch",
                f"目录第{entry.seq}项《{entry.title}》页号为{entry.start}，实际起始页为{actual}",
                f"目录 entry {entry.seq} ({entry.title}) says page {entry.start}; it starts on page {actual}",
                page=actual,
                physical_page=physical,
                entry=entry.seq,
            )
    for index, (title, physical) in enumerate(starts):
        if index not in matched and toc:
            finding(
                "document_not_in_toc",
                f"卷内文件《{title}》（第{stamps[physical - 1]}页）未列入目录",
                f"{title} (page {stamps[physical - 1]}) is in the volume but not in the 目录",
                page=stamps[physical - 1],
                physical_page=physical,
            )
    if toc and toc[-1].end is not None:
        last = max((s for s in (stamps[i] for i in content) if s is not None), default=None)
        if last is not None and toc[-1].end != last:
            finding(
                "toc_end_mismatch",
                f"目录末项止页为{toc[-1].end}，卷内最后一页页码为{last}",
                f"the last 目录 entry ends on page {toc[-1].end}; the last numbered page is {last}",
                page=last,
                entry=toc[-1].seq,
            )
    return VolumeCheck(
        ok=not findings,
        pages=page_count,
        toc=tuple(toc),
        stamps=tuple(stamps),
        starts=tuple((t, p, stamps[p - 1]) for t, p in starts),
        findings=tuple(findings),
    )
