"""案卷评查: run the review items (data) over a case and score it out of 100.

Each finding carries its item, the document with its 文号, and the page where that document starts
in the case-file volume — what a reviewer writes on the scoring sheet.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator

from ..datafile import load_rules_file
from ..errors import ArchiveError
from .checks import CHECKS, Problem, ReviewInput
from .consistency import CHECKS as CONSISTENCY_CHECKS
from .report import CategoryScore, ItemResult, ReviewFinding, ReviewScore

__all__ = ["ReviewItem", "ReviewRules", "load_review_rules", "run_review"]

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
    points: float


class ReviewItem(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)  # check-specific settings (e.g. `required`)
    id: str
    category: str
    name: str
    check: str
    deduct: float
    veto: bool = False
    basis: str = ""
    gates: tuple[str, ...] = ()


class ReviewRules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    version: int
    bands: tuple[Band, ...]
    categories: tuple[ReviewCategory, ...]
    items: tuple[ReviewItem, ...]

    @model_validator(mode="after")
    def _consistent(self) -> ReviewRules:
        categories = {c.id for c in self.categories}
        for item in self.items:
            if item.category not in categories:
                raise ValueError(f"item {item.id}: unknown category {item.category}")
            if item.check not in CHECKS:
                raise ValueError(f"item {item.id}: unknown check {item.check} (known: {', '.join(CHECKS)})")
        if abs(sum(c.points for c in self.categories) - 100) > 1e-6:
            raise ValueError("category points must add up to 100")
        return self

    def rating(self, score: float, vetoed: bool) -> str:
        if vetoed:
            return self.bands[-1].rating
        return next(b.rating for b in sorted(self.bands, key=lambda b: -b.min) if score >= b.min)


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
class _Routed:
    item: ReviewItem
    problem: Problem


def _route(rules: ReviewRules, data: ReviewInput) -> list[_Routed]:
    routed: list[_Routed] = []
    by_check: dict[str, list[ReviewItem]] = {}
    for item in rules.items:
        by_check.setdefault(item.check, []).append(item)
    for check, items in by_check.items():
        first = items[0]
        config = {k: v for k, v in (first.model_extra or {}).items()}
        problems = CHECKS[check](ReviewInput(**{**data.__dict__, "item_config": config}))
        for problem in problems:
            if check != "procedure":
                routed.append(_Routed(first, problem))
                continue
            # Gate findings go to the most specific item whose patterns match the rule id.
            specific = [
                i for i in items if any(p != "*" and fnmatch.fnmatch(problem.gate_rule or "", p) for p in i.gates)
            ]
            fallback = [i for i in items if "*" in i.gates]
            target = (specific or fallback or [first])[0]
            routed.append(_Routed(target, problem))
    return routed


def run_review(rules: ReviewRules, data: ReviewInput, *, pages: dict[int, int]) -> ReviewScore:
    """Score and rate the case; ``pages`` maps document id → its start page in the volume."""
    routed = _route(rules, data)
    lost: dict[str, float] = {c.id: 0.0 for c in rules.categories}
    findings: list[ReviewFinding] = []
    for entry in routed:
        item, problem = entry.item, entry.problem
        lost[item.category] += item.deduct
        findings.append(
            ReviewFinding(
                item=item.id,
                name=item.name,
                category=item.category,
                deduct=item.deduct,
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
    categories = tuple(
        CategoryScore(
            id=category.id,
            name=category.name,
            points=category.points,
            score=max(0.0, category.points - lost[category.id]),
        )
        for category in rules.categories
    )
    score = round(sum(c.score for c in categories), 1)
    vetoes = tuple(sorted({f.item for f in findings if f.veto}))
    found = {f.item for f in findings}
    return ReviewScore(
        case_id=data.case_id,
        score=score,
        rating=rules.rating(score, bool(vetoes)),
        veto=vetoes,
        categories=categories,
        findings=tuple(findings),
        items=tuple(
            ItemResult(id=i.id, name=i.name, category=i.category, veto=i.veto, passed=i.id not in found)
            for i in rules.items
        ),
    )
