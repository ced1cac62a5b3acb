"""案卷评查 as the reviewer runs it (``archive.reviews``): gather the case as issued, read its volume
back, run the items of ``items.yaml`` and record the result."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from .. import bounds, events
from ..access import Principal, require, require_case
from ..casefile.order import volume_kind
from ..casefile.service import CaseFileService
from ..catalogue import resolve_form
from ..errors import DatabaseBusy, FieldError, Forbidden, NotFound, ValidationFailed
from ..kernel import Kernel
from ..models import Attachment, CaseFile, Document, Event, GuidanceOpinion, Organisation
from ..numbering import format_number, next_value, peek_value
from ..procedure.service import ProcedureService
from ..procedure.stored import case_facts
from ..sealing import SealPlan
from .checks import AttachmentFacts, DocInfo, PartyFacts, ReviewInput
from .engine import Assessment, ReviewRules, run_review
from .report import GuidanceView, ReviewedVolume, ReviewReport

__all__ = ["ReviewService"]


class ReviewService:
    def __init__(self, kernel: Kernel, *, casefiles: CaseFileService, procedure: ProcedureService) -> None:
        self.kernel = kernel
        self.casefiles = casefiles
        self.procedure = procedure
        self.rules: ReviewRules = kernel.rules.review_items

    def review(self, *, actor: Principal, case_id: int) -> ReviewReport:
        kernel = self.kernel
        with kernel.db.read() as s:
            case = require_case(s, actor, case_id)
            kind = volume_kind(case.kind, case.procedure)
            rows = list(
                s.scalars(
                    select(Document)
                    .where(Document.case_id == case_id, Document.status == "issued")
                    .order_by(Document.id)
                )
            )
            # One reading of the documents: the gates replay reads the facts the other checks see.
            facts = case_facts(case, rows)
            docs = []
            for d, doc_facts in zip(rows, facts.documents, strict=True):
                form = resolve_form(kernel.rules.catalogue, d.form_id)
                assert d.pdf_sha256 is not None
                docs.append(
                    DocInfo(
                        facts=doc_facts,
                        name=form.name,
                        officers=tuple((o.name, o.cert_no or "") for o in d.officers),
                        pdf=kernel.blobs.get(d.pdf_sha256),
                        handler_signatures=form.handler_signatures,
                        numbered=form.numbered,
                        org_id=d.org_id,
                        seq=d.seq,
                        year=d.year,
                        counter=d.counter,
                    )
                )
            counter_seqs: dict[tuple[str, int], list[int]] = {}
            for counter, year, seq in s.execute(
                select(Document.counter, Document.year, Document.seq).where(
                    Document.org_id == case.org_id, Document.seq.is_not(None), Document.counter.is_not(None)
                )
            ):
                counter_seqs.setdefault((counter, year), []).append(seq)
            today = self.kernel.clock.today()
            # A closed case is judged as of its closing date: the score of a closed file must not
            # change with the day it is reviewed (a publication due after closing is not "overdue"
            # a year later). An open case is judged as of today, and its rating is never final.
            closed = case.status == "closed"
            as_of = case.closed_on if closed and case.closed_on is not None else today
            deadlines = tuple(d.to_dict() for d in self.procedure.deadlines_of(s, case, as_of))
            assessments = _assessments(s, case_id)
            volume_row = s.scalars(
                select(CaseFile).where(CaseFile.case_id == case_id).order_by(CaseFile.version.desc())
            ).first()
            pages = {
                int(e["key"].split(":")[1]): e["start"]
                for e in (volume_row.entries if volume_row else [])
                if str(e.get("key", "")).startswith("document:")
            }
            # The party as registered and the evidence on file: what the consistency checks compare
            # the documents with (当事人名称、代码; 缴款凭证 before 结案).
            party = PartyFacts(
                kind=case.party.kind,
                name=case.party.name,
                credit_code=case.party.credit_code or "",
                id_number=case.party.id_number or "",
            )
            attachments = tuple(
                AttachmentFacts(kind=a.kind, title=a.title, date=a.date)
                for a in s.scalars(
                    select(Attachment)
                    .where(Attachment.case_id == case_id, Attachment.status == "active")
                    .order_by(Attachment.id)
                )
            )
            categories = self.casefiles.order.categories(case.org.name, kind)
            position = {item: i for i, c in enumerate(categories) for item in c.items}
            data = ReviewInput(
                case_id=case.id,
                case=facts,
                volume_kind=kind,
                review_body=case.org.review_body,
                court=case.org.court,
                docs=tuple(docs),
                deadlines=deadlines,
                gates=kernel.rules.gates,
                is_workday=kernel.rules.calendar.lenient().is_working_day,
                catalogue=kernel.rules.catalogue,
                verify=kernel.verify,
                counter_seqs=counter_seqs,
                as_of=as_of,
                org_id=case.org_id,
                org_level=case.org.level,
                volume=kernel.blobs.get(volume_row.sha256) if volume_row else None,
                category_of=lambda form_id: position.get(form_id, len(categories)),
                party=party,
                attachments=attachments,
            )
        if data.volume is not None:
            from anjuan.templates.volume.check import check_volume

            data = ReviewInput(**{**data.__dict__, "volume_check": check_volume(data.volume)})
        scored = run_review(self.rules, data, pages=pages, assessments=assessments, closed=closed)
        report = ReviewReport(
            **dict(scored),
            case=case.name,
            reviewed_by=actor.name,
            reviewed_on=today,
            casefile=ReviewedVolume(version=volume_row.version, sha256=volume_row.sha256, pages=volume_row.pages)
            if volume_row
            else None,
        )
        with kernel.db.write() as s:
            events.record(
                s,
                actor=actor.name,
                entity="case",
                entity_id=case_id,
                action="reviewed",
                score=report.score,
                rating=report.rating,
                findings=len(report.findings),
                veto=report.veto,
                final=report.final,
                pending_items=report.pending_items,
            )
        return report

    def assess(self, *, actor: Principal, case_id: int, item_id: str, points: float, reason: str) -> ReviewReport:
        """人工评查: a reviewer scores a manual item (事实是否清楚, 证据是否充分 …) with a reason.

        Stored as a ``review_assessed`` event of the case — the hash-chained log is append-only, so
        every assessment and who changed it stays on record; the latest one per item counts. Returns
        the report as it reads afterwards."""
        require(actor, "review")
        item = self.rules.item(item_id)
        errors: list[FieldError] = []
        if item is None or not item.manual:
            manual = [i.id for i in self.rules.items if i.manual]
            errors.append(
                FieldError(
                    "item",
                    "评查项目",
                    "item",
                    f"{item_id}不是人工评查项（人工评查项：{'、'.join(manual)}）",
                    f"{item_id} is not a manual review item (manual items: {', '.join(manual)})",
                )
            )
            raise ValidationFailed(errors, code="review_item_not_manual")
        top = item.points or 0.0
        if isinstance(points, bool) or not isinstance(points, int | float) or not 0 <= points <= top:
            errors.append(
                FieldError(
                    "points", "得分", "points", f"须在0至{top:g}分之间", f"must be between 0 and {top:g}", {"max": top}
                )
            )
        reason = (reason or "").strip()
        if not reason:
            errors.append(FieldError("reason", "评分理由", "reason", "必须填写", "is required"))
        if errors:
            raise ValidationFailed(errors, code="review_assessment_invalid")
        with self.kernel.db.write() as s:
            require_case(s, actor, case_id)
            events.record(
                s,
                actor=actor.name,
                entity="case",
                entity_id=case_id,
                action=_ASSESSED,
                item=item_id,
                points=float(points),
                max=top,
                reason=reason,
                on=self.kernel.clock.today(),
            )
        return self.review(actor=actor, case_id=case_id)

    def guidance_pdf(self, *, actor: Principal, guidance_id: int) -> bytes:
        """The sealed 指导意见书: readable by the issuing bureau and by the reviewed case's scope."""
        with self.kernel.db.read() as s:
            row = s.get(GuidanceOpinion, guidance_id)
            if row is None or not (actor.sees_org(row.org_id) or _sees_case(s, actor, row.case_id)):
                raise NotFound(f"指导意见书{guidance_id}不存在", f"guidance opinion {guidance_id} not found")
            digest = row.pdf_sha256
        return self.kernel.blobs.get(digest)

    def guidance(
        self,
        *,
        actor: Principal,
        case_id: int,
        reply_by: dt.date,
        contact: str = "",
        phone: str = "",
    ) -> GuidanceView:
        """安全生产执法指导意见书 (seed 001): the reviewing bureau's numbered, sealed opinion to the
        bureau whose case was reviewed, listing the review's findings with their pages."""
        bounds.check_date(reply_by, "reply_by", "整改结果报告期限", "reply by")
        require(actor, "guide")
        kernel = self.kernel
        if actor.org_id is None:
            raise Forbidden(
                "指导意见书须由机关用户出具", "a guidance opinion is issued by a bureau's user", code="not_permitted"
            )
        with kernel.db.read() as s:
            case = require_case(s, actor, case_id)
            if case.org_id == actor.org_id:
                raise Forbidden(
                    "指导意见书由上级机关出具，不能对本机关出具",
                    "a guidance opinion goes from a superior bureau to the one below it",
                    code="not_permitted",
                )
            addressee, subject = case.org.name, f"{case.name}{('，档号' + case.file_no) if case.file_no else ''}"
        report = self.review(actor=actor, case_id=case_id)
        problems = []
        for f in report.findings:
            page = f"，卷内第{f.page}页" if f.page else ""
            problems.append(f"{f.message_zh}（{f.name}，扣{f.deduct:g}分{page}）。请予纠正，并举一反三。")
        today = self.kernel.clock.today()
        with kernel.db.read() as s:
            org = s.get(Organisation, actor.org_id)
            assert org is not None
            org_id, org_name, area, code = org.id, org.name, org.area, org.code
        # The 文号 is written into the document before it is converted and sealed, but taken only in
        # the transaction that records the opinion: a failed attempt (LibreOffice down, the disk
        # read-only) leaves no hole in the sequence. The number is read ahead and checked when taken;
        # should another opinion of the bureau have taken it meanwhile, the next one is used instead.
        for _attempt in range(_GUIDANCE_ATTEMPTS):
            with kernel.db.read() as s:
                seq = peek_value(s, org_id=org_id, year=today.year, counter="guidance", start=1)
            number = format_number(area, code, "指导", today.year, seq)
            from anjuan.templates.guidance import GuidanceOpinion as TemplatesGuidance  # python-docx: on use
            from anjuan.templates.guidance import guidance_docx

            opinion = TemplatesGuidance(
                org_name=org_name,
                number=number,
                addressee=addressee,
                checked_on=today,
                subject=f"{subject}；评查得分{report.score:g}分，{report.rating}",
                problems=problems,
                reply_by=reply_by,
                contact=contact,
                phone=phone,
                issued_on=today,
            )
            docx = guidance_docx(opinion)
            publisher = kernel.publisher  # 转换 → 签章 → 存储, as for every generated document
            pdf = publisher.convert(docx, details={"case_id": case_id})
            plan = SealPlan(org_id=org_id, org_name=org_name, officers=(), seal_role="organ", visible_seal=True)
            sealed, _signers = publisher.seal(plan, pdf, title="安全生产执法指导意见书")
            docx_sha, pdf_sha = publisher.store(docx, sealed)
            try:
                return self._record_guidance(
                    actor=actor,
                    case_id=case_id,
                    org_id=org_id,
                    year=today.year,
                    seq=seq,
                    number=number,
                    reply_by=reply_by,
                    report=report,
                    docx_sha=docx_sha,
                    pdf_sha=pdf_sha,
                    findings=len(problems),
                )
            except _NumberTaken:
                continue  # taken meanwhile: the transaction gave it back; render with the next one
        raise DatabaseBusy(
            "指导意见书文号被并发占用，请重试",
            "the guidance number was taken by concurrent opinions several times; try again",
            code="database_conflict",
        )

    def _record_guidance(
        self,
        *,
        actor: Principal,
        case_id: int,
        org_id: int,
        year: int,
        seq: int,
        number: str,
        reply_by: dt.date,
        report: ReviewReport,
        docx_sha: str,
        pdf_sha: str,
        findings: int,
    ) -> GuidanceView:
        """Take the number the document was made with, and record the opinion, in one transaction."""
        recorded = report.to_json()  # the report's one JSON form; the opinion keeps the parts it rests on
        with self.kernel.db.write() as s:
            if next_value(s, org_id=org_id, year=year, counter="guidance", start=1) != seq:
                raise _NumberTaken
            events.record(
                s, actor=actor.name, entity="case", entity_id=case_id, action="guidance_number_taken", number=number
            )
            row = GuidanceOpinion(
                org_id=org_id,
                case_id=case_id,
                year=year,
                seq=seq,
                number=number,
                reply_by=reply_by,
                review={k: recorded[k] for k in ("score", "rating", "veto", "findings")},
                docx_sha256=docx_sha,
                pdf_sha256=pdf_sha,
                issued_by=actor.name,
            )
            s.add(row)
            s.flush()
            events.record(
                s,
                actor=actor.name,
                entity="case",
                entity_id=case_id,
                action="guidance_issued",
                guidance_id=row.id,
                number=number,
                pdf_sha256=pdf_sha,
                findings=findings,
            )
            return GuidanceView.of(row)


#: the event a reviewer's score of a manual item is stored as (see ReviewService.assess)
_ASSESSED = "review_assessed"


def _assessments(session: Any, case_id: int) -> dict[str, Assessment]:
    """The latest reviewer's score per manual item of the case, read from the event log."""
    out: dict[str, Assessment] = {}
    rows = session.scalars(
        select(Event)
        .where(Event.entity == "case", Event.entity_id == case_id, Event.action == _ASSESSED)
        .order_by(Event.id)
    )
    for row in rows:
        data = row.data or {}
        out[str(data["item"])] = Assessment(
            points=float(data["points"]),
            reason=str(data.get("reason", "")),
            by=row.actor,
            on=dt.date.fromisoformat(str(data["on"])) if data.get("on") else row.at.date(),
        )
    return out


class _NumberTaken(Exception):
    """The read-ahead guidance number was taken by another opinion before this one was recorded."""


#: how often a guidance opinion is rendered again when its read-ahead number was taken meanwhile
_GUIDANCE_ATTEMPTS = 5


def _sees_case(session: Any, actor: Principal, case_id: int) -> bool:
    try:
        require_case(session, actor, case_id)
    except NotFound:
        return False
    return True
