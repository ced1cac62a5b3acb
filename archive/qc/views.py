"""What 质量检查 hands out (``archive.qc``): a saved query's run, the 公示 notices and a decision's
publication record — frozen read models; ``api/schemas.py`` turns them into JSON.

The saved queries themselves are :class:`~anjuan.archive.qc.queries.QcQuery`, already a frozen,
validated model of ``queries.yaml``; the findings of a run are the checks' frozen
:class:`~anjuan.archive.qc.checks.Finding` records.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict

from ..views import View
from .checks import Finding

__all__ = ["Notice", "PublicationView", "QcRun"]


class QcRun(BaseModel):  # 质量检查结果: one saved query run over the actor's scope
    model_config = ConfigDict(frozen=True)

    name: str  # the saved query's name, e.g. publication_overdue
    title_zh: str
    title_en: str
    # The check's own settings with defaults filled in (queries.yaml): each check has its own
    # keys (working_days, days, min_score …), so this stays an open mapping.
    params: dict[str, Any]
    today: dt.date  # evaluated as of this day
    count: int  # len(findings)
    findings: tuple[Finding, ...]  # ordered by case, then document


class Notice(BaseModel):  # 行政处罚决定公示: one decision's public notice, personal data redacted
    model_config = ConfigDict(frozen=True)

    document_id: int
    case_id: int
    number: str  # 行政处罚决定书文号 ("" when it has none)
    party: str  # 当事人: an organisation's name; a natural person masked (张某)
    party_kind: str  # 当事人类型 自然人 | 法人或其他组织
    credit_code: str  # 统一社会信用代码 ("" for a natural person)
    facts: str  # 违法事实 (redacted)
    basis: str  # 处罚依据 (redacted)
    result: str  # 处罚结果 (redacted)
    fine: str | None  # 罚款金额（元） as stored, e.g. "50000.00"; None when the decision has no fine
    organ: str  # 处罚机关
    decided_on: dt.date  # 处罚决定日期
    publish_by: dt.date  # 应公示日期 (7 个工作日)
    published_on: dt.date | None  # 公示日期, None while unpublished
    url: str  # 公示网址 ("" when none)


class PublicationView(View):  # 行政处罚决定公开 (公示) record
    id: int
    document_id: int
    org_id: int  # the deciding bureau
    published_on: dt.date  # 公开日期
    channel: str  # 公开渠道, e.g. 门户网站
    url: str  # 网址 ("" when not online)
    recorded_by: str
    created_at: dt.datetime
