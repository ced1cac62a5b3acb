"""Verification of any copy: every tamper case of issue 3, seen by ``verify_pdf`` and, where it can
see it, by poppler's ``pdfsig``.

The document is the real 行政处罚决定书 rendition (PDF/A-2b) sealed by two officers and the
行政执法专用章. Each tamper is the smallest edit that makes the case: one byte in a signed range, an
incremental update after the seal (a covering white box, a signature field deleted, pages swapped, a
page's content replaced), a full re-save, and certificates outside the anchors, expired or revoked.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import Callable

import anjuan.signing as signing
import anjuan.signing.verify as verify_module
import pytest
from anjuan.signing import (
    PROBLEM_CODES,
    Sealer,
    SealOptions,
    SealRole,
    SignatureFillPolicy,
    SignatureSpec,
    VerificationError,
    VerificationReport,
    issue_certificate,
    verify_pdf,
)
from anjuan.templates.convert import UnoPool
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import DEFAULT_DIFF_POLICY
from pypdf import PdfReader, PdfWriter

from tests.fixtures.pdfsig import PdfSig
from tests.fixtures.pki import BUREAU, TestPki
from tests.fixtures.tsa import TestTsa, make_crl
from tests.signing.test_sealer import assert_all_good, rendition, seal_png, three_signatures

pytestmark = pytest.mark.libreoffice


def codes(report: VerificationReport) -> set[str]:
    """Problem codes of the report, file level and per signature."""
    found = {p.split(":", 1)[0] for p in report.problems}
    for sig in report.signatures:
        found |= {p.split(":", 1)[0] for p in sig.problems}
    assert found <= set(PROBLEM_CODES)
    return found


@pytest.fixture(scope="module")
def sealed(converter_pool: UnoPool, test_pki: TestPki) -> bytes:
    return Sealer().seal(rendition(converter_pool), three_signatures(test_pki))


def update(pdf: bytes, change: Callable[[IncrementalPdfFileWriter], None]) -> bytes:
    """``pdf`` plus one incremental update made by ``change`` (what an editor's "save" appends)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    assert out.getvalue().startswith(pdf)
    return out.getvalue()


# -- the untouched document ----------------------------------------------------------------------------


def test_the_sealed_document_verifies(sealed: bytes, test_pki: TestPki, pdfsig: PdfSig) -> None:
    report = verify_pdf(sealed, trust_roots=[test_pki.root_cert])
    assert_all_good(report)
    assert report.sha256 == hashlib.sha256(sealed).hexdigest()
    entries = pdfsig(sealed)
    assert [e.signature_valid and e.certificate_trusted for e in entries] == [True, True, True]


def test_the_fast_difference_analysis_agrees_with_pyhanko(sealed: bytes, test_pki: TestPki) -> None:
    fast = verify_pdf(sealed, trust_roots=[test_pki.root_cert])
    full = verify_pdf(sealed, trust_roots=[test_pki.root_cert], diff_policy=DEFAULT_DIFF_POLICY)
    assert [s.modification_level for s in fast.signatures] == [s.modification_level for s in full.signatures]
    assert fast.ok and full.ok
    # it proves the officers' revisions were only followed by signature filling
    reader = PdfFileReader(io.BytesIO(sealed))
    policy = SignatureFillPolicy()
    assert policy.review_file(reader, 1).modification_level.name == "FORM_FILLING"


def test_the_fast_path_only_ever_defers_to_pyhanko(sealed: bytes, test_pki: TestPki) -> None:
    def white_box(writer: IncrementalPdfFileWriter) -> None:
        writer.add_stream_to_page(0, writer.add_object(generic.StreamObject(stream_data=b"1 1 1 rg 0 0 9 9 re f")))

    tampered = update(sealed, white_box)
    reader = PdfFileReader(io.BytesIO(tampered))
    assert verify_module._only_signature_fills(reader, 1) is None  # not provable: pyHanko decides
    fast = verify_pdf(tampered, trust_roots=[test_pki.root_cert])
    full = verify_pdf(tampered, trust_roots=[test_pki.root_cert], diff_policy=DEFAULT_DIFF_POLICY)
    assert [s.modification_level for s in fast.signatures] == [s.modification_level for s in full.signatures]
    assert fast.problems == full.problems


@pytest.mark.parametrize(
    ("text", "mentioned"),
    [
        (b"/Annots [171 0 R]", True),
        (b"/Annots [0171 0 R]", True),  # leading zeros: still object 171
        (b"/Annots [+171 00 R]", True),
        (b"/Annots [171 0%comment\nR]", True),  # a comment is whitespace
        (b"/Annots [171\x000 R]", True),  # so is NUL
        (b"/Annots [1171 0 R]", False),
        (b"/Annots [10171 0 R]", False),
        (b"/Annots [1710 0 R]", False),
        (b"171 0 obj", False),
    ],
)
def test_dangling_references_to_new_objects_are_seen_in_any_spelling(text: bytes, mentioned: bool) -> None:
    assert verify_module._mentioned(text, len(text), 171, 0) is mentioned


def test_earlier_revisions_are_recognisable(sealed: bytes, test_pki: TestPki) -> None:
    """The file as each signer left it hashes to that signature's ``revision_sha256``; a copy cut back
    to an earlier revision verifies as that revision (the service then says: earlier revision)."""
    report = verify_pdf(sealed, trust_roots=[test_pki.root_cert])
    officer_2 = report.signatures[1]
    for end in range(len(sealed)):
        if hashlib.sha256(sealed[:end]).hexdigest() == officer_2.revision_sha256:
            break
    else:
        pytest.fail("no prefix of the file hashes to the revision hash")
    earlier = verify_pdf(sealed[:end], trust_roots=[test_pki.root_cert])
    assert earlier.ok and [s.field_name for s in earlier.signatures] == ["officer-1", "officer-2"]
    assert earlier.sha256 == officer_2.revision_sha256


# -- tampering -----------------------------------------------------------------------------------------


def test_one_byte_changed_inside_a_signed_range(sealed: bytes, test_pki: TestPki, pdfsig: PdfSig) -> None:
    at = sealed.index(b"stream", 2000) + 200  # inside the first page's content, signed by everyone
    tampered = sealed[:at] + bytes([sealed[at] ^ 0x01]) + sealed[at + 1 :]
    report = verify_pdf(tampered, trust_roots=[test_pki.root_cert])
    assert not report.ok
    assert [s.intact for s in report.signatures] == [False, False, False]
    assert "not_intact" in codes(report)
    assert not any(e.signature_valid for e in pdfsig(tampered))


def test_content_appended_after_the_seal(sealed: bytes, test_pki: TestPki, pdfsig: PdfSig) -> None:
    def white_box(writer: IncrementalPdfFileWriter) -> None:
        # paint over the amount of the fine on page 1, as a doctored copy would
        box = writer.add_object(generic.StreamObject(stream_data=b"q 1 1 1 rg 80 420 300 40 re f Q"))
        writer.add_stream_to_page(0, box)

    tampered = update(sealed, white_box)
    report = verify_pdf(tampered, trust_roots=[test_pki.root_cert])
    assert not report.ok
    seal = report.signatures[-1]
    assert seal.intact and seal.valid and seal.trusted  # the seal itself is still a valid signature …
    assert not seal.covers_whole_file and seal.modification_level == "OTHER"  # … of an earlier revision
    assert {"modified_after_last_signature", "modified_after_signing", "docmdp_violation"} <= codes(report)
    assert "OTHER" in " ".join(report.problems)
    # pdfsig: every signature "valid", but the seal no longer covers the whole document
    entries = pdfsig(tampered)
    assert all(e.signature_valid for e in entries)
    assert not any(e.total_document_signed for e in entries)


def test_signature_field_deleted_in_an_update(sealed: bytes, test_pki: TestPki, pdfsig: PdfSig) -> None:
    def delete_officer_2(writer: IncrementalPdfFileWriter) -> None:
        acroform = writer.root["/AcroForm"]
        fields = acroform["/Fields"]
        keep = [f for f in (fields.raw_get(i) for i in range(len(fields))) if f.get_object()["/T"] != "officer-2"]
        acroform["/Fields"] = generic.ArrayObject(keep)
        writer.update_container(acroform)
        for page_ref in (writer.find_page_for_modification(i)[0] for i in range(2)):
            page = page_ref.get_object()
            if "/Annots" in page:
                annots = page["/Annots"]
                kept = [
                    a
                    for a in (annots.raw_get(i) for i in range(len(annots)))
                    if a.get_object().get("/T") != "officer-2"
                ]
                page["/Annots"] = generic.ArrayObject(kept)
                writer.update_container(page)

    tampered = update(sealed, delete_officer_2)
    report = verify_pdf(tampered, trust_roots=[test_pki.root_cert])
    assert [s.field_name for s in report.signatures] == ["officer-1", "seal-enforcement"]
    assert not report.ok
    assert {"signature_removed", "modified_after_last_signature"} <= codes(report)
    assert "officer-2" in " ".join(report.problems)
    entries = pdfsig(tampered)
    assert [e.field_name for e in entries] == ["officer-1", "seal-enforcement"]
    assert not entries[-1].total_document_signed


def test_a_document_without_its_certifying_signature(
    converter_pool: UnoPool, sealed: bytes, test_pki: TestPki, pdfsig: PdfSig
) -> None:
    # signed without certification (the first signature dropped by whoever made this copy)
    uncertified = Sealer(SealOptions(certify=False)).seal(rendition(converter_pool), three_signatures(test_pki)[1:])
    report = verify_pdf(uncertified, trust_roots=[test_pki.root_cert])
    assert not report.ok and "not_certified" in codes(report)
    # the certifying signature cut out of the sealed file by rewriting it: every other signature breaks
    reader = PdfReader(io.BytesIO(sealed))
    writer = PdfWriter(clone_from=reader)
    out = io.BytesIO()
    writer.write(out)
    resaved = out.getvalue()
    report = verify_pdf(resaved, trust_roots=[test_pki.root_cert])
    assert not report.ok
    assert not any(s.intact for s in report.signatures) or report.problems
    assert not any(e.signature_valid for e in pdfsig(resaved))


def test_pages_swapped_in_an_update(sealed: bytes, test_pki: TestPki, pdfsig: PdfSig) -> None:
    def swap(writer: IncrementalPdfFileWriter) -> None:
        pages = writer.root["/Pages"]
        kids = pages["/Kids"]
        pages["/Kids"] = generic.ArrayObject([kids.raw_get(1), kids.raw_get(0)])
        writer.update_container(pages)

    tampered = update(sealed, swap)
    report = verify_pdf(tampered, trust_roots=[test_pki.root_cert])
    assert not report.ok and report.signatures[-1].modification_level == "OTHER"
    assert "modified_after_last_signature" in codes(report)
    assert not pdfsig(tampered)[-1].total_document_signed


def test_page_content_replaced_in_an_update(sealed: bytes, test_pki: TestPki, pdfsig: PdfSig) -> None:
    def replace(writer: IncrementalPdfFileWriter) -> None:
        first = writer.find_page_for_modification(0)[0].get_object()
        second_ref = writer.find_page_for_modification(1)[0]
        second = second_ref.get_object()
        second["/Contents"] = first.raw_get("/Contents")
        writer.update_container(second)

    tampered = update(sealed, replace)
    report = verify_pdf(tampered, trust_roots=[test_pki.root_cert])
    assert not report.ok and "docmdp_violation" in codes(report)
    assert not pdfsig(tampered)[-1].total_document_signed


def test_certificate_outside_the_trust_anchors(unsigned_pdf: bytes, test_pki: TestPki, pdfsig: PdfSig) -> None:
    forged = Sealer().seal(
        unsigned_pdf, [SignatureSpec(test_pki.outsider, "seal-organ", image=seal_png(SealRole.organ))]
    )
    report = verify_pdf(forged, trust_roots=[test_pki.root_cert])
    [sig] = report.signatures
    assert sig.intact and sig.valid and not sig.trusted and not report.ok
    assert "untrusted" in codes(report)
    [entry] = pdfsig(forged)
    assert entry.signature_valid and not entry.certificate_trusted
    # trusting the other root instead makes it trusted: the verdict is the anchors' choice
    assert verify_pdf(forged, trust_roots=[test_pki.outsider_root_cert]).signatures[0].trusted


def test_expired_certificate(unsigned_pdf: bytes, test_pki: TestPki, pdfsig: PdfSig) -> None:
    late = Sealer().seal(unsigned_pdf, [SignatureSpec(test_pki.expired, "seal-enforcement", image=seal_png())])
    report = verify_pdf(late, trust_roots=[test_pki.root_cert])
    [sig] = report.signatures
    assert sig.intact and sig.valid and not sig.trusted and not report.ok
    assert "expired" in codes(report)
    [entry] = pdfsig(late)
    assert entry.signature_valid and not entry.certificate_trusted
    assert "xpired" in entry.certificate_validation


def test_expired_certificate_with_a_timestamp_after_expiry(
    unsigned_pdf: bytes, test_pki: TestPki, test_tsa: TestTsa
) -> None:
    # a timestamp only helps when it proves the signature was made while the certificate was valid
    sealer = Sealer(SealOptions(level="B-T", timestamper=test_tsa.timestamper))
    late = sealer.seal(unsigned_pdf, [SignatureSpec(test_pki.expired, "seal-enforcement")])
    [sig] = verify_pdf(late, trust_roots=[test_pki.root_cert]).signatures
    assert sig.timestamp_time is not None and not sig.trusted


def test_revoked_certificate(unsigned_pdf: bytes, test_pki: TestPki) -> None:
    # Revocation is checked for certificates that name a CRL (or OCSP) source, as production ones do;
    # the CRL is handed over here (verify_pdf fetches nothing unless allow_fetching=True).
    url = "http://127.0.0.1:9/root.crl"
    key = issue_certificate(test_pki.root, role=SealRole.enforcement, common_name=BUREAU, org_name=BUREAU, crl_url=url)
    handle = key.to_handle("revoked", SealRole.enforcement)
    signed = Sealer().seal(unsigned_pdf, [SignatureSpec(handle, "seal-enforcement")])
    assert verify_pdf(signed, trust_roots=[test_pki.root_cert]).ok  # no revocation info: soft-fail
    crl = make_crl(test_pki.root, [key.certificate])
    report = verify_pdf(signed, trust_roots=[test_pki.root_cert], crls=[crl])
    [sig] = report.signatures
    assert not sig.trusted and not report.ok and "revoked" in codes(report)
    clean = verify_pdf(signed, trust_roots=[test_pki.root_cert], crls=[make_crl(test_pki.root)])
    assert clean.ok


# -- not signed, not a PDF, misuse -----------------------------------------------------------------------


def test_unsigned_and_garbage_files_get_a_report(unsigned_pdf: bytes, test_pki: TestPki) -> None:
    report = verify_pdf(unsigned_pdf, trust_roots=[test_pki.root_cert])
    assert report.signatures == () and not report.ok and codes(report) == {"no_signatures"}
    garbage = verify_pdf(b"%PDF-1.7 nothing else", trust_roots=[test_pki.root_cert])
    assert not garbage.ok and codes(garbage) == {"not_a_pdf"}
    assert verify_pdf(b"", trust_roots=[]).problems


def test_misuse_raises(sealed: bytes, test_pki: TestPki) -> None:
    async def inside() -> None:
        verify_pdf(sealed, trust_roots=[test_pki.root_cert])

    with pytest.raises(VerificationError) as err:
        asyncio.run(inside())
    assert err.value.code == "in_event_loop"
    with pytest.raises(VerificationError):
        verify_pdf(sealed, trust_roots=[test_pki.root_cert_pem])  # type: ignore[list-item]

    async def in_a_thread() -> VerificationReport:
        return await asyncio.to_thread(verify_pdf, sealed, trust_roots=[test_pki.root_cert])

    assert asyncio.run(in_a_thread()).ok


def test_the_package_exports_its_public_api() -> None:
    for name in signing.__all__:
        assert getattr(signing, name) is not None, name
    assert {"Sealer", "verify_pdf", "find_seal_anchor", "draw_seal", "KeyStore", "SigningError"} <= set(signing.__all__)
    assert len(set(signing.__all__)) == len(signing.__all__)


@pytest.fixture(scope="module")
def unsigned_pdf(converter_pool: UnoPool) -> bytes:
    return rendition(converter_pool)
