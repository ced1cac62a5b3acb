"""Issued documents are sealed, and any copy can be checked: this file, an earlier or a later
revision of it, or something anjuan never issued."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from anjuan.archive.db import Database
from anjuan.archive.errors import ArchiveError
from anjuan.archive.service import Archive
from anjuan.templates.convert import Converter

from tests.archive.test_documents import FIELDS, D
from tests.fixtures.archive import Bureau, issue_scenario, make_archive, make_bureau, void_with_approval
from tests.fixtures.pki import TestPki


def _issue(archive: Archive, bureau: Bureau, kind: str, *forms: str) -> list[int]:
    case = archive.registry.create_case(
        actor=bureau.handler, org_id=bureau.org_id, kind=kind, party_id=bureau.party_id, officer_ids=bureau.officer_ids
    ).id
    return [bureau.issue(archive, case_id=case, form_key=f, fields=_fields(f), doc_date=D).id for f in forms]


def _fields(form: str) -> dict[str, Any]:
    if form == "inspection_record":  # an unplanned inspection (a complaint checked at once): no 方案 needed
        return {**FIELDS[form], "unplanned_reason": "接群众举报，立即开展现场核查"}
    return FIELDS[form]


def test_officers_sign_then_the_organisation_seals(archive: Archive, bureau: Bureau) -> None:
    (record,) = _issue(archive, bureau, "inspection", "inspection_record")
    doc = archive.documents.get(actor=bureau.handler, doc_id=record)
    assert [s["role"] for s in doc.signatures] == ["officer", "officer", "enforcement"]
    report = archive.keys.verify(archive.documents.file(actor=bureau.handler, doc_id=record, kind="pdf"))
    assert report.ok and report.issued_by_anjuan and report.relation == "identical"
    assert report.document.number == doc.number
    sigs = report.signatures
    assert [s.signer for s in sigs] == ["张伟", "刘洋", "临汾市尧都区应急管理局"]
    assert sigs[0].certification is not None  # the first signature certifies the document
    assert sigs[-1].covers_whole_file and sigs[-1].seal == "行政执法专用章"
    assert all(s.trusted and s.intact for s in sigs)


def test_decision_carries_the_organ_seal(archive: Archive, bureau: Bureau) -> None:
    decision = issue_scenario(archive, bureau, 1, until="penalty_decision_org")["penalty_decision_org"].id
    report = archive.keys.verify(archive.documents.file(actor=bureau.handler, doc_id=decision, kind="pdf"))
    assert report.ok
    assert [s.seal for s in report.signatures] == ["机关印章"]  # 决定书: no officer signatures, 公章


def test_rendition_is_an_earlier_revision_and_appended_changes_a_later_one(archive: Archive, bureau: Bureau) -> None:
    (plan,) = _issue(archive, bureau, "inspection", "inspection_plan")
    doc = archive.documents.get(actor=bureau.handler, doc_id=plan)
    rendition = archive.kernel.blobs.get(doc.rendition_sha256 or "")
    earlier = archive.keys.verify(rendition)
    assert earlier.relation == "earlier_revision" and not earlier.ok
    assert earlier.document.id == plan
    sealed = archive.documents.file(actor=bureau.handler, doc_id=plan, kind="pdf")
    tail = sealed.rstrip()
    appended = tail + b"\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n"
    later = archive.keys.verify(appended)
    assert later.relation == "later_revision" and not later.ok and not later.issued_by_anjuan


def test_a_voided_documents_file_no_longer_passes(archive: Archive, bureau: Bureau) -> None:
    (plan,) = _issue(archive, bureau, "inspection", "inspection_plan")
    void_with_approval(archive, bureau, plan, "填写错误")
    report = archive.keys.verify(archive.documents.file(actor=bureau.handler, doc_id=plan, kind="pdf"))
    assert not report.ok and report.document.status == "voided"


def test_verify_on_the_command_line_and_over_http(archive: Archive, bureau: Bureau, tmp_path: Path) -> None:
    from anjuan.api.app import create_app
    from fastapi.testclient import TestClient

    (plan,) = _issue(archive, bureau, "inspection", "inspection_plan")
    pdf = archive.documents.file(actor=bureau.handler, doc_id=plan, kind="pdf")
    with TestClient(create_app(archive=archive)) as client:
        good = client.post("/verify", files={"file": ("a.pdf", pdf, "application/pdf")})
        assert good.status_code == 200 and good.json()["ok"]
        bad = client.post("/api/verify", files={"file": ("b.pdf", pdf[:-200] + b"x" * 200, "application/pdf")})
        assert bad.status_code == 200 and not bad.json()["ok"]
        root = client.get("/api/pki/root.pem")
        assert root.status_code == 200 and b"BEGIN CERTIFICATE" in root.content
        seal = client.get(f"/api/organisations/{bureau.org_id}/seals/organ.png", headers=bureau.auth(archive))
        assert seal.status_code == 200 and seal.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.dumps(good.json(), ensure_ascii=False)


def test_a_bureaus_own_pkcs12_certificate_seals_its_documents(
    sqlite_database: Database, converter_pool: Converter, tmp_path: Path, test_pki: TestPki
) -> None:
    """Production bureaus bring their own keys: imported, stored re-encrypted, trusted via an anchor."""
    from anjuan.signing import to_pkcs12

    anchor = tmp_path / "bureau-root.pem"
    anchor.write_bytes(test_pki.root_cert_pem)
    for archive in make_archive(sqlite_database, converter_pool, tmp_path, trust_anchors=(anchor,)):
        bureau = make_bureau(archive)
        p12 = to_pkcs12(_certified(test_pki.enforcement_seal), b"p12 secret")
        result = archive.keys.import_pkcs12(
            actor=bureau.admin,
            owner="org",
            owner_id=bureau.org_id,
            role="enforcement",
            data=p12,
            passphrase=b"p12 secret",
        )
        assert result.key == f"org-{bureau.org_id}-enforcement"
        with pytest.raises(ArchiveError):
            archive.keys.import_pkcs12(
                actor=bureau.admin,
                owner="org",
                owner_id=bureau.org_id,
                role="enforcement",
                data=p12,
                passphrase=b"wrong",
            )
        (plan,) = _issue(archive, bureau, "inspection", "inspection_plan")
        report = archive.keys.verify(archive.documents.file(actor=bureau.handler, doc_id=plan, kind="pdf"))
        assert report.ok, report
        seal = report.signatures[-1]
        assert seal.subject == _subject(test_pki.enforcement_seal) and seal.trusted
        assert any(k.source == "pkcs12" for k in archive.keys.list_keys(actor=bureau.admin))


def _certified(handle: Any) -> Any:
    from anjuan.signing import CertifiedKey

    signer = handle.signer
    return CertifiedKey(private_key=signer.private_key, certificate=signer.signing_cert)


def _subject(handle: Any) -> str:
    from anjuan.signing import subject_rfc4514

    return subject_rfc4514(handle.certificate)


def test_timestamped_seals_when_a_tsa_is_configured(
    sqlite_database: Database, converter_pool: Converter, tmp_path: Path, test_pki: TestPki, http_tsa: str
) -> None:
    """ANJUAN_TSA_URL + B-T: every signature carries an RFC 3161 timestamp from the (loopback) TSA."""
    anchor = tmp_path / "tsa-root.pem"
    anchor.write_bytes(test_pki.root_cert_pem)
    for archive in make_archive(
        sqlite_database, converter_pool, tmp_path, tsa_url=http_tsa, pades_level="B-T", trust_anchors=(anchor,)
    ):
        bureau = make_bureau(archive)
        (record,) = _issue(archive, bureau, "inspection", "inspection_record")
        report = archive.keys.verify(archive.documents.file(actor=bureau.handler, doc_id=record, kind="pdf"))
        assert report.ok, report
        assert all(s.timestamp_time for s in report.signatures)


def test_pdfa_rendition_stays_pdfa_after_sealing(
    sqlite_database: Database, converter_pool: Converter, tmp_path: Path
) -> None:
    """ANJUAN_PDFA: the archival rendition keeps its PDF/A-2b identification through every signature."""
    import re

    for archive in make_archive(sqlite_database, converter_pool, tmp_path, pdfa=True):
        bureau = make_bureau(archive)
        (record,) = _issue(archive, bureau, "inspection", "inspection_record")
        sealed = archive.documents.file(actor=bureau.handler, doc_id=record, kind="pdf")
        assert re.search(rb"pdfaid:part[>=\"']+2", sealed) and re.search(rb"pdfaid:conformance[>=\"']+B", sealed)
        assert not sealed.startswith(b"%PDF-2") and not re.search(rb"/Version\s*/2", sealed)  # RSA: no PDF 2.0
        assert archive.keys.verify(sealed).ok


def test_verifying_needs_no_key_passphrase(archive: Archive, bureau: Bureau, converter_pool: Converter) -> None:
    """A verifying workstation (or a receiving archive) holds only public certificates."""
    from anjuan.archive.config import Settings

    (plan,) = _issue(archive, bureau, "inspection", "inspection_plan")
    pdf = archive.documents.file(actor=bureau.handler, doc_id=plan, kind="pdf")
    public = Archive(
        Settings(data_dir=archive.kernel.settings.data_dir, pki_passphrase=None),
        converter=converter_pool,
        db=archive.kernel.db,
    )
    report = public.keys.verify(pdf)
    assert report.ok and all(s.trusted for s in report.signatures)
