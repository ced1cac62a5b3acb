"""执法文书 lifecycle: draft → (preview) → issue (number, render, convert, store) → void.

Issuing runs in three steps so that slow rendering never holds the number lock:

1. a short write transaction takes the 文号 and stamps it on the document (it stays a draft);
2. the DOCX is rendered and converted to PDF outside any transaction;
3. a short write transaction stores the digests and marks the document issued.

If step 2 fails the draft keeps its number and the next attempt reuses it: a number is never
given to two documents, and none disappears silently (a number that is taken is always on a
document, issued, voided or still waiting to be issued). Bad input is refused before step 1, so it
never consumes a number.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from .. import bounds, events
from ..catalogue import Catalogue, FormSpec, resolve_form
from ..catalogue.model import CaseKind, Procedure
from ..clock import today as beijing_today
from ..errors import Conflict, FieldError, NotFound, ValidationFailed
from ..fields import DEFAULT_FIELD_LIMITS, FieldLimits, validate_fields
from ..identifiers import distinct_ids
from ..models import Case, Document, DocumentRevision, Officer
from ..numbering import NumberingProfile, format_number, next_value
from ..procedure.gates import GateRefused, GateRules, check_gates, default_is_workday
from ..procedure.stored import facts_of_case
from ..registry import get_case, get_officer
from .approvals import ApprovalRules, pending_step, step_name

__all__ = [
    "IssueStep",
    "check_not_future",
    "create_draft",
    "finish_issue",
    "get_document",
    "list_documents",
    "numbered_draft_clause",
    "numbered_drafts",
    "reserve_number",
    "update_draft",
    "void_document",
]


def get_document(session: Session, doc_id: int) -> Document:
    doc = session.get(Document, doc_id)
    if doc is None:
        raise NotFound(f"文书{doc_id}不存在", f"document {doc_id} not found", code="document_not_found")
    return doc


def list_documents(session: Session, *, case_id: int | None = None, org_id: int | None = None) -> list[Document]:
    query = select(Document).order_by(Document.id)
    if case_id is not None:
        query = query.where(Document.case_id == case_id)
    if org_id is not None:
        query = query.where(Document.org_id == org_id)
    return list(session.scalars(query))


def _check_form_fits_case(form: FormSpec, case: Case) -> None:
    if CaseKind(case.kind) not in form.case_kinds:
        kinds = "、".join({"inspection": "检查", "penalty": "行政处罚案件"}[k.value] for k in form.case_kinds)
        raise Conflict(
            f"《{form.name}》只能用于{kinds}，不能用于本案（{case.name}）",
            f"form {form.id} belongs to {', '.join(k.value for k in form.case_kinds)} cases, "
            f"not to case {case.id} ({case.kind})",
            code="form_not_allowed_in_case",
            details={"form": form.id, "case_id": case.id, "case_kind": case.kind},
        )
    if form.party_kind is not None and case.party.kind != form.party_kind:
        party = {"organisation": "单位", "person": "个人"}
        wanted, actual = party[form.party_kind], party.get(case.party.kind, "")
        raise Conflict(
            f"《{form.name}》只能用于{wanted}当事人，本案当事人{case.party.name}是{actual}",
            f"form {form.id} is for a party that is a {form.party_kind}; {case.party.name} is a {case.party.kind}",
            code="form_not_for_party",
            details={"form": form.id, "case_id": case.id, "party_kind": case.party.kind},
        )
    if Procedure(case.procedure) not in form.procedures:
        raise Conflict(
            f"《{form.name}》不适用于{'简易程序' if case.procedure == 'simple' else '一般程序'}案件",
            f"form {form.id} is not used in the {case.procedure} procedure",
            code="form_not_allowed_in_procedure",
            details={"form": form.id, "case_id": case.id, "procedure": case.procedure},
        )
    if case.status != "open":
        raise Conflict("案件已结案，不能再制作文书", "the case is closed", code="case_closed")


def check_not_future(doc_date: dt.date | None, today: dt.date) -> None:
    """A document cannot be dated after the day it is made: a later date would put it, and its 文号,
    in a period that has not begun (and let it pass gates against documents not yet made)."""
    bounds.check_date(doc_date, "doc_date", "文书日期", "document date")
    if doc_date is not None and doc_date > today:
        raise ValidationFailed(
            [
                FieldError(
                    "doc_date",
                    "文书日期",
                    "document date",
                    f"不能晚于今天（{today.isoformat()}）：{doc_date.isoformat()}",
                    f"cannot be after today ({today.isoformat()}): {doc_date.isoformat()}",
                )
            ]
        )


def _resolve_officers(session: Session, case: Case, officer_ids: list[int] | None) -> list[Officer]:
    if officer_ids is None:
        return list(case.officers)
    ids = distinct_ids(officer_ids, "officer_ids", "执法人员", "officers")
    officers = [get_officer(session, i) for i in ids]
    for officer in officers:
        if officer.org_id != case.org_id:
            raise Conflict(
                f"执法人员{officer.name}不属于本案机关",
                f"officer {officer.name} is not in the case's organisation",
                code="officer_wrong_org",
            )
    return officers


def create_draft(
    session: Session,
    *,
    catalogue: Catalogue,
    actor: str,
    case_id: int,
    form_key: str,
    fields: dict[str, Any],
    officer_ids: list[int] | None = None,
    parent_id: int | None = None,
    doc_date: dt.date | None = None,
    complete: bool = False,
    today: dt.date | None = None,
    limits: FieldLimits = DEFAULT_FIELD_LIMITS,
) -> Document:
    """Save a draft; with ``complete`` (issuing at once) missing required fields are errors too.
    ``today`` is the kernel's date (the system's Beijing date if not given)."""
    check_not_future(doc_date, today or beijing_today())
    form = resolve_form(catalogue, form_key)
    case = get_case(session, case_id)
    _check_form_fits_case(form, case)
    clean = validate_fields(form, fields, require=complete, limits=limits)
    officers = _resolve_officers(session, case, officer_ids)
    parent = _check_parent(session, case, parent_id) if parent_id is not None else None
    doc = Document(
        org_id=case.org_id,
        case_id=case.id,
        form_id=form.id,
        status="draft",
        fields=clean,
        doc_date=doc_date,
        created_by=actor,
        officers=officers,
        parent=parent,
    )
    session.add(doc)
    session.flush()
    events.record(
        session,
        actor=actor,
        entity="document",
        entity_id=doc.id,
        action="draft_created",
        case_id=case.id,
        form=form.id,
        fields=clean,
        officer_ids=[o.id for o in officers],
    )
    return doc


def _check_parent(session: Session, case: Case, parent_id: int) -> Document:
    parent = get_document(session, parent_id)
    if parent.case_id != case.id:
        raise Conflict(
            "引用的文书不属于本案",
            "the referenced document belongs to another case",
            code="parent_wrong_case",
        )
    return parent


def update_draft(
    session: Session,
    *,
    catalogue: Catalogue,
    actor: str,
    doc_id: int,
    fields: dict[str, Any] | None = None,
    officer_ids: list[int] | None = None,
    doc_date: dt.date | None = None,
    today: dt.date | None = None,
    limits: FieldLimits = DEFAULT_FIELD_LIMITS,
) -> Document:
    check_not_future(doc_date, today or beijing_today())
    doc = get_document(session, doc_id)
    if doc.status != "draft":
        raise Conflict(
            "只有草稿可以修改",
            "only drafts can be edited",
            code="not_a_draft",
            details={"status": doc.status},
        )
    form = resolve_form(catalogue, doc.form_id)
    changes: dict[str, Any] = {}
    if fields is not None:
        doc.fields = validate_fields(form, {**doc.fields, **fields}, require=False, limits=limits)
        changes["fields"] = fields
    if officer_ids is not None:
        doc.officers = _resolve_officers(session, doc.case, officer_ids)
        changes["officer_ids"] = officer_ids
    if doc_date is not None:
        doc.doc_date = doc_date
        changes["doc_date"] = doc_date
    events.record(session, actor=actor, entity="document", entity_id=doc.id, action="draft_updated", **changes)
    return doc


# -- issuing ------------------------------------------------------------------------------------


def _find_parent(session: Session, doc: Document, parents: tuple[str, ...]) -> Document | None:
    if doc.parent is not None and doc.parent.form_id in parents and doc.parent.seq is not None:
        return doc.parent
    candidates = session.scalars(
        select(Document)
        .where(
            Document.case_id == doc.case_id,
            Document.form_id.in_(parents),
            Document.status == "issued",
            Document.id != doc.id,
        )
        .order_by(Document.issued_at.desc(), Document.id.desc())
    ).all()
    for form_id in parents:  # earlier parents in the list are preferred
        for candidate in candidates:
            if candidate.form_id == form_id:
                return candidate
    return None


def _repeat_suffix(session: Session, doc: Document, year: int, seq: int) -> int | None:
    """-n for the n-th document of one form sharing a 序号 (several 询问通知书 in one case)."""
    taken = (
        session.scalar(
            select(func.count())
            .select_from(Document)
            .where(
                Document.org_id == doc.org_id,
                Document.form_id == doc.form_id,
                Document.year == year,
                Document.seq == seq,
                Document.id != doc.id,
            )
        )
        or 0
    )
    return taken + 1 if taken else None


@dataclass(frozen=True)
class IssueStep:
    """What step 1 of issuing decided; step 3 checks the document is still the same version."""

    doc_id: int
    version: int
    number: str


def validate_for_issue(
    session: Session, *, catalogue: Catalogue, doc: Document, limits: FieldLimits = DEFAULT_FIELD_LIMITS
) -> FormSpec:
    form = resolve_form(catalogue, doc.form_id)
    _check_form_fits_case(form, doc.case)
    validate_fields(form, doc.fields, require=True, limits=limits)  # sizes too: checked before rendering
    certified = [o for o in doc.officers if o.cert_no]
    if len(certified) < form.min_officers:
        raise ValidationFailed(
            [
                FieldError(
                    "officers",
                    "执法人员",
                    "officers",
                    f"至少需要{form.min_officers}名持执法证的执法人员，现有{len(certified)}名",
                    f"needs at least {form.min_officers} officers with certificates, has {len(certified)}",
                )
            ],
            code="too_few_officers",
        )
    return form


def check_procedure(
    session: Session, *, gates: GateRules | None, doc: Document, is_workday: Callable[[dt.date], bool]
) -> None:
    """Refuse (409) a document whose prerequisites in the case are missing — before it takes a number."""
    if gates is None:
        return
    assert doc.doc_date is not None
    facts = facts_of_case(session, doc.case, exclude=doc.id)
    findings = check_gates(
        gates, doc.form_id, doc.fields, facts, on=doc.doc_date, parent_id=doc.parent_id, is_workday=is_workday
    )
    if findings:
        raise GateRefused(doc.form_id, findings)


def reserve_number(
    session: Session,
    *,
    catalogue: Catalogue,
    profile: NumberingProfile,
    counter_start: Callable[[str], int],
    actor: str,
    doc_id: int,
    gates: GateRules | None = None,
    is_workday: Callable[[dt.date], bool] | None = None,
    approval_rules: ApprovalRules | None = None,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
    limits: FieldLimits = DEFAULT_FIELD_LIMITS,
) -> IssueStep:
    """Step 1: validate and check the procedure, then give the draft its 文号 (reused if it has one).
    A draft without a date is dated ``today`` (the kernel's clock; the system's Beijing date if not given)."""
    doc = get_document(session, doc_id)
    if doc.status not in ("draft", "submitted"):
        raise Conflict(
            f"文书状态为{_STATUS_ZH.get(doc.status, doc.status)}，不能签发",
            f"document is {doc.status}, cannot issue",
            code="not_a_draft",
            details={"status": doc.status},
        )
    form = validate_for_issue(session, catalogue=catalogue, doc=doc, limits=limits)
    if form.approval:
        step = pending_step(session, doc, form) if doc.status == "submitted" else form.approval[0].value
        if doc.status != "submitted" or step is not None:
            raise Conflict(
                f"《{form.name}》须经内部审批后签发，尚待{step_name(step, approval_rules)}",
                f"{form.id} must be approved before it is issued; pending step: {step}",
                code="approval_required",
                details={"pending_step": step, "status": doc.status},
            )
    elif doc.status != "draft":
        raise Conflict("文书状态不能签发", f"document is {doc.status}, cannot issue", code="not_a_draft")
    if doc.doc_date is None:
        doc.doc_date = today or beijing_today()
    check_not_future(doc.doc_date, today or beijing_today())
    check_procedure(session, gates=gates, doc=doc, is_workday=is_workday or default_is_workday)
    rule = profile.rule_for(form)
    if rule is not None and doc.seq is None:
        org = doc.case.org
        if rule.source == "case":
            # Lock the case row: its shared number is taken once, by whoever comes first.
            case = session.get(Case, doc.case_id, with_for_update=True, populate_existing=True)
            assert case is not None
            if case.shared_seq is None:
                case.shared_year = doc.doc_date.year
                case.shared_seq = next_value(
                    session,
                    org_id=org.id,
                    year=case.shared_year,
                    counter=rule.counter,
                    start=counter_start(rule.counter),
                )
                events.record(
                    session,
                    actor=actor,
                    entity="case",
                    entity_id=case.id,
                    action="case_number_taken",
                    year=case.shared_year,
                    seq=case.shared_seq,
                    counter=rule.counter,
                )
            year, seq, counter = case.shared_year, case.shared_seq, rule.counter
            assert year is not None
        else:
            parent = _find_parent(session, doc, rule.parents) if rule.source == "inherit" else None
            if parent is not None:
                assert parent.year is not None and parent.seq is not None
                year, seq, counter = parent.year, parent.seq, f"inherit:{parent.form_id}"
                if doc.parent is None:
                    doc.parent = parent
            else:
                year, counter = doc.doc_date.year, rule.counter
                seq = next_value(session, org_id=org.id, year=year, counter=counter, start=counter_start(counter))
        doc.year, doc.seq, doc.counter = year, seq, counter
        doc.suffix = _repeat_suffix(session, doc, year, seq) if rule.source != "counter" else None
        assert form.code is not None
        doc.number = format_number(org.area, org.code, form.code, year, seq, doc.suffix)
        doc.numbered_at = now or dt.datetime.now(dt.UTC)
        events.record(
            session,
            actor=actor,
            entity="document",
            entity_id=doc.id,
            action="number_assigned",
            number=doc.number,
            counter=counter,
            year=year,
            seq=seq,
            suffix=doc.suffix,
        )
    session.flush()
    return IssueStep(doc_id=doc.id, version=doc.version, number=doc.number or "")


_STATUS_ZH = {"draft": "草稿", "submitted": "审批中", "issued": "已签发", "voided": "已作废"}


def numbered_draft_clause(before: dt.datetime) -> ColumnElement[bool]:
    """Drafts that took a 文号 before ``before`` and were never issued: holes in the number sequence
    until someone completes them (issue again: same number) or voids them (作废 request)."""
    return and_(
        Document.number.is_not(None),
        Document.status.in_(("draft", "submitted")),
        Document.numbered_at < before,
    )


def numbered_drafts(session: Session, *, before: dt.datetime, where: Any = None) -> list[Document]:
    """The documents of :func:`numbered_draft_clause`, the longest-held first."""
    query = select(Document).where(numbered_draft_clause(before)).order_by(Document.numbered_at, Document.id)
    if where is not None:
        query = query.where(where)
    return list(session.scalars(query))


def finish_issue(
    session: Session,
    *,
    actor: str,
    step: IssueStep,
    docx_sha256: str,
    rendition_sha256: str,
    pdf_sha256: str,
    pages: int,
    signatures: list[dict[str, Any]],
    revisions: list[str],
    now: dt.datetime | None = None,
) -> Document:
    """Step 3: record the stored files (DOCX, rendition, sealed PDF) and mark the document issued
    (at ``now``, the kernel's clock; the system's if not given)."""
    doc = get_document(session, step.doc_id)
    if doc.status == "issued" and (doc.number or "") == step.number:
        # Two attempts completed the same numbered draft at once (a client's retry while the first
        # was still converting): the first to commit stands, the second answers with it.
        return doc
    if doc.version != step.version or doc.status not in ("draft", "submitted"):
        raise Conflict(
            "文书在签发过程中被修改，请重试", "the document changed while being issued; retry", code="concurrent_change"
        )
    doc.docx_sha256, doc.rendition_sha256, doc.pdf_sha256, doc.pages = docx_sha256, rendition_sha256, pdf_sha256, pages
    doc.signatures = signatures
    doc.status = "issued"
    doc.issued_by = actor
    doc.issued_at = now or dt.datetime.now(dt.UTC)
    for index, digest in enumerate(revisions):
        if session.get(DocumentRevision, digest) is None:
            session.add(DocumentRevision(sha256=digest, document_id=doc.id, revision=index))
    session.flush()
    events.record(
        session,
        actor=actor,
        entity="document",
        entity_id=doc.id,
        action="issued",
        number=doc.number,
        pdf_sha256=pdf_sha256,
        rendition_sha256=rendition_sha256,
        docx_sha256=docx_sha256,
        pages=pages,
        signers=[f"{s['role']}:{s['name']}" for s in signatures],
    )
    return doc


def void_document(session: Session, *, actor: str, doc_id: int, reason: str) -> Document:
    """作废: the document keeps its number (so the sequence shows no silent gap) and is marked void."""
    if not (reason or "").strip():
        raise ValidationFailed([FieldError("reason", "作废原因", "reason", "必填", "is required")])
    doc = get_document(session, doc_id)
    if doc.status == "voided":
        raise Conflict("文书已作废", "the document is already void", code="already_voided")
    if doc.status == "draft" and doc.number is None:
        raise Conflict(
            "草稿尚无文号，直接删除草稿即可",
            "a draft without a number is discarded, not voided",
            code="void_unnumbered_draft",
        )
    doc.status = "voided"
    doc.voided_by = actor
    doc.voided_at = dt.datetime.now(dt.UTC)
    doc.void_reason = reason.strip()
    session.flush()
    events.record(
        session,
        actor=actor,
        entity="document",
        entity_id=doc.id,
        action="voided",
        number=doc.number,
        reason=doc.void_reason,
    )
    return doc


def pdf_page_count(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)
