"""Cross-document consistency (文书之间的一致性): what a reviewer finds by reading the documents of a
case side by side — the party named as registered, one fine and one set of clauses from 告知 to 决定,
laws in force on the day they are cited, two distinct officers, service proved by the 送达回执,
execution proved before 结案, and a 重大 case recognised by its penalty even when the box is not ticked.

Every word list, threshold and field to compare is data: the keys of the check's item in
``items.yaml`` (the engine hands them over as ``ReviewInput.item_config``). The checks here only know
how to read and compare; which forms, which fields and which laws are the bureau's to change.
Registered into :data:`~.checks.CHECKS` by ``engine`` (this module imports ``checks``, never the other way).
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..fields import parse_money
from ..procedure.gates import penalty_kinds_in
from ..procedure.service_dates import as_date, normalise, service_rows
from .checks import DocInfo, Problem, ReviewInput

__all__ = ["CHECKS", "Citation", "citations"]


def _fold(text: Any) -> str:
    """NFKC without whitespace: full-width brackets and digits read as half-width, lines joined."""
    return "".join(unicodedata.normalize("NFKC", str(text)).split()) if text is not None else ""


def _texts(value: Any) -> Iterable[str]:
    """Every string inside a stored field value (lists and table rows included)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for v in value.values():
            yield from _texts(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _texts(v)


def _problem(doc: DocInfo, zh: str, en: str) -> Problem:
    """A finding on ``doc``: its name and 文号 lead the message, as on the scoring sheet."""
    return Problem(
        f"《{doc.name}》{doc.number or ''}：{zh}",
        f"{doc.form_id} {doc.number or ''}: {en}",
        doc.id,
        doc.form_id,
        doc.number,
    )


def _money(doc: DocInfo, field_id: str | None) -> Decimal | None:
    return parse_money(doc.fields.get(field_id)) if field_id else None


def _fmt(amount: Decimal) -> str:
    return f"{amount:,.2f}".removesuffix(".00")


def _on_or_before(doc: DocInfo, day: dt.date | None) -> bool:
    return day is None or doc.doc_date is None or doc.doc_date <= day


# -- 当事人 (party identity) ---------------------------------------------------------------------------

# GB 32100 统一社会信用代码 (18 characters of its alphabet) and GB 11643 居民身份证号码.
_CREDIT_CODE = re.compile(r"(?<![0-9A-Z])[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Z])")
_ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dX](?!\d)")


def party_identity(data: ReviewInput) -> list[Problem]:
    """当事人名称、统一社会信用代码、身份证号 as the documents write them vs the case's party.

    Config: ``forms`` {form: [fields]} — where the party is written in free text; ``name_suffixes``
    — the endings of an organisation's name (有限公司 …) where a written name is looked for;
    ``similarity`` — how alike a written name must be to the party's (difflib ratio) to be read as
    the party misnamed rather than another enterprise (a contractor, a supplier) named in the facts.
    """
    party = data.party
    if party is None:
        return []
    config = data.item_config
    forms: Mapping[str, Sequence[str]] = config.get("forms", {})
    suffixes = sorted(config.get("name_suffixes", []), key=len, reverse=True)
    threshold = float(config.get("similarity", 0.8))
    name = _fold(party.name)
    out: list[Problem] = []
    for doc in data.docs:
        if doc.form_id not in forms:
            continue
        text = "".join(_fold(t) for f in forms[doc.form_id] for t in _texts(doc.fields.get(f)))
        wrong: list[str] = []
        if party.kind == "organisation" and name:
            wrong += [f"名称“{w}”" for w in _misnamed(text, name, suffixes, threshold)]
        for code in dict.fromkeys(_CREDIT_CODE.findall(text.upper())):
            if party.credit_code and code != _fold(party.credit_code).upper():
                wrong.append(f"统一社会信用代码{code}")
        if party.kind == "person" and party.id_number:
            for number in dict.fromkeys(_ID_NUMBER.findall(text.upper())):
                if number != _fold(party.id_number).upper():
                    wrong.append(f"身份证号{number}")
        if wrong:
            registered = party.name + (f"（{party.credit_code}）" if party.credit_code else "")
            out.append(
                _problem(
                    doc,
                    f"当事人{'、'.join(wrong)}与案件当事人{registered}不一致",
                    f"the party is written as {', '.join(wrong)}, not as the case's party {registered}",
                )
            )
    return out


def _misnamed(text: str, name: str, suffixes: Sequence[str], threshold: float) -> list[str]:
    """Names in ``text`` ending in an organisation suffix that look like ``name`` but are not it."""
    found: dict[str, None] = {}
    for suffix in suffixes:
        start = 0
        while (at := text.find(suffix, start)) >= 0:
            end = at + len(suffix)
            start = end
            if text[max(0, end - len(name)) : end] == name:
                continue  # the party's own name
            if any(text[at:].startswith(longer) for longer in suffixes if len(longer) > len(suffix)):
                continue  # 有限公司 inside 有限责任公司 … is read with the longer suffix
            # The written name is the stretch before the suffix that best matches the party's name.
            best, best_ratio = "", 0.0
            for length in range(max(len(suffix) + 1, len(name) - 4), len(name) + 5):
                if length > end:
                    break
                candidate = text[end - length : end]
                ratio = difflib.SequenceMatcher(None, candidate, name).ratio()
                if ratio > best_ratio:
                    best, best_ratio = candidate, ratio
            if best_ratio >= threshold and best not in name:
                found.setdefault(best, None)
    return list(found)


# -- 罚款金额 (the fine from 告知 to 决定) -------------------------------------------------------------


def fine_consistency(data: ReviewInput) -> list[Problem]:
    """The fine in the 告知书, the 呈批表/审批表 and the 决定书 is one amount.

    Config: ``amounts`` {form: money field}; ``notified``/``approved``/``decided`` — the forms of each
    stage; ``reasons`` {forms, field} — a lower fine than notified is explained by a 陈述申辩 or 听证
    on file and the decision's field stating what was adopted. A higher fine than notified is
    always a finding: the party was not told of it (行政处罚法 第四十五条: 不得因陈述申辩加重).
    """
    config = data.item_config
    amounts: Mapping[str, str] = config.get("amounts", {})
    reasons: Mapping[str, Any] = config.get("reasons", {})
    out: list[Problem] = []
    for decision in (d for d in data.docs if d.form_id in config.get("decided", [])):
        decided = _money(decision, amounts.get(decision.form_id))
        if decided is None:
            continue
        for approval in (d for d in data.docs if d.form_id in config.get("approved", [])):
            approved = _money(approval, amounts.get(approval.form_id))
            if approved is not None and approved != decided and _on_or_before(approval, decision.doc_date):
                out.append(
                    _problem(
                        decision,
                        f"罚款{_fmt(decided)}元与《{approval.name}》{approval.number or ''}"
                        f"审批的{_fmt(approved)}元不一致",
                        f"fine {decided} differs from {approved} approved in {approval.form_id}",
                    )
                )
        for notice in (d for d in data.docs if d.form_id in config.get("notified", [])):
            notified = _money(notice, amounts.get(notice.form_id))
            if notified is None or notified == decided or not _on_or_before(notice, decision.doc_date):
                continue
            heard = any(
                d.form_id in reasons.get("forms", []) and _on_or_before(d, decision.doc_date) for d in data.docs
            )
            adopted = bool(_fold(decision.fields.get(reasons.get("field", ""))))
            if decided < notified and heard and adopted:
                continue  # lowered on the party's statement or the hearing, and the decision says so
            higher = decided > notified
            why = "高于告知的金额，未重新告知" if higher else "低于告知的金额，但未见陈述申辩或听证采纳的理由"
            out.append(
                _problem(
                    decision,
                    f"罚款{_fmt(decided)}元与《{notice.name}》{notice.number or ''}"
                    f"告知的{_fmt(notified)}元不一致（{why}）",
                    f"fine {decided} differs from {notified} notified in {notice.form_id}",
                )
            )
    return out


# -- 法律条款 (violated and penalty clauses) ----------------------------------------------------------

_CN_DIGITS = {ch: i for i, ch in enumerate("零一二三四五六七八九")} | {"〇": 0, "两": 2}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
_NUM = r"[0-9零〇一二两三四五六七八九十百千]+"
_LAW = re.compile(r"《([^《》]+)》(?:[(（]([^()（）]{0,40})[)）])?")
_ARTICLE = re.compile(rf"第({_NUM})条(?:第({_NUM})款)?(?:第[(（]?({_NUM})[)）]?项)?")


def _number(text: str) -> int:
    if text.isdigit():
        return int(text)
    total, digit = 0, 0
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            total += (digit or 1) * _CN_UNITS[ch]
            digit = 0
    return total + digit


@dataclass(frozen=True)
class Citation:
    """One cited article: 《law》（edition）第 article 条第 paragraph 款第 item 项."""

    law: str  # the law's name as the table knows it (aliases resolved, 中华人民共和国 dropped)
    edition: str  # what the parentheses after the title said ("" when nothing)
    article: int
    paragraph: int | None = None
    item: int | None = None

    def matches(self, other: Citation) -> bool:
        """Same law and article; 款 and 项 compared where both name them."""
        return (
            self.law == other.law
            and self.article == other.article
            and (self.paragraph is None or other.paragraph is None or self.paragraph == other.paragraph)
            and (self.item is None or other.item is None or self.item == other.item)
        )

    def __str__(self) -> str:
        return (
            f"《{self.law}》第{self.article}条"
            + (f"第{self.paragraph}款" if self.paragraph else "")
            + (f"第{self.item}项" if self.item else "")
        )


def _law_key(name: str, aliases: Mapping[str, str]) -> str:
    folded = _fold(name)
    return aliases.get(folded, folded.removeprefix("中华人民共和国"))


def citations(text: Any, aliases: Mapping[str, str] | None = None) -> list[Citation]:
    """The articles a text cites, in order; an article without a title belongs to the last title
    named before it (违反《安全生产法》第四十三条，依据第一百零一条第四项 → both of 安全生产法)."""
    aliases = aliases or {}
    folded = _fold(text)
    events = sorted(
        [(m.start(), "law", m) for m in _LAW.finditer(folded)]
        + [(m.start(), "article", m) for m in _ARTICLE.finditer(folded)],
        key=lambda e: e[0],
    )
    out: list[Citation] = []
    law, edition = "", ""
    for _pos, kind, match in events:
        if kind == "law":
            law, edition = _law_key(match[1], aliases), match[2] or ""
        elif law:
            out.append(
                Citation(
                    law=law,
                    edition=edition,
                    article=_number(match[1]),
                    paragraph=_number(match[2]) if match[2] else None,
                    item=_number(match[3]) if match[3] else None,
                )
            )
    return out


def _aliases(config: Mapping[str, Any]) -> dict[str, str]:
    """name or alias (folded) → the law's key, from the ``laws`` table."""
    out: dict[str, str] = {}
    for law in config.get("laws", []):
        key = _fold(law["name"]).removeprefix("中华人民共和国")
        for name in [law["name"], *law.get("aliases", [])]:
            out[_fold(name)] = key
    return out


def _cited(doc: DocInfo, fields: Sequence[str], aliases: Mapping[str, str]) -> list[Citation]:
    return [c for f in fields for t in _texts(doc.fields.get(f)) for c in citations(t, aliases)]


def _same(a: Sequence[Citation], b: Sequence[Citation]) -> bool:
    return all(any(x.matches(y) for y in b) for x in a) and all(any(y.matches(x) for x in a) for y in b)


def clause_consistency(data: ReviewInput) -> list[Problem]:
    """违反的规定 and 处罚依据: the same articles in the 告知书, the 呈批表 and the 决定书.

    Config: ``forms`` {form: {violated: [fields], basis: [fields]}} in the order a case runs; a form
    that writes both in one text (呈批表 违法事实及处罚依据) lists it under ``combined``. The last
    form present (the decision) is what was decided: each earlier document that cites otherwise is
    a finding on the decision, naming that document.
    """
    forms: Mapping[str, Mapping[str, Sequence[str]]] = data.item_config.get("forms", {})
    aliases = _aliases(data.item_config)
    order = list(forms)
    present = sorted((d for d in data.docs if d.form_id in forms), key=lambda d: (order.index(d.form_id), d.id))
    if len(present) < 2:
        return []
    reference = present[-1]
    spec = forms[reference.form_id]
    ref_parts = {part: _cited(reference, spec.get(part, []), aliases) for part in ("violated", "basis")}
    ref_all = ref_parts["violated"] + ref_parts["basis"] + _cited(reference, spec.get("combined", []), aliases)
    out: list[Problem] = []
    for doc in present[:-1]:
        other = forms[doc.form_id]
        differs: list[tuple[str, list[Citation], list[Citation]]] = []
        combined = _cited(doc, other.get("combined", []), aliases)
        if combined:
            if not _same(combined, ref_all):
                differs.append(("违法条款及处罚依据", combined, ref_all))
        else:
            for part, label in (("violated", "违反的规定"), ("basis", "处罚依据")):
                mine = _cited(doc, other.get(part, []), aliases)
                theirs = ref_parts[part] if (spec.get(part) or not spec.get("combined")) else ref_all
                if mine and theirs and not _same(mine, theirs):
                    differs.append((label, mine, theirs))
        for label, mine, theirs in differs:
            shown_mine, shown_ref = "、".join(map(str, mine)), "、".join(map(str, theirs))
            out.append(
                _problem(
                    reference,
                    f"{label}（{shown_ref}）与《{doc.name}》{doc.number or ''}所载（{shown_mine}）不一致",
                    f"{label}: {shown_ref} differs from {shown_mine} in {doc.form_id} {doc.number or ''}",
                )
            )
    return out


def laws_in_force(data: ReviewInput) -> list[Problem]:
    """A law (or the edition named after its title) cited on a document must be in force on the
    document's date. Config: ``fields`` — where documents cite laws; ``laws`` — the table of laws
    and their editions, each with ``from``/``to`` (inclusive; no ``to`` = in force) and ``markers``
    (what the parentheses after the title say of that edition: 2021年修正, 总局令第15号 …)."""
    config = data.item_config
    aliases = _aliases(config)
    table = {_fold(law["name"]).removeprefix("中华人民共和国"): law for law in config.get("laws", [])}
    out: list[Problem] = []
    for doc in data.docs:
        on = doc.doc_date
        if on is None:
            continue
        reported: set[tuple[str, str]] = set()
        for cite in _cited(doc, config.get("fields", []), aliases):
            law = table.get(cite.law)
            if law is None or (cite.law, cite.edition) in reported:
                continue
            editions = law.get("editions", [])
            named = [e for e in editions if cite.edition and any(_fold(m) in _fold(cite.edition) for m in _markers(e))]
            candidates = named or editions
            if any(_in_force(e, on) for e in candidates):
                continue
            reported.add((cite.law, cite.edition))
            which = f"（{cite.edition}）" if named else ""
            spans = "；".join(f"{e.get('label', '')}{_span(e)}" for e in candidates)
            out.append(
                _problem(
                    doc,
                    f"引用的《{law['name']}》{which}在文书日期{on}不在施行期内（{spans}）",
                    f"cites {law['name']} {cite.edition} not in force on {on}",
                )
            )
    return out


def _markers(edition: Mapping[str, Any]) -> list[str]:
    return list(edition.get("markers") or [edition.get("label", "")])


def _in_force(edition: Mapping[str, Any], on: dt.date) -> bool:
    start = as_date(edition.get("from"), text=False) or dt.date.min
    end = as_date(edition.get("to"), text=False) or dt.date.max
    return start <= on <= end


def _span(edition: Mapping[str, Any]) -> str:
    start, end = edition.get("from"), edition.get("to")
    return f"{start}施行" + (f"，{end}后失效" if end else "")


# -- 执法人员 (officers) ------------------------------------------------------------------------------


def officers_distinct(data: ReviewInput) -> list[Problem]:
    """The officers of a document are two different people with different 执法证号: the same name or
    certificate twice is one officer counted twice (行政处罚法 第四十二条 执法人员不少于两人)."""
    out = []
    for doc in data.docs:
        if len(doc.officers) < 2:
            continue  # fewer than two: the two_officers item says so
        names = [_fold(n) for n, _ in doc.officers]
        certs = [_fold(c) for _, c in doc.officers if _fold(c)]
        repeated = sorted({n for n in names if names.count(n) > 1} | {c for c in certs if certs.count(c) > 1})
        if repeated or len(set(names)) < 2:
            out.append(
                _problem(
                    doc,
                    f"执法人员或执法证号重复（{'、'.join(repeated)}），实为不足两名执法人员",
                    f"officers or certificate numbers repeated ({', '.join(repeated)})",
                )
            )
    return out


def distinct_roles(data: ReviewInput) -> list[Problem]:
    """On a 笔录 the roles that check each other are held by different people (询问人 ≠ 记录人).
    Config: ``roles`` {form: [field, field, …]} — the fields that must name different people."""
    roles: Mapping[str, Sequence[str]] = data.item_config.get("roles", {})
    out = []
    for doc in data.docs:
        fields = roles.get(doc.form_id)
        if not fields:
            continue
        people = [(f, _fold(doc.fields.get(f))) for f in fields if _fold(doc.fields.get(f))]
        seen: dict[str, str] = {}
        for field_id, person in people:
            if person in seen:
                out.append(
                    _problem(
                        doc,
                        f"{_label(data, doc, seen[person])}与{_label(data, doc, field_id)}为同一人（{person}）",
                        f"{seen[person]} and {field_id} are the same person ({person})",
                    )
                )
            seen.setdefault(person, field_id)
    return out


def _label(data: ReviewInput, doc: DocInfo, field_id: str) -> str:
    form = next((f for f in data.catalogue.forms if f.id == doc.form_id), None)
    spec = form.field(field_id) if form else None
    return spec.label if spec else field_id


# -- 送达 (proof of service) ------------------------------------------------------------------------


def service_proof(data: ReviewInput) -> list[Problem]:
    """A 告知书, 听证告知书 or 决定书 is served when a row of an issued 送达回执 names its 文号 — never
    assumed served on its own date. Config: ``forms`` (those needing proof), ``procedures``."""
    config = data.item_config
    if data.gates is None or data.case.procedure not in config.get("procedures", ["general"]):
        return []
    wanted = [d for d in data.docs if d.form_id in config.get("forms", []) and d.number]
    rows = list(service_rows(data.case.documents, data.gates.service, [d.number for d in wanted if d.number]))
    named = {n for row in rows for n in row.numbers}
    return [
        _problem(doc, "未见送达回执（送达回执中无本文书文号的送达记录）", "no service receipt row names this document")
        for doc in wanted
        if normalise(doc.number or "") not in named
    ]


# -- 执行 (proof of execution before 结案) -----------------------------------------------------------


def _imposes_fine(data: ReviewInput, doc: DocInfo, config: Mapping[str, Any]) -> bool:
    amount = _money(doc, config.get("decisions", {}).get(doc.form_id))
    if amount is not None and amount > 0:
        return True
    kinds = set(doc.fields.get(config.get("kinds_field", ""), []) or [])
    if data.gates is not None:
        kinds |= penalty_kinds_in(data.gates, doc.fields.get(config.get("text_field", "")))
    return "罚款" in kinds


def execution_proof(data: ReviewInput) -> list[Problem]:
    """A closed case whose decision imposed a fine shows how it was carried out: a 缴款凭证 on file
    (attachment kinds ``payment_attachments``) or a document of ``execution_forms`` (强制执行申请书 …).
    The finding is on the 结案审批表 (``closing_forms``)."""
    config = data.item_config
    closings = [d for d in data.docs if d.form_id in config.get("closing_forms", [])]
    fined = [d for d in data.docs if d.form_id in config.get("decisions", {}) and _imposes_fine(data, d, config)]
    if not closings or not fined:
        return []
    if any(a.kind in config.get("payment_attachments", []) for a in data.attachments):
        return []
    if any(d.form_id in config.get("execution_forms", []) for d in data.docs):
        return []
    closing = closings[-1]
    decision = fined[-1]
    return [
        _problem(
            closing,
            f"《{decision.name}》{decision.number or ''}处以罚款，结案时未见缴款凭证或强制执行材料",
            f"closed without proof of payment or enforcement of the fine in {decision.number or decision.form_id}",
        )
    ]


# -- 重大案件 (major cases inferred from the penalty) ------------------------------------------------


def major_inferred(data: ReviewInput) -> list[Problem]:
    """A decision ordering 停产停业, 吊销 … (``kinds``) or a fine at or over the 重大 threshold
    (``thresholds``: per party kind and province, or ``hearing`` for the 听证 较大数额 of gates.yaml)
    is a 重大 case even if the case is not marked so: it needs 集体讨论 (``discussion_forms``) and an
    approving 法制审核 (``review_forms`` with ``review_field`` in ``review_values``) before the decision.
    Cases marked 重大 are left to the procedure gates (they already demand both)."""
    config = data.item_config
    if data.case.major:
        return []
    decisions: Mapping[str, Mapping[str, Any]] = config.get("decisions", {})
    limit = _major_limit(data, config)
    out: list[Problem] = []
    for doc in (d for d in data.docs if d.form_id in decisions):
        spec = decisions[doc.form_id]
        kinds = set(doc.fields.get(spec.get("kinds_field", ""), []) or [])
        if data.gates is not None:
            kinds |= penalty_kinds_in(data.gates, doc.fields.get(spec.get("text_field", "")))
        reasons = sorted(kinds & set(config.get("kinds", [])))
        amounts = [a for a in (_money(doc, f) for f in spec.get("amounts", [])) if a is not None]
        if limit is not None and any(a >= limit for a in amounts):
            reasons.append(f"罚款{_fmt(max(amounts))}元（≥{_fmt(limit)}元）")
        if not reasons:
            continue
        before = [d for d in data.docs if d.id != doc.id and _on_or_before(d, doc.doc_date)]
        missing = []
        if not any(d.form_id in config.get("discussion_forms", []) for d in before):
            missing.append("集体讨论")
        field_id, values = config.get("review_field"), set(config.get("review_values", []))
        if not any(
            d.form_id in config.get("review_forms", []) and (not field_id or d.fields.get(field_id) in values)
            for d in before
        ):
            missing.append("法制审核")
        if missing:
            out.append(
                _problem(
                    doc,
                    f"处罚（{'、'.join(reasons)}）属重大行政处罚，作出决定前未经{'、'.join(missing)}",
                    f"a major penalty ({', '.join(reasons)}) decided without {' and '.join(missing)}",
                )
            )
    return out


def _major_limit(data: ReviewInput, config: Mapping[str, Any]) -> Decimal | None:
    thresholds = config.get("thresholds")
    party_kind = data.case.party_kind
    if thresholds == "hearing":
        if data.gates is None:
            return None
        table = data.gates.hearing.thresholds
        limits = table.provinces.get(data.case.province or "", table.default)
        return limits.organisation if party_kind == "organisation" else limits.person
    if not isinstance(thresholds, Mapping):
        return None
    limits = thresholds.get("provinces", {}).get(data.case.province or "") or thresholds.get("default", {})
    return parse_money(limits.get(party_kind))


CHECKS: dict[str, Callable[[ReviewInput], Sequence[Problem]]] = {
    "party_identity": party_identity,
    "fine_consistency": fine_consistency,
    "clause_consistency": clause_consistency,
    "laws_in_force": laws_in_force,
    "officers_distinct": officers_distinct,
    "distinct_roles": distinct_roles,
    "service_proof": service_proof,
    "execution_proof": execution_proof,
    "major_inferred": major_inferred,
}
