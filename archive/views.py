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

from pydantic import BaseModel, ConfigDict, field_validator

from .clock import beijing_date

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

    @field_validator("*", mode="after")
    @classmethod
    def _instant_in_utc(cls, value: Any) -> Any:
        # SQLite hands stored instants back naive; they were stored as UTC. Aware here, every
        # reader — the API's JSON, the CLI's --json, a comparison — sees the same instant with
        # its offset on either database.
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value

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
    major: bool  # 重大案件 (marked on the case)
    major_reason: str  # 认定理由
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

    @property
    def backfilled(self) -> bool:
        """补录: issued after the day it is dated (a paper record entered later, a case brought in
        from history) — shown with its real issue time beside its date, never passed off as made then."""
        issued_on = beijing_date(self.issued_at)
        return self.doc_date is not None and issued_on is not None and self.doc_date < issued_on


class UserView(View):  # 系统用户
    id: int
    username: str
    display_name: str  # 姓名 (the officer's name for an officer's login; "" → shown as the username)
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


class ApprovalDecisionView(View):  # 审核/审批意见
    round: int
    step: str  # review (审核) | approve (审批) … (procedure/approvals.yaml)
    decision: str  # approve | reject
    opinion: str
    officer_id: int
    officer: str  # the officer's name
    at: dt.datetime


class ApprovalState(View):
    """Where a document stands in its approval: the steps its form requires and the decisions so far."""

    status: str
    round: int
    steps: tuple[str, ...]
    pending_step: str | None
    decisions: tuple[ApprovalDecisionView, ...]

    @property
    def ready_to_issue(self) -> bool:
        """待签发: submitted and every step of this round approved."""
        return self.status == "submitted" and self.pending_step is None


class InboxItem(View):  # 待审批: one document waiting for this user's decision
    id: int
    form: str  # the form's Chinese name
    form_id: str
    case_id: int
    case: str
    org: str
    step: str
    step_name: str  # 审核, 审批 …
    round: int
    submitted_by: str  # the submitting officer's name


class DeskDocument(View):
    """One of the handler's own documents on the 工作台, where it stands in its approval."""

    id: int
    form_id: str
    form: str  # the form's Chinese name
    case_id: int
    case: str
    # draft (草稿) | returned (被退回) | waiting (审批中: a step still pending) | to_issue (待签发: all
    # steps approved) — from the approval decisions of the current round, not from the status alone
    stage: str
    pending_step: str | None
    pending_step_name: str | None  # 审核, 审批 …
    round: int


class HandlerDesk(View):  # 我的文书 on the 工作台
    drafts: tuple[DeskDocument, ...]
    returned: tuple[DeskDocument, ...]
    waiting: tuple[DeskDocument, ...]
    to_issue: tuple[DeskDocument, ...]


class ChangeRequestView(View):  # 更改/作废/删除申请 (seed 003 第七条)
    id: int
    document_id: int
    kind: str  # correct | void | delete
    kind_name: str  # 更正, 作废, 删除 (procedure/changes.yaml)
    status: str  # pending | approved | rejected | applied
    reason: str
    changes: dict[str, Any]  # corrected field values (kind=correct)
    requested_by: int  # the officer
    requested_at: dt.datetime
    steps: tuple[str, ...]
    pending_step: str | None
    decisions: tuple[dict[str, Any], ...]  # as recorded: step, decision, opinion, officer, at
    applied_at: dt.datetime | None
    result_document_id: int | None  # the corrected edition


class SignatureCheck(View):
    """One signature of a checked PDF: who signed, whether it is intact, valid and trusted."""

    field: str  # the signature field (officer-1, seal-enforcement …)
    signer: str
    subject: str
    role: str | None  # officer | organ | enforcement
    seal: str | None  # 机关印章 | 行政执法专用章 (for a seal)
    signing_time: dt.datetime | None
    timestamp_time: dt.datetime | None
    intact: bool  # the signed bytes are unchanged
    valid: bool  # the cryptography holds
    trusted: bool  # the certificate chains to a trusted root
    covers_whole_file: bool
    modification_level: str  # NONE / LTA_UPDATES / FORM_FILLING / ANNOTATIONS / OTHER (appended after it)
    certification: str | None  # the DocMDP permission when this is the certifying signature
    revision: int
    revision_sha256: str
    problems: tuple[str, ...]
    trust_root: str = ""  # the root certificate's subject the signer's chain ends in (when trusted)
    trust_root_sha256: str = ""  # … and the SHA-256 of that root certificate


class IssuedRecord(View):
    """The record of this archive a checked file is (or belongs to): a 文书, 指导意见书 or 卷宗."""

    id: int
    form: str  # catalogue id, guidance_opinion, or casefile
    number: str | None
    status: str
    case_id: int
    case: str
    organisation: str
    date: dt.date | None


class Verification(View):
    """电子签章核验 of any copy: the signatures, and whether this archive issued this very file."""

    sha256: str
    signatures: tuple[SignatureCheck, ...]
    problems: tuple[str, ...]
    signatures_ok: bool  # every signature intact, valid and trusted
    issued_by_anjuan: bool  # this very file is one this archive issued
    relation: str | None  # identical | earlier_revision | later_revision | None (not ours)
    document: IssuedRecord | None
    ok: bool  # signatures_ok, ours, and still in force (not voided, superseded or deleted)


class KeyInfo(View):  # 签名密钥: an organisation's seal key or an officer's signing key
    key: str  # org-<id>-organ | org-<id>-enforcement | officer-<id>
    label: str
    role: str  # organ (机关印章) | enforcement (行政执法专用章) | officer
    subject: str | None = None  # the certificate's subject (listed keys)
    not_after: dt.datetime | None = None
    source: str | None = None  # generated | pkcs12 | pkcs11


class KeyStoreSummary(View):
    """What ``pki init`` made or found: the key store, its keys, the root to trust."""

    directory: str
    keys: tuple[KeyInfo, ...]
    root_certificate: str  # PEM


class PackageExport(View):  # 归档信息包, as written
    path: str
    file_no: str  # 档号
    payload_oxum: str | None  # BagIt Payload-Oxum: bytes.files
    manifest_sha256: str  # SHA-256 of the payload manifest


class DeskCase(View):
    """One case on the archivist's desk (归档工作台)."""

    id: int
    name: str
    org: str
    kind: str
    procedure: str
    case_number: str | None
    documents: int  # issued documents
    casefile_version: int | None  # the latest volume, if built
    closed_on: dt.date | None
    archive_no: str | None
    file_no: str | None
    filed_at: dt.datetime | None


class Desk(View):
    ready_to_close: tuple[DeskCase, ...]  # 具备结案条件
    to_file: tuple[DeskCase, ...]  # 已结案待归档
    filed: tuple[DeskCase, ...]  # 已归档 (the latest)
