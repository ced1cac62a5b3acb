"""修改密码 (every user) and 用户管理 (administrators): reset a password, deactivate or reactivate a
user in scope. The same AccountService calls as the API and the CLI: the same checks, the same
event log entries."""

from __future__ import annotations

from anjuan.archive.access import require
from anjuan.archive.errors import ArchiveError, TooManyRequests
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

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
    return render(web, request, "users.html", title="用户管理", nav="users", users=rows, orgs=orgs)


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
