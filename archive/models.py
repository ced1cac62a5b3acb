"""ORM entities of the enforcement record.

Chinese domain names stand beside the English identifiers. Rows here are storage; the rules that act
on them live in the service modules (``orgs``, ``cases``, ``documents``, ``numbering``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import Base

__all__ = [
    "ApiToken",
    "Approval",
    "Attachment",
    "AuditHead",
    "Blob",
    "Case",
    "CaseFile",
    "ChangeRequest",
    "Document",
    "DocumentRevision",
    "Event",
    "GuidanceOpinion",
    "IdempotencyKey",
    "LoginThrottle",
    "NumberCounter",
    "Officer",
    "Organisation",
    "Party",
    "Publication",
    "SealImage",
    "User",
]


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Organisation(Base):  # 机关
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)  # 全称
    area: Mapped[str] = mapped_column(String(20))  # 行政区划简称, e.g. 晋临
    code: Mapped[str] = mapped_column(String(20))  # 机关代字, e.g. 应急
    level: Mapped[str] = mapped_column(String(10))  # province | city | county (省/市/县)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    address: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    contact: Mapped[str] = mapped_column(String(50), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    review_body: Mapped[str] = mapped_column(String(200), default="")  # 行政复议机关 (本级人民政府)
    court: Mapped[str] = mapped_column(String(200), default="")  # 管辖人民法院
    bank: Mapped[str] = mapped_column(String(200), default="")
    account: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)

    parent: Mapped[Organisation | None] = relationship(remote_side=[id])


class Officer(Base):  # 执法人员
    __tablename__ = "officers"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    cert_no: Mapped[str] = mapped_column(String(50), unique=True)  # 执法证号
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)

    org: Mapped[Organisation] = relationship()


class Party(Base):  # 当事人
    __tablename__ = "parties"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # organisation | person
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)  # 统一社会信用代码
    id_number: Mapped[str] = mapped_column(String(30), default="")  # 身份证号
    address: Mapped[str] = mapped_column(String(300), default="")
    legal_rep: Mapped[str] = mapped_column(String(50), default="")  # 法定代表人/负责人
    position: Mapped[str] = mapped_column(String(50), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    industry: Mapped[str] = mapped_column(String(100), default="")  # 所属行业
    gender: Mapped[str] = mapped_column(String(4), default="")
    age: Mapped[int | None] = mapped_column(Integer)
    employer: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


case_officers = Table(
    "case_officers",
    Base.metadata,
    Column("case_id", ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True),
    Column("officer_id", ForeignKey("officers.id"), primary_key=True),
)

document_officers = Table(
    "document_officers",
    Base.metadata,
    Column("document_id", ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    Column("officer_id", ForeignKey("officers.id"), primary_key=True),
    Column("position", Integer, nullable=False, default=0),
)


class Case(Base):  # 案件 (检查 or 行政处罚)
    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # inspection | penalty
    procedure: Mapped[str] = mapped_column(String(20))  # general (一般) | simple (简易)
    name: Mapped[str] = mapped_column(String(300))  # 案件名称
    cause: Mapped[str] = mapped_column(Text, default="")  # 案由
    party_id: Mapped[int] = mapped_column(ForeignKey("parties.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | closed
    major: Mapped[bool] = mapped_column(default=False)  # 重大案件: 集体讨论 and 法制审核 before the decision
    major_reason: Mapped[str] = mapped_column(Text, default="", server_default="")  # why (认定理由)
    # 一案一号: the case's shared 序号 and its year, taken once from the case counter.
    shared_seq: Mapped[int | None] = mapped_column(Integer)
    shared_year: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    # 结案归档: set when the case is closed and filed; a filed case is frozen (处罚办法 第六十五条).
    closed_on: Mapped[dt.date | None] = mapped_column(Date)
    archive_no: Mapped[str | None] = mapped_column(String(20))  # 归档号: year + 4-digit closing sequence
    file_no: Mapped[str | None] = mapped_column(String(80))  # 档号
    retention: Mapped[str | None] = mapped_column(String(20))  # 保管期限
    filed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    filed_by: Mapped[str | None] = mapped_column(String(100))

    org: Mapped[Organisation] = relationship()
    party: Mapped[Party] = relationship()
    officers: Mapped[list[Officer]] = relationship(secondary=case_officers)

    @property
    def case_number(self) -> str | None:
        """案号: the case's shared number (一案一号), once it has one."""
        return f"〔{self.shared_year}〕{self.shared_seq}号" if self.shared_seq else None


class Document(Base):  # 执法文书
    __tablename__ = "documents"
    __table_args__ = (
        # A number never repeats within one form. Across forms it may: a 查封扣押清单 carries the number
        # of the 查封扣押决定书 it belongs to (same 代字, inherited 序号).
        # A correction (更正) is a new edition under the same number; the earlier edition stays, superseded.
        UniqueConstraint("org_id", "form_id", "number", "edition", name="uq_documents_org_form_number"),
        Index("ix_documents_case_form", "case_id", "form_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    form_id: Mapped[str] = mapped_column(String(60))  # catalogue id
    # draft | submitted | issued | voided (作废, number kept) | superseded (更正后的旧版) | deleted (soft, bytes kept)
    status: Mapped[str] = mapped_column(String(20), default="draft")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    doc_date: Mapped[dt.date | None] = mapped_column(Date)  # 文书日期 (签发日期)
    # Number parts: kept separately so audits can look for gaps and duplicates without parsing.
    counter: Mapped[str | None] = mapped_column(String(40))
    year: Mapped[int | None] = mapped_column(Integer)
    seq: Mapped[int | None] = mapped_column(Integer)
    suffix: Mapped[int | None] = mapped_column(Integer)  # -n for repeats in one case
    number: Mapped[str | None] = mapped_column(String(80))  # （晋临）应急罚〔2023〕12号
    # When the draft took its number: a numbered draft that stays unissued for long is a hole in the
    # sequence someone must complete or void (numbered_drafts).
    numbered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    docx_sha256: Mapped[str | None] = mapped_column(String(64))
    # The rendition as LibreOffice made it, and the sealed file that is the official document.
    rendition_sha256: Mapped[str | None] = mapped_column(String(64))
    pdf_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    signatures: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    pages: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    issued_by: Mapped[str | None] = mapped_column(String(100))
    issued_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    voided_by: Mapped[str | None] = mapped_column(String(100))
    voided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    void_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Approval (审批): who submitted it, and which round of submission is current.
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("officers.id"))
    round: Mapped[int] = mapped_column(Integer, default=0)
    # Corrections (更正): edition 1 is the original; each approved correction issues the next edition.
    edition: Mapped[int] = mapped_column(Integer, default=1)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))
    deleted_by: Mapped[str | None] = mapped_column(String(100))
    deleted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))

    case: Mapped[Case] = relationship()
    parent: Mapped[Document | None] = relationship(remote_side=[id], foreign_keys=[parent_id])
    officers: Mapped[list[Officer]] = relationship(secondary=document_officers, order_by=document_officers.c.position)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Approval(Base):  # 审核/审批意见: one decision of one step, in one round of submission
    __tablename__ = "approvals"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    round: Mapped[int] = mapped_column(Integer)  # 1 for the first submission, +1 after each rejection
    step: Mapped[str] = mapped_column(String(20))  # review | approve | examine | presider
    decision: Mapped[str] = mapped_column(String(10))  # approved | rejected
    opinion: Mapped[str] = mapped_column(Text)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officers.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)

    officer: Mapped[Officer] = relationship()


class NumberCounter(Base):  # 文书编号计数器
    __tablename__ = "number_counters"

    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    counter: Mapped[str] = mapped_column(String(40), primary_key=True)
    next_value: Mapped[int] = mapped_column(Integer)


class Blob(Base):  # content-addressed file (DOCX, PDF)
    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class SealImage(Base):  # 电子印章图像: one per organisation and seal type
    __tablename__ = "seal_images"

    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)  # organ | enforcement
    sha256: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(20))  # generated | uploaded
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class AuditHead(Base):  # the chain's tip: one row, locked by each writer until it commits
    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))


class DocumentRevision(Base):  # every earlier state of a sealed file (rendition, each signature)
    __tablename__ = "document_revisions"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)  # 0 = the unsigned rendition


class Event(Base):  # 操作日志 — append-only (triggers forbid UPDATE/DELETE) and hash-chained (audit.py)
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(), default=_now)
    actor: Mapped[str] = mapped_column(String(100))
    entity: Mapped[str] = mapped_column(String(40))  # organisation | officer | party | case | document
    entity_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    seq: Mapped[int | None] = mapped_column(Integer)  # position in the chain, from 1
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_events_entity", "entity", "entity_id"),
        Index("uq_events_seq", "seq", unique=True),
    )


class User(Base):  # 系统用户: a login, tied to an organisation and (for enforcement staff) an officer
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    # The name people read (制作人, 立卷人, the operation log) instead of the login name; an officer's
    # user carries the officer's name (anjuan.archive.accounts.display_name_of).
    display_name: Mapped[str] = mapped_column(String(50), default="", server_default="")
    password_hash: Mapped[str] = mapped_column(String(300))  # scrypt$n$r$p$salt$hash (accounts.py)
    # None only for the platform administrator created at installation (sees every organisation).
    org_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("officers.id"), unique=True)
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)  # system roles beyond the officer's own
    active: Mapped[bool] = mapped_column(default=True)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)

    officer: Mapped[Officer | None] = relationship()


class ApiToken(Base):  # 登录令牌: only the SHA-256 of the bearer token is stored
    __tablename__ = "api_tokens"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class LoginThrottle(Base):  # 登录失败计数: per account and per client address, shared by every process
    """Failed logins of one key (``user:<name>`` or ``addr:<ip>``): past the limit, the key must wait
    until ``blocked_until`` (doubling with each further failure). Kept in the database, not in a
    process, because several server workers and the CLI log in against the same accounts."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    blocked_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ChangeRequest(Base):  # 更改/删除执法记录申请 (seed 003 第七条): approved, then carried out by an administrator
    __tablename__ = "change_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # correct | void | delete (procedure/changes.yaml)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending | approved | rejected | applied
    reason: Mapped[str] = mapped_column(Text)
    changes: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # corrected field values
    requested_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)
    decisions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # step, decision, opinion, user, at
    applied_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    applied_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    result_document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"))


class Attachment(Base):  # 证据材料: photos, scans and other papers that take their place in the case file
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # photo | evidence | party_identity | statement | payment …
    title: Mapped[str] = mapped_column(String(200))  # 文件名称, e.g. 现场照片（调节池入口）
    responsible: Mapped[str] = mapped_column(String(200), default="")  # 责任者 (who made or supplied it)
    date: Mapped[dt.date | None] = mapped_column(Date)
    filename: Mapped[str] = mapped_column(String(300), default="")
    media_type: Mapped[str] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))  # the file as received
    pdf_sha256: Mapped[str] = mapped_column(String(64))  # its A4 PDF page(s) for the volume
    pages: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(20), default="active")
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class CaseFile(Base):  # 卷宗: one assembled, sealed volume of a case (each rebuild is a new version)
    __tablename__ = "case_files"
    __table_args__ = (UniqueConstraint("case_id", "version", name="uq_case_files_case_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64), index=True)  # the sealed volume
    pages: Mapped[int] = mapped_column(Integer)
    content_pages: Mapped[int] = mapped_column(Integer)
    entries: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)  # 卷内目录 as laid out
    built_by: Mapped[str] = mapped_column(String(100))
    built_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class GuidanceOpinion(Base):  # 安全生产执法指导意见书: issued by the reviewing bureau about a reviewed case
    __tablename__ = "guidance_opinions"
    __table_args__ = (UniqueConstraint("org_id", "number", name="uq_guidance_org_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)  # the issuing bureau
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)  # the reviewed case
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(80))
    reply_by: Mapped[dt.date] = mapped_column(Date)
    review: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # score, rating, findings
    docx_sha256: Mapped[str] = mapped_column(String(64))
    pdf_sha256: Mapped[str] = mapped_column(String(64), index=True)
    issued_by: Mapped[str] = mapped_column(String(100))
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


class Publication(Base):  # 行政处罚决定公开 (公示): where and when an issued penalty decision was made public
    __tablename__ = "publications"
    # One publication per decision: a correction (更正) is a new edition with its own document row.
    __table_args__ = (UniqueConstraint("document_id", name="uq_publications_document_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)  # the deciding bureau
    published_on: Mapped[dt.date] = mapped_column(Date)  # 公开日期
    channel: Mapped[str] = mapped_column(String(100))  # 公开渠道, e.g. 网站 (门户网站), 公示栏
    url: Mapped[str] = mapped_column(String(500), default="")  # 网址, when published online
    recorded_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)

    document: Mapped[Document] = relationship()


class IdempotencyKey(Base):  # 幂等键: a client's retry of an issuing request finds its first answer
    """One issuing request a client named with an ``Idempotency-Key``: the same user sending the same
    key again gets the same document (completed if the first attempt stopped half-way), never a
    second document or number. ``request_sha256`` catches a key reused for a different request."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("actor", "key", name="uq_idempotency_keys_actor_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    actor: Mapped[str] = mapped_column(String(100))  # the user's login name
    key: Mapped[str] = mapped_column(String(200))
    request_sha256: Mapped[str] = mapped_column(String(64))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_now)


# -- the columns that name stored files --------------------------------------------------------------


@dataclass(frozen=True)
class FileColumn:
    """A column that names a file of the blob store by its SHA-256.

    ``label`` (with ``{key}`` filled from the ``keys`` columns of the row) is how fixity names the
    reference when the file is lost; None for digests kept only so that a file is recognised and
    kept (a sealed PDF's earlier revisions, the blob register): fixity does not re-read those."""

    column: Any  # InstrumentedAttribute
    keys: tuple[Any, ...] = ()
    label: str | None = None


# Every column that names a stored file — the ONE list maintenance (what may be removed) and fixity
# (what must be re-read) both read. A new column holding a blob digest must be added here, or the
# files it names would look like orphans and be deleted; tests/archive/test_maintenance.py fails
# when the models gain a String(64) or ``*sha256`` column found neither here nor in NOT_FILE_COLUMNS.
FILE_COLUMNS: tuple[FileColumn, ...] = (
    FileColumn(Document.docx_sha256, (Document.id,), "document:{}:docx"),  # 文书 DOCX
    FileColumn(Document.rendition_sha256, (Document.id,), "document:{}:rendition"),  # LibreOffice 转换件
    FileColumn(Document.pdf_sha256, (Document.id,), "document:{}:pdf"),  # 签章后的正式文书
    FileColumn(Attachment.sha256, (Attachment.id,), "attachment:{}"),  # 证据材料 as received
    FileColumn(Attachment.pdf_sha256, (Attachment.id,), "attachment:{}:pdf"),  # its A4 PDF for the volume
    FileColumn(CaseFile.sha256, (CaseFile.id,), "case_file:{}"),  # 卷宗 (sealed volume)
    FileColumn(SealImage.sha256, (SealImage.org_id, SealImage.role), "seal_image:{}:{}"),  # 电子印章图像
    FileColumn(GuidanceOpinion.docx_sha256, (GuidanceOpinion.id,), "guidance:{}:docx"),  # 执法指导意见书
    FileColumn(GuidanceOpinion.pdf_sha256, (GuidanceOpinion.id,), "guidance:{}:pdf"),  # … sealed PDF
    FileColumn(DocumentRevision.sha256),  # earlier states of a sealed PDF (revision 0: the rendition)
    FileColumn(Blob.sha256),  # the blob register
)

# 64-character columns that are NOT file digests, and why (``table.column``).
NOT_FILE_COLUMNS: dict[str, str] = {
    "api_tokens.token_sha256": "登录令牌摘要: the hash of a bearer token, not a file",
    "idempotency_keys.request_sha256": "幂等键: the hash of an issuing request's body, not a file",
    "audit_head.last_hash": "操作日志链: the tip of the event hash chain",
    "events.hash": "操作日志链: an entry's chain hash",
    "events.prev_hash": "操作日志链: the previous entry's chain hash",
    "users.username": "用户名: a login name that happens to be 64 characters long",
}
