"""修改密码 (every user) and 用户管理 (administrators): add a user, set a user's 姓名, reset a
password, deactivate or reactivate a user in scope. The same AccountService calls as the API and the
CLI: the same checks, the same event log entries."""

from __future__ import annotations

from anjuan.archive.access import require
from anjuan.archive.errors import ArchiveError, TooManyRequests
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from ..schemas import PathId
from .context import PREFIX, Posted, Viewer, Web, redirect, render

__all__ = ["router"]

router = APIRouter()


def _password_page(request: Request, web: Web, *, code: int = 200, error: str = "") -> Response:
    return render(web, request, "password.html", code=code, title="修改密码", error=error)


@router.get("/password", response_class=HTMLResponse)
def password_form(request: Request, web: Viewer) -> Response:
    return _password_page(request, web)


@router.post("/password", response_class=HTMLResponse)
def change_password(request: Request, web: Viewer, posted: Posted) -> Response:
    new = str(posted.get("new_password", ""))
    if new != str(posted.get("new_password2", "")):
        return _password_page(request, web, code=422, error="两次输入的新密码不一致")
    try:
        ended = web.archive.accounts.change_password(
            actor=web.actor, old_password=str(posted.get("old_password", "")), new_password=new, keep_token=web.token
        )
    except ArchiveError as exc:  # wrong current password, too short, throttled: the form again, with why
        fields = exc.details.get("fields", [])
        message = "；".join(f"{f['label_zh']}{f['message_zh']}" for f in fields) if fields else exc.message_zh
        response = _password_page(request, web, code=429 if isinstance(exc, TooManyRequests) else 422, error=message)
        if isinstance(exc, TooManyRequests):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response
    note = "密码已修改" + (f"，其他{ended}个登录会话已失效" if ended else "")
    return redirect(f"{PREFIX}/", note)


@router.get("/users", response_class=HTMLResponse)
def users(request: Request, web: Viewer) -> Response:
    """用户管理: the users of the organisations in the administrator's scope."""
    require(web.actor, "manage_users")
    rows = web.archive.accounts.users(actor=web.actor)
    orgs = {o.id: o.name for o in web.archive.registry.orgs(actor=web.actor)}
    taken = {u.officer_id for u in rows if u.officer_id is not None}
    officers = [o for o in web.archive.registry.officers(actor=web.actor) if o.id not in taken and o.active]
    roles = web.archive.kernel.rules.roles.roles
    return render(
        web,
        request,
        "users.html",
        title="用户管理",
        nav="users",
        users=rows,
        orgs=orgs,
        officers=officers,
        role_names={key: rule.name for key, rule in roles.items()},
    )


@router.post("/users")
def create_user(web: Viewer, posted: Posted) -> Response:
    """新增用户: an officer's login (姓名 and organisation come with the officer) or staff without
    执法证 (档案管理员, 评查人员, 管理员) with their 姓名, organisation and roles."""
    officer = str(posted.get("officer_id", "")).strip()
    org = str(posted.get("org_id", "")).strip()
    user = web.archive.accounts.create_user(
        actor=web.actor,
        username=str(posted.get("username", "")).strip(),
        password=str(posted.get("password", "")),
        display_name=str(posted.get("display_name", "")),
        officer_id=int(officer) if officer.isdigit() else None,
        org_id=int(org) if org.isdigit() and not officer.isdigit() else None,
        roles=[str(r) for r in posted.getlist("roles")],
    )
    return redirect(f"{PREFIX}/users", f"已新增用户 {user.display_name or user.username}（{user.username}）")


@router.post("/users/{user_id}/name")
def rename(user_id: PathId, web: Viewer, posted: Posted) -> Response:
    user = web.archive.accounts.set_display_name(
        actor=web.actor, user_id=user_id, display_name=str(posted.get("display_name", ""))
    )
    return redirect(f"{PREFIX}/users", f"{user.username} 的姓名已改为 {user.display_name or '（未填）'}")


@router.post("/users/{user_id}/password")
def reset_password(user_id: int, web: Viewer, posted: Posted) -> Response:
    user = web.archive.accounts.reset_password(
        actor=web.actor, user_id=user_id, new_password=str(posted.get("new_password", ""))
    )
    return redirect(f"{PREFIX}/users", f"已重置 {user.username} 的密码，其全部登录会话已失效")


@router.post("/users/{user_id}/deactivate")
def deactivate(user_id: int, web: Viewer, _posted: Posted) -> Response:
    user = web.archive.accounts.set_active(actor=web.actor, user_id=user_id, active=False)
    return redirect(f"{PREFIX}/users", f"已停用 {user.username}，其全部登录会话已失效")


@router.post("/users/{user_id}/activate")
def activate(user_id: int, web: Viewer, _posted: Posted) -> Response:
    user = web.archive.accounts.set_active(actor=web.actor, user_id=user_id, active=True)
    return redirect(f"{PREFIX}/users", f"已启用 {user.username}")
