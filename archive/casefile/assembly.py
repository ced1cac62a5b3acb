"""组卷 (assembly): which documents and attachments of a case go into its volume, in what order,
and what its cover and 备考表 say. The PDF work is ``templates.volume``; this module decides."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..catalogue import Catalogue, resolve_form
from ..errors import Conflict
from ..models import Attachment, Case, Document
from .order import OrderRules, Placeable, order_items, volume_kind

__all__ = ["Plan", "plan_volume"]

# Documents that belong in the volume: the issued editions. Voided, superseded and deleted ones
# stay stored and are named in the 备考表 (情况说明), as the practice for 缺损、修改、移出 asks.
_IN_VOLUME = ("issued",)


if TYPE_CHECKING:
    from anjuan.templates.volume.compose import VolumeEntry
    from anjuan.templates.volume.pages import CoverInfo, NotesInfo


@dataclass(frozen=True)
class Plan:
    items: tuple[Placeable, ...]
    cover: CoverInfo
    notes: NotesInfo
    entries: tuple[VolumeEntry, ...]


def _result(case: Case, docs: list[Document]) -> str:
    """处理结果 for the cover: the penalty decided, or what the inspection ordered."""
    decision = next(
        (
            d
            for d in docs
            if d.form_id
            in (
                "penalty_decision_org",
                "penalty_decision_person",
                "onsite_penalty_decision_org",
                "onsite_penalty_decision_person",
            )
        ),
        None,
    )
    if decision is not None:
        return str(decision.fields.get("penalty") or decision.fields.get("penalty_types") or "给予行政处罚")
    if any(d.form_id == "no_penalty_decision" for d in docs):
        return "不予行政处罚"
    if any(d.form_id == "reinspection_opinion" for d in docs):
        return "责令整改，经复查" + str(
            next(d for d in docs if d.form_id == "reinspection_opinion").fields.get("rectification_status", "已整改")
        )
    if any(d.form_id == "rectification_order" for d in docs):
        return "责令限期整改"
    return "检查未发现需处理的问题" if case.kind == "inspection" else ""


def plan_volume(
    session: Session,
    *,
    catalogue: Catalogue,
    order: OrderRules,
    case: Case,
    read_blob: Any,
    compiler: str,
    checker: str,
    today: dt.date,
) -> Plan:
    # Here, not at the top: the volume code imports python-docx and pikepdf, which only assembly needs.
    from anjuan.templates.volume.compose import VolumeEntry
    from anjuan.templates.volume.pages import CoverInfo, NotesInfo

    docs = list(
        session.scalars(
            select(Document).where(Document.case_id == case.id, Document.status.in_(_IN_VOLUME)).order_by(Document.id)
        )
    )
    left_out = list(
        session.scalars(
            select(Document)
            .where(Document.case_id == case.id, Document.status.in_(("voided", "superseded", "deleted")))
            .order_by(Document.id)
        )
    )
    attachments = list(
        session.scalars(
            select(Attachment)
            .where(Attachment.case_id == case.id, Attachment.status == "active")
            .order_by(Attachment.id)
        )
    )
    if not docs:
        raise Conflict(
            "案件尚无已签发的文书，不能组卷", "the case has no issued documents to assemble", code="nothing_to_assemble"
        )
    by_id = {d.id: d for d in docs}
    items: list[Placeable] = []
    for doc in docs:
        form = resolve_form(catalogue, doc.form_id)
        parent = f"document:{doc.parent_id}" if doc.parent_id in by_id else None
        items.append(
            Placeable(
                key=f"document:{doc.id}",
                item=doc.form_id,
                date=doc.doc_date,
                number=doc.number,
                parent_key=parent,
                payload=(form.name, doc),
            )
        )
    for att in attachments:
        items.append(
            Placeable(
                key=f"attachment:{att.id}",
                item=f"attachment:{att.kind}",
                date=att.date,
                number=None,
                payload=(att.title, att),
            )
        )
    kind = volume_kind(case.kind, case.procedure)
    ordered = order_items(items, order.categories(case.org.name, kind))
    entries = []
    for placed in ordered:
        title, row = placed.payload
        if isinstance(row, Document):
            assert row.pdf_sha256 is not None
            entries.append(
                VolumeEntry(
                    title=title,
                    number=row.number,
                    responsible=case.org.name,
                    date=row.doc_date,
                    pdf=read_blob(row.pdf_sha256),
                    remark="更正" if row.edition > 1 else "",
                    key=placed.key,
                )
            )
        else:
            entries.append(
                VolumeEntry(
                    title=title,
                    number=None,
                    responsible=row.responsible or case.party.name,
                    date=row.date,
                    pdf=read_blob(row.pdf_sha256),
                    key=placed.key,
                )
            )
    filing = next((d.doc_date for d in docs if d.form_id == "case_filing_approval"), None)
    dates = [d.doc_date for d in docs if d.doc_date]
    closing = next((d.doc_date for d in docs if d.form_id == "case_closing_approval"), None)
    cover = CoverInfo(
        org_name=case.org.name,
        case_name=case.name,
        cause=case.cause or "",
        result=_result(case, docs),
        opened=filing or (min(dates) if dates else None),
        closed=case.closed_on or closing,
        handlers="、".join(o.name for o in case.officers),
        archive_no=case.archive_no or "",
        file_no=case.file_no or "",
        retention=case.retention or order.retention.get(kind, ""),
        items=len(entries),
        pages=0,
    )
    statement = [f"本卷共{len(entries)}件（文书{len(docs)}件、证据材料{len(attachments)}件）。"]
    for doc in left_out:
        name = resolve_form(catalogue, doc.form_id).name
        what = {"voided": "已作废", "superseded": "已更正（新版本入卷）", "deleted": "经批准删除"}[doc.status]
        statement.append(f"《{name}》{doc.number or ''}{what}，未入卷，原件留存于系统。")
    notes = NotesInfo(statement="".join(statement), compiler=compiler, checker=checker, compiled_on=today)
    return Plan(items=tuple(ordered), cover=cover, notes=notes, entries=tuple(entries))
