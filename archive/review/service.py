"""案卷评查 as the reviewer runs it (``archive.reviews``): gather the case as issued, read its volume
back, run the items of ``items.yaml`` and record the result."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from .. import events
from ..access import Principal, require_case
from ..casefile.order import volume_kind
from ..catalogue import resolve_form
from ..models import CaseFile, Document
from .checks import DocInfo, ReviewInput
from .engine import ReviewRules, load_review_rules, run_review

if TYPE_CHECKING:
    from ..service import Archive

__all__ = ["ReviewService"]


class ReviewService:
    def __init__(self, archive: Archive) -> None:
        self.archive = archive
        self.rules: ReviewRules = load_review_rules(archive.settings.review_items_path)

    def review(self, *, actor: Principal, case_id: int) -> dict[str, Any]:
        archive = self.archive
        with archive.db.read() as s:
            case = require_case(s, actor, case_id)
            kind = volume_kind(case.kind, case.procedure)
            rows = list(
                s.scalars(
                    select(Document)
                    .where(Document.case_id == case_id, Document.status == "issued")
                    .order_by(Document.id)
                )
            )
            docs = []
            for d in rows:
                form = resolve_form(archive.catalogue, d.form_id)
                assert d.pdf_sha256 is not None
                docs.append(
                    DocInfo(
                        id=d.id,
                        form_id=d.form_id,
                        name=form.name,
                        number=d.number,
                        doc_date=d.doc_date,
                        fields=dict(d.fields),
                        parent_id=d.parent_id,
                        officers=tuple((o.name, o.cert_no or "") for o in d.officers),
                        pdf=archive.blobs.get(d.pdf_sha256),
                        handler_signatures=form.handler_signatures,
                        numbered=form.numbered,
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
            today = _today()
            deadlines = tuple(d.to_dict() for d in archive._deadlines(s, case, today))
            volume_row = s.scalars(
                select(CaseFile).where(CaseFile.case_id == case_id).order_by(CaseFile.version.desc())
            ).first()
            pages = {
                int(e["key"].split(":")[1]): e["start"]
                for e in (volume_row.entries if volume_row else [])
                if str(e.get("key", "")).startswith("document:")
            }
            categories = archive.casefiles.order.categories(case.org.name, kind)
            position = {item: i for i, c in enumerate(categories) for item in c.items}
            data = ReviewInput(
                case_id=case.id,
                case_kind=case.kind,
                procedure=case.procedure,
                volume_kind=kind,
                major=case.major,
                party_kind=case.party.kind,
                province=case.org.area[:1] or None,
                review_body=case.org.review_body,
                court=case.org.court,
                docs=tuple(docs),
                deadlines=deadlines,
                gates=archive.gates,
                is_workday=archive.calendar.lenient().is_working_day,
                catalogue=archive.catalogue,
                verify=archive.verify,
                counter_seqs=counter_seqs,
                volume=archive.blobs.get(volume_row.sha256) if volume_row else None,
                category_of=lambda form_id: position.get(form_id, len(categories)),
            )
        if data.volume is not None:
            from anjuan.templates.volume.check import check_volume

            data = ReviewInput(**{**data.__dict__, "volume_check": check_volume(data.volume)})
        report = run_review(self.rules, data, pages=pages)
        report["case"] = case.name
        report["reviewed_by"] = actor.name
        report["reviewed_on"] = today.isoformat()
        report["casefile"] = (
            {"version": volume_row.version, "sha256": volume_row.sha256, "pages": volume_row.pages}
            if volume_row
            else None
        )
        with archive.db.write() as s:
            events.record(
                s,
                actor=actor.name,
                entity="case",
                entity_id=case_id,
                action="reviewed",
                score=report["score"],
                rating=report["rating"],
                findings=len(report["findings"]),
                veto=report["veto"],
            )
        return report


def _today() -> Any:
    from ..documents import today

    return today()
