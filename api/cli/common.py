"""What every command shares: the Typer apps, the acting user, output and errors."""

from __future__ import annotations

import getpass
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from anjuan.archive.access import Principal
from anjuan.archive.config import Settings
from anjuan.archive.db import translate_failure
from anjuan.archive.errors import ArchiveError, ServiceUnavailable, Unauthenticated
from anjuan.archive.search import IndexLocked
from anjuan.archive.service import Archive
from anjuan.archive.views import ChangeRequestView

from anjuan import display
from anjuan.errors import AnjuanError

from ..schemas import plain

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


def _archive(**overrides: Any) -> Archive:
    """The archive of this installation; ``overrides`` set settings for this command only (e.g. extra
    trust anchors given on the command line)."""
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
    settings = settings.model_copy(update=update | overrides)
    archive = Archive(settings)
    archive.migrate()
    return archive


@dataclass
class CliState:
    """What one command line remembers: who it acts as (Typer's context object, one per invocation)."""

    user: str | None = None  # --user / ANJUAN_USER
    principal: Principal | None = None  # resolved on first use


def _state(ctx: typer.Context) -> CliState:
    root = ctx.find_root()
    if not isinstance(root.obj, CliState):
        root.obj = CliState()
    return root.obj


@app.callback()
def _global(
    ctx: typer.Context,
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
    ctx.obj = CliState(user=user)


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


PasswordStdin = Annotated[
    bool,
    typer.Option("--password-stdin", help="read the password(s) from standard input, one a line (never argv)"),
]


def _stdin_passwords(count: int) -> list[str]:
    """``count`` passwords, one a line, from standard input (a pipe or a file: for scripts)."""
    lines = [sys.stdin.readline().rstrip("\r\n") for _ in range(count)]
    if not all(lines):
        raise Unauthenticated(
            f"标准输入应有{count}行密码", f"standard input must hold {count} password line(s)", code="password_missing"
        )
    return lines


def _new_password(prompt: str, env: str = "ANJUAN_NEW_PASSWORD") -> str:
    """A new password from ``env`` or typed twice at a prompt (a typo would lock the user out)."""
    if os.environ.get(env) or not sys.stdin.isatty():
        return _password(prompt, env=env)
    first = getpass.getpass(prompt)
    if getpass.getpass("再次输入 again: ") != first:
        raise ArchiveError("两次输入的密码不一致", "the two passwords differ", code="password_mismatch")
    return first


def _current_token(ctx: typer.Context, archive: Archive) -> str | None:
    """The session token this command line acts with (None when it checked a password instead)."""
    if token := os.environ.get("ANJUAN_TOKEN"):
        return token
    if _state(ctx).user:
        return None
    saved = _session_file(archive.kernel.settings)
    return saved.read_text("ascii").strip() if saved.exists() else None


def _acting(ctx: typer.Context, archive: Archive) -> Principal:
    """The user this command line acts as (resolved once, kept on Typer's context object)."""
    state = _state(ctx)
    if state.principal is not None:
        return state.principal
    if token := os.environ.get("ANJUAN_TOKEN"):
        principal = archive.accounts.authenticate(token)
    elif user := state.user:
        principal = archive.accounts.check_password(username=user, password=_password(f"{user} 的密码 password: "))
    elif (saved := _session_file(archive.kernel.settings)).exists():
        principal = archive.accounts.authenticate(saved.read_text("ascii").strip())
    else:
        raise Unauthenticated(
            "请先登录：anjuan login 用户名（或设置 ANJUAN_USER 与 ANJUAN_PASSWORD）",
            "log in first: anjuan login USERNAME (or set ANJUAN_USER and ANJUAN_PASSWORD)",
        )
    state.principal = principal
    return principal


def _change_line(r: ChangeRequestView) -> str:
    pending = f"，待{display.status('step', r.pending_step)}" if r.pending_step else ""
    return f"{r.kind_name}申请 {r.id}（文书 {r.document_id}）：{display.status('change_request', r.status)}{pending}"


def _out(data: Any, as_json: bool, text: str) -> None:
    typer.echo(json.dumps(plain(data), ensure_ascii=False, indent=2, default=str) if as_json else text)


def _load_json(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        raw = sys.stdin.read() if str(path) == "-" else path.read_text("utf-8")
        data = json.loads(raw)
    except (OSError, ValueError, RecursionError) as exc:  # ValueError: bad JSON, or a number past the digit limit
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
        # A value the database or date arithmetic cannot hold (an id past 2^63, a NUL that reached
        # the driver) or a database that is not there: its message and code, as the API gives them.
        if exc is not None and (translated := translate_failure(exc)) is not None:
            _fail(translated, self.as_json)
        return False


def run(args: list[str], *, verbose: bool = False) -> None:
    """Run one command line (``anjuan.api.console.main`` has set up warnings and logging first;
    ``verbose`` is what it decided)."""
    app(args=args, prog_name="anjuan")
