"""Read models: what the services hand out (``archive.<service>.<call>``), never an ORM row.

A row is bound to the session that loaded it: handed out, it either fails on the first relationship
nobody loaded or, worse, lazily loads it in some other thread. A view is a frozen snapshot built
inside the service's transaction (``View.of(row)``), carrying the related records its readers use
(a document's case with its organisation and party, its officers) — and nothing that can change it.

The API, the CLI and the web pages read these; ``api/schemas.py`` turns them into JSON once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Self

from pydantic import BaseModel, ConfigDict

__all__ = [
    "AttachmentView",
    "CaseFileView",
    "CaseView",
    "DocumentRef",
    "DocumentView",
    "OfficerView",
    "OrgView",
    "PartyView",
    "UserView",
]


class View(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)

    @classmethod
    def of(cls, row: Any) -> Self:
        """The view of an ORM row (inside its session: related rows are read here)."""
        return cls.model_validate(row)


class OrgView(View):  # 机关
    id: int
    name: str
    area: str  # 行政区划简称, e.g. 晋临
    code: str  # 机关代字, e.g. 应急
    level: str  # province | city | county
    parent_id: int | None
    address: str
    phone: str
    contact: str
    postcode: str
    review_body: str  # 行政复议机关
    court: str
    bank: str
    account: str
    created_at: dt.datetime


class OfficerView(View):  # 执法人员
    id: int
    org_id: int
    name: str
    cert_no: str  # 执法证号
    roles: tuple[str, ...]
    active: bool


class PartyView(View):  # 当事人
    id: int
    kind: str  # organisation (单位) | person (个人)
    name: str
    credit_code: str | None  # 统一社会信用代码
    id_number: str
    address: str
    legal_rep: str
    position: str
    phone: str
    postcode: str
    industry: str
    gender: str
    age: int | None
    employer: str


class CaseView(View):  # 案件
    id: int
    org_id: int
    kind: str  # inspection (检查) | penalty (行政处罚)
    procedure: str  # general (一般程序) | simple (简易程序)
    name: str
    cause: str
    party_id: int
    status: str
    major: bool  # 重大案件
    case_number: str | None  # 案号 〔2026〕3号, once the case has one
    created_by: str
    created_at: dt.datetime
    closed_on: dt.date | None  # 结案日期
    archive_no: str | None  # 归档号
    file_no: str | None  # 档号
    retention: str | None  # 保管期限
    filed_at: dt.datetime | None
    filed_by: str | None
    org: OrgView
    party: PartyView
    officers: tuple[OfficerView, ...]


class DocumentRef(View):
    """Another document named by this one (the 责令整改 a 复查意见书 follows)."""

    id: int
    form_id: str
    status: str
    number: str | None
    doc_date: dt.date | None


class DocumentView(View):  # 执法文书
    id: int
    org_id: int
    case_id: int
    form_id: str
    status: str  # draft | submitted | issued | voided | deleted
    parent_id: int | None
    fields: dict[str, Any]  # stored JSON values: dates ISO, money as strings
    doc_date: dt.date | None  # 文书日期
    number: str | None  # 文号
    counter: str | None  # the numbering counter it drew from, its year, sequence and repeat suffix
    year: int | None
    seq: int | None
    suffix: int | None
    numbered_at: dt.datetime | None
    pdf_sha256: str | None
    docx_sha256: str | None
    rendition_sha256: str | None
    signatures: tuple[dict[str, Any], ...]
    pages: int | None
    created_by: str
    created_at: dt.datetime
    issued_by: str | None
    issued_at: dt.datetime | None
    voided_by: str | None
    voided_at: dt.datetime | None
    void_reason: str | None
    submitted_by: int | None  # the officer who sent it to approval
    round: int  # approval round (a rejection starts the next)
    edition: int  # 1, then 2, 3 … for each 更正
    supersedes_id: int | None
    deleted_by: str | None
    deleted_at: dt.datetime | None
    case: CaseView
    officers: tuple[OfficerView, ...]
    parent: DocumentRef | None


class UserView(View):  # 系统用户
    id: int
    username: str
    org_id: int | None
    officer_id: int | None
    roles: tuple[str, ...]
    active: bool
    created_by: str
    created_at: dt.datetime


class AttachmentView(View):  # 证据材料
    id: int
    case_id: int
    kind: str
    title: str
    responsible: str
    date: dt.date | None
    filename: str
    media_type: str
    sha256: str  # the file as received
    pdf_sha256: str  # its A4 page(s) for the volume
    pages: int
    status: str
    created_by: str
    created_at: dt.datetime


class CaseFileView(View):  # 卷宗: one assembled, sealed volume
    id: int
    case_id: int
    version: int
    sha256: str  # the sealed volume
    pages: int
    content_pages: int
    entries: tuple[dict[str, Any], ...]
    built_by: str
    built_at: dt.datetime
