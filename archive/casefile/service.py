"""Case files as the archive's users see them (``archive.casefiles``): evidence attachments, the
assembled and sealed volume, and the check of any volume's 目录 against its pages.

Same rules as the main facade: every call names the acting user and is checked against their
scope; every change is an event; every file is a content-addressed blob, never rewritten.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from anjuan.templates.errors import TemplateError
from anjuan.templates.volume import VolumeOptions, attachment_pdf, build_volume
from sqlalchemy import func, select

from .. import events
from ..access import Principal, require, require_case
from ..errors import ArchiveError, Conflict, FieldError, NotFound, ServiceUnavailable, ValidationFailed
from ..models import Attachment, CaseFile
from ..sealing import SealPlan
from .assembly import plan_volume
from .order import OrderRules, load_order

if TYPE_CHECKING:
    from ..service import Archive

__all__ = ["CaseFileService"]


class CaseFileService:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.order: OrderRules = load_order(archive.settings.casefile_order_path)

    # -- attachments (证据材料) ------------------------------------------------------------------

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
    ) -> Attachment:
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
        with self.archive.db.read() as s:
            self._open_case(s, actor, case_id)
        try:
            media_type, pdf, pages = attachment_pdf(data)
        except TemplateError as exc:
            raise ArchiveError(exc.message_zh, exc.message_en, code=exc.code) from exc
        original = self.archive.blobs.put(data)
        rendition = self.archive.blobs.put(pdf)
        with self.archive.db.write() as s:
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
            )
            return row

    def attachments(self, *, actor: Principal, case_id: int) -> list[Attachment]:
        with self.archive.db.read() as s:
            require_case(s, actor, case_id)
            return list(
                s.scalars(select(Attachment).where(Attachment.case_id == case_id, Attachment.status == "active"))
            )

    @staticmethod
    def _open_case(session: Any, actor: Principal, case_id: int) -> Any:
        case = require_case(session, actor, case_id)
        if case.filed_at is not None:
            raise Conflict(
                "案卷已归档，不得增加、抽取、涂改案卷材料（处罚办法第六十五条）",
                "the case is filed: nothing may be added, removed or altered",
                code="case_filed",
            )
        return case

    # -- the volume (组卷) ------------------------------------------------------------------------

    def build(self, *, actor: Principal, case_id: int, checker: str = "") -> CaseFile:
        """Assemble the case file, seal it as the organisation, store it as the next version."""
        require(actor, "assemble")
        archive = self.archive
        with archive.db.read() as s:
            case = self._open_case(s, actor, case_id)
            plan = plan_volume(
                s,
                catalogue=archive.catalogue,
                order=self.order,
                case=case,
                read_blob=archive.blobs.get,
                compiler=actor.name if actor.officer_id is None else _officer_name(s, actor.officer_id),
                checker=checker,
                today=_today(),
            )
            seal = SealPlan(
                org_id=case.org.id, org_name=case.org.name, officers=(), seal_role="organ", visible_seal=False
            )
            title = f"{case.name} 卷宗"
        settings = archive.settings
        options = VolumeOptions(
            stamp_position=settings.casefile_stamp_position,
            number_cover=settings.casefile_number_front,
            number_toc=settings.casefile_number_front,
            number_notes=settings.casefile_number_notes,
        )
        try:
            volume = build_volume(plan.entries, plan.cover, plan.notes, archive.converter, options)
        except TemplateError as exc:
            if exc.code == "converter_unavailable":
                raise ServiceUnavailable(exc.message_zh, exc.message_en, code=exc.code) from exc
            raise ArchiveError(exc.message_zh, exc.message_en, code=exc.code) from exc
        sealed, _signers = archive.sealing.seal(archive.db.write, seal, volume.pdf, title=title)
        digest = archive.blobs.put(sealed)
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
        with archive.db.write() as s:
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
            return row

    def latest(self, *, actor: Principal, case_id: int) -> CaseFile:
        with self.archive.db.read() as s:
            require_case(s, actor, case_id)
            row = s.scalars(
                select(CaseFile).where(CaseFile.case_id == case_id).order_by(CaseFile.version.desc())
            ).first()
            if row is None:
                raise NotFound("案件尚未组卷", f"case {case_id} has no case file yet", code="casefile_not_found")
            return row

    def pdf(self, *, actor: Principal, case_id: int) -> bytes:
        return self.archive.blobs.get(self.latest(actor=actor, case_id=case_id).sha256)


def _today() -> dt.date:
    from ..documents import today

    return today()


def _officer_name(session: Any, officer_id: int) -> str:
    from ..models import Officer

    officer = session.get(Officer, officer_id)
    return officer.name if officer is not None else ""
