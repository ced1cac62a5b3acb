"""Case files as the archive's users see them (``archive.casefiles``): evidence attachments, the
assembled and sealed volume, and the check of any volume's 目录 against its pages.

Same rules as the main facade: every call names the acting user and is checked against their
scope; every change is an event; every file is a content-addressed blob, never rewritten.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from anjuan.templates.errors import TemplateError
from sqlalchemy import func, select

from .. import bounds, events
from ..access import Principal, case_clause, document_clause, require, require_case, require_document
from ..accounts import display_name_of
from ..errors import ArchiveError, Conflict, FieldError, NotFound, ValidationFailed
from ..kernel import Kernel
from ..limits import check_image_pixels, check_limit, check_upload
from ..models import Attachment, Case, CaseFile, Document
from ..numbering import next_value
from ..sealing import SealPlan
from ..views import AttachmentView, CaseFileView, CaseView, Desk, DeskCase

if TYPE_CHECKING:
    from anjuan.templates.volume.check import VolumeCheck
from .assembly import plan_volume
from .order import OrderRules, volume_kind

__all__ = ["Blocker", "CaseFileService", "CaseFiled", "closing_blockers", "refuse_if_filed"]


class CaseFiled(Conflict):
    """Any change to a filed case (处罚办法 第六十五条): refused with 409, and logged by the facade."""

    code = "case_filed"


def refuse_if_filed(case: Case) -> None:
    if case.filed_at is not None:
        raise CaseFiled(
            f"案卷已归档（归档号{case.archive_no}），不得增加、抽取、涂改案卷材料（处罚办法第六十五条）",
            f"case {case.id} is filed ({case.archive_no}): nothing may be added, removed or altered",
            details={"case_id": case.id, "archive_no": case.archive_no},
        )


@dataclass(frozen=True)
class Blocker:
    """Why a case cannot be closed yet (结案条件未满足)."""

    code: str
    message_zh: str
    message_en: str
    details: dict[str, Any]


#: 整改复查意见书 rectification_status that closes its order (catalogue choice)
RECTIFIED = "已全部整改"


def closing_blockers(case: Case, issued: list[Document]) -> list[Blocker]:
    """结案条件: a penalty case (一般程序) needs its issued 结案审批表; an inspection chain needs every
    rectification order followed by its re-inspection. Empty when the case may be closed."""
    out: list[Blocker] = []
    closing = next((d for d in issued if d.form_id == "case_closing_approval"), None)
    if case.kind == "penalty" and case.procedure == "general" and closing is None:
        out.append(
            Blocker(
                "closing_approval_required",
                "结案须有已审批的《结案审批表》",
                "closing a case needs its approved 结案审批表 (case_closing_approval)",
                {"missing": ["case_closing_approval"]},
            )
        )
    # A hazard is closed by the latest 复查 of its order recording 已全部整改: an order never re-inspected,
    # or whose latest 复查 found it 未整改 or only 部分整改, is still open (the case goes on: a new
    # order, a 复查 after the extension, or a penalty case for not rectifying — not 结案).
    latest: dict[int | None, Document] = {}
    for d in sorted(issued, key=lambda d: (d.doc_date or dt.date.min, d.id)):
        if d.form_id == "reinspection_opinion":
            latest[d.parent_id] = d
    unchecked, unrectified = [], []
    for order in (d for d in issued if d.form_id == "rectification_order"):
        check = latest.get(order.id)
        if check is None:
            unchecked.append(order.number)
        elif (check.fields.get("rectification_status") or RECTIFIED) != RECTIFIED:
            unrectified.append(
                {
                    "order": order.number,
                    "reinspection": check.number,
                    "status": check.fields.get("rectification_status"),
                }
            )
    if case.kind == "inspection" and unchecked:
        out.append(
            Blocker(
                "reinspection_required",
                f"责令限期整改指令书尚未复查，不能结案：{'、'.join(n or '（无文号）' for n in unchecked)}",
                "a rectification order has no re-inspection yet",
                {"orders": unchecked},
            )
        )
    if case.kind == "inspection" and unrectified:
        named = "、".join(f"{u['order']}（复查{u['reinspection'] or ''}：{u['status']}）" for u in unrectified)
        out.append(
            Blocker(
                "hazards_open",
                f"隐患尚未整改完毕，不能结案：{named}",
                "the re-inspection found hazards not (fully) rectified",
                {"open": unrectified},
            )
        )
    return out


T = TypeVar("T")

#: progress(done, total, stage): how far a long operation is (the web UI's progress bar)
StageProgress = Callable[[int, int, str], None]


def _stages(progress: StageProgress | None, names: tuple[str, ...]) -> Callable[[int], None]:
    def step(index: int) -> None:
        if progress is not None:
            progress(index, len(names), names[index] if index < len(names) else "完成")

    return step


def _then_index(method: Callable[..., T]) -> Callable[..., T]:
    """After a change to a case's records commits, tell the search indexer (it runs in the background)."""

    @functools.wraps(method)
    def wrapper(self: CaseFileService, *args: Any, **kwargs: Any) -> T:
        result = method(self, *args, **kwargs)
        self.kernel.after_change()
        return result

    return wrapper


class CaseFileService:
    def __init__(self, kernel: Kernel) -> None:
        self.kernel = kernel
        self.order: OrderRules = kernel.rules.casefile_order

    def guard(self, actor: Principal, action: str, *, case_id: int | None = None, doc_id: int | None = None) -> None:
        """Refuse (409) and log any change to a filed case, before the change's own transaction
        starts (the refusal must be recorded even though the change is not)."""
        with self.kernel.db.read() as s:
            # Scope first: outside it the case does not exist (404), filed or not.
            if case_id is None and doc_id is not None:
                case_id = require_document(s, actor, doc_id).case_id
            if case_id is None:
                return
            case = require_case(s, actor, case_id)
            if case.filed_at is None:
                return
            try:
                refuse_if_filed(case)
            except CaseFiled as exc:
                refusal = exc
        with self.kernel.db.write() as s:
            events.record(
                s,
                actor=actor.name,
                entity="case",
                entity_id=case_id or 0,
                action="change_refused",
                attempted=action,
                document_id=doc_id,
                reason="filed",
            )
        raise refusal

    # -- attachments (证据材料) ------------------------------------------------------------------

    @_then_index
    def add_attachment(
        self,
        *,
        actor: Principal,
        case_id: int,
        kind: str,
        title: str,
        data: bytes,
        filename: str = "",
        date: dt.date | None = None,
        responsible: str = "",
    ) -> AttachmentView:
        bounds.check_date(date, "date", "日期", "date")
        require(actor, "assemble")
        errors = []
        if kind not in self.order.attachment_kinds:
            known = "、".join(f"{k}（{v}）" for k, v in self.order.attachment_kinds.items())
            errors.append(
                FieldError(
                    "kind", "材料类型", "kind", f"应为{known}", f"one of {', '.join(self.order.attachment_kinds)}"
                )
            )
        if not (title or "").strip():
            errors.append(FieldError("title", "材料名称", "title", "必填", "is required"))
        if errors:
            raise ValidationFailed(errors)
        check_upload(self.kernel.settings, "attachment", len(data))
        with self.kernel.db.read() as s:
            require_case(s, actor, case_id)
        self.guard(actor, "add_attachment", case_id=case_id)
        check_image_pixels(self.kernel.settings, data)
        try:
            from anjuan.templates.volume.attachments import evidence_pdf  # Pillow, pikepdf: on use

            made = evidence_pdf(data, max_pixels=self.kernel.settings.image_max_pixels)
        except TemplateError as exc:
            raise ArchiveError(exc.message_zh, exc.message_en, code=exc.code, details=exc.details) from exc
        # A scan's active content is removed (templates/volume/attachments.py says why): the original
        # is kept as received (sha256), the volume gets the clean rendition, the log says what went.
        media_type, pdf, pages = made.media_type, made.pdf, made.pages
        sanitised = [str(f) for f in made.removed]
        original = self.kernel.blobs.put(data)
        rendition = self.kernel.blobs.put(pdf)
        with self.kernel.db.write() as s:
            self._open_case(s, actor, case_id)
            row = Attachment(
                case_id=case_id,
                kind=kind,
                title=title.strip(),
                responsible=responsible.strip(),
                date=date,
                filename=filename,
                media_type=media_type,
                sha256=original,
                pdf_sha256=rendition,
                pages=pages,
                created_by=actor.name,
            )
            s.add(row)
            s.flush()
            events.record(
                s,
                actor=actor.name,
                entity="case",
                entity_id=case_id,
                action="attachment_added",
                attachment_id=row.id,
                kind=kind,
                title=row.title,
                sha256=original,
                pages=pages,
                **({"sanitised": sanitised[:200], "pdf_sha256": rendition} if sanitised else {}),
            )
            return AttachmentView.of(row)

    def attachments(self, *, actor: Principal, case_id: int) -> list[AttachmentView]:
        with self.kernel.db.read() as s:
            require_case(s, actor, case_id)
            rows = s.scalars(select(Attachment).where(Attachment.case_id == case_id, Attachment.status == "active"))
            return [AttachmentView.of(row) for row in rows]

    @staticmethod
    def _open_case(session: Any, actor: Principal, case_id: int) -> Any:
        case = require_case(session, actor, case_id)
        refuse_if_filed(case)
        return case

    # -- the volume (组卷) ------------------------------------------------------------------------

    @_then_index
    def build(
        self, *, actor: Principal, case_id: int, checker: str = "", progress: StageProgress | None = None
    ) -> CaseFileView:
        """Assemble the case file, seal it as the organisation, store it as the next version.
        ``progress(done, total, stage)`` hears of each stage (the web UI shows it)."""
        require(actor, "assemble")
        step = _stages(progress, ("整理卷内文件", "生成封面、目录和备考表并编页", "加盖机关印章", "保存案卷"))
        kernel = self.kernel
        with kernel.db.read() as s:
            require_case(s, actor, case_id)
        self.guard(actor, "build_casefile", case_id=case_id)
        with kernel.db.read() as s:
            case = self._open_case(s, actor, case_id)
            step(0)
            plan = plan_volume(
                s,
                catalogue=kernel.rules.catalogue,
                order=self.order,
                case=case,
                read_blob=kernel.blobs.get,
                # 立卷人/检查人 are people: the volume prints their names, never a login name
                # (an archivist has no officer; a checker may be typed as a colleague's login).
                compiler=display_name_of(s, actor.name),
                checker=display_name_of(s, checker.strip()),
                today=self.kernel.clock.today(),
            )
            seal = SealPlan(
                org_id=case.org.id, org_name=case.org.name, officers=(), seal_role="organ", visible_seal=False
            )
            title = f"{case.name} 卷宗"
        settings = kernel.settings
        from anjuan.templates.volume.compose import VolumeOptions, build_volume  # pikepdf: on use

        options = VolumeOptions(
            stamp_position=settings.casefile_stamp_position,
            number_cover=settings.casefile_number_front,
            number_toc=settings.casefile_number_front,
            number_notes=settings.casefile_number_notes,
        )
        step(1)
        publisher = kernel.publisher  # 转换 → 签章 → 存储, as for every generated document
        with publisher.converting(details={"case_id": case_id}):
            volume = build_volume(plan.entries, plan.cover, plan.notes, publisher.converter, options)
        refuse_active_content(volume.pdf)
        step(2)
        sealed, _signers = publisher.seal(seal, volume.pdf, title=title)
        step(3)
        [digest] = publisher.store(sealed)
        entries = [
            {
                "seq": e.seq,
                "key": e.key,
                "title": e.title,
                "number": e.number,
                "start": e.start,
                "end": e.end,
                "physical_start": e.physical_start,
                "pages": e.pages,
            }
            for e in volume.entries
        ]
        with kernel.db.write() as s:
            self._open_case(s, actor, case_id)
            version = (s.scalar(select(func.max(CaseFile.version)).where(CaseFile.case_id == case_id)) or 0) + 1
            row = CaseFile(
                case_id=case_id,
                version=version,
                sha256=digest,
                pages=volume.pages,
                content_pages=volume.content_pages,
                entries=entries,
                built_by=actor.name,
            )
            s.add(row)
            s.flush()
            events.record(
                s,
                actor=actor.name,
                entity="case",
                entity_id=case_id,
                action="casefile_built",
                version=version,
                sha256=digest,
                pages=volume.pages,
                items=len(entries),
            )
            step(4)
            return CaseFileView.of(row)

    # -- closing and filing (结案归档) -------------------------------------------------------------

    @_then_index
    def close(self, *, actor: Principal, case_id: int) -> CaseView:
        """结案: a penalty case needs its issued 结案审批表; an inspection chain needs every
        rectification order followed by its re-inspection."""
        require(actor, "draft")
        with self.kernel.db.write() as s:
            case = self._open_case(s, actor, case_id)
            if case.status == "closed":
                raise Conflict("案件已结案", "the case is already closed", code="case_closed")
            docs = list(s.scalars(select(Document).where(Document.case_id == case_id, Document.status == "issued")))
            blockers = closing_blockers(case, docs)
            if blockers:
                first = blockers[0]
                raise Conflict(first.message_zh, first.message_en, code=first.code, details=first.details)
            closing = next((d for d in docs if d.form_id == "case_closing_approval"), None)
            dates = [d.doc_date for d in docs if d.doc_date]
            case.status = "closed"
            case.closed_on = (
                closing.doc_date if closing and closing.doc_date else max(dates, default=self.kernel.clock.today())
            )
            events.record(s, actor=actor.name, entity="case", entity_id=case.id, action="closed", on=case.closed_on)
            return CaseView.of(case)

    @_then_index
    def file(
        self, *, actor: Principal, case_id: int, checker: str = "", progress: StageProgress | None = None
    ) -> CaseView:
        """归档: 归档号, 档号 and 保管期限 are assigned, the final volume is built, and the case is frozen —
        nothing may be added, removed or altered afterwards (处罚办法 第六十五条)."""
        require(actor, "file")
        kernel = self.kernel
        with kernel.db.write() as s:
            case = self._open_case(s, actor, case_id)
            if case.status != "closed":
                raise Conflict("案件尚未结案，不能归档", "close the case before filing it", code="not_closed")
            assert case.closed_on is not None
            year = case.closed_on.year
            seq = next_value(s, org_id=case.org_id, year=year, counter="archive", start=1)
            kind = volume_kind(case.kind, case.procedure)
            case.retention = self.order.retention.get(kind, "永久")
            case.archive_no = f"{year}{seq:04d}"
            case.file_no = self.order.filing.file_no(
                org_id=case.org_id,
                org_name=case.org.name,
                year=year,
                retention=case.retention,
                archive_no=case.archive_no,
            )
            events.record(
                s,
                actor=actor.name,
                entity="case",
                entity_id=case.id,
                action="numbers_assigned",
                archive_no=case.archive_no,
                file_no=case.file_no,
                retention=case.retention,
            )
        # The filed volume carries the 归档号 and 档号 on its cover: build it now, then freeze.
        volume = self.build(actor=actor, case_id=case_id, checker=checker, progress=progress)
        with kernel.db.write() as s:
            case = require_case(s, actor, case_id)
            case.filed_at = dt.datetime.now(dt.UTC)
            case.filed_by = actor.name
            events.record(
                s,
                actor=actor.name,
                entity="case",
                entity_id=case.id,
                action="filed",
                archive_no=case.archive_no,
                file_no=case.file_no,
                casefile_version=volume.version,
                casefile_sha256=volume.sha256,
            )
            return CaseView.of(case)

    def desk(self, *, actor: Principal, limit: int = 50) -> Desk:
        """The archivist's desk (归档工作台): open cases whose closing conditions are met (待结案),
        closed cases waiting to be filed (待归档), and the latest filed ones (已归档)."""
        out: dict[str, list[DeskCase]] = {"ready_to_close": [], "to_file": [], "filed": []}
        with self.kernel.db.read() as s:
            cases = list(s.scalars(select(Case).where(case_clause(actor)).order_by(Case.id.desc())))
            issued: dict[int, list[Document]] = {}
            for doc in s.scalars(
                select(Document).where(Document.case_id.in_([c.id for c in cases]), Document.status == "issued")
            ):
                issued.setdefault(doc.case_id, []).append(doc)
            built = dict(
                s.execute(
                    select(CaseFile.case_id, func.max(CaseFile.version))
                    .where(CaseFile.case_id.in_([c.id for c in cases]))
                    .group_by(CaseFile.case_id)
                ).all()
            )
            for case in cases:
                row = DeskCase(
                    id=case.id,
                    name=case.name,
                    org=case.org.name,
                    kind=case.kind,
                    procedure=case.procedure,
                    case_number=case.case_number,
                    documents=len(issued.get(case.id, [])),
                    casefile_version=built.get(case.id),
                    closed_on=case.closed_on,
                    archive_no=case.archive_no,
                    file_no=case.file_no,
                    filed_at=case.filed_at,
                )
                if case.filed_at is not None:
                    out["filed"].append(row)
                elif case.status == "closed":
                    out["to_file"].append(row)
                elif issued.get(case.id) and not closing_blockers(case, issued[case.id]):
                    out["ready_to_close"].append(row)
        return Desk(**{k: tuple(v[:limit]) for k, v in out.items()})

    def latest(self, *, actor: Principal, case_id: int) -> CaseFileView:
        with self.kernel.db.read() as s:
            require_case(s, actor, case_id)
            row = s.scalars(
                select(CaseFile).where(CaseFile.case_id == case_id).order_by(CaseFile.version.desc())
            ).first()
            if row is None:
                raise NotFound("案件尚未组卷", f"case {case_id} has no case file yet", code="casefile_not_found")
            return CaseFileView.of(row)

    def pdf(self, *, actor: Principal, case_id: int) -> bytes:
        return self.kernel.blobs.get(self.latest(actor=actor, case_id=case_id).sha256)

    def check(self, pdf: bytes, *, actor: Principal | None = None) -> VolumeCheck:
        """``casefile check`` where this archive is at hand: the volume check with the archive's
        signature verifier (its trust roots), and each page compared with the archive's own copy of
        the document the 目录 lists there — found by its 文号, or by its place in the case's latest
        volume. Like ``verify``, anyone holding a copy may ask (no login): the answer names pages and
        findings of the copy they hold, never the archive's content. With an ``actor`` (the HTTP API),
        pages are compared only with documents that user may see: elsewhere a page comparison would
        tell them what another county's document says."""
        from anjuan.templates.volume.attachments import pdf_page_sizes

        from . import check_volume

        # Every page is read, rendered (one pixel per point) and compared: bound the work by size,
        # by pages and by the area of the largest page first.
        settings = self.kernel.settings
        check_upload(settings, "casefile_check", len(pdf))
        sizes = pdf_page_sizes(pdf)
        if sizes:
            check_limit(
                settings,
                "casefile_check_max_pages",
                len(sizes),
                code="too_many_pages",
                what_zh="待核对卷宗的页数",
                what_en="case-file page count",
                unit="pages",
            )
            width, height = max(sizes, key=lambda wh: wh[0] * wh[1])
            check_limit(
                settings,
                "image_max_pixels",
                int(width * height),
                code="page_too_large",
                what_zh=f"待核对卷宗的页面尺寸（{width:.0f}×{height:.0f} 点）",
                what_en=f"case-file page of {width:.0f}×{height:.0f} pt",
                unit="pixels",
            )
        return check_volume(pdf, verify=self.kernel.verify, documents=self._archived_copy(actor))

    def _archived_copy(self, actor: Principal | None) -> Callable[[Any], bytes | None]:
        blobs, db = self.kernel.blobs, self.kernel.db
        entries: dict[int, dict[str, Any]] = {}  # 序号 → entry of the matching case's latest volume
        found: list[int] = []  # the case, once one listed 文号 named it

        def copy(entry: Any) -> bytes | None:
            with db.read() as s:
                doc = None
                if entry.number:
                    query = select(Document).where(Document.number == entry.number, Document.status == "issued")
                    if actor is not None:
                        query = query.where(document_clause(actor))
                    doc = s.scalars(query).first()
                    if doc is not None and not found:
                        found.append(doc.case_id)
                        latest = s.scalars(
                            select(CaseFile).where(CaseFile.case_id == doc.case_id).order_by(CaseFile.version.desc())
                        ).first()
                        entries.update({int(e["seq"]): e for e in (latest.entries if latest else [])})
                if doc is None and entry.seq in entries:
                    # An unnumbered document or an attachment: by its place, if the title agrees.
                    placed = entries[entry.seq]
                    kind, _, ident = str(placed["key"]).partition(":")
                    if not entry.title.startswith(str(placed["title"]).replace(" ", "")):
                        return None
                    row: Document | Attachment | None = s.get(
                        Document if kind == "document" else Attachment, int(ident)
                    )
                    digest = row.pdf_sha256 if row is not None else None
                    return blobs.get(digest) if digest else None
                return blobs.get(doc.pdf_sha256) if doc is not None and doc.pdf_sha256 else None

        return copy


def refuse_active_content(pdf: bytes) -> None:
    """Defence in depth: the assembled volume is checked for active content before it is sealed.
    Attachments are cleaned on upload and documents are ours, so a finding here means evidence
    stored before that cleaning (or a path nobody foresaw): nothing is sealed, and the refusal lists
    what was found and where (``volume_active_content``)."""
    from anjuan.templates.volume.active import open_and_find, summary

    findings = open_and_find(pdf)
    if findings:
        zh, en = summary(findings)
        raise Conflict(
            f"组卷结果含有活动内容（脚本、动作、嵌入文件等），不予签章：{zh}。请重新上传相应证据材料",
            f"the assembled volume contains active content and is not sealed: {en}. Upload that evidence again",
            code="volume_active_content",
            details={"findings": [str(f) for f in findings[:200]]},
        )
