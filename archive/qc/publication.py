"""行政处罚决定公开 (公示): recording that an issued penalty decision was made public.

国办发〔2018〕118号 (行政执法公示制度) and seed 003 第十四条 ask for the decision to be published within 7
个工作日; ``deadlines.yaml`` has the rule (``publication``, satisfied by the ``published`` event) and the
``publication_overdue`` quality query checks it. This module keeps the one fact both need: which
decision was published, on which day, where.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import events
from ..errors import Conflict, FieldError, ValidationFailed
from ..models import Document, Publication
from ..procedure.deadlines import CaseEvent, RuleSet

__all__ = [
    "PUBLICATION_EVENT",
    "PUBLICATION_RULE",
    "AlreadyPublished",
    "NotPublishable",
    "publishable_forms",
    "published_events",
    "record_publication",
]

#: The deadline rule (deadlines.yaml) of the 7-working-day publication duty.
PUBLICATION_RULE = "publication"


def publishable_forms(rules: RuleSet) -> frozenset[str]:
    """The forms under the publication duty, read off deadlines.yaml: those whose event triggers the
    ``publication`` rule in a procedure it applies to (today the 一般程序 行政处罚决定书 单位/个人;
    当场处罚 and 不予行政处罚决定书 are not under it)."""
    rule = next((r for r in rules.rules if r.id == PUBLICATION_RULE), None)
    if rule is None:
        return frozenset()
    return frozenset(
        s.form for s in rules.document_events if s.event == rule.trigger and set(rule.applies_to) & set(s.procedures)
    )


# The event kind deadlines.yaml declares as `extra` for a publication (处罚决定公开).
PUBLICATION_EVENT = "published"


class NotPublishable(Conflict):
    """The document is not an issued penalty decision (code ``not_publishable``)."""

    code = "not_publishable"


class AlreadyPublished(Conflict):
    """The decision's publication is already recorded (code ``already_published``)."""

    code = "already_published"


def record_publication(
    session: Session,
    *,
    document: Document,
    forms: frozenset[str],
    published_on: dt.date,
    channel: str,
    url: str = "",
    actor_name: str,
    today: dt.date,
) -> Publication:
    """Record that ``document`` (one of the publishable ``forms``) was published on ``published_on``
    through ``channel`` (e.g. 网站).

    The caller has checked that the actor may see and act on the document. Only an issued penalty
    decision can be published, not before its own date and not on a day still to come; a decision
    is published once (a correction is a new edition, published in its own right).
    """
    if document.form_id not in forms or document.status != "issued":
        what = "已签发的行政处罚决定书" if document.form_id in forms else "行政处罚决定书"
        raise NotPublishable(
            f"文书{document.number or document.id}不是{what}，无需公开登记",
            f"document {document.number or document.id} is not an issued penalty decision"
            f" ({document.form_id}, {document.status}); only those are published",
            details={"document_id": document.id, "form": document.form_id, "status": document.status},
        )
    problems: list[FieldError] = []
    if not channel.strip():
        problems.append(FieldError("channel", "公开渠道", "channel", "必填", "is required"))
    if document.doc_date is not None and published_on < document.doc_date:
        problems.append(
            FieldError(
                "published_on",
                "公开日期",
                "publication date",
                f"早于决定日期 {document.doc_date.isoformat()}",
                f"is before the decision's date {document.doc_date.isoformat()}",
            )
        )
    if published_on > today:
        # A publication is a fact that happened; a planned one is not recorded in advance.
        problems.append(FieldError("published_on", "公开日期", "publication date", "不能晚于今天", "is in the future"))
    if problems:
        raise ValidationFailed(problems)
    existing = session.scalar(select(Publication).where(Publication.document_id == document.id))
    if existing is not None:
        raise AlreadyPublished(
            f"文书{document.number}已于{existing.published_on.isoformat()}登记公开",
            f"{document.number} was already recorded as published on {existing.published_on.isoformat()}",
            details={"document_id": document.id, "published_on": existing.published_on.isoformat()},
        )
    row = Publication(
        document_id=document.id,
        org_id=document.org_id,
        published_on=published_on,
        channel=channel.strip(),
        url=url.strip(),
        recorded_by=actor_name,
    )
    session.add(row)
    session.flush()
    events.record(
        session,
        actor=actor_name,
        entity="document",
        entity_id=document.id,
        action="published",
        publication_id=row.id,
        number=document.number,
        published_on=published_on,
        channel=row.channel,
        url=row.url,
    )
    return row


def published_events(session: Session, document_ids: Iterable[int]) -> list[CaseEvent]:
    """The ``published`` case events of these documents, for ``events_from_documents(extra=…)`` —
    so the deadline engine's ``publication`` rule sees what was recorded here."""
    ids = list(document_ids)
    if not ids:
        return []
    rows = session.execute(
        select(Publication, Document.number)
        .join(Document, Document.id == Publication.document_id)
        .where(Publication.document_id.in_(ids))
        .order_by(Publication.published_on, Publication.id)
    )
    return [
        CaseEvent(
            PUBLICATION_EVENT,
            pub.published_on,
            number or str(pub.document_id),
            f"处罚决定公开：{pub.channel}" + (f" {pub.url}" if pub.url else "") + " / decision published",
        )
        for pub, number in rows
    ]
