"""Case-file volumes built from real rendered documents, then read back by ``check_volume`` the way
a reviewer checks any volume: a good one passes; each planted defect is named with its page."""

from __future__ import annotations

import datetime as dt
import io

import pikepdf
import pytest
from anjuan.templates import DocxRenderer
from anjuan.templates.convert import UnoPool
from anjuan.templates.volume import (
    CoverInfo,
    NotesInfo,
    Volume,
    VolumeEntry,
    VolumeOptions,
    attachment_pdf,
    build_volume,
    check_volume,
)

from tests.fixtures.samples import form_spec, sample_context, sample_number

FORMS = ("penalty_decision_org", "case_filing_approval", "inquiry_notice", "inquiry_record", "case_closing_approval")
COVER = CoverInfo("临汾市尧都区应急管理局", "测试案", "案由", "结果", None, None, "张伟", "", "", "永久", 0, 0)
NOTES = NotesInfo("说明", "张伟", "赵敏", dt.date(2026, 11, 23))


@pytest.fixture(scope="module")
def entries(converter_pool: UnoPool) -> list[VolumeEntry]:
    return sample_entries(converter_pool)


def sample_entries(converter_pool: UnoPool) -> list[VolumeEntry]:
    """Real rendered documents (sample fields) as volume entries."""
    renderer = DocxRenderer()
    out = []
    for form_id in FORMS:
        context = sample_context(form_id)
        pdf = converter_pool.convert(renderer.render(form_id, context))
        form = form_spec(form_id)
        out.append(
            VolumeEntry(
                title=form.name,
                number=sample_number(form) if form.numbered else None,
                responsible="临汾市尧都区应急管理局",
                date=dt.date(2026, 10, 15),
                pdf=pdf,
                key=form_id,
            )
        )
    return out


@pytest.fixture(scope="module")
def volume(entries: list[VolumeEntry], converter_pool: UnoPool) -> Volume:
    return build_volume(entries, COVER, NOTES, converter_pool)


def _edit(pdf: bytes, change: object) -> bytes:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        change(doc)  # type: ignore[operator]
        out = io.BytesIO()
        doc.save(out)
        return out.getvalue()


def test_a_built_volume_reads_back_clean(volume: Volume, entries: list[VolumeEntry]) -> None:
    report = check_volume(volume.pdf)
    assert report.ok, report.findings
    assert [e.seq for e in report.toc] == list(range(1, len(entries) + 1))
    assert [e.start for e in report.toc] == [p.start for p in volume.entries]
    assert report.toc[0].date == "2026-10-15" and report.toc[0].responsible == "临汾市尧都区应急管理局"
    last = volume.entries[-1]
    assert report.toc[-1].end == (last.end if last.end != last.start else None)
    assert report.stamps[:2] == (None, None) and report.stamps[2] == 1 and report.stamps[-1] is None
    assert [s for s in report.stamps if s is not None] == list(range(1, volume.content_pages + 1))


def test_without_an_outline_the_titles_are_found_in_the_text(volume: Volume) -> None:
    def drop_outline(doc: pikepdf.Pdf) -> None:
        del doc.Root["/Outlines"]

    report = check_volume(_edit(volume.pdf, drop_outline))
    assert report.ok, report.findings
    assert len(report.starts) == len(volume.entries)


def test_a_removed_page_breaks_the_sequence_and_the_toc(volume: Volume) -> None:
    third = volume.entries[2]

    def remove(doc: pikepdf.Pdf) -> None:
        del doc.pages[volume.entries[1].physical_start - 1]  # the 2nd document's first page

    report = check_volume(_edit(volume.pdf, remove))
    codes = {f.code for f in report.findings}
    assert "stamp_out_of_sequence" in codes
    wrong = [f for f in report.findings if f.code in ("toc_page_mismatch", "toc_entry_not_found")]
    assert any(f.entry == 2 for f in wrong) or any(f.entry == third.seq for f in wrong)


def test_a_page_without_a_stamp_and_a_repeated_stamp(volume: Volume, entries: list[VolumeEntry]) -> None:
    blank = pikepdf.new()
    blank.add_blank_page(page_size=(595.3, 841.9))
    insert_at = volume.entries[1].physical_start - 1

    def insert(doc: pikepdf.Pdf) -> None:
        doc.pages.insert(insert_at, blank.pages[0])

    report = check_volume(_edit(volume.pdf, insert))
    missing = [f for f in report.findings if f.code == "stamp_missing"]
    assert [f.physical_page for f in missing] == [insert_at + 1]

    def duplicate(doc: pikepdf.Pdf) -> None:
        doc.pages.insert(insert_at, doc.pages[insert_at - 1])

    report = check_volume(_edit(volume.pdf, duplicate))
    assert any(f.code == "stamp_duplicate" for f in report.findings)


def test_unlisted_and_missing_documents(volume: Volume, entries: list[VolumeEntry], converter_pool: UnoPool) -> None:
    extra = entries[2]

    def add_unlisted(doc: pikepdf.Pdf) -> None:
        with pikepdf.open(io.BytesIO(extra.pdf)) as source:
            at = len(doc.pages) - 1  # before the 备考表
            for page in source.pages:
                doc.pages.insert(at, page)
                at += 1
        with doc.open_outline() as outline:
            outline.root.insert(len(outline.root) - 1, pikepdf.OutlineItem("勘验笔录", len(doc.pages) - 2))

    report = check_volume(_edit(volume.pdf, add_unlisted))
    assert any(f.code == "document_not_in_toc" and "勘验笔录" in f.message_zh for f in report.findings)

    def remove_last_document(doc: pikepdf.Pdf) -> None:
        last = volume.entries[-1]
        for _ in range(last.pages):
            del doc.pages[last.physical_start - 1]
        with doc.open_outline() as outline:
            del outline.root[-2]

    report = check_volume(_edit(volume.pdf, remove_last_document))
    assert any(f.code == "toc_entry_not_found" and f.entry == len(entries) for f in report.findings)


def test_garbage_and_a_volume_without_toc() -> None:
    report = check_volume(b"not a pdf at all")
    assert not report.ok and [f.code for f in report.findings] == ["not_a_pdf"]
    _, photo_pdf, pages = attachment_pdf(_jpeg())
    report = check_volume(photo_pdf)
    assert pages == 1 and "toc_missing" in {f.code for f in report.findings}


def test_numbered_front_matter_and_bottom_stamps(entries: list[VolumeEntry], converter_pool: UnoPool) -> None:
    options = VolumeOptions(stamp_position="bottom-center", number_cover=True, number_toc=True)
    volume = build_volume(entries[:2], COVER, NOTES, converter_pool, options)
    assert volume.entries[0].start == 3  # cover and 目录 take pages 1 and 2
    report = check_volume(volume.pdf)
    assert report.stamps[0] == 1 and report.stamps[2] == 3
    assert not [f for f in report.findings if f.code.startswith("toc_page")], report.findings


def _jpeg() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (640, 480), (200, 100, 50)).save(out, format="JPEG")
    return out.getvalue()


def test_the_same_answer_without_poppler(volume: Volume, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where poppler is not installed the pure-Python reader gives the same result (only slower)."""
    from anjuan.templates.volume import check as module

    fast = check_volume(volume.pdf)
    monkeypatch.setattr(module, "_poppler_pages", lambda pdf: None)
    slow = check_volume(volume.pdf)
    assert slow.ok and fast.ok
    assert slow.stamps == fast.stamps and [e.start for e in slow.toc] == [e.start for e in fast.toc]
    assert [e.title for e in slow.toc] == [e.title for e in fast.toc]


def _numbered_records(converter_pool: UnoPool, count: int) -> list[VolumeEntry]:
    """``count`` one-page 询问笔录, each titled with its own 文号 (one conversion, split with pikepdf)."""
    from docx import Document
    from docx.enum.text import WD_BREAK

    document = Document()
    for n in range(1, count + 1):
        document.add_paragraph("询问笔录").alignment = 1
        document.add_paragraph(f"（晋临）应急询〔2026〕{n}号")
        document.add_paragraph(f"被询问人：王强。第{n}次询问，询问内容见下。")
        if n < count:
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    out = io.BytesIO()
    document.save(out)
    entries = []
    with pikepdf.open(io.BytesIO(converter_pool.convert(out.getvalue()))) as whole:
        assert len(whole.pages) == count
        for n, page in enumerate(whole.pages, start=1):
            single = pikepdf.new()
            single.pages.append(page)
            buffer = io.BytesIO()
            single.save(buffer)
            entries.append(
                VolumeEntry(
                    title="询问笔录",
                    number=f"（晋临）应急询〔2026〕{n}号",
                    responsible="临汾市尧都区应急管理局",
                    date=dt.date(2026, 11, 1),
                    pdf=buffer.getvalue(),
                    key=f"document:{n}",
                )
            )
    return entries


def test_a_toc_that_exactly_fills_its_page_leaves_no_blank_page(converter_pool: UnoPool) -> None:
    """15 rows fill the 目录's page to the last line (16 need a second page). The 备考表 starts a new
    page by its heading, so no empty paragraph spills onto an unnumbered blank page after the 目录."""
    entries = _numbered_records(converter_pool, 16)
    full = build_volume(entries[:15], COVER, NOTES, converter_pool)
    assert full.toc_pages == (2,) and full.pages == 1 + 1 + 15 + 1
    report = check_volume(full.pdf)
    assert report.ok, report.findings
    assert report.stamps == (None, None, *range(1, 16), None)
    over = build_volume(entries, COVER, NOTES, converter_pool)
    assert over.toc_pages == (2, 3) and over.pages == 1 + 2 + 16 + 1  # the 16th row is what overflows
    assert check_volume(over.pdf).ok
