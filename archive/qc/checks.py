"""The implementations behind the saved 质量检查 queries (``queries.yaml`` names one per query).

Each check takes a :class:`CheckContext` (an open read session, the acting user, ``today``, and the
archive's calendar, deadline rules, blobs and seal verifier) and the query's validated params, and
returns :class:`Finding` s. Every row is selected through :func:`~anjuan.archive.access.case_clause`
/ :func:`~anjuan.archive.access.document_clause` in the SQL itself: what lies outside the actor's
scope is never loaded, so it cannot leak into a finding, a count or a log line.

"As of ``today``": documents dated after ``today``, and publications or reviews recorded after it,
do not count — re-running a past date shows what a reviewer would have seen then.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from anjuan.errors import AnjuanError

from ..access import Principal, case_clause, document_clause
from ..blobs import BlobStore
from ..catalogue import Catalogue
from ..clock import CHINA, beijing_date, beijing_time
from ..documents.lifecycle import numbered_draft_clause
from ..errors import NotFound
from ..models import Case, Document, Event, Organisation, Publication
from ..procedure.calendar import WorkingCalendar
from ..procedure.deadlines import CaseEvent, RuleSet, events_from_documents
from ..procedure.stored import doc_facts
from ..views import Verification
from .publication import publishable_forms

__all__ = ["CHECKS", "CheckContext", "Finding"]

# Forms and deadline-event kinds of the rectification chain (责改 → 复查延期 → 复查). The dates are not
# read here: events_from_documents applies deadlines.yaml's document_events (整改期限 from `deadline`,
# 延长后的整改期限 only when the reply says 同意延期, 复查时间 from `reinspection_date`).
ORDER_FORM = "rectification_order"  # 责令限期整改指令书
REINSPECTION_FORM = "reinspection_opinion"  # 整改复查意见书
EXTENSION_REPLY_FORM = "reinspection_extension_reply"  # 整改复查延期申请答复书
EXTENSION_APPROVAL_FORM = "reinspection_extension_approval"  # 整改复查延期申请审批表 (may sit between)
MEASURES_FORM = "onsite_measures_decision"  # 现场处理措施决定书: a 复查 may answer it instead of an order
RECTIFICATION_DUE = "rectification_due"
REINSPECTED = "reinspected"
FILING_FORM = "case_filing_approval"  # 立案审批表: its date starts 办案期限 and its number names the case


@dataclass(frozen=True)
class CheckContext:
    session: Session
    actor: Principal
    today: dt.date
    catalogue: Catalogue
    deadline_rules: RuleSet
    calendar: WorkingCalendar
    blobs: BlobStore
    verify: Callable[[bytes], Verification]  # the archive's seal check, on this same session

    def form_name(self, form_id: str) -> str:
        return next((f.name for f in self.catalogue.forms if f.id == form_id), form_id)


@dataclass(frozen=True)
class Finding:
    """One row of a query's answer: the case, the document if the finding is about one, and why."""

    case_id: int
    case: str  # 案件名称
    org_id: int
    org: str  # 机关 (the case's organisation)
    document_id: int | None
    form: str | None  # catalogue id of the document's form
    title: str  # the document's 文书名称, or the case name for a finding about the whole case
    number: str | None  # 文号; for a case, its 立案审批表 number when there is one
    detail_zh: str
    detail_en: str
    due: dt.date | None = None  # the limit that was missed, where there is one
    days_over: int | None = None  # 自然日 past ``due`` (as of today, or when it was finally done)

    def to_dict(self) -> dict[str, Any]:
        return {
            "case_id": self.case_id,
            "case": self.case,
            "org_id": self.org_id,
            "org": self.org,
            "document_id": self.document_id,
            "form": self.form,
            "title": self.title,
            "number": self.number,
            "detail_zh": self.detail_zh,
            "detail_en": self.detail_en,
            "due": self.due,
            "days_over": self.days_over,
        }


Check = Callable[[CheckContext, Mapping[str, Any]], list[Finding]]


# -- shared helpers -------------------------------------------------------------------------------


def _scoped_documents(ctx: CheckContext) -> Select[Any]:
    """Documents of cases the actor sees (any status), with their case and organisation."""
    return (
        select(Document, Case, Organisation.name)
        .join(Case, Case.id == Document.case_id)
        .join(Organisation, Organisation.id == Case.org_id)
        .where(case_clause(ctx.actor), document_clause(ctx.actor))
    )


def _visible_documents(ctx: CheckContext) -> Select[Any]:
    """Issued documents (dated by ``today``) of cases the actor sees, with their case and organisation."""
    return _scoped_documents(ctx).where(Document.status == "issued", Document.doc_date <= ctx.today)


def _doc_finding(
    ctx: CheckContext,
    doc: Document,
    case: Case,
    org: str,
    zh: str,
    en: str,
    *,
    due: dt.date | None = None,
    days_over: int | None = None,
) -> Finding:
    return Finding(
        case_id=case.id,
        case=case.name,
        org_id=case.org_id,
        org=org,
        document_id=doc.id,
        form=doc.form_id,
        title=ctx.form_name(doc.form_id),
        number=doc.number,
        detail_zh=zh,
        detail_en=en,
        due=due,
        days_over=days_over,
    )


def _case_finding(
    case: Case,
    org: str,
    number: str | None,
    zh: str,
    en: str,
    *,
    due: dt.date | None = None,
    days_over: int | None = None,
) -> Finding:
    return Finding(
        case_id=case.id,
        case=case.name,
        org_id=case.org_id,
        org=org,
        document_id=None,
        form=None,
        title=case.name,
        number=number,
        detail_zh=zh,
        detail_en=en,
        due=due,
        days_over=days_over,
    )


def _filings(ctx: CheckContext, case_ids: Iterable[int]) -> dict[int, tuple[dt.date, str | None]]:
    """Per case, the earliest issued 立案审批表 dated by ``today``: (date, 文号)."""
    ids = sorted(set(case_ids))
    if not ids:
        return {}
    rows = ctx.session.execute(
        select(Document.case_id, Document.doc_date, Document.number)
        .where(
            Document.case_id.in_(ids),
            Document.form_id == FILING_FORM,
            Document.status == "issued",
            Document.doc_date <= ctx.today,
        )
        .order_by(Document.doc_date, Document.id)
    )
    out: dict[int, tuple[dt.date, str | None]] = {}
    for case_id, on, number in rows:
        out.setdefault(case_id, (on, number))
    return out


def _event_dates(ctx: CheckContext, doc: Document, procedure: str, kind: str) -> list[dt.date]:
    """The dates of ``doc``'s own events of ``kind``, as deadlines.yaml maps its form and fields."""
    events: Sequence[CaseEvent] = events_from_documents([doc_facts(doc)], procedure, rules=ctx.deadline_rules)
    return [e.on for e in events if e.kind == kind]


def _end_of(day: dt.date) -> dt.datetime:
    """The first instant after ``day`` in Beijing, in UTC (SQLite compares the stored UTC text)."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), CHINA).astimezone(dt.UTC)


# -- 整改期限已过未复查 --------------------------------------------------------------------------------


_UNLINKED = None  # the parent chain names neither an order nor a 现场处理措施决定书
_ELSEWHERE = 0  # it answers a 现场处理措施决定书, not an order (document ids start at 1)


def _order_id(doc: Document, by_id: Mapping[int, Document]) -> int | None:
    """The id of the rectification order ``doc`` answers, following parents (复查 → 延期答复 →
    延期审批表 → 责改); :data:`_ELSEWHERE` when the chain ends at a 现场处理措施决定书 (the other thing a
    复查 may answer); :data:`_UNLINKED` when it names neither."""
    seen: set[int] = set()
    node = doc
    while node.parent_id is not None and node.parent_id not in seen:
        seen.add(node.parent_id)
        parent = by_id.get(node.parent_id)
        if parent is None:
            return _UNLINKED
        if parent.form_id == ORDER_FORM:
            return parent.id
        if parent.form_id == MEASURES_FORM:
            return _ELSEWHERE
        node = parent
    return _UNLINKED


def _answers(doc: Document, order: Document, by_id: Mapping[int, Document]) -> bool:
    target = _order_id(doc, by_id)
    if target is _UNLINKED:
        # No link recorded: give the benefit of the doubt to every earlier order of the case, as the
        # deadline engine does (any 复查 in the case satisfies its `reinspection` rule).
        assert doc.doc_date is not None and order.doc_date is not None
        return doc.doc_date >= order.doc_date
    return target == order.id


def rectification_overdue(ctx: CheckContext, params: Mapping[str, Any]) -> list[Finding]:
    orders = ctx.session.execute(
        _visible_documents(ctx).where(Document.form_id == ORDER_FORM).order_by(Document.case_id, Document.id)
    ).all()
    if not orders:
        return []
    # The chain's other documents in those cases (the cases are visible, so their documents are too).
    related = ctx.session.scalars(
        select(Document).where(
            Document.case_id.in_({case.id for _doc, case, _org in orders}),
            Document.form_id.in_(
                (ORDER_FORM, REINSPECTION_FORM, EXTENSION_REPLY_FORM, EXTENSION_APPROVAL_FORM, MEASURES_FORM)
            ),
            Document.status == "issued",
            Document.doc_date <= ctx.today,
        )
    ).all()
    by_id = {d.id: d for d in related}
    by_case: dict[int, list[Document]] = defaultdict(list)
    for d in related:
        by_case[d.case_id].append(d)

    out: list[Finding] = []
    for order, case, org in orders:
        dues = _event_dates(ctx, order, case.procedure, RECTIFICATION_DUE)
        if not dues:
            continue  # no usable 整改期限: nothing to be late against (the field is required on issue)
        due, extended = dues[0], False
        reinspected: list[dt.date] = []
        for other in by_case[case.id]:
            if other.form_id not in (EXTENSION_REPLY_FORM, REINSPECTION_FORM) or not _answers(other, order, by_id):
                continue
            if other.form_id == EXTENSION_REPLY_FORM:
                for new_due in _event_dates(ctx, other, case.procedure, RECTIFICATION_DUE):
                    if new_due > due:  # the latest approved extension governs
                        due, extended = new_due, True
            elif other.form_id == REINSPECTION_FORM:
                reinspected += [d for d in _event_dates(ctx, other, case.procedure, REINSPECTED) if d <= ctx.today]
        if reinspected or ctx.today <= due:
            continue
        over = (ctx.today - due).days
        ext_zh, ext_en = ("（经批准延期）", " (as extended)") if extended else ("", "")
        out.append(
            _doc_finding(
                ctx,
                order,
                case,
                org,
                f"整改期限{ext_zh}{due.isoformat()}已过{over}日，未见整改复查意见书",
                f"rectification deadline{ext_en} {due.isoformat()} passed {over} days ago with no re-inspection",
                due=due,
                days_over=over,
            )
        )
    return out


# -- 行政处罚决定未按期公开 ----------------------------------------------------------------------------


def publication_overdue(ctx: CheckContext, params: Mapping[str, Any]) -> list[Finding]:
    working_days = int(params["working_days"])
    # The lenient calendar estimates a year the holiday data lacks (Mon–Fri) instead of failing the run;
    # such findings say so.
    calendar = ctx.calendar.lenient()
    rows = ctx.session.execute(
        _visible_documents(ctx)
        .add_columns(Publication.published_on)
        .outerjoin(
            Publication,
            and_(Publication.document_id == Document.id, Publication.published_on <= ctx.today),
        )
        .where(Document.form_id.in_(publishable_forms(ctx.deadline_rules)))
        .order_by(Document.case_id, Document.id)
    ).all()
    out: list[Finding] = []
    for doc, case, org, published_on in rows:
        assert doc.doc_date is not None
        limit = calendar.add_working_days(doc.doc_date, working_days)
        estimate = not (ctx.calendar.covers(doc.doc_date) and ctx.calendar.covers(limit))
        note_zh = "（节假日安排未知，期限按周一至周五估算）" if estimate else ""
        note_en = " (holiday data missing: limit estimated on a Monday–Friday basis)" if estimate else ""
        if published_on is not None:
            if published_on <= limit:
                continue
            over = (published_on - limit).days
            zh = f"决定日期{doc.doc_date.isoformat()}，应于{limit.isoformat()}前公开，{published_on.isoformat()}才公开"
            en = (
                f"decided {doc.doc_date.isoformat()}, due for publication by {limit.isoformat()},"
                f" published {published_on.isoformat()}"
            )
        else:
            if ctx.today <= limit:
                continue
            over = (ctx.today - limit).days
            zh = f"决定日期{doc.doc_date.isoformat()}，应于{limit.isoformat()}前公开，至今未登记公开"
            en = f"decided {doc.doc_date.isoformat()}, due for publication by {limit.isoformat()}, not published"
        out.append(
            _doc_finding(
                ctx,
                doc,
                case,
                org,
                f"{zh}（{working_days}个工作日）{note_zh}",
                f"{en} ({working_days} working days){note_en}",
                due=limit,
                days_over=over,
            )
        )
    return out


# -- 案件长期未结 ----------------------------------------------------------------------------------


def case_open_too_long(ctx: CheckContext, params: Mapping[str, Any]) -> list[Finding]:
    days = int(params["days"])
    rows = ctx.session.execute(
        select(Case, Organisation.name)
        .join(Organisation, Organisation.id == Case.org_id)
        .where(
            case_clause(ctx.actor),
            # Open as of today: still open, or closed only after it.
            or_(Case.status == "open", and_(Case.closed_on.is_not(None), Case.closed_on > ctx.today)),
            Case.created_at < _end_of(ctx.today),
        )
        .order_by(Case.id)
    ).all()
    filings = _filings(ctx, (case.id for case, _org in rows))
    out: list[Finding] = []
    for case, org in rows:
        filing = filings.get(case.id)
        # 办案期限 runs from 立案 (行政处罚法 第六十条); a case without a 立案审批表 (an inspection chain, or
        # one not yet filed) from the day it was opened in anjuan.
        start = filing[0] if filing else beijing_date(case.created_at)
        due = start + dt.timedelta(days=days)
        if ctx.today <= due:
            continue
        open_days, over = (ctx.today - start).days, (ctx.today - due).days
        since_zh, since_en = ("立案", "filed") if filing else ("登记", "opened")
        out.append(
            _case_finding(
                case,
                org,
                filing[1] if filing else None,
                f"{start.isoformat()}{since_zh}，至今{open_days}日未结案（超过{days}日）",
                f"{since_en} {start.isoformat()}, still open after {open_days} days (limit {days})",
                due=due,
                days_over=over,
            )
        )
    return out


# -- 文书签章缺失或验证未通过 ------------------------------------------------------------------------


def unsealed_documents(ctx: CheckContext, params: Mapping[str, Any]) -> list[Finding]:
    verify_pdf = bool(params["verify_pdf"])
    rows = ctx.session.execute(_visible_documents(ctx).order_by(Document.case_id, Document.id)).all()
    out: list[Finding] = []
    for doc, case, org in rows:
        problem: tuple[str, str] | None = None
        if not doc.signatures:
            problem = ("未记录电子签章", "no signatures recorded")
        elif not doc.pdf_sha256:
            problem = ("没有签章后的PDF", "no sealed PDF stored")
        elif verify_pdf:
            problem = _seal_problem(ctx, doc.pdf_sha256)
        if problem is not None:
            out.append(_doc_finding(ctx, doc, case, org, f"签章验证未通过：{problem[0]}", f"seal check: {problem[1]}"))
    return out


def _seal_problem(ctx: CheckContext, digest: str) -> tuple[str, str] | None:
    try:
        pdf = ctx.blobs.get(digest)
    except NotFound:
        return ("存储的PDF文件缺失", "the stored PDF is missing")
    try:
        report = ctx.verify(pdf)
    except AnjuanError as exc:  # an unreadable file is a finding, not a failed run
        return (f"无法验证（{exc.message_zh}）", f"cannot be verified ({exc.message_en})")
    if report.ok:
        return None
    problems = [p for s in report.signatures for p in s.problems]
    problems += list(report.problems)
    if report.relation != "identical":
        problems.append("存储的PDF与签发时不一致 / the stored PDF is not the one issued")
    text = "；".join(dict.fromkeys(problems)) or "签名无效 / signature not valid"
    return (text, text)


# -- 案卷评查得分偏低 --------------------------------------------------------------------------------


def low_review_score(ctx: CheckContext, params: Mapping[str, Any]) -> list[Finding]:
    min_score = float(params["min_score"])
    # The latest review of each case recorded by the end of `today` (the highest event id is the latest:
    # the log is append-only and its ids grow with its hash chain).
    latest = (
        select(func.max(Event.id))
        .where(Event.entity == "case", Event.action == "reviewed", Event.at < _end_of(ctx.today))
        .group_by(Event.entity_id)
    )
    rows = ctx.session.execute(
        select(Event, Case, Organisation.name)
        .join(Case, Case.id == Event.entity_id)
        .join(Organisation, Organisation.id == Case.org_id)
        .where(Event.id.in_(latest), case_clause(ctx.actor))
        .order_by(Case.id)
    ).all()
    filings = _filings(ctx, (case.id for _e, case, _o in rows))
    out: list[Finding] = []
    for event, case, org in rows:
        score = event.data.get("score")
        if not isinstance(score, int | float) or score >= min_score:
            continue
        # A preliminary review (初评: manual items not yet scored, or the case still open) withholds
        # the unscored points, so its low score says nothing yet; a veto is final. Reviews recorded
        # before 初评 existed carry no `final` and count as they did.
        if event.data.get("final") is False and not event.data.get("veto"):
            continue
        rating = event.data.get("rating") or ""
        on = beijing_date(event.at)
        filing = filings.get(case.id)
        out.append(
            _case_finding(
                case,
                org,
                filing[1] if filing else None,
                f"{on.isoformat()}{event.actor}评查得分{score:g}分（{rating}），低于{min_score:g}分",
                f"reviewed {on.isoformat()} by {event.actor}: score {score:g} ({rating}), below {min_score:g}",
            )
        )
    return out


# -- 文号已占用未签发 --------------------------------------------------------------------------------


def numbered_drafts(ctx: CheckContext, params: Mapping[str, Any]) -> list[Finding]:
    """Drafts that took a 文号 and were never issued (an issue stopped half-way): each is a hole in
    the number sequence until it is completed (same number) or voided."""
    held_since = min(dt.datetime.now(dt.UTC), _end_of(ctx.today)) - dt.timedelta(minutes=float(params["minutes"]))
    rows = ctx.session.execute(
        _scoped_documents(ctx).where(numbered_draft_clause(held_since)).order_by(Document.numbered_at, Document.id)
    ).all()
    out: list[Finding] = []
    for doc, case, org in rows:
        since = beijing_time(doc.numbered_at).strftime("%Y-%m-%d %H:%M")
        out.append(
            _doc_finding(
                ctx,
                doc,
                case,
                org,
                f"文号自{since}起占用但文书未签发：重新签发（文号不变）或申请作废",
                f"number held since {since} (Beijing) by an unissued draft: issue it again (same number) or void it",
            )
        )
    return out


CHECKS: dict[str, Check] = {
    "rectification_overdue": rectification_overdue,
    "publication_overdue": publication_overdue,
    "case_open_too_long": case_open_too_long,
    "unsealed_documents": unsealed_documents,
    "low_review_score": low_review_score,
    "numbered_drafts": numbered_drafts,
}
