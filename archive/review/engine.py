"""案卷评查: run the review items (data) over a case and score it out of 100.

Each finding carries its item, the document with its 文号, and the page where that document starts
in the case-file volume — what a reviewer writes on the scoring sheet.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import fnmatch
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, model_validator

from ..datafile import load_rules_file
from ..errors import ArchiveError
from .checks import CHECKS, Problem, ReviewInput
from .consistency import CHECKS as CONSISTENCY_CHECKS
from .report import CategoryScore, ItemResult, ReviewFinding, ReviewScore

__all__ = ["Assessment", "ReviewItem", "ReviewRules", "load_review_rules", "run_review"]

# The cross-document checks live in their own module (it imports checks, not the other way round):
# registered here, where both are known, before any item is validated against CHECKS.
CHECKS.update(CONSISTENCY_CHECKS)


class ReviewRulesError(ArchiveError):
    code = "review_rules_invalid"


class Band(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    min: float
    rating: str


class ReviewCategory(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str
    name: str
    points: float  # 满分; 0 for the 基本标准 tier (否决项 only)


class ReviewItem(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)  # check-specific settings (e.g. `required`)
    id: str
    category: str
    name: str
    check: str | None = None  # None only for a manual item
    deduct: float = 0.0  # 每处扣分
    points: float | None = None  # deduction cap (default: the category's), or a manual item's points
    veto: bool = False  # 否决项
    manual: bool = False  # 待人工评查: no points until a reviewer scores it
    basis: str = ""
    gates: tuple[str, ...] = ()
    keep: Literal["all", "first", "last"] = "all"

    @property
    def config(self) -> dict[str, Any]:
        """This item's own check settings (the keys items.yaml adds beyond the common ones)."""
        return dict(self.model_extra or {})


class ReviewRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int
    veto_rating: str = "不合格"
    veto_category: str = "basic"
    bands: tuple[Band, ...]
    categories: tuple[ReviewCategory, ...]
    items: tuple[ReviewItem, ...]

    @model_validator(mode="after")
    def _consistent(self) -> ReviewRules:
        categories = {c.id: c for c in self.categories}
        seen: set[str] = set()
        for item in self.items:
            if item.id in seen:
                raise ValueError(f"item {item.id}: duplicate id")
            seen.add(item.id)
            if item.category not in categories:
                raise ValueError(f"item {item.id}: unknown category {item.category}")
            if item.manual:
                if item.check is not None or item.veto or not item.points:
                    raise ValueError(f"item {item.id}: a manual item has points, and no check or veto")
                continue
            if item.check is None or item.check not in CHECKS:
                raise ValueError(f"item {item.id}: unknown check {item.check} (known: {', '.join(CHECKS)})")
            if not item.veto and item.deduct <= 0:
                raise ValueError(f"item {item.id}: a point item needs `deduct` > 0")
        gate_items = [i for i in self.items if i.check == "procedure"]
        if gate_items and not any("*" in i.gates for i in gate_items):
            # Unclaimed gate findings need a home that is not a veto chosen by file order.
            raise ValueError('one item with check "procedure" must take the other gate rules (gates: ["*"])')
        for category in self.categories:
            manual = sum(i.points or 0 for i in self.items if i.manual and i.category == category.id)
            if manual > category.points + 1e-6:
                raise ValueError(f"category {category.id}: manual items exceed its {category.points:g} points")
        if abs(sum(c.points for c in self.categories) - 100) > 1e-6:
            raise ValueError("category points must add up to 100")
        if not self.bands or min(b.min for b in self.bands) > 0:
            raise ValueError("bands must cover every score from 0")
        if self.veto_rating not in {b.rating for b in self.bands}:
            raise ValueError(f"veto_rating {self.veto_rating} is not a band")
        return self

    def rating(self, score: float, vetoed: bool) -> str:
        """The band of a score; a 否决项 forces the band named ``veto_rating``, whatever the score."""
        if vetoed:
            return self.veto_rating
        ordered = sorted(self.bands, key=lambda b: -b.min)
        # The bands start at 0, so a score always finds one; a negative score (impossible) the lowest.
        return next((b.rating for b in ordered if score >= b.min), ordered[-1].rating)

    def item(self, item_id: str) -> ReviewItem | None:
        return next((i for i in self.items if i.id == item_id), None)


def _build(data: Any, label: str) -> ReviewRules:
    try:
        return ReviewRules.model_validate(data)
    except ValueError as exc:
        raise ReviewRulesError(f"{label} 有误：{exc}", f"{label} is invalid: {exc}", details={"file": label}) from exc


def load_review_rules(path: Path | None = None) -> ReviewRules:
    """The 评查 items: the packaged ``items.yaml`` or ``path`` (cached by source and content)."""
    return load_rules_file(
        "anjuan.archive.review", "items.yaml", Path(path) if path is not None else None, ReviewRulesError, _build
    )


@dataclass(frozen=True)
class Assessment:
    """A reviewer's score of a manual item (人工评查): points given and why."""

    points: float
    reason: str
    by: str
    on: dt.date


@dataclass(frozen=True)
class _Routed:
    item: ReviewItem
    problem: Problem


def _route(rules: ReviewRules, data: ReviewInput) -> list[_Routed]:
    """Run every item's check with the item's own settings; a check shared by several items with the
    same settings runs once. Gate findings (check ``procedure``) go to the item whose ``gates`` name
    their rule (the most specific pattern; ``*`` catches the rest); any other finding goes to the
    item that ran the check."""
    runs: dict[tuple[str, str], Sequence[Problem]] = {}

    def run(item: ReviewItem) -> Sequence[Problem]:
        assert item.check is not None
        key = (item.check, json.dumps(item.config, sort_keys=True, default=str))
        if key not in runs:
            runs[key] = CHECKS[item.check](dataclasses.replace(data, item_config=item.config))
        return runs[key]

    routed: list[_Routed] = []
    gate_items = [i for i in rules.items if i.check == "procedure"]
    gate_problems_seen: set[str] = set()
    for item in rules.items:
        if item.manual or item.check is None:
            continue
        if item.check != "procedure":
            routed.extend(_Routed(item, p) for p in run(item))
            continue
        key = json.dumps(item.config, sort_keys=True, default=str)
        if key in gate_problems_seen:
            continue  # the gate replay with these settings was routed already
        gate_problems_seen.add(key)
        for problem in run(item):
            rule = problem.gate_rule or ""
            specific = [i for i in gate_items if any(p != "*" and fnmatch.fnmatch(rule, p) for p in i.gates)]
            fallback = [i for i in gate_items if "*" in i.gates]
            target = (specific or fallback)[0]  # the rules guarantee a `*` item
            routed.append(_Routed(target, problem))
    return _dedupe(routed)


def _dedupe(routed: list[_Routed]) -> list[_Routed]:
    """One defect, one finding. Identical findings (same item, document and gate rule — the same
    rule reached through several gates) are one; an item that is one defect (``keep: first/last``)
    keeps the earliest / latest document that is wrong, its messages merged."""
    out: list[_Routed] = []
    seen: set[tuple[str, int | None, str]] = set()
    for entry in routed:
        p = entry.problem
        rule = (p.gate_rule or "").rsplit(".", 1)[-1] or p.message_zh
        key = (entry.item.id, p.document_id, rule if p.gate_rule else p.message_zh)
        if key in seen:
            continue
        seen.add(key)
        out.append(entry)
    by_item: dict[str, list[_Routed]] = {}
    for entry in out:
        by_item.setdefault(entry.item.id, []).append(entry)
    result: list[_Routed] = []
    for entries in by_item.values():
        keep = entries[0].item.keep
        if keep == "all" or len(entries) == 1:
            result.extend(entries)
            continue
        # Problems come in replay (date) order: the first / last document named is the one to keep.
        docs = [e.problem.document_id for e in entries]
        chosen = docs[0] if keep == "first" else docs[-1]
        mine = [e for e in entries if e.problem.document_id == chosen]
        first = mine[0].problem
        merged = dataclasses.replace(
            first,
            message_zh="；".join(dict.fromkeys(e.problem.message_zh for e in mine)),
            message_en="; ".join(dict.fromkeys(e.problem.message_en for e in mine)),
        )
        others = len({d for d in docs if d != chosen})
        if others:
            merged = dataclasses.replace(
                merged,
                message_zh=f"{merged.message_zh}（同一问题另见{others}份文书）",
                message_en=f"{merged.message_en} (the same defect in {others} more documents)",
            )
        result.append(_Routed(mine[0].item, merged))
    return result


def run_review(
    rules: ReviewRules,
    data: ReviewInput,
    *,
    pages: dict[int, int],
    assessments: dict[str, Assessment] | None = None,
    closed: bool = True,
) -> ReviewScore:
    """Score and rate the case; ``pages`` maps document id → its start page in the volume,
    ``assessments`` the reviewers' scores of manual items (item id → the latest), ``closed`` whether
    the case is 结案 (an open case's rating is never final)."""
    assessments = assessments or {}
    routed = _route(rules, data)
    findings: list[ReviewFinding] = []
    lost_by_item: dict[str, float] = {}
    category_points = {c.id: c.points for c in rules.categories}
    for entry in routed:
        item, problem = entry.item, entry.problem
        cap = item.points if item.points is not None else category_points[item.category]
        taken = lost_by_item.get(item.id, 0.0)
        deduct = max(0.0, min(item.deduct, cap - taken))  # 扣完为止: the item's cap
        lost_by_item[item.id] = taken + deduct
        findings.append(
            ReviewFinding(
                item=item.id,
                name=item.name,
                category=item.category,
                deduct=deduct,
                veto=item.veto,
                basis=item.basis,
                message_zh=problem.message_zh,
                message_en=problem.message_en,
                message=f"{problem.message_zh} / {problem.message_en}",
                document_id=problem.document_id,
                form=problem.form,
                number=problem.number,
                page=problem.page if problem.page is not None else pages.get(problem.document_id or -1),
            )
        )
    pending = tuple(i.id for i in rules.items if i.manual and i.id not in assessments)
    categories = []
    for category in rules.categories:
        mine = [i for i in rules.items if i.category == category.id]
        lost = sum(lost_by_item.get(i.id, 0.0) for i in mine)
        # A manual item gives what the reviewer gave it, nothing while unassessed: never full
        # points for what was not assessed.
        withheld = sum(
            (i.points or 0) - (assessments[i.id].points if i.id in assessments else 0) for i in mine if i.manual
        )
        categories.append(
            CategoryScore(
                id=category.id,
                name=category.name,
                points=category.points,
                score=round(max(0.0, category.points - lost - withheld), 1),
                pending=tuple(i.id for i in mine if i.id in pending),
            )
        )
    score = round(sum(c.score for c in categories), 1)
    vetoes = tuple(sorted({f.item for f in findings if f.veto}))
    band = rules.rating(score, bool(vetoes))
    # A veto is final whatever the manual items give; otherwise only once every manual item is
    # scored. An open case is never final: what it lacks may still come.
    final = closed and (bool(vetoes) or not pending)
    qualifiers = [] if final else ["初评"] + ([] if closed else ["未结案"])
    rating = f"{band}（{'，'.join(qualifiers)}）" if qualifiers else band
    found = {f.item for f in findings}
    items = []
    for i in rules.items:
        given = assessments.get(i.id)
        machine = "failed" if i.id in found else "passed"
        status = ("assessed" if given else "pending") if i.manual else machine
        items.append(
            ItemResult(
                id=i.id,
                name=i.name,
                category=i.category,
                veto=i.veto,
                passed=status == "passed" or (given is not None and given.points >= (i.points or 0)),
                manual=i.manual,
                status=status,
                points=i.points if i.manual else None,
                given=given.points if given else None,
                reason=given.reason if given else None,
                assessed_by=given.by if given else None,
                assessed_on=given.on if given else None,
                basis=i.basis,
            )
        )
    return ReviewScore(
        case_id=data.case_id,
        score=score,
        rating=rating,
        band=band,
        final=final,
        closed=closed,
        as_of=data.as_of,
        pending_items=pending,
        veto=vetoes,
        categories=tuple(categories),
        findings=tuple(findings),
        items=tuple(items),
    )
