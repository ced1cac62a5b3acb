"""anjuan init, login, logout, whoami and user: installation and logins."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from anjuan.archive.access import Principal
from anjuan.archive.config import Settings
from anjuan.archive.errors import NotFound
from anjuan.archive.service import Archive
from anjuan.archive.views import UserView

from anjuan import display

from .common import (
    JsonOpt,
    PasswordStdin,
    _acting,
    _archive,
    _current_token,
    _new_password,
    _out,
    _password,
    _Run,
    _session_file,
    _stdin_passwords,
    app,
    user_app,
)

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
                archive.accounts.bootstrap_admin(username=admin, password=password)
        _out(
            {
                "data_dir": str(settings.data_dir.resolve()),
                "database": archive.kernel.db.engine.url.render_as_string(),
                "admin": admin,
            },
            as_json,
            f"已初始化 initialised: {settings.data_dir.resolve()} ({archive.kernel.db.engine.dialect.name})"
            + (f"; 管理员 administrator {admin}" if admin else ""),
        )


@app.command()
def login(username: str, password_stdin: PasswordStdin = False, as_json: JsonOpt = False) -> None:
    """登录 — check the password (ANJUAN_PASSWORD, --password-stdin or a prompt) and keep a session."""
    with _Run(as_json), _archive() as archive:
        password = _stdin_passwords(1)[0] if password_stdin else _password(f"{username} 的密码 password: ")
        result = archive.accounts.login(username=username, password=password)
        path = _session_file(archive.kernel.settings)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(result.token)
        _out(
            {"username": username, "expires_at": result.expires_at.isoformat()},
            as_json,
            f"已登录 {username}，有效至 {display.instant(result.expires_at)}（北京时间）",
        )


@app.command()
def logout() -> None:
    """退出登录 — revoke the saved session."""
    with _Run(False), _archive() as archive:
        path = _session_file(archive.kernel.settings)
        if path.exists():
            archive.accounts.logout(path.read_text("ascii").strip())
            path.unlink()
        typer.echo("已退出 logged out")


@app.command()
def whoami(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """当前用户 — who the command acts as, and their scope."""
    with _Run(as_json), _archive() as archive:
        p = _acting(ctx, archive)
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
    ctx: typer.Context,
    username: str,
    org: Annotated[int | None, typer.Option("--org", help="organisation id")] = None,
    officer: Annotated[int | None, typer.Option("--officer", help="officer id (the login of an officer)")] = None,
    role: Annotated[list[str] | None, typer.Option("--role", help="system role (repeat): admin, archivist …")] = None,
    name: Annotated[
        str, typer.Option("--name", help="姓名 shown instead of the login name (default: the officer's name)")
    ] = "",
    as_json: JsonOpt = False,
) -> None:
    """新建用户 — add a login (its password from ANJUAN_NEW_PASSWORD or a prompt)."""
    with _Run(as_json), _archive() as archive:
        password = _password(f"{username} 的新密码 new password: ", env="ANJUAN_NEW_PASSWORD")
        user = archive.accounts.create_user(
            actor=_acting(ctx, archive),
            username=username,
            password=password,
            org_id=org,
            officer_id=officer,
            roles=role,
            display_name=name,
        )
        _out(
            {
                "id": user.id,
                "username": user.username,
                "display_name": user.display_name,
                "org_id": user.org_id,
                "officer_id": user.officer_id,
            },
            as_json,
            f"用户 {user.id}：{user.display_name or user.username}（{user.username}）",
        )


@user_app.command("list")
def user_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """列出用户 — list the users in your scope."""
    with _Run(as_json), _archive() as archive:
        users = archive.accounts.users(actor=_acting(ctx, archive))
        rows = [
            {
                "id": u.id,
                "username": u.username,
                "display_name": u.display_name,
                "org_id": u.org_id,
                "officer_id": u.officer_id,
                "roles": u.roles,
                "active": u.active,
            }
            for u in users
        ]
        roles = archive.kernel.rules.roles.roles
        human = "\n".join(
            f"{u.id:>4} {u.username:<16} {u.display_name or '—'}  机关 {u.org_id or '（全部）'}  "
            f"{'、'.join(roles[r].name if r in roles else r for r in u.roles) or '—'}"
            f"{'' if u.active else '  已停用'}"
            for u in users
        )
        _out(rows, as_json, human)


@app.command("password")
def change_password(ctx: typer.Context, password_stdin: PasswordStdin = False, as_json: JsonOpt = False) -> None:
    """修改密码 — your own password: the current one, then the new one (prompts, or two lines with
    --password-stdin). Your other sessions end; this command line's session stays."""
    with _Run(as_json), _archive() as archive:
        actor = _acting(ctx, archive)
        if password_stdin:
            old, new = _stdin_passwords(2)
        else:
            old = _password(f"{actor.name} 的原密码 current password: ", env="ANJUAN_OLD_PASSWORD")
            new = _new_password(f"{actor.name} 的新密码 new password: ")
        ended = archive.accounts.change_password(
            actor=actor, old_password=old, new_password=new, keep_token=_current_token(ctx, archive)
        )
        _out(
            {"username": actor.name, "sessions_ended": ended},
            as_json,
            f"已修改密码 password changed for {actor.name}; 其他会话已失效 other sessions ended: {ended}",
        )


def _user(archive: Archive, actor: Principal, who: str) -> UserView:
    """A user in the administrator's scope, by id or login name (out of scope: not found)."""
    for user in archive.accounts.users(actor=actor):
        if str(user.id) == who or user.username == who:
            return user
    raise NotFound(f"用户{who}不存在", f"user {who} not found", code="user_not_found", details={"user": who})


@user_app.command("reset-password")
def user_reset_password(
    ctx: typer.Context,
    user: Annotated[str, typer.Argument(help="user id or login name")],
    password_stdin: PasswordStdin = False,
    as_json: JsonOpt = False,
) -> None:
    """重置密码 — set a user's new password (ANJUAN_NEW_PASSWORD, --password-stdin or a prompt); every
    session of that user ends."""
    with _Run(as_json), _archive() as archive:
        actor = _acting(ctx, archive)
        target = _user(archive, actor, user)
        new = _stdin_passwords(1)[0] if password_stdin else _new_password(f"{target.username} 的新密码 new password: ")
        archive.accounts.reset_password(actor=actor, user_id=target.id, new_password=new)
        _out(
            {"id": target.id, "username": target.username},
            as_json,
            f"已重置密码 password reset: {target.username}（其全部会话已失效 all sessions ended）",
        )


@user_app.command("name")
def user_name(
    ctx: typer.Context,
    user: Annotated[str, typer.Argument(help="user id or login name")],
    name: Annotated[str, typer.Argument(help="姓名 (empty: the officer's name, or none)")],
    as_json: JsonOpt = False,
) -> None:
    """设置姓名 — the name pages, PDFs and the operation log show for this user instead of the login."""
    with _Run(as_json), _archive() as archive:
        actor = _acting(ctx, archive)
        view = archive.accounts.set_display_name(actor=actor, user_id=_user(archive, actor, user).id, display_name=name)
        _out(
            {"id": view.id, "username": view.username, "display_name": view.display_name},
            as_json,
            f"{view.username} 的姓名：{view.display_name or '（未填，显示用户名）'}",
        )


def _set_active(ctx: typer.Context, user: str, active: bool, as_json: bool) -> None:
    with _Run(as_json), _archive() as archive:
        actor = _acting(ctx, archive)
        view = archive.accounts.set_active(actor=actor, user_id=_user(archive, actor, user).id, active=active)
        word = "已启用 activated" if active else "已停用 deactivated（全部会话已失效 all sessions ended）"
        _out({"id": view.id, "username": view.username, "active": view.active}, as_json, f"{word}: {view.username}")


@user_app.command("deactivate")
def user_deactivate(
    ctx: typer.Context, user: Annotated[str, typer.Argument(help="user id or login name")], as_json: JsonOpt = False
) -> None:
    """停用用户 — the user can no longer log in; every session of the user ends at once."""
    _set_active(ctx, user, False, as_json)


@user_app.command("activate")
def user_activate(
    ctx: typer.Context, user: Annotated[str, typer.Argument(help="user id or login name")], as_json: JsonOpt = False
) -> None:
    """启用用户 — a deactivated user may log in again."""
    _set_active(ctx, user, True, as_json)
