"""The archivist's and the reviewer's pages: the filing desk (归档工作台), a case's volume (卷宗) with
its long operations (组卷, 归档, 导出归档信息包) run as jobs, fixity and 四性检测 results; full-text
search with facets; the review view (案卷评查) with each finding beside the volume; the 执法指导意见书;
the saved quality queries; and the search index's status and rebuild."""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from anjuan.archive import bounds
from anjuan.archive.access import require
from anjuan.archive.errors import NotFound
from anjuan.archive.search import FACETS, SearchRequest
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from anjuan.display import status_table

from ..schemas import PathId, QueryId
from .cases import case_context
from .context import PREFIX, Posted, Viewer, Web, posted_date, redirect, render
from .jobs import JobRunner, Progress

__all__ = ["router"]

router = APIRouter()

_EXPORT_NAME = re.compile(r"^case-\d+-\d{8}T\d{6}$")


def _jobs(request: Request) -> JobRunner:
    return request.app.state.jobs  # type: ignore[no-any-return]


def _start(request: Request, web: Web, title: str, work: Any) -> Response:
    job = _jobs(request).start(owner=web.actor.name, title=title, work=work)
    return redirect(f"{PREFIX}/jobs/{job.id}")


# -- 归档工作台 ---------------------------------------------------------------------------------


@router.get("/archive", response_class=HTMLResponse)
def desk(request: Request, web: Viewer) -> Response:
    data = web.archive.casefiles.desk(actor=web.actor)
    return render(web, request, "desk.html", title="归档工作台", nav="archive", desk=data)


def _physical(entries: list[dict[str, Any]], page: int | None) -> int | None:
    """A stamped page number (页号) → the PDF page that carries it (the cover and 目录 may be unnumbered)."""
    if page is None:
        return None
    for e in entries:
        if e.get("start") is not None and e["start"] <= page <= e["end"]:
            return int(e["physical_start"]) + page - int(e["start"])
    return page


@router.get("/cases/{case_id}/casefile", response_class=HTMLResponse)
def casefile(request: Request, case_id: PathId, web: Viewer) -> Response:
    context = case_context(web, case_id)
    try:
        volume = web.archive.casefiles.latest(actor=web.actor, case_id=case_id)
    except NotFound:
        volume = None
    exports = _exports(web, case_id)
    return render(
        web,
        request,
        "casefile.html",
        title=f"卷宗 · {context['case'].name}",
        nav="archive",
        volume=volume,
        exports=exports,
        **context,
    )


@router.get("/cases/{case_id}/casefile.pdf")
def casefile_pdf(case_id: PathId, web: Viewer) -> Response:
    data = web.archive.casefiles.pdf(actor=web.actor, case_id=case_id)
    return Response(data, media_type="application/pdf", headers={"Content-Disposition": "inline"})


@router.post("/cases/{case_id}/casefile")
def build(request: Request, case_id: PathId, web: Viewer, _posted: Posted) -> Response:
    case = web.archive.registry.case(actor=web.actor, case_id=case_id)

    def work(progress: Progress) -> tuple[str, Any]:
        volume = web.archive.casefiles.build(actor=web.actor, case_id=case_id, progress=progress)
        return f"{PREFIX}/cases/{case_id}/casefile", {"version": volume.version, "pages": volume.pages}

    return _start(request, web, f"组卷：{case.name}", work)


@router.post("/cases/{case_id}/file")
def file_case(request: Request, case_id: PathId, web: Viewer, posted: Posted) -> Response:
    checker = str(posted.get("checker", "")).strip()
    case = web.archive.registry.case(actor=web.actor, case_id=case_id)

    def work(progress: Progress) -> tuple[str, Any]:
        filed = web.archive.casefiles.file(actor=web.actor, case_id=case_id, checker=checker, progress=progress)
        return f"{PREFIX}/cases/{case_id}/casefile", {"archive_no": filed.archive_no}

    return _start(request, web, f"归档：{case.name}", work)


def _export_root(web: Web) -> Path:
    return web.archive.kernel.settings.data_dir / "exports"


def _exports(web: Web, case_id: int) -> list[str]:
    root = _export_root(web)
    if not root.is_dir():
        return []
    return sorted((p.name for p in root.glob(f"case-{case_id}-*") if p.is_dir()), reverse=True)


@router.post("/cases/{case_id}/package")
def export(request: Request, case_id: PathId, web: Viewer, _posted: Posted) -> Response:
    case = web.archive.registry.case(actor=web.actor, case_id=case_id)
    name = f"case-{case_id}-{dt.datetime.now():%Y%m%dT%H%M%S}"
    target = _export_root(web) / name

    def work(progress: Progress) -> tuple[str, Any]:
        progress(0, 2, "导出归档信息包")
        web.archive.packaging.export(actor=web.actor, case_id=case_id, out_dir=target)
        progress(1, 2, "四性检测")
        report = web.archive.packaging.verify(target)
        progress(2, 2, "完成")
        return f"{PREFIX}/cases/{case_id}/package/{name}", {"ok": report.ok}

    return _start(request, web, f"导出归档信息包：{case.name}", work)


def _package_dir(web: Web, case_id: int, name: str) -> Path:
    web.archive.registry.case(actor=web.actor, case_id=case_id)  # scope: outside it, the case does not exist
    path = _export_root(web) / name
    if not _EXPORT_NAME.match(name) or not name.startswith(f"case-{case_id}-") or not path.is_dir():
        raise NotFound("归档信息包不存在", f"no exported package {name}", code="package_not_found")
    return path


# Before the page route: Starlette takes the first route that matches, and "{name}" matches
# "case-1-….zip" as well (the download answered 404, looking for a package named "….zip").
@router.get("/cases/{case_id}/package/{name}.zip")
def package_zip(case_id: PathId, name: str, web: Viewer) -> Response:
    path = _package_dir(web, case_id, name)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for file in sorted(path.rglob("*")):
            if file.is_file():
                zf.write(file, f"{name}/{file.relative_to(path).as_posix()}")
    return Response(
        buffer.getvalue(),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}.zip"'},
    )


@router.get("/cases/{case_id}/package/{name}", response_class=HTMLResponse)
def package(request: Request, case_id: PathId, name: str, web: Viewer) -> Response:
    path = _package_dir(web, case_id, name)
    report = web.archive.packaging.verify(path).to_dict()
    case = web.archive.registry.case(actor=web.actor, case_id=case_id)
    return render(web, request, "package.html", title="归档信息包", nav="archive", case=case, name=name, report=report)


@router.post("/archive/fixity")
def fixity(request: Request, web: Viewer, _posted: Posted) -> Response:

    def work(progress: Progress) -> tuple[str, Any]:
        progress(0, 1, "逐一读取并校验存储文件的 SHA-256")
        return "", web.archive.upkeep.fixity(actor=web.actor)

    job = _jobs(request).start(owner=web.actor.name, title="固定性检查", work=work)
    job.result_url = f"{PREFIX}/archive/fixity/{job.id}"
    return redirect(f"{PREFIX}/jobs/{job.id}")


@router.get("/archive/fixity/{job_id}", response_class=HTMLResponse)
def fixity_result(request: Request, job_id: PathId, web: Viewer) -> Response:
    job = _jobs(request).get(job_id, web.actor.name)
    return render(web, request, "fixity.html", title="固定性检查", nav="archive", job=job, report=job.result or {})


# -- 检索 -------------------------------------------------------------------------------------------

# Facet and result-kind names come from the one label table (anjuan/statuses.yaml): casefile → 案卷.
_KIND_NAMES = status_table()["result_kind"]


@router.get("/search", response_class=HTMLResponse)
def search(
    request: Request,
    web: Viewer,
    q: str = "",
    kind: str = "",
    form: str = "",
    org: QueryId = None,
    year: str = "",
    status: str = "",
    sort: str = "relevance",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> Response:
    result = None
    issued_from = issued_to = None
    # A year outside the archive's dates (archive.bounds) is no filter anyone meant: date(99999, …) fails.
    if year.isdigit() and bounds.EARLIEST_DATE.year <= int(year) <= bounds.LATEST_DATE.year:
        issued_from, issued_to = dt.date(int(year), 1, 1), dt.date(int(year), 12, 31)
    if q.strip() or kind or form or org or year or status:
        result = web.archive.search.search(
            actor=web.actor,
            request=SearchRequest(
                query=q,
                kinds=(kind,) if kind else (),
                forms=(form,) if form else (),
                statuses=(status,) if status else (),
                org_subtree=org,
                issued_from=issued_from,
                issued_to=issued_to,
                sort=sort if sort in ("relevance", "date_desc", "date_asc") else "relevance",  # type: ignore[arg-type]
                page=max(1, page),
                size=10,
            ),
        )
    params = {"q": q, "kind": kind, "form": form, "org": org or "", "year": year, "status": status, "sort": sort}

    def link(**change: Any) -> str:
        merged = {**params, "page": 1, **change}
        return f"{PREFIX}/search?" + urlencode({k: v for k, v in merged.items() if v not in ("", None)})

    orgs = {o.id: o.name for o in web.archive.registry.orgs(actor=web.actor)}
    facet_labels = {
        "kind": _KIND_NAMES,
        "form": {f.id: f.name for f in web.archive.kernel.rules.catalogue.forms},
        "org": {str(k): v for k, v in orgs.items()},
        "status": {},
    }
    return render(
        web,
        request,
        "search.html",
        title="全文检索",
        nav="search",
        result=result,
        params=params,
        link=link,
        facets=FACETS,
        facet_labels=facet_labels,
        kind_names=_KIND_NAMES,
    )


# -- 案卷评查 ---------------------------------------------------------------------------------------


@router.get("/cases/{case_id}/review", response_class=HTMLResponse)
def review(request: Request, case_id: PathId, web: Viewer) -> Response:
    report = web.archive.reviews.review(actor=web.actor, case_id=case_id)
    case = web.archive.registry.case(actor=web.actor, case_id=case_id)
    try:
        entries = web.archive.casefiles.latest(actor=web.actor, case_id=case_id).entries
    except NotFound:
        entries = []
    return render(
        web,
        request,
        "review.html",
        title=f"案卷评查 · {case.name}",
        nav="search",
        case=case,
        report=report,
        # the PDF page of each finding's stamped page, for the viewer beside the list (same order)
        pdf_pages=[_physical(entries, f.page) for f in report.findings],
        today=web.archive.kernel.clock.today(),
        reply_by=web.archive.kernel.clock.today() + dt.timedelta(days=30),
    )


@router.post("/cases/{case_id}/review/assess")
def review_assess(case_id: PathId, web: Viewer, posted: Posted) -> Response:
    """人工评查 from the review page: one manual item's score and reason (bad input: the 422 page)."""
    raw = str(posted.get("points", "")).strip()
    try:
        points: float = float(raw)
    except ValueError:
        points = -1.0  # not a number: the service refuses it with the range in its message
    report = web.archive.reviews.assess(
        actor=web.actor,
        case_id=case_id,
        item_id=str(posted.get("item", "")),
        points=points,
        reason=str(posted.get("reason", "")),
    )
    return redirect(f"{PREFIX}/cases/{case_id}/review", f"已评分：{report.score}分 {report.rating}")


@router.post("/cases/{case_id}/guidance")
def guidance(case_id: PathId, web: Viewer, posted: Posted) -> Response:
    reply_by = posted_date(posted.get("reply_by"), "reply_by", "反馈期限")
    opinion = web.archive.reviews.guidance(
        actor=web.actor,
        case_id=case_id,
        reply_by=reply_by,
        contact=str(posted.get("contact", "")).strip(),
        phone=str(posted.get("phone", "")).strip(),
    )
    return redirect(f"{PREFIX}/guidance/{opinion.id}.pdf", f"已出具执法指导意见书 {opinion.number}")


@router.get("/guidance/{guidance_id}.pdf")
def guidance_pdf(guidance_id: PathId, web: Viewer) -> Response:
    data = web.archive.reviews.guidance_pdf(actor=web.actor, guidance_id=guidance_id)
    return Response(data, media_type="application/pdf", headers={"Content-Disposition": "inline"})


# -- 质量检查 and the index -------------------------------------------------------------------------


@router.get("/quality", response_class=HTMLResponse)
def quality(request: Request, web: Viewer, name: str = "") -> Response:
    queries = web.archive.qc.queries()
    result = web.archive.qc.run(actor=web.actor, name=name) if name else None
    return render(
        web, request, "quality.html", title="质量检查", nav="quality", queries=queries, result=result, name=name
    )


@router.get("/index", response_class=HTMLResponse)
def index_status(request: Request, web: Viewer) -> Response:
    status = web.archive.search.status(actor=web.actor)
    return render(web, request, "index.html", title="检索索引", nav="admin", status=status)


@router.post("/index/rebuild")
def reindex(request: Request, web: Viewer, _posted: Posted) -> Response:

    def work(progress: Progress) -> tuple[str, Any]:
        count = web.archive.search.rebuild(
            actor=web.actor, progress=lambda done, total: progress(done, total, "重建全文索引")
        )
        return f"{PREFIX}/index", {"records": count}

    return _start(request, web, "重建全文索引", work)


@router.get("/admin", response_class=HTMLResponse)
def admin(request: Request, web: Viewer) -> Response:
    """系统管理 (read-only here): organisations, officers and accounts in scope; changes go through
    the CLI or the API, where each is a logged, checked command."""
    archive, actor = web.archive, web.actor
    require(actor, "manage_registry")
    return render(
        web,
        request,
        "admin.html",
        title="系统管理",
        nav="admin",
        orgs=archive.registry.orgs(actor=actor),
        officers=archive.registry.officers(actor=actor),
        users=archive.accounts.users(actor=actor) if actor.can("manage_users") else [],
        holes=[(d, archive.kernel.rules.form(d.form_id).name) for d in archive.documents.numbered_drafts(actor=actor)],
        grace=archive.kernel.settings.numbered_draft_grace_minutes,
    )
