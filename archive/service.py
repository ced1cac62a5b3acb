"""The archive as one object: settings, database, blob store, catalogue, renderer and converter.

``api`` (HTTP, CLI) talks to this facade only. Every method that changes state takes the acting
user (``actor``) and runs in its own transaction; reads return detached ORM rows or plain data.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Any

from anjuan.signing import ORG_UNIT_BY_ROLE, SealRole, SigningError
from anjuan.templates import DocxRenderer
from anjuan.templates.convert import Converter, ConverterOptions, UnoPool
from anjuan.templates.errors import TemplateError
from sqlalchemy import select

from . import approvals, documents, events, registry
from .audit import verify_chain
from .blobs import BlobStore, FileBlobStore
from .catalogue import Catalogue, ClauseSet, FormSpec, load_catalogue, load_clauses, resolve_form
from .config import Settings
from .db import Database
from .errors import ArchiveError, Conflict, FieldError, ServiceUnavailable, ValidationFailed
from .migrate import upgrade
from .models import Approval, Case, Document, Officer, Organisation, Party
from .numbering import NumberingProfile, load_profiles, set_start
from .procedure import RuleSet, calendar_for, load_rules
from .procedure.deadlines import DocumentFacts, compute_deadlines, events_from_documents
from .procedure.gates import GateRules, load_gates
from .sealing import SealingService, revision_digests

__all__ = ["Archive", "RenderFailed"]

log = logging.getLogger("anjuan.archive")


class RenderFailed(ArchiveError):
    code = "render_failed"


def _seal_role(role: str) -> str:
    role = {"机关印章": "organ", "公章": "organ", "行政执法专用章": "enforcement", "执法章": "enforcement"}.get(
        role, role
    )
    if role not in ("organ", "enforcement"):
        raise ValidationFailed(
            [
                FieldError(
                    "role",
                    "印章类型",
                    "seal type",
                    "应为机关印章或行政执法专用章",
                    "must be organ (机关印章) or enforcement (行政执法专用章)",
                )
            ]
        )
    return role


class Archive:
    def __init__(
        self,
        settings: Settings,
        *,
        converter: Converter | None = None,
        blobs: BlobStore | None = None,
        db: Database | None = None,
    ) -> None:
        self.settings = settings
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.db = db or Database(settings.db_url)
        self.catalogue: Catalogue = load_catalogue(settings.catalogue_path)
        self.clauses: ClauseSet = load_clauses(settings.clauses_path)
        profiles = load_profiles(settings.numbering_path)
        if settings.numbering_profile not in profiles:
            raise ArchiveError(
                f"编号方案“{settings.numbering_profile}”不存在",
                f"unknown numbering profile {settings.numbering_profile}",
                code="unknown_numbering_profile",
                details={"profiles": sorted(profiles)},
            )
        self.profile: NumberingProfile = profiles[settings.numbering_profile]
        self.blobs: BlobStore = blobs or FileBlobStore(settings.blob_dir)
        self.renderer = DocxRenderer()
        self.sealing = SealingService(settings, self.blobs)
        # Procedure rules (data): the gates every document passes before it takes a number.
        self.gates: GateRules | None = load_gates(settings.gates_path, catalogue=self.catalogue)
        if not settings.enforce_gates:
            log.warning("procedure gates are OFF (ANJUAN_ENFORCE_GATES=false): documents are issued in any order")
        self.deadline_rules: RuleSet = load_rules(settings.deadlines_path, catalogue=self.catalogue)
        # Gates need an answer for any date: years the holiday data does not cover yet count Mon–Fri
        # (deadlines computed on such years are flagged provisional by the deadline engine).
        self.calendar = calendar_for(self.deadline_rules)
        self._converter = converter
        self._owns_converter = converter is None
        self._converter_lock = threading.Lock()

    # -- lifecycle ------------------------------------------------------------------------------

    def migrate(self) -> None:
        upgrade(self.db)

    @property
    def converter(self) -> Converter:
        """The warm LibreOffice pool, started on first use (so read-only commands never pay for it)."""
        with self._converter_lock:
            if self._converter is None:
                options = ConverterOptions(
                    pool_size=self.settings.converter_pool_size,
                    timeout=self.settings.converter_timeout,
                    retries=self.settings.converter_retries,
                )
                pool = UnoPool(options)
                try:
                    pool.start()
                except TemplateError as exc:
                    raise ServiceUnavailable(exc.message_zh, exc.message_en, code=exc.code) from exc
                self._converter = pool
            return self._converter

    def close(self) -> None:
        if self._converter is not None and self._owns_converter:
            self._converter.close()
            self._converter = None
        self.db.dispose()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- catalogue ------------------------------------------------------------------------------

    def form(self, key: str) -> FormSpec:
        return resolve_form(self.catalogue, key)

    def _counter_start(self, counter: str) -> int:
        spec = next((c for c in self.catalogue.counters if c.id == counter), None)
        return spec.start if spec else 1

    # -- registry -------------------------------------------------------------------------------

    def create_org(self, *, actor: str, **data: Any) -> Organisation:
        with self.db.write() as s:
            return registry.create_org(s, actor=actor, **data)

    def create_officer(self, *, actor: str, **data: Any) -> Officer:
        with self.db.write() as s:
            return registry.create_officer(s, actor=actor, **data)

    def create_party(self, *, actor: str, **data: Any) -> Party:
        with self.db.write() as s:
            return registry.create_party(s, actor=actor, **data)

    def create_case(self, *, actor: str, **data: Any) -> Case:
        with self.db.write() as s:
            case = registry.create_case(s, actor=actor, **data)
            case.officers  # noqa: B018  (load before the session closes)
            return case

    def set_counter_start(self, *, actor: str, org_id: int, year: int, counter: str, start: int) -> None:
        known = {c.id for c in self.catalogue.counters}
        if counter not in known and not counter.startswith("code:"):
            raise ArchiveError(
                f"计数器{counter}不存在",
                f"unknown counter {counter}",
                code="unknown_counter",
                details={"counters": sorted(known)},
            )
        with self.db.write() as s:
            registry.get_org(s, org_id)
            set_start(s, org_id=org_id, year=year, counter=counter, start=start)
            events.record(
                s,
                actor=actor,
                entity="organisation",
                entity_id=org_id,
                action="counter_start_set",
                year=year,
                counter=counter,
                start=start,
            )

    # -- documents ------------------------------------------------------------------------------

    def create_draft(
        self,
        *,
        actor: str,
        case_id: int,
        form_key: str,
        fields: dict[str, Any],
        officer_ids: list[int] | None = None,
        parent_id: int | None = None,
        doc_date: dt.date | None = None,
    ) -> Document:
        with self.db.write() as s:
            return self._loaded(
                documents.create_draft(
                    s,
                    catalogue=self.catalogue,
                    actor=actor,
                    case_id=case_id,
                    form_key=form_key,
                    fields=fields,
                    officer_ids=officer_ids,
                    parent_id=parent_id,
                    doc_date=doc_date,
                )
            )

    def update_draft(self, *, actor: str, doc_id: int, **changes: Any) -> Document:
        with self.db.write() as s:
            return self._loaded(
                documents.update_draft(s, catalogue=self.catalogue, actor=actor, doc_id=doc_id, **changes)
            )

    def issue(self, *, actor: str, doc_id: int) -> Document:
        """签发 a saved draft: number, render, convert, store (see :mod:`archive.documents`)."""
        with self.db.write() as s:
            step = self._reserve(s, actor, doc_id)
        return self._complete(actor, step)

    def issue_new(self, *, actor: str, **request: Any) -> Document:
        """Create and issue in one call (same arguments as :meth:`create_draft`). The draft and its
        number are written in one transaction, so input that fails any check leaves no trace at all."""
        with self.db.write() as s:
            draft = documents.create_draft(s, catalogue=self.catalogue, actor=actor, complete=True, **request)
            step = self._reserve(s, actor, draft.id)
        return self._complete(actor, step)

    def _reserve(self, session: Any, actor: str, doc_id: int) -> documents.IssueStep:
        return documents.reserve_number(
            session,
            catalogue=self.catalogue,
            profile=self.profile,
            counter_start=self._counter_start,
            actor=actor,
            doc_id=doc_id,
            gates=self.gates if self.settings.enforce_gates else None,
            is_workday=self.calendar.lenient().is_working_day,
        )

    def _complete(self, actor: str, step: documents.IssueStep) -> Document:
        with self.db.read() as s:
            doc = documents.get_document(s, step.doc_id)
            form = self.form(doc.form_id)
            plan = self.sealing.plan(doc, form)
        docx, rendition = self.render(step.doc_id, pdf=True)
        assert rendition is not None
        sealed, signers = self.sealing.seal(self.db.write, plan, rendition, title=form.name)
        docx_sha = self.blobs.put(docx)
        rendition_sha = self.blobs.put(rendition)
        pdf_sha = self.blobs.put(sealed)
        revisions = [rendition_sha, *(d for d in revision_digests(sealed)[:-1] if d != rendition_sha)]
        with self.db.write() as s:
            doc = documents.finish_issue(
                s,
                actor=actor,
                step=step,
                docx_sha256=docx_sha,
                rendition_sha256=rendition_sha,
                pdf_sha256=pdf_sha,
                pages=documents.pdf_page_count(sealed),
                signatures=signers,
                revisions=revisions,
            )
            return self._loaded(doc)

    def submit(self, *, actor: str, doc_id: int, officer_id: int) -> Document:
        """报送审批: the handler sends a complete draft to the approval steps its form requires."""
        with self.db.write() as s:
            return self._loaded(
                approvals.submit(s, catalogue=self.catalogue, actor=actor, doc_id=doc_id, officer_id=officer_id)
            )

    def decide(
        self, *, actor: str, doc_id: int, officer_id: int, opinion: str, approve: bool, step: str | None = None
    ) -> Document:
        """审核/审批 the pending step (approve, or reject back to the handler with the reason)."""
        with self.db.write() as s:
            return self._loaded(
                approvals.decide(
                    s,
                    catalogue=self.catalogue,
                    actor=actor,
                    doc_id=doc_id,
                    officer_id=officer_id,
                    opinion=opinion,
                    approve=approve,
                    step=step,
                )
            )

    def approval_state(self, doc_id: int) -> dict[str, Any]:
        with self.db.read() as s:
            doc = documents.get_document(s, doc_id)
            form = self.form(doc.form_id)
            decisions = s.scalars(select(Approval).where(Approval.document_id == doc.id).order_by(Approval.id)).all()
            return {
                "status": doc.status,
                "round": doc.round,
                "steps": [a.value for a in form.approval],
                "pending_step": approvals.pending_step(s, doc, form) if doc.status == "submitted" else None,
                "decisions": [
                    {
                        "round": a.round,
                        "step": a.step,
                        "decision": a.decision,
                        "opinion": a.opinion,
                        "officer_id": a.officer_id,
                        "officer": a.officer.name,
                        "at": a.at.isoformat(),
                    }
                    for a in decisions
                ],
            }

    def discard_draft(self, *, actor: str, doc_id: int, reason: str) -> None:
        """Delete a draft that never got a number (nothing was issued, so nothing is lost)."""
        with self.db.write() as s:
            doc = documents.get_document(s, doc_id)
            if doc.status != "draft" or doc.number is not None:
                raise Conflict(
                    "只能删除尚无文号的草稿",
                    "only drafts without a number can be discarded",
                    code="cannot_discard",
                )
            events.record(s, actor=actor, entity="document", entity_id=doc.id, action="draft_discarded", reason=reason)
            s.delete(doc)

    def void(self, *, actor: str, doc_id: int, reason: str) -> Document:
        with self.db.write() as s:
            return self._loaded(documents.void_document(s, actor=actor, doc_id=doc_id, reason=reason))

    def render(self, doc_id: int, *, pdf: bool) -> tuple[bytes, bytes | None]:
        """DOCX (and PDF) of a document as it stands now: a preview for drafts."""
        with self.db.read() as s:
            doc = documents.get_document(s, doc_id)
            form = self.form(doc.form_id)
            context = documents.build_context(s, catalogue=self.catalogue, clauses=self.clauses, doc=doc)
        try:
            if form.template:
                docx = self.renderer.render(form.template, context)
            else:
                docx = self.renderer.render_generic(form.name, form.fields, context)
        except TemplateError as exc:
            raise RenderFailed(exc.message_zh, exc.message_en, details={"form": form.id}) from exc
        if not pdf:
            return docx, None
        try:
            return docx, self.converter.convert(docx, pdfa=self.settings.pdfa)
        except TemplateError as exc:
            if exc.code == "converter_unavailable":
                raise ServiceUnavailable(exc.message_zh, exc.message_en, code=exc.code) from exc
            raise RenderFailed(exc.message_zh, exc.message_en, code=exc.code, details={"form": form.id}) from exc

    def file(self, doc_id: int, kind: str) -> bytes:
        """The stored DOCX or PDF of an issued document."""
        with self.db.read() as s:
            doc = documents.get_document(s, doc_id)
            digest = doc.pdf_sha256 if kind == "pdf" else doc.docx_sha256
        if digest is None:
            raise Conflict(
                "文书尚未签发，没有存档文件",
                "the document has not been issued; no stored file",
                code="not_issued",
            )
        return self.blobs.get(digest)

    # -- seals and verification -----------------------------------------------------------------

    def pki_init(self, *, actor: str) -> dict[str, Any]:
        """Root, organisation seal keys (机关印章 and 行政执法专用章), officer keys and seal images —
        created where missing, never replaced (the development PKI; production imports its own)."""
        keys: list[dict[str, Any]] = []
        with self.db.read() as s:
            orgs = [(o.id, o.name) for o in registry.list_orgs(s)]
            officers = [(o.id, o.name, o.cert_no, o.org.name) for o in registry.list_officers(s)]
        for org_id, name in orgs:
            for role in ("organ", "enforcement"):
                key = self.sealing.org_key(org_id, name, role)
                self.sealing.seal_image(self.db.write, org_id, name, role)
                keys.append({"key": f"org-{org_id}-{role}", "label": key.label, "role": role})
        for officer_id, name, cert_no, org_name in officers:
            key = self.sealing.officer_key(officer_id, name, cert_no, org_name)
            keys.append({"key": f"officer-{officer_id}", "label": key.label, "role": "officer"})
        with self.db.write() as s:
            events.record(s, actor=actor, entity="pki", entity_id=0, action="pki_initialised", keys=len(keys))
        return {
            "directory": str(self.settings.key_dir.resolve()),
            "keys": keys,
            "root_certificate": self.sealing.root_certificate_pem().decode("ascii"),
        }

    def _key_owner(self, owner: str, owner_id: int, role: str | None) -> tuple[str, str, str]:
        """(key id, label, role) of an organisation seal or an officer's signing key."""
        with self.db.read() as s:
            if owner == "officer":
                officer = registry.get_officer(s, owner_id)
                return f"officer-{officer.id}", f"{officer.name} {officer.cert_no}", "officer"
            org = registry.get_org(s, owner_id)
            seal = _seal_role(role or "organ")
            return f"org-{org.id}-{seal}", f"{org.name} {ORG_UNIT_BY_ROLE[SealRole(seal)]}", seal

    def import_pkcs12(
        self,
        *,
        actor: str,
        owner: str,
        owner_id: int,
        role: str | None,
        data: bytes,
        passphrase: bytes,
        replace: bool = False,
    ) -> dict[str, Any]:
        """Use a bureau's own certificate (PKCS#12) instead of the development one."""
        key_id, label, seal = self._key_owner(owner, owner_id, role)
        try:
            handle = self.sealing.keystore.import_pkcs12(
                key_id, data, passphrase, SealRole(seal), label, replace=replace
            )
        except SigningError as exc:
            raise ArchiveError(exc.message_zh, exc.message_en, code=exc.code) from exc
        with self.db.write() as s:
            events.record(s, actor=actor, entity="pki", entity_id=owner_id, action="pkcs12_imported", key=key_id)
        return {"key": key_id, "label": handle.label, "role": seal}

    def register_pkcs11(
        self,
        *,
        actor: str,
        owner: str,
        owner_id: int,
        role: str | None,
        lib: str,
        token_label: str,
        key_label: str,
        pin_env_var: str,
        replace: bool = False,
    ) -> dict[str, Any]:
        """Sign with a key that stays on a PKCS#11 token/HSM; the PIN is read from ``pin_env_var``."""
        key_id, label, seal = self._key_owner(owner, owner_id, role)
        try:
            self.sealing.keystore.register_pkcs11(
                key_id, lib, token_label, key_label, pin_env_var, SealRole(seal), label, replace=replace
            )
        except SigningError as exc:
            raise ArchiveError(exc.message_zh, exc.message_en, code=exc.code) from exc
        with self.db.write() as s:
            events.record(
                s,
                actor=actor,
                entity="pki",
                entity_id=owner_id,
                action="pkcs11_registered",
                key=key_id,
                token=token_label,
                key_label=key_label,
            )
        return {"key": key_id, "label": label, "role": seal}

    def list_keys(self) -> list[dict[str, Any]]:
        return [
            {
                "key": k.key_id,
                "label": k.label,
                "role": str(k.role),
                "subject": k.subject,
                "not_after": k.not_after.isoformat() if k.not_after else None,
                "source": str(k.source),
            }
            for k in self.sealing.keystore.list()
        ]

    # -- procedure ------------------------------------------------------------------------------

    def deadlines(self, case_id: int, *, today: dt.date | None = None) -> list[dict[str, Any]]:
        """程序时限 of a case, computed from its issued documents under the rules in force when it opened."""
        with self.db.read() as s:
            case = registry.get_case(s, case_id)
            return [d.to_dict() for d in self._deadlines(s, case, today or documents.today())]

    def _deadlines(self, session: Any, case: Case, today: dt.date) -> list[Any]:
        docs = documents.list_documents(session, case_id=case.id)
        facts = [
            DocumentFacts(
                id=d.id, form_id=d.form_id, number=d.number, status=d.status, doc_date=d.doc_date, fields=dict(d.fields)
            )
            for d in docs
        ]
        dated = [d.doc_date for d in docs if d.doc_date and d.status == "issued"]
        filing = next((d.doc_date for d in docs if d.form_id == "case_filing_approval" and d.status == "issued"), None)
        opened = filing or (min(dated) if dated else case.created_at.date())
        events = events_from_documents(facts, case.procedure, rules=self.deadline_rules)
        return compute_deadlines(
            events, self.deadline_rules, procedure=case.procedure, opened_on=opened, today=today, calendar=self.calendar
        )

    def due(self, *, days: int, today: dt.date | None = None, org_id: int | None = None) -> list[dict[str, Any]]:
        """What falls due within ``days`` or is overdue, across open cases (of ``org_id`` and below)."""
        today = today or documents.today()
        out: list[dict[str, Any]] = []
        with self.db.read() as s:
            for case in registry.list_cases(s, org_id=org_id):
                for d in self._deadlines(s, case, today):
                    if d.due is None or d.status not in ("pending", "due_soon", "overdue"):
                        continue
                    if d.status == "overdue" or (d.due - today).days <= days:
                        out.append({"case_id": case.id, "case": case.name, **d.to_dict()})
        return sorted(out, key=lambda r: (r["due"], r["case_id"]))

    def audit_verify(self) -> dict[str, Any]:
        """Recompute the event log's hash chain; names the first entry that does not fit."""
        with self.db.read() as s:
            return verify_chain(s).to_dict()

    def verify(self, pdf: bytes) -> dict[str, Any]:
        with self.db.read() as s:
            return self.sealing.verify(s, pdf)

    def seal_image(self, org_id: int, role: str) -> bytes:
        with self.db.read() as s:
            org = registry.get_org(s, org_id)
            name = org.name
        return self.sealing.seal_image(self.db.write, org_id, name, _seal_role(role))

    def upload_seal_image(self, *, actor: str, org_id: int, role: str, data: bytes) -> str:
        with self.db.write() as s:
            registry.get_org(s, org_id)
            return self.sealing.upload_seal_image(s, actor=actor, org_id=org_id, role=_seal_role(role), data=data)

    def document(self, doc_id: int) -> Document:
        with self.db.read() as s:
            return self._loaded(documents.get_document(s, doc_id))

    def documents(self, *, case_id: int | None = None, org_id: int | None = None) -> list[Document]:
        with self.db.read() as s:
            return [self._loaded(d) for d in documents.list_documents(s, case_id=case_id, org_id=org_id)]

    @staticmethod
    def _loaded(doc: Document) -> Document:
        # Touch the relationships callers read after the session closes.
        doc.officers  # noqa: B018
        doc.case.org  # noqa: B018
        doc.case.party  # noqa: B018
        doc.parent  # noqa: B018
        return doc
