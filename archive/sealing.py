"""电子签章: which keys sign an issued document, in which order, with which seal image; and the
"issued by anjuan" check of any copy.

The catalogue decides: a form with ``handler_signatures`` is signed by its officers (承办人) first,
then the organisation applies the seal the form's ``seal`` names (机关印章 or 行政执法专用章) last,
so that the seal covers the whole file. A form with seal ``none`` and no officer signatures is still
sealed invisibly by the organisation's enforcement key: every document anjuan issues is verifiable.
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from anjuan.signing.api import ORG_UNIT_BY_ROLE, KeyHandle, SealOptions, SealRole, SignatureSpec
from anjuan.signing.errors import SigningError
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from . import events
from .blobs import BlobStore
from .catalogue.model import FormSpec, SealType
from .config import Settings
from .errors import ArchiveError, ServiceUnavailable, TooLarge, TooManyRequests
from .models import Case, CaseFile, Document, DocumentRevision, GuidanceOpinion, Officer, Organisation, SealImage
from .views import IssuedRecord, SignatureCheck, Verification

if TYPE_CHECKING:
    from anjuan.signing.api import VerificationReport
    from anjuan.signing.bounded import VerifierPool
    from anjuan.signing.keystore import KeyStore
    from anjuan.signing.sealer import Sealer

# pyHanko, cryptography's X.509 and Pillow are imported where a key, a seal or a check is made, not
# with this module: a command-line call that seals nothing would otherwise pay ~0.6 s to start.

__all__ = ["SealPlan", "SealingService", "revision_digests"]

# What the certificate's OU says (机关印章 / 行政执法专用章 / 执法人员), keyed by role value.
_ROLE_ZH = {role.value: unit for role, unit in ORG_UNIT_BY_ROLE.items()}


@dataclass(frozen=True)
class SealPlan:
    """What to sign with, gathered inside a read transaction and used outside it."""

    org_id: int
    org_name: str
    officers: tuple[tuple[int, str, str], ...]  # (id, name, 执法证号) of the signing officers
    seal_role: str  # organ | enforcement
    visible_seal: bool


class SealingService:
    def __init__(self, settings: Settings, blobs: BlobStore) -> None:
        self.settings = settings
        self.blobs = blobs
        self._keystore: KeyStore | None = None
        self._lock = threading.Lock()
        self._images: dict[tuple[int, str], bytes] = {}

    @cached_property
    def sealer(self) -> Sealer:
        from anjuan.signing.sealer import Sealer

        return Sealer(SealOptions(level=self.settings.pades_level, timestamp_url=self.settings.tsa_url))

    # -- keys -----------------------------------------------------------------------------------

    @property
    def keystore(self) -> KeyStore:
        with self._lock:
            if self._keystore is None:
                if self.settings.pki_passphrase is None:
                    raise ServiceUnavailable(
                        "未配置电子印章密钥口令（ANJUAN_PKI_PASSPHRASE），无法签章",
                        "no key passphrase configured (ANJUAN_PKI_PASSPHRASE); documents cannot be sealed",
                        code="pki_not_configured",
                    )
                passphrase = self.settings.pki_passphrase.get_secret_value().encode("utf-8")
                from anjuan.signing.keystore import KeyStore

                try:
                    store = KeyStore(self.settings.key_dir, passphrase)
                    store.init_root()
                except SigningError as exc:
                    raise _archive_error(exc) from exc
                self._keystore = store
            return self._keystore

    def org_key(self, org_id: int, org_name: str, role: str) -> KeyHandle:
        try:
            return self.keystore.ensure(
                f"org-{org_id}-{role}", common_name=org_name, org_name=org_name, role=SealRole(role)
            )
        except SigningError as exc:
            raise _archive_error(exc) from exc

    def officer_key(self, officer_id: int, name: str, cert_no: str, org_name: str) -> KeyHandle:
        try:
            return self.keystore.ensure(
                f"officer-{officer_id}",
                common_name=name,
                org_name=org_name,
                role=SealRole.officer,
                serial_number=cert_no,
            )
        except SigningError as exc:
            raise _archive_error(exc) from exc

    def root_certificate_pem(self) -> bytes:
        return self.keystore.root_certificate_pem()

    # -- seal images ----------------------------------------------------------------------------

    def seal_image(self, db_write: Any, org_id: int, org_name: str, role: str) -> bytes:
        """The organisation's seal PNG for ``role``: uploaded, or drawn from its name once and kept."""
        cached = self._images.get((org_id, role))
        if cached is not None:
            return cached
        with db_write() as s:
            row = s.get(SealImage, (org_id, role))
            if row is None:
                from anjuan.signing.seal_image import draw_seal

                png = draw_seal(org_name, role=SealRole(role))
                digest = self.blobs.put(png)
                _insert_ignore(s, org_id=org_id, role=role, sha256=digest, source="generated")
                events.record(
                    s,
                    actor="system",
                    entity="organisation",
                    entity_id=org_id,
                    action="seal_image_generated",
                    role=role,
                    sha256=digest,
                )
                row = s.get(SealImage, (org_id, role), populate_existing=True)
                assert row is not None
            png = self.blobs.get(row.sha256)
        self._images[(org_id, role)] = png
        return png

    def upload_seal_image(self, session: Session, *, actor: str, org_id: int, role: str, data: bytes) -> str:
        try:
            from anjuan.signing.seal_image import normalise_uploaded_seal

            png = normalise_uploaded_seal(data)
        except SigningError as exc:
            raise _archive_error(exc) from exc
        digest = self.blobs.put(png)
        row = session.get(SealImage, (org_id, role))
        if row is None:
            session.add(SealImage(org_id=org_id, role=role, sha256=digest, source="uploaded"))
        else:
            row.sha256, row.source = digest, "uploaded"
        events.record(
            session,
            actor=actor,
            entity="organisation",
            entity_id=org_id,
            action="seal_image_uploaded",
            role=role,
            sha256=digest,
        )
        self._images.pop((org_id, role), None)
        return digest

    # -- sealing --------------------------------------------------------------------------------

    @staticmethod
    def plan(doc: Document, form: FormSpec) -> SealPlan:
        org: Organisation = doc.case.org
        officers: list[Officer] = list(doc.officers) if form.handler_signatures else []
        role = "organ" if form.seal == SealType.organ else "enforcement"
        return SealPlan(
            org_id=org.id,
            org_name=org.name,
            officers=tuple((o.id, o.name, o.cert_no) for o in officers),
            seal_role=role,
            visible_seal=form.seal != SealType.none,
        )

    def seal(self, db_write: Any, plan: SealPlan, pdf: bytes, *, title: str) -> tuple[bytes, list[dict[str, Any]]]:
        specs: list[SignatureSpec] = []
        signers: list[dict[str, Any]] = []
        for index, (officer_id, name, cert_no) in enumerate(plan.officers, start=1):
            key = self.officer_key(officer_id, name, cert_no, plan.org_name)
            specs.append(
                SignatureSpec(
                    key=key, field_name=f"officer-{index}", reason=f"承办人签名 {title}", location=plan.org_name
                )
            )
            signers.append({"field": f"officer-{index}", "role": "officer", "name": name, "cert_no": cert_no})
        key = self.org_key(plan.org_id, plan.org_name, plan.seal_role)
        image = self.seal_image(db_write, plan.org_id, plan.org_name, plan.seal_role) if plan.visible_seal else None
        field = f"seal-{plan.seal_role}"
        specs.append(
            SignatureSpec(
                key=key,
                field_name=field,
                image=image,
                reason=f"{_ROLE_ZH[plan.seal_role]} {title}",
                location=plan.org_name,
            )
        )
        signers.append(
            {
                "field": field,
                "role": plan.seal_role,
                "name": plan.org_name,
                "seal": _ROLE_ZH[plan.seal_role],
                "visible": plan.visible_seal,
            }
        )
        try:
            sealed = self.sealer.seal(pdf, specs)
        except SigningError as exc:
            raise _archive_error(exc) from exc
        return sealed, signers

    # -- verification ---------------------------------------------------------------------------

    def trust_roots(self) -> list[Any]:
        # Checking a seal needs only public certificates: without the key passphrase (a verifying
        # workstation, a receiving archive) the root is read from the key store's public file.
        from anjuan.signing.keystore import KeyStore
        from anjuan.signing.pki import load_certificates

        if self.settings.pki_passphrase is None and self._keystore is None:
            public = KeyStore.public_root_certificate(self.settings.key_dir)
            roots = [*load_certificates(public)] if public else []
        else:
            roots = [*load_certificates(self.keystore.root_certificate_pem())]
        for path in self.settings.trust_anchors:
            roots.extend(load_certificates(path.read_bytes()))
        return roots

    @property
    def verifiers(self) -> VerifierPool:
        """The worker processes that verify (started on first use, one pool per process however many
        archives it opens — the tests open hundreds; see ``signing.bounded``)."""
        from anjuan.signing.bounded import VerifierPool

        return VerifierPool.shared(self.settings.verify_workers)

    def check_signatures(self, pdf: bytes) -> VerificationReport:
        """pyHanko's verdict on every signature of ``pdf`` against this archive's roots, bounded
        (:func:`check_signatures`). No database session is held meanwhile."""
        return check_signatures(self.settings, pdf, [cert.dump() for cert in self.trust_roots()])

    def verify(self, session: Session, pdf: bytes, *, report: VerificationReport | None = None) -> Verification:
        """Validate any copy, and say whether this instance issued it — the very file, or an earlier
        or later revision of one (incremental updates only ever append to a PDF). ``report``: the
        signatures already checked (:meth:`check_signatures`, outside the session)."""
        if report is None:
            report = self.check_signatures(pdf)
        return verification_of(report, pdf, session)


def check_signatures(settings: Settings, pdf: bytes, roots: list[bytes]) -> VerificationReport:
    """pyHanko's verdict on every signature of ``pdf`` against ``roots`` (DER), bounded: a file past
    the structural limits (``verify_max_revisions`` / ``_objects`` / ``_signatures``) is refused before
    it is parsed (:class:`TooLarge`), and the verification runs in a worker process that is killed
    after ``verify_timeout_seconds`` (``verify_timeout``, 503). Needs no archive: ``anjuan verify``
    checks a copy anywhere with it."""
    from anjuan.signing.bounded import VerifierPool, VerifyLimits

    limits = VerifyLimits(
        max_revisions=settings.verify_max_revisions,
        max_objects=settings.verify_max_objects,
        max_signatures=settings.verify_max_signatures,
    )
    try:
        return VerifierPool.shared(settings.verify_workers).verify(
            pdf, trust_roots=roots, limits=limits, timeout=settings.verify_timeout_seconds
        )
    except SigningError as exc:
        raise _verification_error(exc) from exc


def verification_of(report: VerificationReport, pdf: bytes, session: Session | None) -> Verification:
    """The answer for a checked copy: its signatures, and — with a ``session`` of an archive — whether
    that archive issued this very file or a revision of it (without one: nobody was asked)."""
    relation, issued = None, None
    if session is not None:
        issued = _lookup(session, report.sha256)
        if issued is not None:
            relation = "identical"
        else:
            earlier = session.scalar(select(DocumentRevision).where(DocumentRevision.sha256 == report.sha256))
            if earlier is not None:
                relation, issued = "earlier_revision", _doc_summary(session.get(Document, earlier.document_id))
        if issued is None:
            for digest in reversed(revision_digests(pdf)[:-1]):
                issued = _lookup(session, digest)
                if issued is not None:
                    relation = "later_revision"  # changes were appended after anjuan issued it
                    break
    problems = list(report.problems)
    if issued is not None and issued["status"] in RECORD_STATUS_PROBLEMS:
        problems.append(RECORD_STATUS_PROBLEMS[issued["status"]])
    return Verification(
        sha256=report.sha256,
        signatures=tuple(_signature_check(s) for s in report.signatures),
        problems=tuple(problems),
        signatures_ok=report.ok,
        issued_by_anjuan=relation == "identical",
        relation=relation,
        document=IssuedRecord.model_validate(issued) if issued is not None else None,
        ok=report.ok and relation == "identical" and issued is not None and issued["status"] == "issued",
    )


#: What ``verify`` adds to the problems of a copy whose record is no longer in force. It is the
#: record's status, not its seals': a page showing the seal check lists these apart.
RECORD_STATUS_PROBLEMS = {
    "voided": "文书已作废 / the document has been voided",
    "superseded": "文书已更正，以新版本为准 / the document was corrected; a newer edition replaces it",
    "deleted": "文书已经批准删除 / the document was deleted with approval",
}


def revision_digests(pdf: bytes) -> list[str]:
    """SHA-256 of every revision of ``pdf``: each prefix that ends at an ``%%EOF`` marker.

    One running hash, copied at each marker: linear in the file, however many markers it has (hashing
    each prefix afresh was quadratic — 10,000 markers in 1.5 MB meant hashing 7.5 GB)."""
    digests = []
    running, done = hashlib.sha256(), 0
    view = memoryview(pdf)
    for match in _EOF.finditer(pdf):
        running.update(view[done : match.end()])
        done = match.end()
        digests.append(running.copy().hexdigest())
    whole = hashlib.sha256(pdf).hexdigest()
    if not digests or digests[-1] != whole:
        digests.append(whole)
    return digests


_EOF = re.compile(rb"%%EOF(\r\n|\r|\n)?")


# The verifier's own limits, as the archive names them: the setting an operator would raise.
_LIMIT_SETTINGS = {
    "verify_too_many_revisions": "verify_max_revisions",
    "verify_too_many_objects": "verify_max_objects",
    "verify_too_many_signatures": "verify_max_signatures",
}


def _verification_error(exc: SigningError) -> ArchiveError:
    """A refused or stopped verification as the archive answers it: past a structural limit → 413,
    past the time budget or without a worker → 503 / 429 (come back later)."""
    details = dict(getattr(exc, "details", {}) or {})
    if exc.code in _LIMIT_SETTINGS:
        details["setting"] = _LIMIT_SETTINGS[exc.code]
        return TooLarge(exc.message_zh, exc.message_en, code=exc.code, details=details)
    if exc.code == "verify_timeout":
        details["setting"] = "verify_timeout_seconds"
        error = ServiceUnavailable(
            exc.message_zh + "（文件过于复杂或服务器繁忙）",
            exc.message_en + " (the file is too complex, or the server is busy)",
            code=exc.code,
            details=details,
        )
        error.retry_after = 30
        return error
    if exc.code == "verify_busy":
        return TooManyRequests(exc.message_zh, exc.message_en, retry_after=5, code=exc.code, details=details)
    if exc.code == "verify_failed":
        return ServiceUnavailable(exc.message_zh, exc.message_en, code=exc.code, details=details)
    return _archive_error(exc)


def _archive_error(exc: SigningError) -> ArchiveError:
    return ArchiveError(exc.message_zh, exc.message_en, code=exc.code, details=getattr(exc, "details", {}))


def _insert_ignore(session: Session, **values: Any) -> None:
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    session.execute(dialect.insert(SealImage).values(**values).on_conflict_do_nothing())


def _doc_summary(doc: Document) -> dict[str, Any]:
    return {
        "id": doc.id,
        "form": doc.form_id,
        "number": doc.number,
        "status": doc.status,
        "case_id": doc.case_id,
        "case": doc.case.name,
        "organisation": doc.case.org.name,
        "date": doc.doc_date.isoformat() if doc.doc_date else None,
    }


def _lookup(session: Session, digest: str) -> dict[str, Any] | None:
    doc = session.scalar(select(Document).where(Document.pdf_sha256 == digest))
    if doc is not None:
        return _doc_summary(doc)
    guidance = session.scalar(select(GuidanceOpinion).where(GuidanceOpinion.pdf_sha256 == digest))
    if guidance is not None:
        issuer = session.get(Organisation, guidance.org_id)
        reviewed = session.get(Case, guidance.case_id)
        assert issuer is not None and reviewed is not None
        return {
            "id": guidance.id,
            "form": "guidance_opinion",  # 安全生产执法指导意见书
            "number": guidance.number,
            "status": "issued",
            "case_id": reviewed.id,
            "case": reviewed.name,
            "organisation": issuer.name,
            "date": guidance.issued_at.date().isoformat(),
        }
    volume = session.scalar(select(CaseFile).where(CaseFile.sha256 == digest))
    if volume is None:
        return None
    case = session.get(Case, volume.case_id)
    assert case is not None
    return {
        "id": volume.id,
        "form": "case_file",  # 卷宗
        "number": case.archive_no,
        "status": "issued",
        "case_id": case.id,
        "case": case.name,
        "organisation": case.org.name,
        "date": volume.built_at.date().isoformat(),
        "version": volume.version,
    }


def _signature_check(s: Any) -> SignatureCheck:
    return SignatureCheck(
        field=s.field_name,
        signer=s.signer,
        subject=s.signer_subject,
        role=s.role.value if s.role else None,
        seal=_ROLE_ZH.get(s.role.value) if s.role else None,
        signing_time=s.signing_time,
        timestamp_time=s.timestamp_time,
        intact=s.intact,
        valid=s.valid,
        trusted=s.trusted,
        covers_whole_file=s.covers_whole_file,
        modification_level=s.modification_level,
        certification=s.certification,
        revision=s.revision,
        revision_sha256=s.revision_sha256,
        problems=tuple(s.problems),
        trust_root=s.trust_root,
        trust_root_sha256=s.trust_root_sha256,
    )
