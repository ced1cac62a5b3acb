"""``casefile check`` against a forger: real volumes, sealed with the test PKI, then tampered with the
way a reviewer fears — a page swapped in from another case's volume, a stamp whited out and
over-printed, the seal stripped or its revision cut off, the 备考表 dropped. Each must be reported,
with the page; the clean sealed volume must pass."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Callable

import pikepdf
import pytest
from anjuan.archive.casefile import check_volume as check_casefile
from anjuan.signing import SignatureSpec
from anjuan.signing.sealer import Sealer
from anjuan.templates import DocxRenderer
from anjuan.templates.convert import UnoPool
from anjuan.templates.volume import VolumeCheck, VolumeEntry, build_volume, check_volume
from anjuan.templates.volume import check as check_module

from tests.fixtures.pki import TestPki
from tests.fixtures.samples import sample_context
from tests.templates.test_volume import COVER, NOTES, sample_entries

pytestmark = pytest.mark.libreoffice

OTHER_NUMBER = "（晋临）应急罚〔2023〕47号"  # another case's decision


@pytest.fixture(scope="module")
def entries(converter_pool: UnoPool) -> list[VolumeEntry]:
    return sample_entries(converter_pool)


@pytest.fixture(scope="module")
def unsealed(entries: list[VolumeEntry], converter_pool: UnoPool) -> bytes:
    return build_volume(entries, COVER, NOTES, converter_pool).pdf


@pytest.fixture(scope="module")
def sealed(unsealed: bytes, test_pki: TestPki) -> bytes:
    return Sealer().seal(unsealed, [SignatureSpec(test_pki.organ_seal, "seal-organ")])


@pytest.fixture(scope="module")
def other_case(entries: list[VolumeEntry], converter_pool: UnoPool) -> bytes:
    """Another case's volume: its decision carries another 文号 (same form, same layout)."""
    context = sample_context("penalty_decision_org")
    context = dataclasses.replace(context, doc=dataclasses.replace(context.doc, number=OTHER_NUMBER))
    decision = converter_pool.convert(DocxRenderer().render("penalty_decision_org", context))
    other = [dataclasses.replace(entries[0], number=OTHER_NUMBER, pdf=decision), *entries[1:]]
    return build_volume(other, COVER, NOTES, converter_pool).pdf


def _edit(pdf: bytes, change: Callable[[pikepdf.Pdf], None]) -> bytes:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        change(doc)
        out = io.BytesIO()
        doc.save(out)
        return out.getvalue()


def _codes(report: VolumeCheck) -> list[str]:
    return [f.code for f in report.findings]


def _stamp_box(pdf: bytes, physical: int) -> tuple[float, float, float, float]:
    """Where the stamped page number of PDF page ``physical`` is printed (points, y up)."""
    pages = check_module._poppler_pages(pdf)
    assert pages is not None, "poppler's pdftotext is needed to find the stamp"
    width, height, runs = pages[physical - 1]
    (stamp, *_) = check_module._candidates(runs, width, height)
    return stamp.x, stamp.y, stamp.x2, stamp.top


def _draw(pdf: bytes, physical: int, content: Callable[[str, tuple[float, float, float, float]], str]) -> bytes:
    """Append drawing to a page's content (as a forger with pikepdf would), with Helvetica at hand."""
    box = _stamp_box(pdf, physical)

    def change(doc: pikepdf.Pdf) -> None:
        page = doc.pages[physical - 1]
        font = doc.make_indirect(
            pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica)
        )
        name = page.add_resource(font, pikepdf.Name.Font, prefix="Forged")
        page.contents_add(pikepdf.Stream(doc, content(str(name), box).encode()), prepend=False)

    return _edit(pdf, change)


def _white_box(box: tuple[float, float, float, float]) -> str:
    x1, y1, x2, y2 = box
    return f"q 1 1 1 rg {x1 - 3:.1f} {y1 - 3:.1f} {x2 - x1 + 6:.1f} {y2 - y1 + 6:.1f} re f Q\n"


def _number(font: str, box: tuple[float, float, float, float], text: str, mode: int = 0) -> str:
    x1, y1, _, _ = box
    return f"BT {font} 14 Tf {mode} Tr {x1:.1f} {y1 + 2:.1f} Td ({text}) Tj ET\n"


# --- the clean volume ---------------------------------------------------------------------------------


def test_the_clean_sealed_volume_passes(sealed: bytes, test_pki: TestPki) -> None:
    report = check_casefile(sealed, trust=[test_pki.root_cert_pem])
    assert report.ok, report.findings
    assert report.sealed is True and len(report.seals) == 1 and report.seals[0].ok
    assert report.rendered  # poppler drew the pages: hidden text would have been seen
    assert report.to_dict()["seals"][0]["ok"] is True


def test_an_untrusted_seal_fails(sealed: bytes) -> None:
    report = check_casefile(sealed, trust=[])
    assert _codes(report) == ["seal_invalid"] and report.sealed is False


# --- the seal stripped ---------------------------------------------------------------------------------


def test_a_stripped_signature_dictionary_is_reported(sealed: bytes, test_pki: TestPki) -> None:
    def strip(doc: pikepdf.Pdf) -> None:
        for page in doc.pages:
            if "/Annots" in page.obj:
                kept = [a for a in page.obj.Annots if a.get("/FT") != pikepdf.Name.Sig]
                page.obj.Annots = pikepdf.Array(kept)
        del doc.Root["/AcroForm"]
        if "/Perms" in doc.Root:
            del doc.Root["/Perms"]

    report = check_casefile(_edit(sealed, strip), trust=[test_pki.root_cert_pem])
    assert _codes(report) == ["volume_unsealed"] and report.sealed is False
    assert "签章" in report.findings[0].message_zh


def test_a_cut_off_incremental_update_is_reported(sealed: bytes, unsealed: bytes, test_pki: TestPki) -> None:
    """The seal was appended as an incremental update: cutting the file at the end of the revision
    before it gives back a volume that opens fine — and carries no seal."""
    end = sealed.find(b"%%EOF") + len(b"%%EOF")
    assert len(sealed) > end + 100, "the seal is an incremental update after the first revision"
    cut = sealed[: end + 1]
    assert check_volume(cut).ok  # as a volume it is in order …
    report = check_casefile(cut, trust=[test_pki.root_cert_pem])
    assert _codes(report) == ["volume_unsealed"]  # … but its seal is gone


# --- pages that are not what the 目录 says ----------------------------------------------------------


def test_a_page_from_another_cases_volume_is_reported(unsealed: bytes, other_case: bytes, sealed: bytes) -> None:
    """The 决定书's first page (PDF page 3, stamped 1) replaced by the same page of another case's
    volume: same form, same stamp — but another 文号."""

    def swap(doc: pikepdf.Pdf) -> None:
        with pikepdf.open(io.BytesIO(other_case)) as other:
            doc.pages[2] = other.pages[2]

    report = check_volume(_edit(unsealed, swap))
    (finding,) = [f for f in report.findings if f.code == "page_not_of_document"]
    assert (finding.physical_page, finding.page, finding.entry) == (3, 1, 1)
    assert OTHER_NUMBER in finding.message_zh and "第1页" in finding.message_zh
    assert check_volume(other_case).ok and check_volume(unsealed).ok  # each volume alone is in order


# --- stamps whited out and over-printed ------------------------------------------------------------------


def test_a_whited_out_stamp_with_a_new_number_is_reported(unsealed: bytes) -> None:
    """Page 2 (PDF page 4): a white box over the stamp, "5" printed on it. The old "2" is still in
    the text layer (text extraction reads it) — but nobody sees it."""
    forged = _draw(unsealed, 4, lambda font, box: _white_box(box) + _number(font, box, "5"))
    report = check_volume(forged)
    hidden = [f for f in report.findings if f.code == "hidden_text"]
    assert [f.physical_page for f in hidden] == [4] and "“2”" in hidden[0].message_zh
    assert report.stamps[3] == 5  # what the reader sees
    assert "stamp_out_of_sequence" in _codes(report)


def test_a_number_printed_over_the_stamp_is_reported(unsealed: bytes) -> None:
    forged = _draw(unsealed, 4, lambda font, box: _number(font, box, "7"))
    (finding,) = [f for f in check_volume(forged).findings if f.code == "stamp_overprinted"]
    assert finding.physical_page == 4 and "“2”" in finding.message_zh and "“7”" in finding.message_zh


def test_hidden_text_does_not_pass_for_a_stamp(unsealed: bytes) -> None:
    """The stamp whited out and the right number put back as invisible text (render mode 3): the
    page shows no number, and the invisible one must not count."""
    forged = _draw(unsealed, 4, lambda font, box: _white_box(box) + _number(font, box, "2", mode=3))
    report = check_volume(forged)
    assert report.stamps[3] is None
    assert {"hidden_text", "stamp_missing"} <= set(_codes(report))


# --- parts missing ----------------------------------------------------------------------------------------


def test_a_dropped_notes_page_or_cover_is_reported(unsealed: bytes) -> None:
    def drop_last(doc: pikepdf.Pdf) -> None:
        del doc.pages[-1]

    def drop_first(doc: pikepdf.Pdf) -> None:
        del doc.pages[0]

    assert _codes(check_volume(_edit(unsealed, drop_last))) == ["notes_missing"]
    assert _codes(check_volume(_edit(unsealed, drop_first))) == ["cover_missing"]
