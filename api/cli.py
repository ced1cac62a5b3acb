"""Command line: ``anjuan …`` mirrors the core operations; ``--json`` prints machine-readable output.

Every command acts as a user: ``ANJUAN_TOKEN``; or ``--user NAME`` / ``ANJUAN_USER`` with the
password from ``ANJUAN_PASSWORD`` (or a prompt); or the session saved by ``anjuan login``.

Errors print their code and a Chinese + English message on stderr and exit with status 1 (bad
input or state) or 2 (a missing service such as LibreOffice).
"""

from __future__ import annotations

import datetime as dt
import getpass
import html
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from anjuan.archive.access import Principal
from anjuan.archive.config import Settings
from anjuan.archive.errors import ArchiveError, ServiceUnavailable, Unauthenticated
from anjuan.archive.search import IndexLocked
from anjuan.archive.service import Archive

from anjuan.errors import AnjuanError

from .labels import status_zh
from .schemas import case_read, document_read, search_result

__all__ = ["app", "run"]

# No pretty tracebacks: an unexpected error reaches the console entry point, which prints one line
# (or, with --verbose, the plain traceback).
app = typer.Typer(
    help="anjuan 案卷 — 安全生产行政执法文书与案卷",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
doc_app = typer.Typer(help="执法文书 documents", no_args_is_help=True)
case_app = typer.Typer(help="案件 cases", no_args_is_help=True)
org_app = typer.Typer(help="机关 organisations", no_args_is_help=True)
officer_app = typer.Typer(help="执法人员 officers", no_args_is_help=True)
party_app = typer.Typer(help="当事人 parties", no_args_is_help=True)
number_app = typer.Typer(help="文书编号 numbering", no_args_is_help=True)
pki_app = typer.Typer(help="密钥与证书 keys and certificates", no_args_is_help=True)
seal_app = typer.Typer(help="电子印章图像 seal images", no_args_is_help=True)
audit_app = typer.Typer(help="操作日志 audit log", no_args_is_help=True)
user_app = typer.Typer(help="用户 users and logins", no_args_is_help=True)
change_app = typer.Typer(help="更改/作废/删除申请 change requests (第七条)", no_args_is_help=True)
archive_app = typer.Typer(help="电子档案 e-archive: fixity, packages", no_args_is_help=True)
casefile_app = typer.Typer(help="卷宗 case files: attachments, assembly, checks", no_args_is_help=True)
index_app = typer.Typer(help="全文检索索引 search index: rebuild, status", no_args_is_help=True)
for sub, name in (
    (index_app, "index"),
    (casefile_app, "casefile"),
    (archive_app, "archive"),
    (user_app, "user"),
    (change_app, "change"),
    (doc_app, "doc"),
    (case_app, "case"),
    (org_app, "org"),
    (officer_app, "officer"),
    (party_app, "party"),
    (number_app, "number"),
    (pki_app, "pki"),
    (seal_app, "seal"),
    (audit_app, "audit"),
):
    app.add_typer(sub, name=name)

JsonOpt = Annotated[bool, typer.Option("--json", help="machine-readable JSON output")]


def _fail(exc: AnjuanError, as_json: bool) -> NoReturn:
    if as_json:
        typer.echo(json.dumps({"error": exc.to_dict()}, ensure_ascii=False), err=True)
    else:
        typer.echo(f"错误 error [{exc.code}]: {exc.message_zh} / {exc.message_en}", err=True)
        for field in exc.details.get("fields", []):
            typer.echo(f"  - {field['message']}", err=True)
        if retry := exc.details.get("retry_issue"):
            typer.echo(f"  重试签发（文号不变） retry, same number: {retry['cli']}", err=True)
    raise typer.Exit(2 if isinstance(exc, ServiceUnavailable | IndexLocked) else 1)


def _archive() -> Archive:
    settings = Settings()
    one_shot: dict[str, Any] = {
        # One command converts at most a document or a volume at a time: one LibreOffice, not a
        # warm pool of two.
        "converter_pool_size": 1,
        # A command that changes a document does not load the Chinese analyser (~1 s) to index it:
        # the index follows the event log, and the next search — here or in the server — catches up.
        "index_on_change": False,
    }
    update = {k: v for k, v in one_shot.items() if k not in settings.model_fields_set}  # ANJUAN_… wins
    settings = settings.model_copy(update=update)
    archive = Archive(settings)
    archive.migrate()
    return archive


_STATE: dict[str, Any] = {}


@app.callback()
def _global(
    user: Annotated[
        str | None,
        typer.Option(
            "--user", "-u", envvar="ANJUAN_USER", help="act as this user (password: ANJUAN_PASSWORD or prompt)"
        ),
    ] = None,
    verbose: Annotated[
        bool,
        typer.Option(
            "--verbose", help="show Python warnings, library logs and tracebacks (for developers; ANJUAN_VERBOSE=1)"
        ),
    ] = False,
) -> None:
    """anjuan 案卷 — 安全生产行政执法文书与案卷"""
    _STATE["user"] = user


def _session_file(settings: Settings) -> Path:
    return settings.data_dir / ".cli-session"


def _password(prompt: str, env: str = "ANJUAN_PASSWORD") -> str:
    if os.environ.get(env):
        return os.environ[env]
    if not sys.stdin.isatty():
        raise Unauthenticated(
            f"需要密码：设置 {env} 或在终端中运行", f"a password is needed: set {env} or run in a terminal"
        )
    return getpass.getpass(prompt)


def _acting(archive: Archive) -> Principal:
    """The user this command acts as (resolved once per command)."""
    if "principal" in _STATE:
        return _STATE["principal"]  # type: ignore[no-any-return]
    if token := os.environ.get("ANJUAN_TOKEN"):
        principal = archive.authenticate(token)
    elif user := _STATE.get("user"):
        principal = archive.check_password(username=user, password=_password(f"{user} 的密码 password: "))
    elif (saved := _session_file(archive.settings)).exists():
        principal = archive.authenticate(saved.read_text("ascii").strip())
    else:
        raise Unauthenticated(
            "请先登录：anjuan login 用户名（或设置 ANJUAN_USER 与 ANJUAN_PASSWORD）",
            "log in first: anjuan login USERNAME (or set ANJUAN_USER and ANJUAN_PASSWORD)",
        )
    _STATE["principal"] = principal
    return principal


def _change_line(r: dict[str, Any]) -> str:
    pending = f", 待{r['pending_step']}" if r.get("pending_step") else ""
    return f"申请 request {r['id']} ({r['kind_name']} {r['kind']}) document {r['document_id']}: {r['status']}{pending}"


def _out(data: Any, as_json: bool, text: str) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str) if as_json else text)


def _load_json(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        raw = sys.stdin.read() if str(path) == "-" else path.read_text("utf-8")
        data = json.loads(raw)
    except (OSError, json.JSONDecodeError) as exc:
        raise ArchiveError(
            f"无法读取字段文件{path}：{exc}", f"cannot read fields file {path}: {exc}", code="bad_fields_file"
        ) from exc
    if not isinstance(data, dict):
        raise ArchiveError("字段文件应为JSON对象", "the fields file must hold a JSON object", code="bad_fields_file")
    return data


class _Run:
    """Run a command body, turning archive errors into messages and exit codes."""

    def __init__(self, as_json: bool) -> None:
        self.as_json = as_json

    def __enter__(self) -> _Run:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object) -> bool:
        if isinstance(exc, AnjuanError):
            _fail(exc, self.as_json)
        return False


# -- top level ----------------------------------------------------------------------------------


@app.command()
def init(
    admin: Annotated[
        str | None, typer.Option("--admin", help="create the first administrator (password: ANJUAN_ADMIN_PASSWORD)")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """创建数据目录并升级数据库 — create the data directory, migrate the database, create the first admin."""
    with _Run(as_json):
        settings = Settings()
        with Archive(settings) as archive:
            archive.migrate()
            if admin:
                password = _password(f"{admin} 的新密码 new password: ", env="ANJUAN_ADMIN_PASSWORD")
                archive.bootstrap_admin(username=admin, password=password)
        _out(
            {
                "data_dir": str(settings.data_dir.resolve()),
                "database": archive.db.engine.url.render_as_string(),
                "admin": admin,
            },
            as_json,
            f"已初始化 initialised: {settings.data_dir.resolve()} ({archive.db.engine.dialect.name})"
            + (f"; 管理员 administrator {admin}" if admin else ""),
        )


@app.command()
def login(username: str, as_json: JsonOpt = False) -> None:
    """登录 — check the password (ANJUAN_PASSWORD or prompt) and keep a session for later commands."""
    with _Run(as_json), _archive() as archive:
        result = archive.login(username=username, password=_password(f"{username} 的密码 password: "))
        path = _session_file(archive.settings)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(result.token)
        _out(
            {"username": username, "expires_at": result.expires_at.isoformat()},
            as_json,
            f"已登录 logged in as {username} until {result.expires_at:%Y-%m-%d %H:%M} UTC",
        )


@app.command()
def logout() -> None:
    """退出登录 — revoke the saved session."""
    with _Run(False), _archive() as archive:
        path = _session_file(archive.settings)
        if path.exists():
            archive.logout(path.read_text("ascii").strip())
            path.unlink()
        typer.echo("已退出 logged out")


@app.command()
def whoami(as_json: JsonOpt = False) -> None:
    """当前用户 — who the command acts as, and their scope."""
    with _Run(as_json), _archive() as archive:
        p = _acting(archive)
        data = {
            "username": p.name,
            "org_id": p.org_id,
            "officer_id": p.officer_id,
            "roles": sorted(p.roles),
            "scope": "all" if p.orgs is None else sorted(p.orgs),
        }
        _out(data, as_json, f"{p.name} org={p.org_id} officer={p.officer_id} roles={','.join(sorted(p.roles))}")


@user_app.command("add")
def user_add(
    username: str,
    org: Annotated[int | None, typer.Option("--org", help="organisation id")] = None,
    officer: Annotated[int | None, typer.Option("--officer", help="officer id (the login of an officer)")] = None,
    role: Annotated[list[str] | None, typer.Option("--role", help="system role (repeat): admin, archivist …")] = None,
    as_json: JsonOpt = False,
) -> None:
    """新建用户 — add a login (its password from ANJUAN_NEW_PASSWORD or a prompt)."""
    with _Run(as_json), _archive() as archive:
        password = _password(f"{username} 的新密码 new password: ", env="ANJUAN_NEW_PASSWORD")
        user = archive.create_user(
            actor=_acting(archive), username=username, password=password, org_id=org, officer_id=officer, roles=role
        )
        _out(
            {"id": user.id, "username": user.username, "org_id": user.org_id, "officer_id": user.officer_id},
            as_json,
            f"用户 user {user.id}: {user.username}",
        )


@user_app.command("list")
def user_list(as_json: JsonOpt = False) -> None:
    """列出用户 — list the users in your scope."""
    with _Run(as_json), _archive() as archive:
        users = archive.users(actor=_acting(archive))
        rows = [
            {"id": u.id, "username": u.username, "org_id": u.org_id, "officer_id": u.officer_id, "roles": u.roles}
            for u in users
        ]
        _out(rows, as_json, "\n".join(f"{r['id']:>4} {r['username']:<16} org={r['org_id']} {r['roles']}" for r in rows))


@change_app.command("request")
def change_request(
    doc_id: int,
    kind: Annotated[str, typer.Option("--kind", help="correct (更改), void (作废) or delete (删除)")],
    reason: Annotated[str, typer.Option("--reason", help="申请理由")],
    fields: Annotated[Path | None, typer.Option("--fields", help="JSON of corrected field values")] = None,
    as_json: JsonOpt = False,
) -> None:
    """申请更改/作废/删除执法记录 — nothing changes until it is approved and applied."""
    with _Run(as_json), _archive() as archive:
        request = archive.request_change(
            actor=_acting(archive), doc_id=doc_id, kind=kind, reason=reason, changes=_load_json(fields) or None
        )
        _out(request, as_json, _change_line(request))


@change_app.command("approve")
def change_approve(
    request_id: int, opinion: Annotated[str, typer.Option(help="审核/审批意见")], as_json: JsonOpt = False
) -> None:
    """审核/审批通过 — approve the pending step of a change request."""
    with _Run(as_json), _archive() as archive:
        r = archive.decide_change(actor=_acting(archive), request_id=request_id, approve=True, opinion=opinion)
        _out(r, as_json, _change_line(r))


@change_app.command("reject")
def change_reject(
    request_id: int, opinion: Annotated[str, typer.Option(help="不同意的理由")], as_json: JsonOpt = False
) -> None:
    """不同意 — reject a change request (nothing changes)."""
    with _Run(as_json), _archive() as archive:
        r = archive.decide_change(actor=_acting(archive), request_id=request_id, approve=False, opinion=opinion)
        _out(r, as_json, _change_line(r))


@change_app.command("apply")
def change_apply(request_id: int, as_json: JsonOpt = False) -> None:
    """执行 — an administrator carries out an approved request."""
    with _Run(as_json), _archive() as archive:
        doc = archive.apply_change(actor=_acting(archive), request_id=request_id)
        _out(_doc_json(archive, doc), as_json, f"已执行 applied: document {doc.id} {doc.status} {doc.number or ''}")


@change_app.command("list")
def change_list(
    status: Annotated[str | None, typer.Option(help="pending/approved/rejected/applied")] = None,
    as_json: JsonOpt = False,
) -> None:
    """列出申请 — change requests in your scope."""
    with _Run(as_json), _archive() as archive:
        rows = archive.change_requests(actor=_acting(archive), status=status)
        _out(rows, as_json, "\n".join(_change_line(r) for r in rows) or "无 none")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option()] = None, port: Annotated[int | None, typer.Option()] = None
) -> None:
    """启动 HTTP 服务 — serve the API (OpenAPI docs at /docs)."""
    import uvicorn

    from .app import create_app

    settings = Settings()
    uvicorn.run(create_app(settings), host=host or settings.host, port=port or settings.port)


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", help="output directory")] = Path("demo-out"),
    as_json: JsonOpt = False,
) -> None:
    """示例：检查链 + 一般程序处罚案件，输出 PDF 与 summary.json — the end-to-end demo."""
    from anjuan.archive.demo import run_demo

    with _Run(as_json):
        summary = run_demo(out, progress=lambda msg: typer.echo(msg, err=as_json))
        _out(summary, as_json, f"完成 done: {len(summary['documents'])} documents → {out.resolve()}")


# -- documents ----------------------------------------------------------------------------------


@doc_app.command("types")
def doc_types(as_json: JsonOpt = False) -> None:
    """列出文书种类 — list the document catalogue."""
    with _Run(as_json):
        from anjuan.archive.catalogue import load_catalogue

        forms = load_catalogue(Settings().catalogue_path).forms
        rows = [
            {
                "id": f.id,
                "name": f.name,
                "code": f.code,
                "numbered": f.numbered,
                "number_source": f.number.source if f.number else None,
                "seal": f.seal.value,
                "approval": [a.value for a in f.approval],
                "stage": f.stage,
                "template": f.template,
                "order": f.order,
                "edition": f.edition,
            }
            for f in forms
        ]
        text = "\n".join(
            f"{r['order']:>3}  {r['id']:<40} {r['name']:<24} {(r['code'] or '—'):<8} {r['number_source'] or '无文号'}"
            for r in rows
        )
        _out(rows, as_json, text)


def _doc_json(archive: Archive, doc: Any) -> dict[str, Any]:
    return document_read(doc, archive.form(doc.form_id).name).model_dump(mode="json")


def _beijing(moment: dt.datetime | None) -> str:
    """An instant as users read it: Beijing time."""
    from anjuan.archive.clock import beijing_time

    return "—" if moment is None else beijing_time(moment).strftime("%Y-%m-%d %H:%M")


def _parse_date(value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise ArchiveError(f"日期格式错误：{value}", f"bad date {value}; use YYYY-MM-DD", code="bad_date") from exc


FieldsOpt = Annotated[Path | None, typer.Option("--fields", help="JSON file of field values (- for stdin)")]
OfficersOpt = Annotated[list[int] | None, typer.Option("--officer", help="officer id (repeat)")]
ParentOpt = Annotated[int | None, typer.Option("--parent", help="the document this one follows up")]
DateOpt = Annotated[str | None, typer.Option("--date", help="document date YYYY-MM-DD")]
KeyOpt = Annotated[
    str | None,
    typer.Option(
        "--idempotency-key",
        help="幂等键 (e.g. a UUID): running the command again with the same key returns the first result "
        "(completing it if it stopped half-way), never a second document or number",
    ),
]


def _document_request(
    actor: Principal,
    case: int,
    doctype: str,
    fields: Path | None,
    officer: list[int] | None,
    parent: int | None,
    date: str | None,
) -> dict[str, Any]:
    return {
        "actor": actor,
        "case_id": case,
        "form_key": doctype,
        "fields": _load_json(fields),
        "officer_ids": officer,
        "parent_id": parent,
        "doc_date": _parse_date(date),
    }


@doc_app.command("draft")
def doc_draft(
    case: int,
    doctype: str,
    fields: FieldsOpt = None,
    officer: OfficersOpt = None,
    parent: ParentOpt = None,
    date: DateOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """保存草稿 — save a draft document."""
    with _Run(as_json), _archive() as archive:
        doc = archive.create_draft(**_document_request(_acting(archive), case, doctype, fields, officer, parent, date))
        _out(_doc_json(archive, doc), as_json, f"草稿 draft {doc.id}: {archive.form(doc.form_id).name}")


@doc_app.command("issue")
def doc_issue(
    case: int,
    doctype: str,
    fields: FieldsOpt = None,
    officer: OfficersOpt = None,
    parent: ParentOpt = None,
    date: DateOpt = None,
    pdf: Annotated[Path | None, typer.Option("--pdf", help="also write the PDF here")] = None,
    idempotency_key: KeyOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """制作并签发文书 — create and issue a document (numbered, rendered, sealed, stored)."""
    with _Run(as_json), _archive() as archive:
        request = _document_request(_acting(archive), case, doctype, fields, officer, parent, date)
        doc = archive.issue_new(idempotency_key=idempotency_key, **request)
        if pdf:
            pdf.write_bytes(archive.file(actor=_acting(archive), doc_id=doc.id, kind="pdf"))
        name = archive.form(doc.form_id).name
        _out(_doc_json(archive, doc), as_json, f"已签发 issued {doc.id}: {name} {doc.number or '(无文号)'}")


@doc_app.command("issue-draft")
def doc_issue_draft(doc_id: int, idempotency_key: KeyOpt = None, as_json: JsonOpt = False) -> None:
    """签发已保存的草稿 — issue a saved draft, or complete one that holds a number (same number)."""
    with _Run(as_json), _archive() as archive:
        doc = archive.issue(actor=_acting(archive), doc_id=doc_id, idempotency_key=idempotency_key)
        _out(_doc_json(archive, doc), as_json, f"已签发 issued {doc.id}: {doc.number or '(无文号)'}")


@doc_app.command("numbered-drafts")
def doc_numbered_drafts(
    older_than: Annotated[
        float | None, typer.Option("--older-than-minutes", min=0, help="default: the configured grace period")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """文号已占用未签发 — drafts holding a number that were never issued: complete or void each."""
    with _Run(as_json), _archive() as archive:
        docs = archive.numbered_drafts(actor=_acting(archive), older_than_minutes=older_than)
        lines = [f"文号已占用未签发 numbered drafts: {len(docs)}"]
        for d in docs:
            since = _beijing(d.numbered_at)
            lines.append(
                f"{d.id:>5} {d.number} {archive.form(d.form_id).name}（{since} 起占用） "
                f"完成 complete: anjuan doc issue-draft {d.id} · 作废 void: anjuan doc void {d.id} --reason …"
            )
        _out([_doc_json(archive, d) for d in docs], as_json, "\n".join(lines))


@doc_app.command("submit")
def doc_submit(doc_id: int, as_json: JsonOpt = False) -> None:
    """报送审批 — send a complete draft to its approval steps (as the logged-in officer)."""
    with _Run(as_json), _archive() as archive:
        doc = archive.submit(actor=_acting(archive), doc_id=doc_id)
        _out(_doc_json(archive, doc), as_json, f"已报送 submitted {doc.id}")


def _decide(doc_id: int, opinion: str, approve: bool, as_json: bool) -> None:
    with _Run(as_json), _archive() as archive:
        doc = archive.decide(actor=_acting(archive), doc_id=doc_id, opinion=opinion, approve=approve)
        state = archive.approval_state(actor=_acting(archive), doc_id=doc_id)
        _out(
            {**_doc_json(archive, doc), "approval": state},
            as_json,
            f"{'通过' if approve else '退回'} {doc.id}: status {doc.status}, next {state['pending_step'] or '—'}",
        )


@doc_app.command("approve")
def doc_approve(
    doc_id: int,
    opinion: Annotated[str, typer.Option(help="审核/审批意见")],
    as_json: JsonOpt = False,
) -> None:
    """审核/审批通过 — approve the pending step (as the logged-in officer)."""
    _decide(doc_id, opinion, True, as_json)


@doc_app.command("reject")
def doc_reject(
    doc_id: int,
    opinion: Annotated[str, typer.Option(help="退回理由")],
    as_json: JsonOpt = False,
) -> None:
    """退回 — send the document back to its handler with the reason."""
    _decide(doc_id, opinion, False, as_json)


@doc_app.command("void")
def doc_void(
    doc_id: int,
    reason: Annotated[str, typer.Option("--reason", help="作废原因")],
    as_json: JsonOpt = False,
) -> None:
    """申请作废文书（保留文号）— ask to void a document; it is voided once approved and applied."""
    with _Run(as_json), _archive() as archive:
        request = archive.request_change(actor=_acting(archive), doc_id=doc_id, kind="void", reason=reason)
        _out(request, as_json, _change_line(request))


@doc_app.command("show")
def doc_show(doc_id: int, as_json: JsonOpt = False) -> None:
    """查看文书 — show one document."""
    with _Run(as_json), _archive() as archive:
        doc = archive.document(actor=_acting(archive), doc_id=doc_id)
        data = _doc_json(archive, doc)
        _out(data, as_json, "\n".join(f"{k}: {v}" for k, v in data.items()))


@doc_app.command("list")
def doc_list(case: Annotated[int | None, typer.Option("--case")] = None, as_json: JsonOpt = False) -> None:
    """列出文书 — list documents."""
    with _Run(as_json), _archive() as archive:
        docs = archive.documents(actor=_acting(archive), case_id=case)
        _out(
            [_doc_json(archive, d) for d in docs],
            as_json,
            "\n".join(
                f"{d.id:>5} 案件 {d.case_id:<4} {status_zh(d.status):<5} "
                f"{archive.form(d.form_id).name:<20} {d.number or ''}"
                for d in docs
            ),
        )


@doc_app.command("get")
def doc_get(
    doc_id: int,
    out: Annotated[Path, typer.Option("--out")],
    fmt: Annotated[str, typer.Option("--format", help="pdf or docx")] = "pdf",
) -> None:
    """下载存档文件 — write an issued document's stored PDF or DOCX."""
    with _Run(False), _archive() as archive:
        out.write_bytes(archive.file(actor=_acting(archive), doc_id=doc_id, kind="pdf" if fmt == "pdf" else "docx"))
        typer.echo(str(out))


# -- registry -----------------------------------------------------------------------------------


@org_app.command("add")
def org_add(
    name: str,
    area: Annotated[str, typer.Option(help="行政区划简称, e.g. 晋临")],
    code: Annotated[str, typer.Option(help="机关代字, e.g. 应急")] = "应急",
    level: Annotated[str, typer.Option(help="province/city/county")] = "county",
    parent: Annotated[int | None, typer.Option()] = None,
    review_body: Annotated[str, typer.Option(help="行政复议机关")] = "",
    court: Annotated[str, typer.Option(help="管辖法院")] = "",
    address: str = "",
    phone: str = "",
    as_json: JsonOpt = False,
) -> None:
    """登记机关 — add an organisation."""
    with _Run(as_json), _archive() as archive:
        org = archive.create_org(
            actor=_acting(archive),
            name=name,
            area=area,
            code=code,
            level=level,
            parent_id=parent,
            review_body=review_body,
            court=court,
            address=address,
            phone=phone,
        )
        _out({"id": org.id, "name": org.name}, as_json, f"机关 organisation {org.id}: {org.name}")


@officer_app.command("add")
def officer_add(
    org: int,
    name: str,
    cert_no: str,
    role: Annotated[
        list[str] | None, typer.Option("--role", help="handler/supervisor/legal/deputy/head … (repeat)")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """登记执法人员 — add an officer with their 执法证号 and roles."""
    with _Run(as_json), _archive() as archive:
        officer = archive.create_officer(actor=_acting(archive), org_id=org, name=name, cert_no=cert_no, roles=role)
        _out(
            {"id": officer.id, "name": officer.name, "cert_no": officer.cert_no},
            as_json,
            f"执法人员 officer {officer.id}: {officer.name} {officer.cert_no}",
        )


@party_app.command("add")
def party_add(
    name: str,
    credit_code: Annotated[str | None, typer.Option(help="统一社会信用代码")] = None,
    kind: Annotated[str, typer.Option(help="organisation or person")] = "organisation",
    address: str = "",
    legal_rep: str = "",
    phone: str = "",
    as_json: JsonOpt = False,
) -> None:
    """登记当事人 — add a party (enterprise or person)."""
    with _Run(as_json), _archive() as archive:
        party = archive.create_party(
            actor=_acting(archive),
            kind=kind,
            name=name,
            credit_code=credit_code,
            address=address,
            legal_rep=legal_rep,
            phone=phone,
        )
        _out(
            {"id": party.id, "name": party.name, "credit_code": party.credit_code},
            as_json,
            f"当事人 party {party.id}: {party.name}",
        )


@case_app.command("new")
def case_new(
    org: Annotated[int, typer.Option(help="organisation id")],
    party: Annotated[str, typer.Option(help="party id, credit code or name")],
    kind: Annotated[str, typer.Option(help="inspection (检查) or penalty (处罚)")] = "penalty",
    procedure: Annotated[str, typer.Option(help="general (一般) or simple (简易)")] = "general",
    name: Annotated[str | None, typer.Option(help="案件名称")] = None,
    cause: Annotated[str, typer.Option(help="案由")] = "",
    officer: Annotated[list[int] | None, typer.Option("--officer", help="officer id (repeat)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """新建案件 — open a case (inspection chain or penalty case)."""
    with _Run(as_json), _archive() as archive:
        party_id = archive.party(actor=_acting(archive), key=party).id
        case = archive.create_case(
            actor=_acting(archive),
            org_id=org,
            kind=kind,
            party_id=party_id,
            procedure=procedure,
            name=name,
            cause=cause,
            officer_ids=officer or [],
        )
        _out(case_read(case).model_dump(mode="json"), as_json, f"案件 case {case.id}: {case.name}")


def _deadline_line(d: dict[str, Any]) -> str:
    due = d["due"] or "—"
    left = "" if d.get("days_left") is None else f" ({d['days_left']:+d}天)"
    flag = " *估算" if d.get("provisional") else ""
    return f"{due:<11} {status_zh(d['status']):<6}{left:<9} {d['name']}  [{d['basis']}]{flag}"


@case_app.command("deadlines")
def case_deadlines(
    case: int,
    today: Annotated[str | None, typer.Option(help="compute as of YYYY-MM-DD (default: today)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """程序时限 — the case's legal deadlines, computed from its documents."""
    with _Run(as_json), _archive() as archive:
        rows = archive.deadlines(actor=_acting(archive), case_id=case, today=_parse_date(today))
        _out(rows, as_json, "\n".join(_deadline_line(d) for d in rows))


@app.command()
def due(
    days: Annotated[int, typer.Option("--days", help="look-ahead in days")] = 7,
    org: Annotated[int | None, typer.Option("--org")] = None,
    today: Annotated[str | None, typer.Option(help="as of YYYY-MM-DD")] = None,
    as_json: JsonOpt = False,
) -> None:
    """到期提醒 — what falls due within N days or is overdue, across open cases."""
    with _Run(as_json), _archive() as archive:
        rows = archive.due(actor=_acting(archive), days=days, org_id=org, today=_parse_date(today))
        _out(rows, as_json, "\n".join(f"case {r['case_id']:<4} {_deadline_line(r)}" for r in rows) or "无 none")


@number_app.command("start")
def number_start(
    org: int,
    counter: str,
    start: int,
    year: Annotated[int | None, typer.Option(help="default: this year")] = None,
    as_json: JsonOpt = False,
) -> None:
    """设置文书编号起始值 — set a counter's starting value (only forward)."""
    with _Run(as_json), _archive() as archive:
        from anjuan.archive.clock import today

        y = year or today().year
        archive.set_counter_start(actor=_acting(archive), org_id=org, year=y, counter=counter, start=start)
        _out(
            {"org": org, "year": y, "counter": counter, "start": start},
            as_json,
            f"计数器 counter {counter} {y}: next = {start}",
        )


@pki_app.command("init")
def pki_init(
    out: Annotated[Path | None, typer.Option("--out", help="also write the root certificate (PEM) here")] = None,
    as_json: JsonOpt = False,
) -> None:
    """创建开发用根证书及各机关印章、执法人员证书 — development PKI (keys encrypted at rest)."""
    with _Run(as_json), _archive() as archive:
        result = archive.pki_init(actor=_acting(archive))
        if out:
            out.write_text(result["root_certificate"], "ascii")
        _out(result, as_json, f"密钥库 key store: {result['directory']} ({len(result['keys'])} keys)")


@pki_app.command("list")
def pki_list(as_json: JsonOpt = False) -> None:
    """列出密钥 — list the keys in the key store."""
    with _Run(as_json), _archive() as archive:
        keys = archive.list_keys(actor=_acting(archive))
        _out(keys, as_json, "\n".join(f"{k['key']:<24} {k['role']:<12} {k['source']:<10} {k['label']}" for k in keys))


OwnerOpt = Annotated[str, typer.Option("--owner", help="org (机关印章/执法专用章) or officer")]


@pki_app.command("import-p12")
def pki_import_p12(
    owner_id: int,
    file: Path,
    owner: OwnerOpt = "org",
    role: Annotated[str | None, typer.Option(help="organ or enforcement (organisations)")] = None,
    passphrase_env: Annotated[str, typer.Option(help="environment variable holding the .p12 passphrase")] = (
        "ANJUAN_P12_PASSPHRASE"
    ),
    replace: bool = False,
    as_json: JsonOpt = False,
) -> None:
    """导入 PKCS#12 证书 — use a bureau's own certificate and key (stored re-encrypted)."""
    import os

    with _Run(as_json), _archive() as archive:
        passphrase = os.environ.get(passphrase_env, "").encode("utf-8")
        result = archive.import_pkcs12(
            actor=_acting(archive),
            owner=owner,
            owner_id=owner_id,
            role=role,
            data=file.read_bytes(),
            passphrase=passphrase,
            replace=replace,
        )
        _out(result, as_json, f"已导入 imported {result['key']}: {result['label']}")


@pki_app.command("register-pkcs11")
def pki_register_pkcs11(
    owner_id: int,
    lib: Annotated[str, typer.Option(help="PKCS#11 module, e.g. /usr/lib/softhsm/libsofthsm2.so")],
    token: Annotated[str, typer.Option(help="token label")],
    key: Annotated[str, typer.Option(help="key label on the token")],
    pin_env: Annotated[str, typer.Option(help="environment variable holding the user PIN")] = "ANJUAN_PKCS11_PIN",
    owner: OwnerOpt = "org",
    role: Annotated[str | None, typer.Option(help="organ or enforcement (organisations)")] = None,
    replace: bool = False,
    as_json: JsonOpt = False,
) -> None:
    """登记 PKCS#11 令牌密钥 — sign with a key that never leaves a token/HSM."""
    with _Run(as_json), _archive() as archive:
        result = archive.register_pkcs11(
            actor=_acting(archive),
            owner=owner,
            owner_id=owner_id,
            role=role,
            lib=lib,
            token_label=token,
            key_label=key,
            pin_env_var=pin_env,
            replace=replace,
        )
        _out(result, as_json, f"已登记 registered {result['key']}: {result['label']}")


@app.command()
def verify(
    file: Annotated[Path, typer.Argument(help="PDF to check")],
    as_json: JsonOpt = False,
) -> None:
    """验证文书签章 — verify the signatures of any copy and whether anjuan issued it (exit 0 only if all pass)."""
    with _Run(as_json), _archive() as archive:
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise ArchiveError(f"无法读取文件：{file}", f"cannot read {file}: {exc}", code="bad_file") from exc
        report = archive.verify(data)
        lines = [f"文件 file: {file} sha256 {report['sha256'][:16]}…"]
        for sig in report["signatures"]:
            flags = "✓" if sig["intact"] and sig["valid"] and sig["trusted"] and not sig["problems"] else "✗"
            lines.append(
                f"  {flags} {sig['field']}: {sig['signer']} ({sig['seal'] or sig['role'] or '?'}) "
                f"{sig['signing_time'] or ''} intact={sig['intact']} trusted={sig['trusted']} "
                f"whole_file={sig['covers_whole_file']} changes={sig['modification_level']}"
            )
            lines.extend(f"      - {p}" for p in sig["problems"])
        lines.extend(f"  ! {p}" for p in report["problems"])
        doc = report["document"]
        if doc:
            label = doc["number"] or doc["form"]
            lines.append(f"  本系统文书 anjuan document: {label} ({report['relation']}) {doc['organisation']}")
        else:
            lines.append("  非本系统签发 not issued by this anjuan instance")
        lines.append("结论 result: " + ("通过 OK" if report["ok"] else "未通过 FAILED"))
        _out(report, as_json, "\n".join(lines))
        if not report["ok"]:
            raise typer.Exit(3)


@audit_app.command("verify")
def audit_verify(as_json: JsonOpt = False) -> None:
    """校验操作日志哈希链 — check the hash chain of the event log (exit 0 only if intact)."""
    with _Run(as_json), _archive() as archive:
        report = archive.audit_verify(actor=_acting(archive))
        if report["ok"]:
            text = f"审计链完整 audit chain intact: {report['entries']} entries"
        else:
            text = (
                f"审计链断裂 audit chain broken at entry seq={report['first_broken_seq']} "
                f"id={report['first_broken_id']}: {report['reason_zh']} / {report['reason_en']}"
            )
        _out(report, as_json, text)
        if not report["ok"]:
            raise typer.Exit(3)


@seal_app.command("image")
def seal_image(
    org: int,
    role: Annotated[str, typer.Option(help="organ (机关印章) or enforcement (行政执法专用章)")] = "organ",
    out: Annotated[Path | None, typer.Option("--out", help="write the PNG here")] = None,
    upload: Annotated[Path | None, typer.Option("--upload", help="replace it with this PNG/JPEG")] = None,
) -> None:
    """查看或上传机关电子印章图像 — show or upload an organisation's seal image."""
    with _Run(False), _archive() as archive:
        if upload:
            digest = archive.upload_seal_image(actor=_acting(archive), org_id=org, role=role, data=upload.read_bytes())
            typer.echo(f"已上传 uploaded {digest}")
        png = archive.seal_image(actor=_acting(archive), org_id=org, role=role)
        if out:
            out.write_bytes(png)
            typer.echo(str(out))


# -- case files (卷宗) ----------------------------------------------------------------------------


@casefile_app.command("attach")
def casefile_attach(
    case: int,
    file: Path,
    kind: Annotated[
        str, typer.Option("--kind", help="photo, evidence, party_identity, statement, payment, court, other")
    ],
    title: Annotated[str, typer.Option("--title", help="材料名称")],
    date: DateOpt = None,
    responsible: Annotated[str, typer.Option(help="责任者 (who made or supplied it)")] = "",
    as_json: JsonOpt = False,
) -> None:
    """添加证据材料 — add a photo (JPEG/PNG) or scanned PDF to a case; it takes its place in the case file."""
    with _Run(as_json), _archive() as archive:
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise ArchiveError(f"无法读取文件：{file}", f"cannot read {file}: {exc}", code="bad_file") from exc
        row = archive.casefiles.add_attachment(
            actor=_acting(archive),
            case_id=case,
            kind=kind,
            title=title,
            data=data,
            filename=file.name,
            date=_parse_date(date),
            responsible=responsible,
        )
        from .routes.casefiles import attachment_dict

        _out(attachment_dict(row), as_json, f"证据材料 attachment {row.id}: {row.title} ({row.pages}页)")


@case_app.command("close")
def case_close(case: int, as_json: JsonOpt = False) -> None:
    """结案 — close a case (needs its issued 结案审批表, or every rectification re-inspected)."""
    with _Run(as_json), _archive() as archive:
        actor = _acting(archive)
        archive.casefiles.close(actor=actor, case_id=case)
        row = archive.case(actor=actor, case_id=case)
        _out(case_read(row).model_dump(mode="json"), as_json, f"已结案 closed case {row.id} on {row.closed_on}")


@case_app.command("file")
def case_file(
    case: int,
    checker: Annotated[str, typer.Option(help="检查人 for the 备考表")] = "",
    as_json: JsonOpt = False,
) -> None:
    """归档 — file a closed case: 归档号, 档号, 保管期限, final sealed volume; frozen afterwards."""
    with _Run(as_json), _archive() as archive:
        actor = _acting(archive)
        archive.casefiles.file(actor=actor, case_id=case, checker=checker)
        row = archive.case(actor=actor, case_id=case)
        _out(
            case_read(row).model_dump(mode="json"),
            as_json,
            f"已归档 filed case {row.id}: 归档号 {row.archive_no} 档号 {row.file_no} 保管期限 {row.retention}",
        )


@app.command()
def review(case: int, as_json: JsonOpt = False) -> None:
    """案卷评查 — score a case file out of 100 with each finding, its document and page."""
    with _Run(as_json), _archive() as archive:
        report = archive.reviews.review(actor=_acting(archive), case_id=case)
        lines = [f"案卷评查 review of case {case}: {report['score']}分 {report['rating']}"]
        if report["veto"]:
            lines.append(f"  否决项 veto: {', '.join(report['veto'])}")
        lines += [f"  {c['name']}: {c['score']:g}/{c['points']:g}" for c in report["categories"]]
        for f in report["findings"]:
            where = f" 第{f['page']}页" if f["page"] else ""
            lines.append(f"  - [{f['item']} −{f['deduct']:g}] {f['message_zh']}{where}")
        _out(report, as_json, "\n".join(lines))


@archive_app.command("export")
def archive_export(
    case: int, out: Annotated[Path, typer.Option("--out", help="new directory for the bag")], as_json: JsonOpt = False
) -> None:
    """导出归档信息包 — a filed case as a BagIt bag with metadata XML and process history."""
    with _Run(as_json), _archive() as archive:
        result = archive.export_package(actor=_acting(archive), case_id=case, out_dir=out)
        _out(result, as_json, f"归档信息包 package {result['file_no']} → {result['path']} ({result['payload_oxum']})")


def _fourness_lines(report: dict[str, Any]) -> list[str]:
    marks = {"pass": "✓", "fail": "✗", "warn": "!", "manual": "?", "info": "i"}
    lines = []
    for item in report["items"]:
        lines.append(f"  {marks[item['result']]} {item['code']:<8} {item['nature']} {item['name']} [{item['result']}]")
        lines.extend(f"      - {d}" for d in item["details"][:5])
    return lines


@archive_app.command("verify")
def archive_verify(
    path: Annotated[Path, typer.Argument(help="package directory (BagIt)")], as_json: JsonOpt = False
) -> None:
    """四性检测 — authenticity, integrity, usability, security of a package (exit 0 only if it passes)."""
    with _Run(as_json), _archive() as archive:
        report = archive.verify_package(path).to_dict()
        lines = [f"四性检测 {path}", *_fourness_lines(report)]
        lines.append("结论 result: " + ("通过 OK" if report["ok"] else "未通过 FAILED"))
        _out(report, as_json, "\n".join(lines))
        if not report["ok"]:
            raise typer.Exit(3)


@archive_app.command("import")
def archive_import(
    path: Annotated[Path, typer.Argument(help="package directory (BagIt)")], as_json: JsonOpt = False
) -> None:
    """接收归档信息包 — check it (四性检测), then keep every file; refused whole if any check fails."""
    with _Run(as_json), _archive() as archive:
        result = archive.import_package(actor=_acting(archive), path=path)
        _out(
            result.to_dict(),
            as_json,
            f"已接收 received {result.file_no}: {len(result.files)} files" + (" (again)" if result.repeat else ""),
        )


@archive_app.command("fixity")
def archive_fixity(as_json: JsonOpt = False) -> None:
    """固化信息巡检 — re-check the SHA-256 of every stored file (exit 0 only if all match; logged)."""
    with _Run(as_json), _archive() as archive:
        report = archive.fixity(actor=_acting(archive))
        lines = [f"已检查 checked {report['checked']} files, {report['bytes']} bytes"]
        lines += [f"  ✗ 缺失 missing {m['ref']} {m['sha256'][:16]}…" for m in report["missing"]]
        lines += [f"  ✗ 校验失败 corrupt {m['ref']} {m['sha256'][:16]}…" for m in report["corrupt"]]
        lines.append("结论 result: " + ("通过 OK" if report["ok"] else "未通过 FAILED"))
        _out(report, as_json, "\n".join(lines))
        if not report["ok"]:
            raise typer.Exit(3)


@casefile_app.command("check")
def casefile_check(file: Annotated[Path, typer.Argument(help="any case-file PDF")], as_json: JsonOpt = False) -> None:
    """目录与页码核对 — read the 卷内目录 back and check it against the page numbers of any case-file
    PDF (exit 0 only when all agree). Works offline, on volumes made anywhere."""
    from anjuan.archive.casefile import check_volume

    with _Run(as_json):
        try:
            data = file.read_bytes()
        except OSError as exc:
            raise ArchiveError(f"无法读取文件：{file}", f"cannot read {file}: {exc}", code="bad_file") from exc
        report = check_volume(data)
        lines = [f"卷宗 {file}: {report.pages}页, 目录{len(report.toc)}项"]
        lines += [f"  {e.seq:>3} {e.start:>4}{'-' + str(e.end) if e.end else '':<5} {e.title}" for e in report.toc]
        lines += [f"  ✗ [{f.code}] {f.message_zh} / {f.message_en}" for f in report.findings]
        lines.append("结论 result: " + ("目录与页码相符 OK" if report.ok else "不符 FAILED"))
        _out(report.to_dict(), as_json, "\n".join(lines))
        if not report.ok:
            raise typer.Exit(3)


@app.command()
def guidance(
    case: int,
    reply_by: Annotated[str, typer.Option("--reply-by", help="整改结果报告期限 YYYY-MM-DD")],
    out: Annotated[Path | None, typer.Option("--out", help="write the sealed PDF here")] = None,
    contact: Annotated[str, typer.Option(help="联系人")] = "",
    phone: Annotated[str, typer.Option(help="电话")] = "",
    as_json: JsonOpt = False,
) -> None:
    """安全生产执法指导意见书 — review a lower bureau's case and issue the numbered, sealed opinion."""
    with _Run(as_json), _archive() as archive:
        actor = _acting(archive)
        date = _parse_date(reply_by)
        assert date is not None
        row = archive.reviews.guidance(actor=actor, case_id=case, reply_by=date, contact=contact, phone=phone)
        if out:
            out.write_bytes(archive.blobs.get(row.pdf_sha256))
        _out(
            {"id": row.id, "number": row.number, "pdf_sha256": row.pdf_sha256, "review": row.review},
            as_json,
            f"指导意见书 {row.number}: {row.review['score']:g}分 {row.review['rating']}" + (f" → {out}" if out else ""),
        )


@casefile_app.command("build")
def casefile_build(
    case: int,
    out: Annotated[Path | None, typer.Option("--out", help="write the sealed volume PDF here")] = None,
    checker: Annotated[str, typer.Option(help="检查人 for the 备考表")] = "",
    as_json: JsonOpt = False,
) -> None:
    """组卷 — assemble the case file: cover, 卷内目录, paginated documents, 备考表; sealed."""
    with _Run(as_json), _archive() as archive:
        actor = _acting(archive)
        row = archive.casefiles.build(actor=actor, case_id=case, checker=checker)
        if out:
            out.write_bytes(archive.blobs.get(row.sha256))
        from .routes.casefiles import casefile_dict

        lines = [
            f"卷宗 case file v{row.version}: {row.pages}页 (content {row.content_pages}) sha256 {row.sha256[:16]}…"
        ]
        lines += [
            f"  {e['seq']:>3} {e['start']:>4}{'-' + str(e['end']) if e['end'] != e['start'] else '':<5} "
            f"{e['title']} {e['number'] or ''}"
            for e in row.entries
        ]
        _out(casefile_dict(row), as_json, "\n".join(lines + ([str(out)] if out else [])))


def run(args: list[str], *, verbose: bool = False) -> None:
    """Run one command line (``anjuan.api.console.main`` has set up warnings and logging first)."""
    _STATE["verbose"] = verbose
    app(args=args, prog_name="anjuan")


# -- 全文检索 search, 质量检查 quality queries ----------------------------------------------------------


@app.command()
def search(
    query: Annotated[
        str, typer.Argument(help='terms, "phrases", AND/OR/NOT, field:value, issued:2023-01..2023-06')
    ] = "",
    form: Annotated[list[str] | None, typer.Option("--type", "-t", help="document type (form id), repeatable")] = None,
    kind: Annotated[list[str] | None, typer.Option("--kind", help="document | attachment | casefile")] = None,
    org: Annotated[int | None, typer.Option("--org", help="an organisation and its subordinates")] = None,
    case: Annotated[int | None, typer.Option("--case")] = None,
    status: Annotated[list[str] | None, typer.Option("--status")] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="issued on or after YYYY-MM-DD")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="issued on or before YYYY-MM-DD")] = None,
    sort: Annotated[str, typer.Option(help="relevance | date_desc | date_asc")] = "relevance",
    page: Annotated[int, typer.Option(min=1)] = 1,
    size: Annotated[int, typer.Option(min=1, max=100)] = 10,
    as_json: JsonOpt = False,
) -> None:
    """全文检索 — find documents, attachments and case files by what they say."""
    from anjuan.archive.search import SearchRequest

    if sort not in ("relevance", "date_desc", "date_asc"):
        _fail(ArchiveError(f"排序方式“{sort}”无效", f"unknown sort {sort!r}", code="bad_sort"), as_json)
    with _Run(as_json), _archive() as archive:
        request = SearchRequest(
            query=query,
            forms=tuple(form or ()),
            kinds=tuple(kind or ()),
            statuses=tuple(status or ()),
            org_subtree=org,
            case_id=case,
            issued_from=_parse_date(date_from),
            issued_to=_parse_date(date_to),
            sort=sort,  # type: ignore[arg-type]
            page=page,
            size=size,
        )
        result = archive.search.search(actor=_acting(archive), request=request)
        lines = [f"共 {result.total} 条 hits ({result.took_ms:.0f} ms), 第 {result.page} 页 page"]
        for hit in result.hits:
            date = hit.date.isoformat() if hit.date else "—"
            lines.append(f"{hit.key:<10} {date}  {hit.title}  [{hit.party}]")
            snippet = re.sub(r"</?mark>", "", hit.snippet)
            if snippet:
                lines.append(f"           {html.unescape(snippet)}")
        for name, counts in result.facets.items():
            if counts:
                top = ", ".join(f"{k} {v}" for k, v in list(counts.items())[:6])
                lines.append(f"  {name}: {top}")
        _out(search_result(result), as_json, "\n".join(lines))


@app.command()
def qc(
    name: Annotated[str | None, typer.Argument(help="a saved quality query; omit to list them")] = None,
    today: Annotated[str | None, typer.Option("--today", help="evaluate as of YYYY-MM-DD")] = None,
    as_json: JsonOpt = False,
) -> None:
    """质量检查 — run a saved quality query (overdue rectification, late publication, …)."""
    with _Run(as_json), _archive() as archive:
        actor = _acting(archive)
        if name is None:
            queries = archive.qc.queries()
            _out(queries, as_json, "\n".join(f"{q['name']:<24} {q['title_zh']} / {q['title_en']}" for q in queries))
            return
        report = archive.qc.run(actor=actor, name=name, today=_parse_date(today))
        lines = [f"{report['title_zh']} / {report['title_en']}: {report['count']} (as of {report['today']})"]
        for f in report["findings"]:
            number = f.get("number") or ""
            lines.append(f"  - case {f['case_id']} {number} {f['detail_zh']}")
        _out(report, as_json, "\n".join(lines))


@index_app.command("rebuild")
def index_rebuild(as_json: JsonOpt = False) -> None:
    """Rebuild the search index from the archive (searches keep working on the old one meanwhile)."""
    with _Run(as_json), _archive() as archive:
        actor = _acting(archive)
        show = not as_json and sys.stderr.isatty()
        state = {"last": 0.0}

        def progress(done: int, total: int) -> None:
            if as_json:
                return
            now = time.monotonic()
            if done < total and now - state["last"] < 0.2:
                return
            state["last"] = now
            width = 30
            filled = int(width * done / max(total, 1))
            bar = "█" * filled + "·" * (width - filled)
            end = "\r" if show and done < total else "\n"
            typer.echo(f"索引 indexing [{bar}] {done}/{total}", nl=False, err=True)
            typer.echo(end, nl=False, err=True)

        t0 = time.monotonic()
        written = archive.search.rebuild(actor=actor, progress=progress)
        seconds = time.monotonic() - t0
        _out(
            {"records": written, "seconds": round(seconds, 2)},
            as_json,
            f"索引已重建 index rebuilt: {written} records in {seconds:.1f} s",
        )


@index_app.command("status")
def index_status(as_json: JsonOpt = False) -> None:
    """How the index compares with the archive (records missing or stale, schema version)."""
    with _Run(as_json), _archive() as archive:
        status = archive.search.status(actor=_acting(archive))
        text = (
            f"records {status['records']}  schema v{status['schema_version']}  current {status['current']}\n"
            f"checkpoint {status['checkpoint']} / last event {status['last_event']}\n"
            f"missing {status['missing_count']}  stale {status['stale_count']}"
        )
        _out(status, as_json, text)


@app.command()
def notices(
    date_from: Annotated[str, typer.Option("--from", help="decisions dated on or after YYYY-MM-DD")],
    date_to: Annotated[str, typer.Option("--to", help="… and on or before YYYY-MM-DD")],
    csv_file: Annotated[Path | None, typer.Option("--csv", help="write the notices as CSV here")] = None,
    as_json: JsonOpt = False,
) -> None:
    """行政处罚决定公示 — the public notices of a period's penalty decisions, personal data redacted."""
    from anjuan.archive.qc.notice import notices_csv

    with _Run(as_json), _archive() as archive:
        start, end = _parse_date(date_from), _parse_date(date_to)
        assert start is not None and end is not None
        rows = archive.qc.notices(actor=_acting(archive), start=start, end=end)
        if csv_file is not None:
            csv_file.write_text(notices_csv(rows), "utf-8")
        lines = [f"公示 notices {start} – {end}: {len(rows)}"]
        for r in rows:
            state = f"公示于 {r['published_on']}" if r["published_on"] else f"应于 {r['publish_by']} 前公示"
            lines.append(f"  {r['number']}  {r['party']}  {r['result']}  ({state})")
        _out(rows, as_json, "\n".join(lines))


@doc_app.command("publish")
def doc_publish(
    doc_id: int,
    on: Annotated[str, typer.Option("--on", help="公示日期 YYYY-MM-DD")],
    channel: Annotated[str, typer.Option("--channel", help="公示渠道, e.g. 门户网站")],
    url: Annotated[str, typer.Option("--url")] = "",
    as_json: JsonOpt = False,
) -> None:
    """公示 — record that a penalty decision was made public."""
    with _Run(as_json), _archive() as archive:
        date = _parse_date(on)
        assert date is not None
        row = archive.qc.publish(
            actor=_acting(archive), document_id=doc_id, published_on=date, channel=channel, url=url
        )
        _out(
            {"id": row.id, "document_id": row.document_id, "published_on": row.published_on.isoformat()},
            as_json,
            f"已登记公示 publication recorded: document {doc_id} on {row.published_on} ({row.channel})",
        )


# -- 执法统计 statistics ----------------------------------------------------------------------------

stats_app = typer.Typer(invoke_without_command=True)  # its help: the docstring of ``stats`` below
app.add_typer(stats_app, name="stats")


def _display_width(text: str) -> int:
    """Terminal columns of ``text``: CJK and full-width characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _fit(text: str, width: int, align: str = "<") -> str:
    gap = max(width - _display_width(text), 0)
    if align == ">":
        return " " * gap + text
    if align == "^":
        return " " * (gap // 2) + text + " " * (gap - gap // 2)
    return text + " " * gap


def _value_text(value: Any) -> str:
    from decimal import Decimal

    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, list | tuple):
        return "、".join(str(v) for v in value)
    return "" if value is None else str(value)


def _grid(heads: list[list[str]], body: list[list[str]], spans: list[tuple[int, int, str]] | None = None) -> list[str]:
    """Aligned lines: a line of ``spans`` (first column, last column, text) centred over their
    columns, the ``heads`` lines, a rule, then ``body``; numbers right-aligned, text left-aligned."""
    sep, spans = "  ", spans or []
    count = len(heads[0]) if heads else len(body[0])
    widths = [max((_display_width(r[i]) for r in [*heads, *body]), default=0) for i in range(count)]
    for first, last, text in spans:  # a span wider than its columns widens the last of them
        room = sum(widths[first : last + 1]) + len(sep) * (last - first)
        widths[last] += max(_display_width(text) - room, 0)
    lines = []
    if spans:
        cells, i = [], 0
        starts = {first: (last, text) for first, last, text in spans}
        while i < count:
            if i in starts:
                last, text = starts[i]
                cells.append(_fit(text, sum(widths[i : last + 1]) + len(sep) * (last - i), "^"))
                i = last + 1
            else:
                cells.append(" " * widths[i])
                i += 1
        lines.append(sep.join(cells).rstrip())
    for row in heads:
        lines.append(sep.join(_fit(c, widths[i], "<" if i == 0 else "^") for i, c in enumerate(row)).rstrip())
    lines.append(sep.join("-" * w for w in widths))
    number = re.compile(r"-?\d+(\.\d+)?")
    for row in body:
        cells = [_fit(c, widths[i], ">" if number.fullmatch(c) else "<") for i, c in enumerate(row)]
        lines.append(sep.join(cells).rstrip())
    return lines


def _stats_lines(table: dict[str, Any], width: int) -> list[str]:
    """The table for a terminal: units as rows, group headers over their columns, 合计 first (as the
    报表 prints it); when that is wider than ``width``, turned over — one line per column, a column
    per unit."""
    columns = table["columns"]
    units = [(table["total"]["label"], table["total"]["cells"])] + [(r["label"], r["cells"]) for r in table["rows"]]
    body = [[label, *(_value_text(cells[c["id"]]) for c in columns)] for label, cells in units]
    spans, i = [], 0
    while i < len(columns):
        j = i
        while j + 1 < len(columns) and columns[i]["group"] and columns[j + 1]["group"] == columns[i]["group"]:
            j += 1
        if columns[i]["group"]:
            spans.append((1 + i, 1 + j, columns[i]["group_header"]))
        i = j + 1
    wide = _grid([["单位", *(c["header"] for c in columns)]], body, spans)
    if max(_display_width(line) for line in wide) <= width:
        return wide
    turned = [[c["label"], *(_value_text(cells[c["id"]]) for _, cells in units)] for c in columns]
    return _grid([["指标", *(label for label, _ in units)]], turned)


def _stats_period(date_from: str | None, date_to: str | None) -> tuple[dt.date, dt.date]:
    start, end = _parse_date(date_from), _parse_date(date_to)
    if start is None or end is None:
        raise ArchiveError(
            "请给出统计期间：--from 与 --to（YYYY-MM-DD）",
            "give the period: --from and --to (YYYY-MM-DD)",
            code="stats_period_required",
        )
    return start, end


StatsFrom = Annotated[str | None, typer.Option("--from", help="period start YYYY-MM-DD (下发日期 on or after)")]
StatsTo = Annotated[str | None, typer.Option("--to", help="period end YYYY-MM-DD (inclusive)")]
StatsOrg = Annotated[
    str | None, typer.Option("--org", help="organisation id or full name (default: your own)", show_default=False)
]


@stats_app.callback(invoke_without_command=True)
def stats(
    ctx: typer.Context,
    date_from: StatsFrom = None,
    date_to: StatsTo = None,
    org: StatsOrg = None,
    table_id: Annotated[str, typer.Option("--table", help="table id (anjuan stats tables)")] = "xuchang",
    rank: Annotated[str | None, typer.Option("--rank", help="rank the units by this column id")] = None,
    ascending: Annotated[bool, typer.Option("--ascending", help="rank smallest first")] = False,
    xlsx_file: Annotated[Path | None, typer.Option("--xlsx", help="also write the table as XLSX here")] = None,
    csv_file: Annotated[Path | None, typer.Option("--csv", help="also write the table as CSV here")] = None,
    as_json: JsonOpt = False,
) -> None:
    """执法统计 — a report table (报表) for an organisation and a period, rankings, the facts behind it.

    anjuan stats --from 2025-01-01 --to 2025-04-30 [--org 临汾市应急管理局] [--table a2] [--rank fines]
    prints the table: a row per subordinate unit (and 本级) and 合计 first — units as rows when that
    fits the terminal, else turned over (a line per column). ``anjuan stats tables`` lists the tables
    and their column ids; ``anjuan stats facts inspections|documents|penalties --from … --to …`` the
    records they count."""
    if ctx.invoked_subcommand is not None:
        return
    import shutil

    from anjuan.archive.stats import jsonable, to_csv, to_xlsx

    with _Run(as_json):
        start, end = _stats_period(date_from, date_to)
        with _archive() as archive:
            table = archive.stats.table(actor=_acting(archive), table_id=table_id, org=org, start=start, end=end)
            if rank is not None:
                table = archive.stats.ranked(table, rank, descending=not ascending)
        written = []
        if xlsx_file is not None:
            xlsx_file.write_bytes(to_xlsx(table))
            written.append(str(xlsx_file))
        if csv_file is not None:
            csv_file.write_text(to_csv(table), "utf-8")
            written.append(str(csv_file))
        lines = [table["title"], f"{table['org']}  {table['period']['label']}", ""]
        lines += _stats_lines(table, shutil.get_terminal_size((120, 24)).columns)
        if rank is not None:
            column = next(c for c in table["columns"] if c["id"] == rank)
            order = "升序 ascending" if ascending else "降序 descending"
            lines += ["", f"排名 ranking: {column['label']}（{order}）"]
            lines += _grid(
                [["名次", "单位", "数值"]],
                [[str(r["rank"]), r["label"], _value_text(r["value"])] for r in table["ranking"]],
            )
        lines += [f"→ {path}" for path in written]
        _out(jsonable(table), as_json, "\n".join(lines))


@stats_app.command("tables")
def stats_tables(as_json: JsonOpt = False) -> None:
    """统计报表种类 — the tables that can be built (tables.yaml) and their columns."""
    with _Run(as_json), _archive() as archive:
        specs = archive.stats.tables()
        lines = []
        for spec in specs:
            lines.append(f"{spec['id']:<10} {spec['name']}（{len(spec['columns'])}栏 columns）")
            lines += [f"    {c['id']:<24} {c['label']}" for c in spec["columns"]]
        _out(specs, as_json, "\n".join(lines))


@stats_app.command("facts")
def stats_facts(
    source: Annotated[str, typer.Argument(help="inspections | documents | penalties")],
    date_from: StatsFrom = None,
    date_to: StatsTo = None,
    org: StatsOrg = None,
    as_json: JsonOpt = False,
) -> None:
    """统计事实 — the records the tables count: 执法检查 (inspections), issued documents, 处罚决定."""
    with _Run(as_json):
        start, end = _stats_period(date_from, date_to)
        with _archive() as archive:
            rows = archive.stats.facts(actor=_acting(archive), source=source, org=org, start=start, end=end)
        lines = [f"{source} {start} – {end}: {len(rows)}"]
        if rows:
            keys = list(rows[0])
            lines += _grid([keys], [[_value_text(r[k]) for k in keys] for r in rows])
        _out(rows, as_json, "\n".join(lines))


# -- 日常维护 maintenance ---------------------------------------------------------------------------


def _bytes_text(n: int) -> str:
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{n} B"


@app.command("maintenance")
def maintenance_command(
    apply: Annotated[bool, typer.Option("--apply", help="really remove (default: dry run, nothing removed)")] = False,
    blob_grace_hours: Annotated[
        float, typer.Option("--blob-grace-hours", help="keep orphan blobs younger than this (issues in flight)")
    ] = 24.0,
    profile_grace_hours: Annotated[
        float, typer.Option("--profile-grace-hours", help="keep converter directories changed within this")
    ] = 1.0,
    temp_dir: Annotated[
        Path | None, typer.Option("--temp-dir", help="the temp dir the server's converters use (default: this one's)")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """日常维护 — remove orphan blobs (stored files no record names, left by a failed issue) and the
    directories of LibreOffice instances that were killed. A dry run unless --apply (logged)."""
    with _Run(as_json), _archive() as archive:
        report = archive.maintenance(
            actor=_acting(archive),
            apply=apply,
            blob_grace=dt.timedelta(hours=blob_grace_hours),
            profile_grace=dt.timedelta(hours=profile_grace_hours),
            temp_dir=temp_dir,
        )
        data = report.to_dict()
        verb = "已删除 removed" if apply else "可删除 would remove"
        lines = []
        for key, label in (
            ("orphan_blobs", "孤立文件 orphan blobs"),
            ("temp_files", "残留临时文件 stray temporary files"),
            ("stale_profiles", "残留转换目录 stale converter directories"),
        ):
            group = data[key]
            lines.append(f"{label}: {group['count']} ({_bytes_text(group['bytes'])})")
            lines += [f"  {verb} {item.get('sha256') or item['path']}  {item['modified']}" for item in group["items"]]
        if data["blob_dir"] is None:
            lines.append("  文件库不是目录，未检查 blob store is not a directory; not checked")
        lines.append(f"使用中的转换目录 converter directories in use (kept): {data['profiles_in_use']}")
        lines += [f"  ✗ 未能删除 could not remove {f['path']}: {f['error']}" for f in data["failed"]]
        if apply:
            lines.append("已清理并记入操作日志 cleaned; recorded in the operation log")
        else:
            lines.append("试运行，未删除 dry run, nothing removed; add --apply")
        _out(data, as_json, "\n".join(lines))
