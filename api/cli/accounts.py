"""anjuan init, login, logout, whoami and user: installation and logins."""

from __future__ import annotations

import os
from typing import Annotated

import typer
from anjuan.archive.config import Settings
from anjuan.archive.service import Archive

from .common import JsonOpt, _acting, _archive, _out, _password, _Run, _session_file, app, user_app

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
def login(username: str, as_json: JsonOpt = False) -> None:
    """登录 — check the password (ANJUAN_PASSWORD or prompt) and keep a session for later commands."""
    with _Run(as_json), _archive() as archive:
        result = archive.accounts.login(username=username, password=_password(f"{username} 的密码 password: "))
        path = _session_file(archive.kernel.settings)
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
        )
        _out(
            {"id": user.id, "username": user.username, "org_id": user.org_id, "officer_id": user.officer_id},
            as_json,
            f"用户 user {user.id}: {user.username}",
        )


@user_app.command("list")
def user_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """列出用户 — list the users in your scope."""
    with _Run(as_json), _archive() as archive:
        users = archive.accounts.users(actor=_acting(ctx, archive))
        rows = [
            {"id": u.id, "username": u.username, "org_id": u.org_id, "officer_id": u.officer_id, "roles": u.roles}
            for u in users
        ]
        _out(rows, as_json, "\n".join(f"{r['id']:>4} {r['username']:<16} org={r['org_id']} {r['roles']}" for r in rows))
