"""The data a document template sees.

``archive`` builds a :class:`DocumentContext` from its domain objects; ``templates`` turns it into a
DOCX. Nothing here knows the database: these are plain frozen dataclasses.

In a DOCX template (docxtpl / Jinja2, autoescape on) the context appears as::

    org      OrgInfo       机关: name, area (晋临), code (应急), address, phone, …
    party    PartyInfo     当事人 / 被检查单位
    officers [OfficerInfo] 执法人员 (name, cert_no), at least two on inspection documents
    doc      DocInfo       title, number (（晋临）应急罚〔2023〕12号 or ""), date, form_id
    case     CaseInfo      name (案件名称), cause (案由), number
    f        dict          the form's own field values, keyed by the catalogue's field ids
    clause   dict          fixed legal clauses in force on the document date, keyed by clause id
    parent   DocInfo|None  the document this one refers to (复查 → 责改), if any
    approvals [ApprovalInfo] 审核/审批 opinions recorded so far
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ApprovalInfo", "CaseInfo", "DocInfo", "DocumentContext", "OfficerInfo", "OrgInfo", "PartyInfo"]


@dataclass(frozen=True)
class OrgInfo:
    """机关 (the issuing organisation)."""

    name: str  # 全称, e.g. 临汾市尧都区应急管理局
    area: str  # 行政区划简称, e.g. 晋临
    code: str  # 机关代字, e.g. 应急
    address: str = ""
    phone: str = ""
    contact: str = ""
    postcode: str = ""
    review_body: str = ""  # 行政复议机关 (since 2024: 本级人民政府)
    court: str = ""  # 管辖人民法院
    bank: str = ""  # 罚款缴至 (银行)
    account: str = ""  # 账号


@dataclass(frozen=True)
class PartyInfo:
    """当事人: an enterprise (统一社会信用代码) or a person."""

    kind: str  # "organisation" | "person"
    name: str
    credit_code: str = ""
    address: str = ""
    legal_rep: str = ""  # 法定代表人/负责人
    position: str = ""  # 职务
    phone: str = ""
    postcode: str = ""
    id_number: str = ""  # 身份证号 (person)
    gender: str = ""
    age: int | None = None
    employer: str = ""  # 工作单位 (person)


@dataclass(frozen=True)
class OfficerInfo:
    """执法人员."""

    name: str
    cert_no: str  # 执法证号


@dataclass(frozen=True)
class DocInfo:
    form_id: str
    title: str  # 文书名称
    number: str = ""  # formatted 文号, "" for unnumbered forms
    date: dt.date | None = None


@dataclass(frozen=True)
class CaseInfo:
    name: str  # 案件名称
    cause: str = ""  # 案由
    number: str = ""  # the case's shared number, if taken


@dataclass(frozen=True)
class ApprovalInfo:
    step: str  # review | approve | …
    opinion: str
    name: str
    at: dt.datetime


@dataclass(frozen=True)
class DocumentContext:
    doc: DocInfo
    org: OrgInfo
    party: PartyInfo | None
    case: CaseInfo
    officers: tuple[OfficerInfo, ...] = ()
    fields: dict[str, Any] = field(default_factory=dict)
    clauses: dict[str, str] = field(default_factory=dict)
    parent: DocInfo | None = None
    approvals: tuple[ApprovalInfo, ...] = ()

    def as_jinja(self) -> dict[str, Any]:
        """The variables the DOCX template sees (see the module docstring)."""
        return {
            "doc": self.doc,
            "org": self.org,
            "party": self.party,
            "case": self.case,
            "officers": list(self.officers),
            "f": dict(self.fields),
            "clause": dict(self.clauses),
            "parent": self.parent,
            "approvals": list(self.approvals),
        }
