"""质量检查 as reviewers run it (``archive.qc``): the saved queries of ``queries.yaml``, run by name
over what the acting user may see, and the publication record (公示) one of them reads."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select

from .. import bounds, events
from ..access import Principal, require, require_document
from ..errors import FieldError, NotFound, ValidationFailed
from ..kernel import Kernel
from ..models import Publication
from .checks import CHECKS, CheckContext
from .notice import notices
from .publication import publishable_forms, record_publication
from .queries import QcQueries, QcQuery, load_queries
from .views import Notice, PublicationView, QcRun

__all__ = ["QualityService"]


class QualityService:
    def __init__(self, kernel: Kernel, *, queries_path: Path | None = None) -> None:
        self.kernel = kernel
        # Loaded (and validated) at construction, so a bad queries.yaml stops start-up, not a later run.
        self.rules: QcQueries = load_queries(queries_path) if queries_path else kernel.rules.qc_queries
        # The decisions under the publication duty, as the deadline rules define it (deadlines.yaml).
        self.publishable_forms: frozenset[str] = publishable_forms(kernel.rules.deadlines)

    def queries(self) -> tuple[QcQuery, ...]:
        """The saved queries: name, titles, check and params (with defaults filled in)."""
        return self.rules.queries

    def query(self, name: str) -> QcQuery:
        found = self.rules.by_name().get(name)
        if found is None:
            known = [q.name for q in self.rules.queries]
            raise NotFound(
                f"质量检查“{name}”不存在（可用：{'、'.join(known)}）",
                f"unknown quality check {name!r} (known: {', '.join(known)})",
                code="qc_unknown",
                details={"name": name, "known": known},
            )
        return found

    def notices(self, *, actor: Principal, start: dt.date, end: dt.date) -> list[Notice]:
        """公示 notices of the penalty decisions dated ``start``–``end`` (see ``notice.py``), with
        natural persons' data redacted; the deadline uses the ``publication_overdue`` parameters."""
        if start > end:
            raise ValidationFailed(
                [FieldError("from", "起始日期", "from", "不能晚于截止日期", "must not be after the end date")]
            )
        working_days = int(self.query("publication_overdue").params.get("working_days", 7))
        calendar = self.kernel.rules.calendar.lenient()
        with self.kernel.db.read() as s:
            return notices(
                s,
                actor=actor,
                start=start,
                end=end,
                forms=self.publishable_forms,
                publish_by=lambda day: calendar.add_working_days(day, working_days),
            )

    def publication(self, *, actor: Principal, document_id: int) -> PublicationView | None:
        """The 公示 record of a decision the actor may see, or None while it is unpublished."""
        with self.kernel.db.read() as s:
            require_document(s, actor, document_id)
            row = s.scalars(select(Publication).where(Publication.document_id == document_id)).first()
            return None if row is None else PublicationView.of(row)

    def run(self, *, actor: Principal, name: str, today: dt.date | None = None) -> QcRun:
        """Run the saved query ``name`` as of ``today`` (default: today in Beijing) over the actor's scope.

        The findings are :class:`~anjuan.archive.qc.checks.Finding` records, by case and document.
        The run is logged (entity ``qc``, action ``qc_run``) with its count.
        """
        query = self.query(name)
        today = today or self.kernel.clock.today()
        kernel = self.kernel
        with kernel.db.read() as s:
            ctx = CheckContext(
                session=s,
                actor=actor,
                today=today,
                catalogue=kernel.rules.catalogue,
                deadline_rules=kernel.rules.deadlines,
                calendar=kernel.rules.calendar,
                blobs=kernel.blobs,
                # kernel.verify's own check, on this session rather than a second one per document.
                verify=lambda pdf: kernel.sealing.verify(s, pdf),
            )
            findings = CHECKS[query.check](ctx, query.params)
        findings.sort(key=lambda f: (f.case_id, f.document_id or 0))
        with kernel.db.write() as s:
            # No entity of its own: entity_id 0, as for other archive-wide acts (fixity, package receipt).
            events.record(
                s,
                actor=actor.name,
                entity="qc",
                entity_id=0,
                action="qc_run",
                name=query.name,
                check=query.check,
                params=dict(query.params),
                today=today,
                count=len(findings),
            )
        return QcRun(
            name=query.name,
            title_zh=query.title_zh,
            title_en=query.title_en,
            params=dict(query.params),
            today=today,
            count=len(findings),
            findings=tuple(findings),
        )

    def publish(
        self,
        *,
        actor: Principal,
        document_id: int,
        published_on: dt.date,
        channel: str,
        url: str = "",
    ) -> PublicationView:
        """登记公开: record that an issued penalty decision the actor may see was published."""
        bounds.check_date(published_on, "published_on", "公开日期", "publication date")
        require(actor, "draft")  # the bureau's enforcement staff record it, as they issue the decision
        with self.kernel.db.write() as s:
            doc = require_document(s, actor, document_id)
            row = record_publication(
                s,
                document=doc,
                forms=self.publishable_forms,
                published_on=published_on,
                channel=channel,
                url=url,
                today=self.kernel.clock.today(),
                actor_name=actor.name,
            )
            return PublicationView.of(row)
