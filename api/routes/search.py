"""全文检索 and 质量检查: ``GET /api/search`` (also ``/search``), the saved quality queries, 公示 records."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from anjuan.archive.errors import FieldError, ValidationFailed
from anjuan.archive.qc.notice import notices_csv
from anjuan.archive.search import SearchRequest
from fastapi import APIRouter, Query, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from ..deps import Actor, ArchiveDep
from ..schemas import (
    Day,
    OptionalDay,
    PathId,
    QueryId,
    index_status_json,
    notice_json,
    publication_json,
    qc_query_json,
    qc_run_json,
    search_result,
)

__all__ = ["public_router", "router"]

router = APIRouter()
public_router = APIRouter()  # the same search, at the path the product card names (/search)


def _split(values: list[str] | None) -> tuple[str, ...]:
    return tuple(v.strip() for item in values or [] for v in item.split(",") if v.strip())


async def _search(
    archive: ArchiveDep,
    actor: Actor,
    q: str = "",
    kind: Annotated[list[str] | None, Query()] = None,
    form: Annotated[list[str] | None, Query()] = None,
    status: Annotated[list[str] | None, Query()] = None,
    org: QueryId = None,
    case: QueryId = None,
    party: str = "",
    handler: str = "",
    procedure: str = "",
    industry: str = "",
    issued_from: OptionalDay = None,
    issued_to: OptionalDay = None,
    decided_from: OptionalDay = None,
    decided_to: OptionalDay = None,
    filed_from: OptionalDay = None,
    filed_to: OptionalDay = None,
    amount_min: Annotated[float | None, Query(allow_inf_nan=False)] = None,
    amount_max: Annotated[float | None, Query(allow_inf_nan=False)] = None,
    sort: Literal["relevance", "date_desc", "date_asc"] = "relevance",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    size: Annotated[int, Query(ge=1, le=100)] = 10,
) -> dict[str, Any]:
    """Full-text search over the records the user may see. ``q`` takes terms, "phrases",
    AND/OR/NOT, field:value and date ranges (issued:2023-01-01..2023-06-30); numbers such as
    应急罚〔2023〕12号 are matched exactly in any bracket style."""
    for name, low, high in (
        ("issued", issued_from, issued_to),
        ("decided", decided_from, decided_to),
        ("filed", filed_from, filed_to),
        ("amount", amount_min, amount_max),
    ):
        if low is not None and high is not None and low > high:  # type: ignore[operator]
            raise ValidationFailed(
                [FieldError(name, "范围", "range", "起点晚于终点", "the range starts after it ends")]
            )
    request = SearchRequest(
        query=q,
        kinds=_split(kind),
        forms=_split(form),
        statuses=_split(status),
        org_subtree=org,
        case_id=case,
        party=party,
        handler=handler,
        procedure=procedure,
        industry=industry,
        issued_from=issued_from,
        issued_to=issued_to,
        decided_from=decided_from,
        decided_to=decided_to,
        filed_from=filed_from,
        filed_to=filed_to,
        amount_min=amount_min,
        amount_max=amount_max,
        sort=sort,
        page=page,
        size=size,
    )
    result = await run_in_threadpool(archive.search.search, actor=actor, request=request)
    return search_result(result)


router.add_api_route("/search", _search, methods=["GET"], tags=["search"])
public_router.add_api_route("/search", _search, methods=["GET"], tags=["search"], include_in_schema=False)


@router.get("/index/status", tags=["search"])
async def index_status(archive: ArchiveDep, actor: Actor) -> dict[str, Any]:
    return index_status_json(await run_in_threadpool(archive.search.status, actor=actor))


@router.get("/qc", tags=["qc"])
async def qc_list(archive: ArchiveDep, actor: Actor) -> list[dict[str, Any]]:
    """The saved quality queries (质量检查), with their parameters."""
    return [qc_query_json(q) for q in archive.qc.queries()]


@router.get("/qc/{name}", tags=["qc"])
def qc_run(name: str, archive: ArchiveDep, actor: Actor, today: OptionalDay = None) -> dict[str, Any]:
    """Run one saved quality query over what the user may see. A plain ``def`` route: the seal
    check behind ``unsealed_documents`` must not run on the event loop."""
    return qc_run_json(archive.qc.run(actor=actor, name=name, today=today))


@router.get("/notices", tags=["qc"], response_model=None)
async def public_notices(
    archive: ArchiveDep,
    actor: Actor,
    start: Annotated[Day, Query(alias="from")],
    end: Annotated[Day, Query(alias="to")],
    format: Literal["json", "csv"] = "json",
) -> Any:
    """行政处罚决定公示: the notices of the penalty decisions of a period, personal data redacted."""
    rows = await run_in_threadpool(archive.qc.notices, actor=actor, start=start, end=end)
    if format == "csv":
        return Response(
            notices_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="notices-{start}-{end}.csv"'},
        )
    return [notice_json(n) for n in rows]


class PublicationIn(BaseModel):
    published_on: Day
    channel: str = Field(min_length=1, max_length=100, description="公示渠道, e.g. 门户网站")
    url: str = Field("", max_length=500)


@router.post("/documents/{doc_id}/publication", status_code=201, tags=["qc"])
async def publish(doc_id: PathId, body: PublicationIn, archive: ArchiveDep, actor: Actor) -> dict[str, Any]:
    """Record that a penalty decision was made public (公示)."""
    publication = await run_in_threadpool(
        archive.qc.publish,
        actor=actor,
        document_id=doc_id,
        published_on=body.published_on,
        channel=body.channel,
        url=body.url,
    )
    return publication_json(publication)
