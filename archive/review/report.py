"""What a 案卷评查 hands out: the scored report (``archive.reviews.review``) and the 指导意见书 issued
from it (``archive.reviews.guidance``) — frozen read models, never a dict or a session's row.

The report's JSON (the HTTP API, ``anjuan review --json``, the demo's ``review.json``) is
:meth:`ReviewReport.to_json`, the one conversion: the demo (archive layer) and ``api/schemas.py``
both call it, so the file and the API cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict

from ..views import View

__all__ = [
    "CategoryScore",
    "GuidanceView",
    "ItemResult",
    "ReviewFinding",
    "ReviewReport",
    "ReviewScore",
    "ReviewedVolume",
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class ReviewFinding(_Frozen):  # 评查发现: one deduction, as the reviewer writes it on the scoring sheet
    item: str  # 评查项目 id (items.yaml)
    name: str  # 评查项目名称
    category: str  # 评查类别 id, e.g. procedure (程序合法)
    deduct: float  # 扣分
    veto: bool  # 否决项: the case is rated 不合格 whatever its score
    basis: str  # 评查依据, e.g. 《行政处罚法》第四十四条
    message_zh: str
    message_en: str
    message: str  # "message_zh / message_en"
    document_id: int | None  # the document the finding is about, if one
    form: str | None  # its form id (or the missing form's)
    number: str | None  # 文号
    page: int | None  # 卷内页号 where the document starts in the volume, when there is one


class CategoryScore(_Frozen):  # 评查类别得分
    id: str
    name: str  # e.g. 执法主体合法
    points: float  # 满分 (0: the 基本标准 tier, 否决项 only)
    score: float  # 得分 (points less the deductions and the manual points not given, never below 0)
    pending: tuple[str, ...] = ()  # its manual items not yet scored (待人工评查): no points for them


class ItemResult(_Frozen):  # 评查项目: passed unless a finding names it
    id: str
    name: str
    category: str
    veto: bool  # 否决项
    passed: bool  # a manual item: only once scored in full
    manual: bool = False  # 人工评查项
    status: str = "passed"  # passed | failed | pending (待人工评查) | assessed (已人工评查)
    points: float | None = None  # a manual item's points
    given: float | None = None  # what the reviewer gave it
    reason: str | None = None  # 评查理由
    assessed_by: str | None = None
    assessed_on: dt.date | None = None
    basis: str = ""


class ReviewScore(_Frozen):
    """The engine's part (``run_review``): the score out of 100 and how it came about."""

    case_id: int
    score: float  # 得分, out of 100, one decimal
    # 评查等次 as shown: the band, with （初评） while not final and （初评，未结案） for an open case
    rating: str
    band: str  # the band alone: 优秀/良好/合格/不合格 (a veto forces 不合格)
    final: bool  # 定评: the case is closed and every manual item scored (or a veto decides it)
    closed: bool  # 已结案
    as_of: dt.date  # the date deadlines were judged on: the closing date, or the review's for an open case
    pending_items: tuple[str, ...]  # manual items not yet scored (待人工评查)
    veto: tuple[str, ...]  # the 否决项 found (item ids, sorted)
    categories: tuple[CategoryScore, ...]
    findings: tuple[ReviewFinding, ...]
    items: tuple[ItemResult, ...]


class ReviewedVolume(_Frozen):  # the 卷宗 version the review read
    version: int
    sha256: str
    pages: int


class ReviewReport(ReviewScore):
    """案卷评查 report: the score, and which case, by whom, when, on which volume."""

    case: str  # 案件名称
    reviewed_by: str  # the reviewer's user name
    reviewed_on: dt.date  # 评查日期 (Beijing)
    casefile: ReviewedVolume | None  # None: the case has no volume yet (立卷归档 loses points)

    def to_json(self) -> dict[str, Any]:
        """The report as JSON data: the API's body and the demo's ``review.json`` (dates ISO)."""
        return self.model_dump(mode="json")


class GuidanceView(View):  # 安全生产执法指导意见书, as recorded
    id: int
    org_id: int  # the issuing (reviewing) bureau
    case_id: int  # the reviewed case
    year: int
    seq: int
    number: str  # 文号, e.g. （晋临）应急指导〔2026〕1号
    reply_by: dt.date  # 整改结果报告期限
    # The review it was issued from, as stored then (score, rating, veto, findings as JSON): a record
    # of that day's report, kept as written rather than re-read through today's report model.
    review: dict[str, Any]
    docx_sha256: str
    pdf_sha256: str  # the sealed PDF
    issued_by: str
    issued_at: dt.datetime
