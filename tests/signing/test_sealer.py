"""Sealing: the seal anchor, PAdES signatures as incremental updates, PDF/A kept, levels B-B … B-LTA.

Every sealed document is checked twice: by anjuan's ``verify_pdf`` (pyHanko) and by poppler's
``pdfsig`` with the test root trusted in an NSS database. Real LibreOffice renditions of the templates
are used (the session's converter pool), so the anchor and the PDF/A identification are the real ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import http.server
import io
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from anjuan.signing import (
    SEAL_ANCHOR,
    Placement,
    Sealer,
    SealingError,
    SealOptions,
    SealRole,
    SignatureSpec,
    VerificationReport,
    draw_seal,
    find_seal_anchor,
    issue_certificate,
    libreoffice_destination_name,
    seal_pdf,
    verify_pdf,
)
from anjuan.templates import DocxRenderer
from anjuan.templates.convert import UnoPool
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from PIL import Image
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from tests.fixtures.pdfsig import PdfSig
from tests.fixtures.pki import BUREAU, TestPki
from tests.fixtures.samples import sample_context
from tests.fixtures.tsa import TestTsa

pytestmark = pytest.mark.libreoffice

FORM = "penalty_decision_org"  # 行政处罚决定书（单位）: two pages, the seal block on page 2
_MM = 72 / 25.4


# -- shared helpers (imported by test_verify) ----------------------------------------------------------


_RENDITIONS: dict[tuple[str, bool], bytes] = {}


def rendition(pool: UnoPool, form: str = FORM, *, pdfa: bool = True) -> bytes:
    """The unsigned PDF of a template with sample values (converted once per session)."""
    key = (form, pdfa)
    if key not in _RENDITIONS:
        docx_bytes = DocxRenderer().render(form, sample_context(form))
        _RENDITIONS[key] = pool.convert(docx_bytes, pdfa=pdfa)
    return _RENDITIONS[key]


def seal_png(role: SealRole = SealRole.enforcement) -> bytes:
    return draw_seal(BUREAU, role=role)


def three_signatures(pki: TestPki) -> list[SignatureSpec]:
    """Two officers (承办人, invisible) and the 行政执法专用章 (visible, at the anchor), in that order."""
    return [
        SignatureSpec(pki.officers[0], "officer-1", reason="承办人"),
        SignatureSpec(pki.officers[1], "officer-2", reason="承办人"),
        SignatureSpec(pki.enforcement_seal, "seal-enforcement", image=seal_png(), reason="行政执法专用章"),
    ]


def pdfa_identification(pdf: bytes) -> tuple[str | None, str | None]:
    """(pdfaid:part, pdfaid:conformance) from the XMP metadata (element or attribute form)."""
    root = PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    if "/Metadata" not in root:
        return None, None
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8", "replace")

    def find(key: str) -> str | None:
        match = re.search(rf"pdfaid:{key}(?:>([^<]+)<|=\"([^\"]+)\")", xmp)
        return (match.group(1) or match.group(2)).strip() if match else None

    return find("part"), find("conformance")


def assert_all_good(report: VerificationReport) -> None:
    assert report.problems == ()
    for sig in report.signatures:
        assert (sig.intact, sig.valid, sig.trusted, sig.problems) == (True, True, True, ()), sig
    assert report.ok


# -- fixtures ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def unsigned(converter_pool: UnoPool) -> bytes:
    return rendition(converter_pool)


@pytest.fixture(scope="module")
def sealer() -> Sealer:
    return Sealer(SealOptions())


# -- anchor ------------------------------------------------------------------------------------------


def test_libreoffice_mangles_bookmark_names_into_destinations() -> None:
    assert libreoffice_destination_name("anjuan_seal") == "anjuan5Fseal"
    assert libreoffice_destination_name("Seal-1") == "Seal-1"


def test_anchor_of_the_template_is_over_the_organisation_name_and_date(unsigned: bytes) -> None:
    placement = find_seal_anchor(unsigned, size_mm=42)
    assert placement is not None
    reader = PdfReader(io.BytesIO(unsigned))
    assert placement.page == len(reader.pages) - 1 == 1  # the seal block ends the document
    x1, y1, x2, y2 = placement.box
    assert x2 - x1 == pytest.approx(42 * _MM, abs=0.1) and y2 - y1 == pytest.approx(42 * _MM, abs=0.1)
    # centred over the right part of the text area (templates: 45 % indent, margins 28/26 mm)
    assert (x1 + x2) / 2 == pytest.approx((28 + 0.45 * 156 + 184) / 2 * _MM, abs=1)
    # and over the text that is there: the organisation name over the date (压年盖月)
    page = reader.pages[placement.page]
    hits: list[tuple[str, float, float]] = []
    page.extract_text(visitor_text=lambda t, _cm, tm, _fd, _fs: hits.append((t, tm[4], tm[5])) if t.strip() else None)
    [(_, org_x, org_y)] = [h for h in hits if "应急管理局" in h[0] and h[2] < 500]
    date_y = max(y for t, _x, y in hits if "年" in t)
    assert y1 < date_y < org_y < y2
    assert org_x < (x1 + x2) / 2 < org_x + 11 * 15  # the centre falls inside the (centred) name line


def test_anchor_from_any_docx_bookmark(converter_pool: UnoPool) -> None:
    document = docx.Document()
    for _ in range(3):
        document.add_paragraph("正文。" * 20)
    para = document.add_paragraph("某某县应急管理局")
    para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    start, end = OxmlElement("w:bookmarkStart"), OxmlElement("w:bookmarkEnd")
    start.set(qn("w:id"), "7")
    start.set(qn("w:name"), "seal-here")
    end.set(qn("w:id"), "7")
    para._p.insert(0, start)
    para._p.append(end)
    out = io.BytesIO()
    document.save(out)
    pdf = converter_pool.convert(out.getvalue())
    placement = find_seal_anchor(pdf, "seal-here", size_mm=30)
    assert placement is not None and placement.page == 0
    x1, y1, x2, _y2 = placement.box
    assert x2 - x1 == pytest.approx(30 * _MM, abs=0.1)
    assert y1 > 300  # near the top: the fourth paragraph of a short page
    assert find_seal_anchor(pdf, SEAL_ANCHOR) is None  # no such bookmark


def test_no_anchor_in_a_pdf_without_destinations() -> None:
    assert find_seal_anchor(_plain_pdf()) is None


def _plain_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


# -- sealing -----------------------------------------------------------------------------------------


def test_one_seal_is_valid_trusted_and_covers_the_file(
    unsigned: bytes, sealer: Sealer, test_pki: TestPki, pdfsig: PdfSig
) -> None:
    sealed = sealer.seal(unsigned, [SignatureSpec(test_pki.organ_seal, "seal-organ", image=seal_png(SealRole.organ))])
    assert sealed.startswith(unsigned)  # an incremental update: nothing before it was rewritten

    report = verify_pdf(sealed, trust_roots=[test_pki.root_cert])
    assert_all_good(report)
    [sig] = report.signatures
    assert (sig.field_name, sig.signer, sig.role) == ("seal-organ", BUREAU, SealRole.organ)
    assert "OU=机关印章" in sig.signer_subject
    assert sig.covers_whole_file and sig.modification_level == "NONE"
    assert sig.certification == "FILL_FORMS" and sig.revision == 1
    assert sig.revision_sha256 == hashlib.sha256(sealed).hexdigest() == report.sha256
    assert sig.signing_time is not None and sig.timestamp_time is None

    [entry] = pdfsig(sealed)
    assert entry.field_name == "seal-organ" and entry.signer == BUREAU
    assert entry.signature_type == "ETSI.CAdES.detached"
    assert entry.signature_valid, entry.raw
    assert entry.certificate_trusted, entry.raw
    assert entry.total_document_signed


def test_two_officers_and_the_seal_in_order_first_certifies(
    unsigned: bytes, sealer: Sealer, test_pki: TestPki, pdfsig: PdfSig
) -> None:
    sealed = sealer.seal(unsigned, three_signatures(test_pki))
    report = verify_pdf(sealed, trust_roots=[test_pki.root_cert])
    assert_all_good(report)
    sigs = report.signatures
    assert [s.field_name for s in sigs] == ["officer-1", "officer-2", "seal-enforcement"]
    assert [s.signer for s in sigs] == ["张伟", "刘洋", BUREAU]
    assert [s.role for s in sigs] == [SealRole.officer, SealRole.officer, SealRole.enforcement]
    assert [s.revision for s in sigs] == [1, 2, 3]
    assert [s.certification for s in sigs] == ["FILL_FORMS", None, None]
    assert [s.covers_whole_file for s in sigs] == [False, False, True]
    # signing the prescribed, pre-created fields is form filling — allowed by the certification
    assert [s.modification_level for s in sigs] == ["FORM_FILLING", "FORM_FILLING", "NONE"]
    assert sigs[-1].revision_sha256 == hashlib.sha256(sealed).hexdigest()
    # each earlier revision hash is a prefix of the file: "an earlier revision of a document we issued"
    prefixes = {hashlib.sha256(sealed[: m.end()]).hexdigest() for m in re.finditer(rb"%%EOF\r?\n?", sealed)}
    assert {s.revision_sha256 for s in sigs} <= prefixes

    entries = pdfsig(sealed)
    assert [e.field_name for e in entries] == ["officer-1", "officer-2", "seal-enforcement"]
    assert all(e.signature_valid and e.certificate_trusted for e in entries), [e.raw for e in entries]
    assert [e.total_document_signed for e in entries] == [False, False, True]


def test_officer_signatures_are_invisible_and_the_seal_sits_at_the_anchor(
    unsigned: bytes, sealer: Sealer, test_pki: TestPki, tmp_path: Path
) -> None:
    sealed = sealer.seal(unsigned, three_signatures(test_pki))
    reader = PdfFileReader(io.BytesIO(sealed))
    widgets = {str(w.get_object()["/T"]): w.get_object() for w in reader.root["/AcroForm"]["/Fields"]}
    assert [float(v) for v in widgets["officer-1"]["/Rect"]] == [0, 0, 0, 0]
    anchor = find_seal_anchor(unsigned)
    assert anchor is not None
    rect = [float(v) for v in widgets["seal-enforcement"]["/Rect"]]
    assert rect == pytest.approx(list(anchor.box), abs=1)
    for widget in widgets.values():  # PDF/A: print flag on, hidden off
        assert int(widget["/F"]) & 4 and not int(widget["/F"]) & 2


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm is not installed (poppler-utils)")
def test_the_red_seal_is_drawn_over_the_name_and_date(
    unsigned: bytes, sealer: Sealer, test_pki: TestPki, tmp_path: Path
) -> None:
    sealed = sealer.seal(unsigned, three_signatures(test_pki))
    anchor = find_seal_anchor(unsigned)
    assert anchor is not None
    source = tmp_path / "sealed.pdf"
    source.write_bytes(sealed)
    page = anchor.page + 1
    subprocess.run(
        ["pdftoppm", "-r", "50", "-png", "-f", str(page), "-l", str(page), str(source), str(tmp_path / "page")],
        check=True,
    )
    [png] = sorted(tmp_path.glob("page*.png"))
    image = Image.open(png).convert("RGB")
    scale = 50 / 72
    height_pt = image.height / scale

    def red_pixels(box: tuple[float, float, float, float]) -> int:
        x1, y1, x2, y2 = box  # PDF points, origin bottom left
        count = 0
        for x in range(int(x1 * scale), int(x2 * scale)):
            for y in range(int((height_pt - y2) * scale), int((height_pt - y1) * scale)):
                r, g, b = image.getpixel((x, y))
                count += r > 150 and g < 110 and b < 110
        return count

    x1, y1, x2, y2 = anchor.box
    area = (x2 - x1) * (y2 - y1) * scale * scale
    assert red_pixels(anchor.box) > 0.08 * area  # the ring, star and text of the seal
    assert red_pixels((0, y2 + 20, 595, height_pt)) == 0  # nothing red above it
    assert red_pixels((0, 0, x1 - 20, y2)) == 0  # nor to its left
    # and without the seal there is no red at all
    (tmp_path / "unsigned.pdf").write_bytes(unsigned)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            "50",
            "-png",
            "-f",
            str(page),
            "-l",
            str(page),
            str(tmp_path / "unsigned.pdf"),
            str(tmp_path / "bare"),
        ],
        check=True,
    )
    [bare] = sorted(tmp_path.glob("bare*.png"))
    image = Image.open(bare).convert("RGB")
    assert red_pixels(anchor.box) == 0


def test_pdfa_identification_survives_sealing(converter_pool: UnoPool, sealer: Sealer, test_pki: TestPki) -> None:
    pdfa = rendition(converter_pool, pdfa=True)
    assert pdfa_identification(pdfa) == ("2", "B")
    sealed = sealer.seal(pdfa, three_signatures(test_pki))
    assert pdfa_identification(sealed) == ("2", "B")
    version = PdfFileReader(io.BytesIO(sealed)).root.get("/Version")
    assert version in (None, "/1.7")  # never 2.0 (PDF/A-2 is based on PDF 1.7)
    plain = rendition(converter_pool, pdfa=False)
    assert pdfa_identification(sealer.seal(plain, three_signatures(test_pki))) == (None, None)


def test_every_core_form_with_a_seal_block_seals_and_verifies(
    converter_pool: UnoPool, sealer: Sealer, test_pki: TestPki, pdfsig: PdfSig
) -> None:
    for form in ("rectification_order", "case_filing_approval"):
        pdf = rendition(converter_pool, form)
        assert find_seal_anchor(pdf) is not None, form
        sealed = sealer.seal(pdf, [SignatureSpec(test_pki.organ_seal, "seal-organ", image=seal_png(SealRole.organ))])
        assert_all_good(verify_pdf(sealed, trust_roots=[test_pki.root_cert]))
        [entry] = pdfsig(sealed)
        assert entry.signature_valid and entry.certificate_trusted and entry.total_document_signed, entry.raw


def test_explicit_placement_and_missing_anchor(converter_pool: UnoPool, sealer: Sealer, test_pki: TestPki) -> None:
    pdf = rendition(converter_pool, "inquiry_record")  # 询问笔录: signed by people, no seal block
    assert find_seal_anchor(pdf) is None
    spec = SignatureSpec(test_pki.organ_seal, "seal-organ", image=seal_png(SealRole.organ))
    with pytest.raises(SealingError) as err:
        sealer.seal(pdf, [spec])
    assert err.value.code == "no_seal_anchor"
    placed = SignatureSpec(
        test_pki.organ_seal, "seal-organ", image=seal_png(SealRole.organ), placement=Placement(0, (400, 100, 519, 219))
    )
    assert_all_good(verify_pdf(sealer.seal(pdf, [placed]), trust_roots=[test_pki.root_cert]))


def test_b_t_carries_a_trusted_signature_timestamp(
    unsigned: bytes, test_pki: TestPki, test_tsa: TestTsa, pdfsig: PdfSig
) -> None:
    sealer = Sealer(SealOptions(level="B-T", timestamper=test_tsa.timestamper))
    sealed = sealer.seal(unsigned, three_signatures(test_pki))
    report = verify_pdf(sealed, trust_roots=[test_pki.root_cert])
    assert_all_good(report)
    for sig in report.signatures:
        assert sig.timestamp_time is not None and sig.signing_time is not None
        assert abs((sig.timestamp_time - sig.signing_time).total_seconds()) < 60
    entries = pdfsig(sealed)
    assert all(e.signature_valid and e.certificate_trusted for e in entries), [e.raw for e in entries]


@pytest.mark.parametrize("level", ["B-LT", "B-LTA"])
def test_b_lt_embeds_revocation_info_and_b_lta_adds_a_document_timestamp(
    unsigned: bytes, test_pki: TestPki, test_tsa: TestTsa, level: str, pdfsig: PdfSig
) -> None:
    # Offline: the revocation information is a CRL of the test root made here, handed over in the
    # validation context (in production: fetched from the CRL/OCSP URLs in the certificates).
    context = ValidationContext(
        trust_roots=[test_pki.root_cert], crls=[test_tsa.crl()], allow_fetching=False, revocation_mode="hard-fail"
    )
    options = SealOptions(
        level=level,  # type: ignore[arg-type]
        timestamper=test_tsa.timestamper,
        trust_roots=(test_pki.root_cert,),
        validation_context=context,
    )
    sealed = Sealer(options).seal(unsigned, three_signatures(test_pki))
    reader = PdfFileReader(io.BytesIO(sealed))
    dss = reader.root["/DSS"]
    assert len(dss["/CRLs"]) >= 1 and len(dss["/Certs"]) >= 1
    report = verify_pdf(sealed, trust_roots=[test_pki.root_cert])
    assert report.ok, report
    names = [s.field_name for s in report.signatures]
    if level == "B-LTA":
        assert names[-1] == "anjuan-archive-timestamp" and report.signatures[-1].role is None
        assert report.signatures[-1].timestamp_time is not None
    else:
        assert names == ["officer-1", "officer-2", "seal-enforcement"]
    assert report.signatures[-1].modification_level in ("NONE", "LTA_UPDATES")
    assert pdfa_identification(sealed) == ("2", "B")
    entries = pdfsig(sealed)
    signatures = [e for e in entries if e.signature_type == "ETSI.CAdES.detached"]
    assert len(signatures) == 3 and all(e.signature_valid and e.certificate_trusted for e in signatures)
    # poppler 22 lists the document timestamp (type "unknown") but does not verify it
    others = [e.field_name for e in entries if e not in signatures]
    assert others == (["anjuan-archive-timestamp"] if level == "B-LTA" else [])


@contextlib.contextmanager
def crl_server(crl: bytes) -> Iterator[str]:
    """A CRL distribution point on loopback (what a real CA publishes over HTTP)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/pkix-crl")
            self.send_header("Content-Length", str(len(crl)))
            self.end_headers()
            self.wfile.write(crl)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/root.crl"
    finally:
        server.shutdown()
        server.server_close()


def test_b_lt_fetches_the_crl_named_in_the_certificate(unsigned: bytes, test_pki: TestPki, test_tsa: TestTsa) -> None:
    with crl_server(test_tsa.crl()) as url:
        key = issue_certificate(test_pki.root, role=SealRole.organ, common_name=BUREAU, org_name=BUREAU, crl_url=url)
        handle = key.to_handle(f"{BUREAU} 机关印章", SealRole.organ)
        options = SealOptions(level="B-LT", timestamper=test_tsa.timestamper, trust_roots=(test_pki.root_cert,))
        sealed = Sealer(options).seal(unsigned, [SignatureSpec(handle, "seal-organ", image=seal_png(SealRole.organ))])
    dss = PdfFileReader(io.BytesIO(sealed)).root["/DSS"]
    assert len(dss["/CRLs"]) == 1
    assert verify_pdf(sealed, trust_roots=[test_pki.root_cert]).ok


def test_b_lt_without_reachable_revocation_info_fails_cleanly(
    unsigned: bytes, test_pki: TestPki, test_tsa: TestTsa
) -> None:
    with crl_server(b"") as url:
        pass  # the server is gone: connection refused
    key = issue_certificate(test_pki.root, role=SealRole.organ, common_name=BUREAU, org_name=BUREAU, crl_url=url)
    handle = key.to_handle(f"{BUREAU} 机关印章", SealRole.organ)
    options = SealOptions(level="B-LT", timestamper=test_tsa.timestamper, trust_roots=(test_pki.root_cert,))
    with pytest.raises(SealingError) as err:
        Sealer(options).seal(unsigned, [SignatureSpec(handle, "seal-organ")])
    assert err.value.code == "revocation_unavailable"


def test_misuse_raises_sealing_errors(unsigned: bytes, sealer: Sealer, test_pki: TestPki) -> None:
    spec = SignatureSpec(test_pki.organ_seal, "seal-organ")
    cases: list[tuple[str, object]] = [
        ("bad_pdf", lambda: sealer.seal(b"not a pdf", [spec])),
        ("bad_request", lambda: sealer.seal(unsigned, [])),
        ("bad_request", lambda: sealer.seal(unsigned, [spec, spec])),
        ("no_timestamper", lambda: Sealer(SealOptions(level="B-T"))),
        ("bad_seal_image", lambda: sealer.seal(unsigned, [SignatureSpec(test_pki.organ_seal, "s", image=b"png?")])),
    ]
    for code, call in cases:
        with pytest.raises(SealingError) as err:
            call()  # type: ignore[operator]
        assert err.value.code == code
    sealed = sealer.seal(unsigned, [spec])
    with pytest.raises(SealingError) as err:
        sealer.seal(sealed, [spec])
    assert err.value.code == "field_exists"


def test_sealing_inside_an_event_loop_is_refused(unsigned: bytes, sealer: Sealer, test_pki: TestPki) -> None:
    async def inside() -> None:
        sealer.seal(unsigned, [SignatureSpec(test_pki.organ_seal, "seal-organ")])

    with pytest.raises(SealingError) as err:
        asyncio.run(inside())
    assert err.value.code == "in_event_loop"

    async def in_a_thread() -> bytes:
        spec = SignatureSpec(test_pki.organ_seal, "seal-organ")
        return await asyncio.to_thread(sealer.seal, unsigned, [spec])

    assert asyncio.run(in_a_thread()).startswith(unsigned)


def test_the_sealer_is_thread_safe(unsigned: bytes, sealer: Sealer, test_pki: TestPki) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: sealer.seal(unsigned, three_signatures(test_pki)), range(8)))
    for sealed in results:
        assert verify_pdf(sealed, trust_roots=[test_pki.root_cert]).ok


def test_seal_pdf_one_shot(unsigned: bytes, test_pki: TestPki) -> None:
    sealed = seal_pdf(unsigned, [SignatureSpec(test_pki.enforcement_seal, "seal", image=seal_png())])
    assert verify_pdf(sealed, trust_roots=[test_pki.root_cert]).ok
