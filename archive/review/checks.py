"""The checks behind the review items (items.yaml ``check:``). Each takes the case as the reviewer
has it (:class:`ReviewInput`) and returns problems; scoring and rating happen in ``engine``.

A check looks at what a reviewer looks at: the issued documents with their dates, numbers, fields
and signatures, the computed deadlines, and the case file volume (目录, page numbers, order).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from anjuan.templates.text import pdf_text

from ..catalogue import Catalogue, resolve_form
from ..numbering import parse_number
from ..procedure.facts import CaseFacts, DocFacts, replay
from ..procedure.gates import GateFinding, GateRules, check_gates, penalty_kinds_in
from ..views import Verification

__all__ = ["CHECKS", "AttachmentFacts", "DocInfo", "PartyFacts", "Problem", "ReviewInput"]


@dataclass(frozen=True)
class DocInfo:
    """One issued document as the review sees it: the procedure's facts of it, and what a reviewer
    reads besides (its name, officers, PDF, numbering)."""

    facts: DocFacts  # as the gates read it (procedure.stored.doc_facts); the properties below read it
    name: str  # 文件名称
    officers: tuple[tuple[str, str], ...]  # (name, 执法证号)
    pdf: bytes
    handler_signatures: bool  # the form is signed by its handlers (inspection / investigation documents)
    numbered: bool
    org_id: int | None = None  # the organisation that issued it (作出机关)
    seq: int | None = None
    year: int | None = None
    counter: str | None = None

    @property
    def id(self) -> int:
        return self.facts.id

    @property
    def form_id(self) -> str:
        return self.facts.form_id

    @property
    def number(self) -> str | None:
        return self.facts.number

    @property
    def doc_date(self) -> dt.date | None:
        return self.facts.doc_date

    @property
    def fields(self) -> Mapping[str, Any]:
        return self.facts.fields

    @property
    def parent_id(self) -> int | None:
        return self.facts.parent_id


@dataclass(frozen=True)
class PartyFacts:
    """当事人 as registered for the case: what the documents must name (consistency checks)."""

    kind: str  # organisation | person
    name: str  # 名称 / 姓名
    credit_code: str = ""  # 统一社会信用代码
    id_number: str = ""  # 身份证号 (a person)


@dataclass(frozen=True)
class AttachmentFacts:
    """证据材料 of the case (casefile attachments): a 缴款凭证 is proof of payment before 结案."""

    kind: str  # order.yaml attachment_kinds: photo | evidence | payment …
    title: str
    date: dt.date | None = None


@dataclass(frozen=True)
class ReviewInput:
    case_id: int
    # 案件事实 as the gates read them (procedure.stored.case_facts), with the issued documents only —
    # the same DocFacts as ``docs`` carry.
    case: CaseFacts
    volume_kind: str  # general | simple | inspection
    review_body: str  # 行政复议机关 the decision must name
    court: str  # 管辖人民法院
    docs: tuple[DocInfo, ...]  # issued documents
    deadlines: tuple[dict[str, Any], ...]
    gates: GateRules | None
    is_workday: Callable[[dt.date], bool]
    catalogue: Catalogue
    verify: Callable[[bytes], Verification]
    counter_seqs: dict[tuple[str, int], list[int]]  # (counter, year) → every 序号 the organisation used
    # The date the case is judged on: its closing date (结案) once closed, so that the score of a
    # closed file does not change with the day it is reviewed; the review's date for an open case.
    # Deadlines run to it and undated documents are taken as made on it.
    as_of: dt.date
    org_id: int = 0  # the case's organisation (办案机关)
    org_level: str = ""  # its level: province | city | county
    volume: bytes | None = None  # the latest case-file PDF, if assembled
    volume_check: Any = None  # templates.volume.check.VolumeCheck of that PDF
    category_of: Callable[[str], int] | None = None  # form id → position of its category in order.yaml
    item_config: dict[str, Any] = field(default_factory=dict)
    party: PartyFacts | None = None  # the case's 当事人 (None: not known to the caller)
    attachments: tuple[AttachmentFacts, ...] = ()  # active attachments of the case


@dataclass(frozen=True)
class Problem:
    message_zh: str
    message_en: str
    document_id: int | None = None
    form: str | None = None
    number: str | None = None
    page: int | None = None  # stamped page in the volume, when the check knows it directly
    gate_rule: str | None = None  # for procedure findings: which gate rule (routing to items)


def _pdf_text(pdf: bytes) -> str:
    return "".join(pdf_text(pdf).split())


# -- 执法主体 ----------------------------------------------------------------------------------------


def two_officers(data: ReviewInput) -> list[Problem]:
    out = []
    for doc in data.docs:
        if doc.handler_signatures and len([o for o in doc.officers if o[1]]) < 2:
            out.append(
                Problem(
                    f"《{doc.name}》执法人员少于两人（{len(doc.officers)}人）",
                    f"{doc.form_id}: fewer than two officers ({len(doc.officers)})",
                    doc.id,
                    doc.form_id,
                    doc.number,
                )
            )
    return out


def officer_certificates(data: ReviewInput) -> list[Problem]:
    out = []
    for doc in data.docs:
        for name, cert in doc.officers:
            if not cert.strip():
                out.append(
                    Problem(
                        f"《{doc.name}》执法人员{name}未载明执法证号",
                        f"{doc.form_id}: officer {name} has no certificate number",
                        doc.id,
                        doc.form_id,
                        doc.number,
                    )
                )
    return out


# -- 证据 -------------------------------------------------------------------------------------------


def required_documents(data: ReviewInput) -> list[Problem]:
    required = data.item_config.get("required", {}).get(data.volume_kind, [])
    present = {d.form_id for d in data.docs}
    out = []
    for entry in required:
        options = [entry] if isinstance(entry, str) else list(entry)
        if not present & set(options):
            names = "或".join(f"《{resolve_form(data.catalogue, f).name}》" for f in options)
            out.append(Problem(f"缺少{names}", f"missing {' or '.join(options)}", form=options[0]))
    return out


# -- 程序 -------------------------------------------------------------------------------------------


def procedure(data: ReviewInput) -> list[Problem]:
    """Replay the procedure gates over the issued documents in date order: each document is checked
    against what had been issued before it — the same rules that refuse out-of-order issuing, so a
    case back-filled or imported without them is judged by the same law."""
    if data.gates is None:
        return []
    info = {d.id: d for d in data.docs}
    out: list[Problem] = []
    for facts, on, earlier in replay(data.case, undated_on=data.as_of):
        doc = info[facts.id]
        findings: list[GateFinding] = check_gates(
            data.gates, doc.form_id, doc.fields, earlier, on=on, parent_id=doc.parent_id, is_workday=data.is_workday
        )
        for finding in findings:
            out.append(
                Problem(
                    f"《{doc.name}》{doc.number or ''}：{finding.message_zh}",
                    f"{doc.form_id} {doc.number or ''}: {finding.message_en}",
                    doc.id,
                    doc.form_id,
                    doc.number,
                    gate_rule=finding.rule_id,
                )
            )
    return out


def deadlines(data: ReviewInput) -> list[Problem]:
    out = []
    for d in data.deadlines:
        if d.get("obligor", "agency") != "agency":
            continue
        if d["status"] in ("overdue", "met_late"):
            late = "逾期未履行" if d["status"] == "overdue" else "逾期履行"
            # The document that is wrong: the late one (e.g. the decision made after 90 days) when the
            # duty was met late; the one that started the clock when it was never met.
            source = str(
                (d.get("satisfied_source") if d["status"] == "met_late" else "")
                or (d.get("trigger_event") or {}).get("source")
                or ""
            )
            trigger = next((x for x in data.docs if source and source in (x.number, str(x.id))), None)
            out.append(
                Problem(
                    f"{d['name']}{late}（期限{d['due']}，{d['basis']}）",
                    f"{d.get('name_en', d['rule_id'])}: {d['status']} (due {d['due']})",
                    trigger.id if trigger else None,
                    trigger.form_id if trigger else None,
                    trigger.number if trigger else None,
                )
            )
    return out


def reinspection(data: ReviewInput) -> list[Problem]:
    followed = {d.parent_id for d in data.docs if d.form_id == "reinspection_opinion"}
    return [
        Problem(
            f"《{d.name}》{d.number or ''}未见整改复查意见书",
            f"rectification order {d.number or d.id} has no re-inspection",
            d.id,
            d.form_id,
            d.number,
        )
        for d in data.docs
        if d.form_id == "rectification_order" and d.id not in followed
    ]


# -- 文书规范 ---------------------------------------------------------------------------------------


def numbers(data: ReviewInput) -> list[Problem]:
    out = []
    seen: dict[str, int] = {}
    for doc in data.docs:
        if not doc.numbered:
            continue
        if not doc.number:
            out.append(Problem(f"《{doc.name}》缺少文号", f"{doc.form_id} has no number", doc.id, doc.form_id))
            continue
        if parse_number(doc.number) is None:
            out.append(
                Problem(
                    f"《{doc.name}》文号格式不规范：{doc.number}",
                    f"malformed number {doc.number}",
                    doc.id,
                    doc.form_id,
                    doc.number,
                )
            )
        # Documents that inherit their parent's number (查封扣押清单 …) legitimately share it.
        if doc.counter is not None and doc.counter.startswith("inherit:"):
            continue
        if doc.number in seen:
            out.append(
                Problem(
                    f"《{doc.name}》文号重复：{doc.number}",
                    f"duplicate number {doc.number}",
                    doc.id,
                    doc.form_id,
                    doc.number,
                )
            )
        seen[doc.number] = doc.id
    # Gaps: within each counter the organisation's numbers run on without holes (voided ones keep theirs).
    reported: set[tuple[str, int]] = set()
    for doc in data.docs:
        if doc.counter is None or doc.year is None or doc.seq is None or doc.counter.startswith("inherit:"):
            continue
        key = (doc.counter, doc.year)
        if key in reported:
            continue
        used = sorted(set(data.counter_seqs.get(key, [])))
        missing = [n for n in range(used[0], doc.seq) if n not in used] if used else []
        if missing:
            reported.add(key)
            shown = "、".join(str(n) for n in missing[:10])
            out.append(
                Problem(
                    f"《{doc.name}》所在编号序列{doc.year}年不连续，缺第{shown}号",
                    f"numbering gap before {doc.number}: {missing[:10]}",
                    doc.id,
                    doc.form_id,
                    doc.number,
                )
            )
    return out


def signatures(data: ReviewInput) -> list[Problem]:
    out = []
    for doc in data.docs:
        report = data.verify(doc.pdf)
        if not report.ok:
            problems = [p for s in report.signatures for p in s.problems] + list(report.problems)
            out.append(
                Problem(
                    f"《{doc.name}》{doc.number or ''}签章验证未通过：{'；'.join(problems) or '签名无效'}",
                    f"{doc.form_id} {doc.number or ''}: signature check failed",
                    doc.id,
                    doc.form_id,
                    doc.number,
                )
            )
    if data.volume is not None and not data.verify(data.volume).ok:
        out.append(Problem("卷宗整卷签章验证未通过", "the case-file volume's seal does not verify"))
    return out


_DECISIONS = ("penalty_decision_org", "penalty_decision_person", "no_penalty_decision")
_REVIEW_TERMS = (re.compile(r"六十日|60日"), re.compile(r"六个月|6个月"))


def remedy_clause(data: ReviewInput) -> list[Problem]:
    """A decision names the right 复议机关 and 法院 and the 60-day / 6-month terms (2023 复议法)."""
    out = []
    for doc in data.docs:
        if doc.form_id not in _DECISIONS:
            continue
        text = _pdf_text(doc.pdf)
        missing = []
        if data.review_body and "".join(data.review_body.split()) not in text:
            missing.append(f"复议机关{data.review_body}")
        if data.court and "".join(data.court.split()) not in text:
            missing.append(f"人民法院{data.court}")
        if not _REVIEW_TERMS[0].search(text):
            missing.append("六十日复议期限")
        if not _REVIEW_TERMS[1].search(text):
            missing.append("六个月起诉期限")
        if missing:
            out.append(
                Problem(
                    f"《{doc.name}》{doc.number or ''}救济条款缺少或有误：{'、'.join(missing)}",
                    f"{doc.form_id}: remedy clause lacks {', '.join(missing)}",
                    doc.id,
                    doc.form_id,
                    doc.number,
                )
            )
    return out


# -- 立卷归档 ---------------------------------------------------------------------------------------


def _volume_missing() -> Problem:
    return Problem("案件尚未组卷（无卷内目录、页码）", "no case-file volume has been assembled")


def toc_pages(data: ReviewInput) -> list[Problem]:
    if data.volume_check is None:
        return [_volume_missing()]
    return [
        Problem(f.message_zh, f.message_en, page=f.page) for f in data.volume_check.findings if f.code != "not_a_pdf"
    ] or []


def _fold(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


# order.yaml: "a 送达回执 follows the document it proves when its ``parent`` is set" (order_items
# places it right after that document, whatever the receipt's own category).
_RECEIPT = "service_receipt"


def volume_order(data: ReviewInput) -> list[Problem]:
    """The order read back from the volume's 目录 follows the configured categories.

    A 送达回执 right after a document (or after another receipt of it) is placed beside the
    document it proves, as order.yaml says: it is in order wherever that document is, and it does not
    move the running category on — else every document after a decision's receipt would be flagged."""
    if data.volume_check is None or data.category_of is None:
        return []
    # Longest names first: 行政处罚决定书（单位） must not be read as a shorter name it starts with.
    names = sorted(((_fold(f.name), f.id) for f in data.catalogue.forms), key=lambda pair: -len(pair[0]))
    out: list[Problem] = []
    furthest: tuple[int, str] | None = None
    previous: str | None = None  # form id of the entry before (None: none, or not a catalogue form)
    for entry in data.volume_check.toc:
        title = _fold(entry.title)
        form_id = next((fid for name, fid in names if title.startswith(name)), None)
        beside = form_id == _RECEIPT and previous is not None
        previous = form_id
        if form_id is None or beside:
            continue
        position = data.category_of(form_id)
        if furthest is not None and position < furthest[0]:
            out.append(
                Problem(
                    f"卷内文件排列顺序有误：《{entry.title}》应排在《{furthest[1]}》之前",
                    f"order: {entry.title} belongs before {furthest[1]}",
                    page=entry.start,
                )
            )
        elif furthest is None or position > furthest[0]:
            furthest = (position, entry.title)
    return out


# -- 基本标准: 职权与法定幅度 ---------------------------------------------------------------------


def _decisions(data: ReviewInput) -> list[DocInfo]:
    forms = set(data.item_config.get("decisions", ()))
    return [d for d in data.docs if d.form_id in forms]


def authority(data: ReviewInput) -> list[Problem]:
    """超越职权: a decision issued by another organisation than the case's, or of a 处罚种类 the
    organisation's level may not decide (``beyond_power`` in the item: kind → levels)."""
    out: list[Problem] = []
    beyond: dict[str, list[str]] = data.item_config.get("beyond_power", {})
    for doc in _decisions(data):
        if doc.org_id is not None and data.org_id and doc.org_id != data.org_id:
            out.append(
                Problem(
                    f"《{doc.name}》{doc.number or ''}非由本案办案机关作出",
                    f"{doc.form_id} {doc.number or ''}: issued by another organisation than the case's",
                    doc.id,
                    doc.form_id,
                    doc.number,
                )
            )
        kinds = set(doc.fields.get("penalty_types") or [])
        if data.gates is not None:
            kinds |= penalty_kinds_in(data.gates, doc.fields.get("penalty"))
        for kind in sorted(kinds):
            if data.org_level in beyond.get(kind, ()):
                out.append(
                    Problem(
                        f"《{doc.name}》{doc.number or ''}作出“{kind}”，超出本级机关法定职权",
                        f"{doc.form_id} {doc.number or ''}: {kind} is beyond a {data.org_level} bureau's power",
                        doc.id,
                        doc.form_id,
                        doc.number,
                    )
                )
    return out


def _articles(text: str) -> list[tuple[str, str]]:
    """(law, article) pairs cited in a 处罚依据, e.g. 《中华人民共和国安全生产法》第一百零一条第四项 →
    (中华人民共和国安全生产法, 第一百零一条)."""
    out = []
    for match in re.finditer(r"《([^》]+)》((?:第[零一二三四五六七八九十百千0-9]+条[^《]*?)+)(?=《|$)", text):
        for article in re.findall(r"第[零一二三四五六七八九十百千0-9]+条", match.group(2)):
            out.append((match.group(1), article))
    return out


def _amount(value: Any) -> float | None:
    try:
        return float(str(value).replace(",", "").replace("元", "").strip())
    except (TypeError, ValueError):
        return None


def fine_range(data: ReviewInput) -> list[Problem]:
    """超出法定幅度: a fine above the largest the cited 罚则 clause allows (``ranges`` in the item).
    A clause not in the table is not judged (the reviewer's 法律适用 item covers it)."""
    out: list[Problem] = []
    ranges = data.item_config.get("ranges", [])
    for doc in _decisions(data):
        amount = _amount(doc.fields.get(data.item_config.get("amount_field", "fine")))
        cited = _fold(str(doc.fields.get(data.item_config.get("basis_field", "penalty_basis")) or ""))
        if amount is None or not cited:
            continue
        for law, article in _articles(cited):
            limit = next((r for r in ranges if r["law"] in law and r["article"] == article), None)
            if limit is not None and amount > float(limit["max"]):
                out.append(
                    Problem(
                        f"《{doc.name}》{doc.number or ''}罚款{amount:g}元，超出《{law}》{article}"
                        f"规定的最高{float(limit['max']):g}元",
                        f"{doc.form_id} {doc.number or ''}: fine {amount:g} above the {float(limit['max']):g} "
                        f"that {law} {article} allows",
                        doc.id,
                        doc.form_id,
                        doc.number,
                    )
                )
    return out


CHECKS: dict[str, Callable[[ReviewInput], Sequence[Problem]]] = {
    "authority": authority,
    "fine_range": fine_range,
    "two_officers": two_officers,
    "officer_certificates": officer_certificates,
    "required_documents": required_documents,
    "procedure": procedure,
    "deadlines": deadlines,
    "reinspection": reinspection,
    "numbers": numbers,
    "signatures": signatures,
    "remedy_clause": remedy_clause,
    "toc_pages": toc_pages,
    "volume_order": volume_order,
}
