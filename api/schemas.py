"""Request and response bodies (Pydantic), kept apart from the ORM rows."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any

from anjuan.archive import bounds
from anjuan.archive.qc import Notice, PublicationView, QcQuery, QcRun
from anjuan.archive.review import GuidanceView, ReviewReport
from anjuan.archive.search import IndexStatus, SearchResult
from anjuan.archive.stats import FactRecord, StatsTable, TableInfo, jsonable
from anjuan.archive.views import AttachmentView, CaseFileView, CaseView, DocumentView
from fastapi import Path, Query
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, WithJsonSchema
from pydantic_core import PydanticCustomError

__all__ = [
    "CaseCreate",
    "CaseRead",
    "ChangeDecision",
    "ChangeRequestCreate",
    "Day",
    "DecisionRequest",
    "DisplayNameChange",
    "DocumentCreate",
    "DocumentRead",
    "DocumentUpdate",
    "ErrorResponse",
    "Id",
    "Instant",
    "LoginRequest",
    "LoginResponse",
    "MajorUpdate",
    "OfficerCreate",
    "OfficerRead",
    "OptionalDay",
    "OrgCreate",
    "OrgRead",
    "PartyCreate",
    "PartyRead",
    "PathId",
    "QueryId",
    "UserCreate",
    "UserRead",
    "attachment_json",
    "case_read",
    "casefile_json",
    "document_read",
    "guidance_json",
    "index_status_json",
    "instant",
    "notice_json",
    "plain",
    "publication_json",
    "qc_query_json",
    "qc_run_json",
    "review_json",
    "search_result",
    "stats_fact_json",
    "stats_table_json",
    "table_info_json",
]


def plain(value: Any) -> Any:
    """A read model (or anything holding them) as JSON-ready data, the one way the API, the CLI's
    ``--json`` and the web's downloads write it: dates and instants as ISO 8601 (an instant keeps its
    offset, ``+00:00``), tuples as lists, field names as they are — or, for a domain result with a
    ``to_dict()`` (deadlines, reports), the shape it gives itself."""
    if hasattr(value, "to_dict") and not isinstance(value, type):  # a domain result that names its own shape
        return plain(value.to_dict())
    if isinstance(value, BaseModel):
        return {name: plain(getattr(value, name)) for name in type(value).model_fields}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dt.datetime):
        return instant(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def instant(moment: dt.datetime) -> str:
    """An instant as ISO 8601 with its offset. SQLite hands stored timestamps back naive, in UTC
    (``archive.clock.beijing_time``): without the offset a client would read them as local time."""
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)).isoformat()


# -- values at the edge ----------------------------------------------------------------------------
# Ids are 64-bit in the database: a larger one is a 422 here (and documented as the schema's
# maximum) instead of an OverflowError in the driver. Dates outside archive.bounds' range would
# overflow date arithmetic (deadlines, periods): refused with code ``date_out_of_range``.

_ID_RANGE = f"1 to {bounds.MAX_ID} (2^63 − 1)"
#: an id in a JSON body
Id = Annotated[int, Field(ge=1, le=bounds.MAX_ID, description=f"id, {_ID_RANGE}")]
#: an id in the path (``/cases/{case_id}``)
PathId = Annotated[int, Path(ge=1, le=bounds.MAX_ID, description=f"id, {_ID_RANGE}")]
#: an optional id in the query string (``?org_id=``)
QueryId = Annotated[int | None, Query(ge=1, le=bounds.MAX_ID, description=f"id, {_ID_RANGE}")]


def _day_in_range(value: dt.date | None) -> dt.date | None:
    if value is not None and not bounds.EARLIEST_DATE <= value <= bounds.LATEST_DATE:
        raise PydanticCustomError(
            "date_out_of_range",
            "日期应在{min}至{max}之间 / must be a date from {min} to {max}",
            {"min": bounds.EARLIEST_DATE.isoformat(), "max": bounds.LATEST_DATE.isoformat()},
        )
    return value


_DAY_RANGE = f"YYYY-MM-DD, {bounds.EARLIEST_DATE} to {bounds.LATEST_DATE}"
#: a calendar date in a request, within archive.bounds' range
Day = Annotated[dt.date, AfterValidator(_day_in_range), Field(description=_DAY_RANGE)]
OptionalDay = Annotated[dt.date | None, AfterValidator(_day_in_range), Field(description=_DAY_RANGE)]


def _aware(value: Any) -> Any:
    if isinstance(value, dt.datetime) and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)  # stored instants are UTC (SQLite drops the zone)
    return value


#: an instant in a response: always with its offset (``+00:00``), ``format: date-time`` in OpenAPI
Instant = Annotated[
    dt.datetime,
    BeforeValidator(_aware),
    PlainSerializer(instant, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


class ErrorDetail(BaseModel):
    code: str = Field(description="stable machine-readable code, e.g. not_found, control_character")
    message: str = Field(description="中文 / English")
    message_zh: str
    message_en: str
    details: dict[str, Any] = Field(
        default_factory=dict, description="e.g. fields (each bad field, named), limit, retry_after"
    )


class ErrorResponse(BaseModel):
    """Every refusal (4xx) and failure (5xx) of the API has this body."""

    error: ErrorDetail


def _distinct_officers(ids: list[int] | None) -> list[int] | None:
    if ids is not None and len(set(ids)) != len(ids):
        raise ValueError("执法人员重复 / an officer is listed twice")
    return ids


def _distinct_roles(roles: list[str]) -> list[str]:
    if len(set(roles)) != len(roles):
        raise ValueError("角色重复 / a role is listed twice")
    return roles


#: officer ids in a request: positive, each once (a repeat is a 422, not a database error)
OfficerIds = Annotated[list[Id], AfterValidator(_distinct_officers)]
#: role names in a request: non-empty, each once
Roles = Annotated[list[Annotated[str, Field(min_length=1, max_length=50)]], AfterValidator(_distinct_roles)]


class _In(BaseModel):
    # NaN and infinity are valid JSON to Python's parser, never a valid amount, score or id.
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)


class OrgCreate(_In):
    name: str = Field(description="机关全称")
    area: str = Field(description="行政区划简称, e.g. 晋临")
    code: str = Field(description="机关代字, e.g. 应急")
    level: str = Field(description="province/city/county or 省/市/县")
    parent_id: Id | None = None
    address: str = ""
    phone: str = ""
    contact: str = ""
    postcode: str = ""
    review_body: str = Field("", description="行政复议机关 (本级人民政府)")
    court: str = ""
    bank: str = ""
    account: str = ""


class OrgRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    area: str
    code: str
    level: str
    parent_id: int | None
    address: str
    review_body: str
    court: str


class OfficerCreate(_In):
    org_id: Id
    name: str
    cert_no: str = Field(description="执法证号")
    roles: Roles = Field(default_factory=lambda: ["handler"])


class OfficerRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    org_id: int
    name: str
    cert_no: str
    roles: list[str]


class PartyCreate(_In):
    kind: str = Field(description="organisation (单位) or person (个人)")
    name: str
    credit_code: str | None = Field(None, description="统一社会信用代码, required for organisations")
    address: str = ""
    legal_rep: str = ""
    position: str = ""
    phone: str = ""
    postcode: str = ""
    industry: str = ""
    id_number: str = ""
    gender: str = ""
    age: int | None = Field(None, ge=0, le=150)
    employer: str = ""


class PartyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    kind: str
    name: str
    credit_code: str | None
    address: str
    legal_rep: str


class CaseCreate(_In):
    org_id: Id
    kind: str = Field(description="inspection (检查) or penalty (行政处罚)")
    party_id: Id
    procedure: str = Field("general", description="general (一般程序) or simple (简易程序)")
    name: str | None = None
    cause: str = ""
    officer_ids: OfficerIds = Field(default_factory=list)
    major: bool = Field(False, description="重大案件 (集体讨论 and 法制审核 before the decision)")
    major_reason: str = Field("", description="why the case is 重大 (required when major)")


class CaseRead(BaseModel):
    id: int
    org_id: int
    kind: str
    procedure: str
    name: str
    cause: str
    party_id: int
    status: str
    officer_ids: list[int]
    case_number: str | None
    major: bool = False  # 重大案件
    major_reason: str = ""
    closed_on: dt.date | None = None  # 结案日期
    archive_no: str | None = None  # 归档号
    file_no: str | None = None  # 档号
    retention: str | None = None  # 保管期限
    filed_at: Instant | None = None


def case_read(case: CaseView) -> CaseRead:
    return CaseRead(
        id=case.id,
        org_id=case.org_id,
        kind=case.kind,
        procedure=case.procedure,
        name=case.name,
        cause=case.cause,
        party_id=case.party_id,
        status=case.status,
        officer_ids=[o.id for o in case.officers],
        case_number=case.case_number,
        major=case.major,
        major_reason=case.major_reason,
        closed_on=case.closed_on,
        archive_no=case.archive_no,
        file_no=case.file_no,
        retention=case.retention,
        filed_at=case.filed_at,
    )


class MajorUpdate(_In):
    major: bool = Field(description="重大案件 or not")
    reason: str = Field(min_length=1, max_length=2000, description="认定（或撤销认定）的理由")


class DocumentCreate(_In):
    form: str = Field(description="form id or Chinese name, e.g. penalty_decision_org or 行政处罚决定书（单位）")
    fields: dict[str, Any] = Field(default_factory=dict)
    officer_ids: OfficerIds | None = None
    parent_id: Id | None = None
    doc_date: OptionalDay = None
    issue: bool = Field(False, description="issue at once (签发) instead of saving a draft")


class DocumentUpdate(_In):
    fields: dict[str, Any] | None = None
    officer_ids: OfficerIds | None = None
    doc_date: OptionalDay = None


class DecisionRequest(_In):
    opinion: str = Field(description="审核/审批意见 (shown on the document)")
    step: str | None = Field(None, description="the step being decided; checked against the pending one")


class ChangeRequestCreate(_In):
    kind: str = Field(description="correct (更改), void (作废) or delete (删除)")
    reason: str = Field(description="申请理由")
    changes: dict[str, Any] | None = Field(None, description="corrected field values (kind=correct)")


class ChangeDecision(_In):
    opinion: str = Field(description="审核/审批意见")


class LoginRequest(_In):
    username: str
    password: str


class LoginResponse(BaseModel):
    token: str
    token_type: str = "bearer"
    expires_at: Instant
    user: dict[str, Any]


class UserCreate(_In):
    username: str
    password: str = Field(description="at least 8 characters; stored only as a scrypt hash")
    org_id: Id | None = Field(None, description="the user's organisation (taken from the officer if given)")
    officer_id: Id | None = Field(None, description="the officer (执法人员) this login belongs to")
    roles: Roles = Field(default_factory=list, description="system roles beyond the officer's own")
    display_name: str = Field(
        "",
        max_length=50,
        description="姓名: the name pages, PDFs and the operation log show instead of the login name "
        "(an officer's login takes the officer's name when empty)",
    )


class PasswordChange(_In):
    old_password: str = Field(description="the current password")
    new_password: str = Field(description="at least 8 characters; the user's other sessions end")


class DisplayNameChange(_In):
    display_name: str = Field(max_length=50, description="姓名 (empty: the officer's name, or none)")


class PasswordReset(_In):
    new_password: str = Field(description="at least 8 characters; every session of the user ends")


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    username: str
    display_name: str = ""
    org_id: int | None
    officer_id: int | None
    roles: list[str]
    active: bool


class DocumentRead(BaseModel):
    id: int
    case_id: int
    form: str
    title: str
    status: str
    number: str | None
    doc_date: dt.date | None
    fields: dict[str, Any]
    officer_ids: list[int]
    parent_id: int | None
    pdf_sha256: str | None
    docx_sha256: str | None
    pages: int | None
    created_by: str
    issued_by: str | None
    issued_at: Instant | None
    numbered_at: Instant | None = None  # when the number was taken (a draft holding one is a hole to fill)
    backfilled: bool = False  # 补录: issued after its document date (issued_at is the real time)
    voided_at: Instant | None
    void_reason: str | None
    edition: int
    supersedes_id: int | None
    deleted_at: Instant | None


def document_read(doc: DocumentView, title: str) -> DocumentRead:
    return DocumentRead(
        id=doc.id,
        case_id=doc.case_id,
        form=doc.form_id,
        title=title,
        status=doc.status,
        number=doc.number,
        doc_date=doc.doc_date,
        fields=doc.fields,
        officer_ids=[o.id for o in doc.officers],
        parent_id=doc.parent_id,
        pdf_sha256=doc.pdf_sha256,
        docx_sha256=doc.docx_sha256,
        pages=doc.pages,
        created_by=doc.created_by,
        issued_by=doc.issued_by,
        issued_at=doc.issued_at,
        numbered_at=doc.numbered_at,
        backfilled=doc.backfilled,
        voided_at=doc.voided_at,
        void_reason=doc.void_reason,
        edition=doc.edition,
        supersedes_id=doc.supersedes_id,
        deleted_at=doc.deleted_at,
    )


def search_result(result: SearchResult) -> dict[str, Any]:
    """A search result as JSON (API and ``anjuan search --json`` give the same shape)."""
    return {
        "total": result.total,
        "page": result.page,
        "size": result.size,
        "took_ms": result.took_ms,
        "exact": result.exact,
        "facets": result.facets,
        "hits": [{**dataclasses.asdict(h), "date": h.date.isoformat() if h.date else None} for h in result.hits],
    }


def attachment_json(a: AttachmentView) -> dict[str, Any]:
    return {
        "id": a.id,
        "case_id": a.case_id,
        "kind": a.kind,
        "title": a.title,
        "responsible": a.responsible,
        "date": a.date.isoformat() if a.date else None,
        "filename": a.filename,
        "media_type": a.media_type,
        "sha256": a.sha256,
        "pdf_sha256": a.pdf_sha256,
        "pages": a.pages,
        "created_by": a.created_by,
    }


def casefile_json(c: CaseFileView) -> dict[str, Any]:
    return {
        "case_id": c.case_id,
        "version": c.version,
        "sha256": c.sha256,
        "pages": c.pages,
        "content_pages": c.content_pages,
        "entries": c.entries,
        "built_by": c.built_by,
        "built_at": instant(c.built_at),
    }


def review_json(report: ReviewReport) -> dict[str, Any]:
    """案卷评查 report as JSON: the model's own conversion, which the demo's ``review.json`` uses too
    (the archive layer cannot import this module)."""
    return report.to_json()


def guidance_json(g: GuidanceView) -> dict[str, Any]:
    """指导意见书 as issued: its id, 文号, the sealed PDF's digest and the review it rests on."""
    return {"id": g.id, "number": g.number, "pdf_sha256": g.pdf_sha256, "review": g.review}


def qc_query_json(q: QcQuery) -> dict[str, Any]:
    """A saved quality query: name, titles, check and its params (defaults filled in)."""
    return q.model_dump(mode="json")


def qc_run_json(run: QcRun) -> dict[str, Any]:
    """A quality query's run: its query, the day, the count and each finding (dates ISO)."""
    return run.model_dump(mode="json")


def notice_json(n: Notice) -> dict[str, Any]:
    """A 公示 notice (dates ISO, the fine as stored)."""
    return n.model_dump(mode="json")


def publication_json(p: PublicationView) -> dict[str, Any]:
    """A decision's 公示 record."""
    return {
        "id": p.id,
        "document_id": p.document_id,
        "published_on": p.published_on.isoformat(),
        "channel": p.channel,
        "url": p.url,
        "recorded_by": p.recorded_by,
    }


def table_info_json(info: TableInfo) -> dict[str, Any]:
    """A statistics table spec as lists show it: id, name, title, source, notes, groups, columns."""
    return info.model_dump(mode="json")


def stats_table_json(table: StatsTable) -> dict[str, Any]:
    """A built statistics table: counts as integers, amounts and shares as numbers (``jsonable``:
    the two places of an amount are the renderer's to show), the period's dates ISO; ``ranking``
    only when the table was ranked."""
    return jsonable(table.model_dump(exclude={"ranking"} if table.ranking is None else None))  # type: ignore[no-any-return]


def stats_fact_json(record: FactRecord) -> dict[str, Any]:
    """A fact record, flat: the fact's attributes, ``org`` (its name) and, for documents and
    penalties, ``penalty_class``; dates ISO, fines (元) numbers."""
    data: dict[str, Any] = {**dataclasses.asdict(record.fact), "org": record.org}
    if record.penalty_class is not None:
        data["penalty_class"] = record.penalty_class
    return jsonable(data)  # type: ignore[no-any-return]


def index_status_json(status: IndexStatus) -> dict[str, Any]:
    """The search index compared with the archive (counts, checkpoint, missing and stale keys)."""
    return status.model_dump(mode="json")
