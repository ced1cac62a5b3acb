"""安全生产执法指导意见书 (seed 001 附件): the reviewer's written opinion to the bureau whose case
files were reviewed — 文号, the date of the 检查指导, the problems found with their remedies, the date
by which the bureau reports its rectification, and the signature lines; laid out with the official
kit so it looks like every other 执法文书 and carries the seal at the usual place."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass

from .formatting import cn_date
from .generic import add_page_numbers, body_paragraph, new_document, org_header, seal_block

__all__ = ["GuidanceOpinion", "guidance_docx"]


@dataclass(frozen=True)
class GuidanceOpinion:  # 安全生产执法指导意见书
    org_name: str  # the reviewing bureau (e.g. 临汾市应急管理局)
    number: str  # 文号, e.g. （晋临）应急指导〔2026〕1号
    addressee: str  # the reviewed bureau (e.g. 临汾市尧都区应急管理局)
    checked_on: dt.date  # 检查指导日期
    subject: str  # what was reviewed (案件名称 and 档号)
    problems: Sequence[str]  # 主要问题及意见
    reply_by: dt.date  # 整改结果报告期限
    contact: str = ""  # 市应急局联系人
    phone: str = ""
    issued_on: dt.date | None = None


def guidance_docx(opinion: GuidanceOpinion) -> bytes:
    doc = new_document()
    org_header(doc, opinion.org_name, "安全生产执法指导意见书", opinion.number)
    body_paragraph(doc, f"{opinion.addressee}：", indent=False)
    body_paragraph(
        doc,
        f"{opinion.org_name}于{cn_date(opinion.checked_on)}对你局执法工作情况进行了检查指导"
        f"（{opinion.subject}），现将主要问题及意见告知如下：",
        markup=False,
    )
    if opinion.problems:
        for index, problem in enumerate(opinion.problems, start=1):
            body_paragraph(doc, f"{index}. {problem}", markup=False)
    else:
        body_paragraph(doc, "经评查，未发现需要整改的问题。", markup=False)
    body_paragraph(
        doc,
        f"请你局认真研究，落实处理意见，并将整改结果于{cn_date(opinion.reply_by)}前报告我局。",
        markup=False,
    )
    body_paragraph(doc, "县区应急局负责人（签名）：", indent=False, space_before=12, markup=False)
    contact = f"{opinion.contact}" if opinion.contact else ""
    phone = f"　电话：{opinion.phone}" if opinion.phone else ""
    body_paragraph(doc, f"市应急局联系人（签名）：{contact}{phone}", indent=False, markup=False)
    seal_block(doc, opinion.org_name, cn_date(opinion.issued_on or dt.date.today()), space_before=24)
    add_page_numbers(doc)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
