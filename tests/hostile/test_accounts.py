"""Accounts that can be locked (issue 17): password change, reset and deactivation through the API,
the CLI and the web UI; login throttling; security headers; the login form's CSRF token; the
search-index status within the caller's scope; a private data directory."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from anjuan.api.app import create_app
from anjuan.archive.access import Principal
from anjuan.archive.config import Settings
from anjuan.archive.models import Event
from anjuan.archive.service import Archive
from anjuan.indexing.api import IndexDoc
from anjuan.templates.convert import FakeConverter
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.fixtures.archive import PASSWORD, Bureau, add_user
from tests.fixtures.cli import ANJUAN, run_anjuan

NEW_PASSWORD = "a new password, not a secret"


@pytest.fixture
def client(archive: Archive, bureau: Bureau) -> Iterator[TestClient]:
    with TestClient(create_app(archive=archive), follow_redirects=False) as client:
        yield client


def _token(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    r = client.post("/api/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['token']}"}


def _events(archive: Archive, action: str) -> list[Event]:
    with archive.kernel.db.read() as s:
        return list(s.scalars(select(Event).where(Event.action == action).order_by(Event.id)))


def _other_county(archive: Archive, bureau: Bureau) -> Principal:
    """The administrator of a second county under the same city: in scope of nothing of the first."""
    org = archive.registry.create_org(
        actor=bureau.admin,
        name="临汾市侯马市应急管理局",
        area="晋侯",
        code="应急",
        level="county",
        parent_id=bureau.city_id,
    )
    return add_user(archive, bureau.admin, "houma-admin", org_id=org.id, roles=["admin"])


def _no_password_in(events: list[Event], *passwords: str) -> None:
    text = json.dumps([e.data for e in events], ensure_ascii=False)
    assert not any(p in text for p in passwords)


# -- password change, reset, deactivation over the API ------------------------------------------------


def test_a_user_changes_their_own_password_and_their_other_sessions_end(
    client: TestClient, archive: Archive, bureau: Bureau
) -> None:
    name = bureau.handler.name
    phone, laptop = _token(client, name), _token(client, name)
    wrong = client.post(
        "/api/auth/password", headers=laptop, json={"old_password": "not it at all", "new_password": NEW_PASSWORD}
    )
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "wrong_password"
    short = client.post("/api/auth/password", headers=laptop, json={"old_password": PASSWORD, "new_password": "short"})
    assert short.status_code == 422 and "8" in short.json()["error"]["message_zh"] + json.dumps(short.json())
    ok = client.post(
        "/api/auth/password", headers=laptop, json={"old_password": PASSWORD, "new_password": NEW_PASSWORD}
    )
    assert ok.status_code == 204, ok.text
    assert client.get("/api/auth/me", headers=laptop).status_code == 200  # the session that changed it stays
    assert client.get("/api/auth/me", headers=phone).status_code == 401  # every other one ended
    assert client.post("/api/auth/login", json={"username": name, "password": PASSWORD}).status_code == 401
    _token(client, name, NEW_PASSWORD)
    changed = _events(archive, "password_changed")
    assert [e.actor for e in changed] == [name] and changed[0].data["sessions_ended"] >= 1
    _no_password_in(changed + _events(archive, "login_failed"), PASSWORD, NEW_PASSWORD, "not it at all")


@pytest.mark.both_databases
def test_an_administrator_resets_and_deactivates_users_in_scope_only(
    client: TestClient, archive: Archive, bureau: Bureau
) -> None:
    county_admin = _token(client, "county-admin")
    handler = bureau.handler
    session = _token(client, handler.name)

    # Another county's administrator: the user does not exist for them (404, as everywhere).
    _other_county(archive, bureau)
    foreign = _token(client, "houma-admin")
    for path, body in (
        (f"/api/users/{handler.user_id}/password", {"new_password": NEW_PASSWORD}),
        (f"/api/users/{handler.user_id}/deactivate", None),
        (f"/api/users/{handler.user_id}/activate", None),
    ):
        r = client.post(path, headers=foreign, json=body)
        assert r.status_code == 404 and r.json()["error"]["code"] == "user_not_found", r.text
    assert handler.name not in {u["username"] for u in client.get("/api/users", headers=foreign).json()}
    # A user without manage_users may not.
    other_officer = _token(client, bureau.people["刘洋"].name)
    r = client.post(f"/api/users/{handler.user_id}/deactivate", headers=other_officer)
    assert r.status_code == 403
    assert client.get("/api/auth/me", headers=session).status_code == 200  # nothing happened

    # Reset: every session of the user ends; the new password works.
    r = client.post(f"/api/users/{handler.user_id}/password", headers=county_admin, json={"new_password": NEW_PASSWORD})
    assert r.status_code == 200, r.text
    assert client.get("/api/auth/me", headers=session).status_code == 401
    session = _token(client, handler.name, NEW_PASSWORD)

    # Deactivate: the live token answers 401 at once, and logging in is refused.
    r = client.post(f"/api/users/{handler.user_id}/deactivate", headers=county_admin)
    assert r.status_code == 200 and r.json()["active"] is False
    assert client.get("/api/auth/me", headers=session).status_code == 401
    assert client.post("/api/auth/login", json={"username": handler.name, "password": NEW_PASSWORD}).status_code == 401
    r = client.post(f"/api/users/{handler.user_id}/activate", headers=county_admin)
    assert r.status_code == 200 and r.json()["active"] is True
    assert client.get("/api/auth/me", headers=session).status_code == 401  # old sessions stay ended
    _token(client, handler.name, NEW_PASSWORD)

    # Nobody deactivates themselves, nor the last platform administrator.
    me = client.get("/api/auth/me", headers=county_admin).json()["user_id"]
    r = client.post(f"/api/users/{me}/deactivate", headers=county_admin)
    assert r.status_code == 409 and r.json()["error"]["code"] == "cannot_deactivate_self"
    platform = _token(client, "admin")
    r = client.post(f"/api/users/{bureau.admin.user_id}/deactivate", headers=platform)
    assert r.status_code == 409 and r.json()["error"]["code"] == "cannot_deactivate_self"
    # A county administrator does not even see the platform administrator.
    r = client.post(f"/api/users/{bureau.admin.user_id}/deactivate", headers=county_admin)
    assert r.status_code == 404

    actions = [(e.action, e.actor) for e in _events(archive, "password_reset") + _events(archive, "user_deactivated")]
    assert actions == [("password_reset", "county-admin"), ("user_deactivated", "county-admin")]
    assert [e.actor for e in _events(archive, "user_activated")] == ["county-admin"]
    _no_password_in(_events(archive, "password_reset"), NEW_PASSWORD)


def test_the_last_platform_administrator_cannot_be_deactivated(archive: Archive, bureau: Bureau) -> None:
    from anjuan.archive.errors import Conflict
    from anjuan.archive.models import User

    archive.accounts.create_user(actor=bureau.admin, username="root2", password=PASSWORD, org_id=bureau.org_id)
    with archive.kernel.db.write() as s:  # a second platform administrator, as an installation may have
        root2 = s.scalar(select(User).where(User.username == "root2"))
        assert root2 is not None
        root2.org_id, root2.roles = None, ["admin"]
    second = archive.accounts.principal("root2")
    archive.accounts.set_active(actor=second, user_id=bureau.admin.user_id or 0, active=False)
    with pytest.raises(Conflict) as refused:  # root2 is the last one now: not even the system may
        archive.accounts.set_active(actor=Principal.system(), user_id=second.user_id or 0, active=False)
    assert refused.value.code == "last_platform_admin"
    archive.accounts.set_active(actor=second, user_id=bureau.admin.user_id or 0, active=True)
    archive.accounts.set_active(actor=bureau.admin, user_id=second.user_id or 0, active=False)  # two: fine


# -- login throttling ------------------------------------------------------------------------------


# A first wait long enough to outlast the test on a loaded machine: the test asserts the limit, not a clock.
@pytest.mark.archive_settings(login_throttle_base_seconds=300)
@pytest.mark.both_databases
def test_thirty_wrong_passwords_are_throttled_and_each_is_in_the_event_log(
    client: TestClient, archive: Archive, bureau: Bureau
) -> None:
    name = bureau.handler.name
    answers = [
        client.post("/api/auth/login", json={"username": name, "password": f"guess number {i}"}) for i in range(30)
    ]
    codes = [r.status_code for r in answers]
    limit = archive.kernel.settings.login_throttle_after
    assert codes[:limit] == [401] * limit and codes[limit:] == [429] * (30 - limit)
    refused = answers[-1]
    assert refused.json()["error"]["code"] == "login_throttled"
    assert 1 <= int(refused.headers["Retry-After"]) <= 300
    assert str(limit) in refused.json()["error"]["message_zh"]
    # The right password during the wait gets the same answer: no oracle.
    right = client.post("/api/auth/login", json={"username": name, "password": PASSWORD})
    assert right.status_code == 429 and right.json()["error"]["code"] == "login_throttled"
    failed = _events(archive, "login_failed")
    assert len(failed) == 31
    assert [e.data["reason"] for e in failed] == ["wrong_password"] * limit + ["throttled"] * (31 - limit)
    assert {e.data["username"] for e in failed} == {name} and all(e.data["address"] == "testclient" for e in failed)
    _no_password_in(failed, PASSWORD, "guess number")
    # An unknown name is counted and logged the same way, with its reason class.
    client.post("/api/auth/login", json={"username": "nobody-here", "password": "whatever it is"})
    assert _events(archive, "login_failed")[-1].data["reason"] == "unknown_user"


@pytest.mark.archive_settings(login_throttle_after_address=3, login_throttle_base_seconds=300)
def test_client_addresses_are_throttled_separately(archive: Archive, bureau: Bureau) -> None:
    """Behind a trusted proxy the address is X-Forwarded-For's; a spray over many accounts from one
    address stops that address, not the others."""
    settings = archive.kernel.settings.model_copy(update={"trusted_proxies": "10.0.0.0/8"})
    object.__setattr__(archive.kernel, "settings", settings)  # the proxy in front of this server
    with TestClient(create_app(archive=archive), client=("10.0.0.2", 40000)) as proxy:

        def login(who: str, password: str, address: str) -> Any:
            return proxy.post(
                "/api/auth/login",
                json={"username": who, "password": password},
                headers={"X-Forwarded-For": f"1.2.3.4, {address}"},  # the left part is the client's say
            )

        for who in ("u14100220190031", "u14100220200057", "u14100220170012"):
            assert login(who, "wrong password", "203.0.113.7").status_code == 401
        blocked = login("u14100220120005", PASSWORD, "203.0.113.7")
        assert blocked.status_code == 429 and blocked.json()["error"]["details"]["scope"] == "address"
        assert login("u14100220120005", PASSWORD, "198.51.100.9").status_code == 200
    addresses = {e.data["address"] for e in _events(archive, "login_failed")}
    assert addresses == {"203.0.113.7"}
    # Without a trusted proxy, X-Forwarded-For is anyone's say and ignored.
    object.__setattr__(archive.kernel, "settings", settings.model_copy(update={"trusted_proxies": ""}))
    with TestClient(create_app(archive=archive), client=("10.0.0.2", 40000)) as direct:
        direct.post("/api/auth/login", json={"username": "x1", "password": "y"}, headers={"X-Forwarded-For": "9.9.9.9"})
    assert _events(archive, "login_failed")[-1].data["address"] == "10.0.0.2"


def test_back_off_doubles_and_a_right_password_clears_the_account(archive: Archive, bureau: Bureau) -> None:
    from anjuan.archive.models import LoginThrottle
    from anjuan.archive.throttle import ThrottlePolicy

    policy = ThrottlePolicy()
    assert [policy.wait("user:x", n) for n in (4, 5, 6, 7)] == [0, 1, 2, 4]
    assert policy.wait("user:x", 10_000) == 900  # capped at 15 minutes, no overflow
    name = bureau.people["刘洋"].name
    for _ in range(2):
        with pytest.raises(Exception):  # noqa: B017 — Unauthenticated
            archive.accounts.login(username=name, password="wrong password", address="192.0.2.1")
    archive.accounts.login(username=name, password=PASSWORD, address="192.0.2.1")
    with archive.kernel.db.read() as s:
        assert s.get(LoginThrottle, f"user:{name}") is None  # the account's count is cleared
        assert s.get(LoginThrottle, "addr:192.0.2.1").failures == 2  # the address's is not


# -- web: security headers, login CSRF, cookie, the pages -----------------------------------------


def test_every_response_carries_the_security_headers(client: TestClient, bureau: Bureau) -> None:
    for response in (
        client.get("/web/login"),  # a page
        client.get("/web/static/htmx.min.js"),  # a static file
        client.get("/api/auth/me"),  # an API error
        client.get("/healthz"),  # an API answer
        client.get("/web/documents/999999999"),  # a redirect to the login
        client.get("/api/nothing-here"),  # 404
        client.post(  # refused before the body is read (413, api/limits.py)
            "/api/auth/login",
            content=b"{}",
            headers={"Content-Length": str(10**12), "Content-Type": "application/json"},
        ),
    ):
        headers = response.headers
        csp = headers["Content-Security-Policy"]
        assert headers["X-Frame-Options"] == "DENY", response.url
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
        assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] in ("same-origin", "no-referrer", "strict-origin")
    # The templates keep no inline script and no on…= handler (the policy would block them).
    pages = Path(__file__).parents[2] / "api" / "web" / "pages"
    for template in pages.glob("*.html"):
        text = template.read_text("utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), template.name
        assert not re.search(r"\son[a-z]+=", text) and "javascript:" not in text, template.name


def test_our_pdfs_may_be_framed_by_our_own_pages_only(client: TestClient, archive: Archive, bureau: Bureau) -> None:
    from tests.archive.test_documents import _case, _issue
    from tests.web.test_pages import _login

    _login(client, bureau.handler.name)
    doc = _issue(archive, bureau, _case(archive, bureau, kind="inspection"), "现场检查方案")
    r = client.get(f"/web/documents/{doc.id}/document.pdf")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/pdf")
    assert r.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert r.headers["Content-Security-Policy"] == "frame-ancestors 'self'"
    page = client.get(f"/web/documents/{doc.id}")
    assert page.headers["X-Frame-Options"] == "DENY" and "frame-src 'self'" in page.headers["Content-Security-Policy"]


def _login_csrf(client: TestClient) -> str:
    match = re.search(r'name="csrf" value="(\w+)"', client.get("/web/login").text)
    assert match
    return match.group(1)


def test_the_login_form_needs_its_csrf_token(client: TestClient, archive: Archive, bureau: Bureau) -> None:
    form = {"username": bureau.handler.name, "password": PASSWORD, "next": "/web/"}
    # A foreign page posting the form: no cookie of ours, no (or a made-up) token.
    forged = client.post("/web/login", data={**form, "csrf": "0" * 32})
    assert forged.status_code == 403 and "anjuan_session" not in forged.headers.get("set-cookie", "")
    token = _login_csrf(client)
    client.cookies.delete("anjuan_login_csrf", path="/web/login")
    assert client.post("/web/login", data={**form, "csrf": token}).status_code == 403
    token = _login_csrf(client)
    assert client.post("/web/login", data=form).status_code == 403  # cookie, but no field
    assert client.post("/web/login", data={**form, "csrf": token[:-1] + "x"}).status_code == 403
    assert not _events(archive, "login_failed")  # refused before the password was even looked at
    ok = client.post("/web/login", data={**form, "csrf": _login_csrf(client)})
    assert ok.status_code == 303 and "anjuan_session=" in ok.headers["set-cookie"]
    assert "Secure" not in ok.headers["set-cookie"]  # plain http, no proxy: auto means not Secure


@pytest.mark.parametrize(
    ("mode", "peer", "proto", "secure"),
    [
        ("auto", "10.1.2.3", "https", True),  # behind the trusted proxy, over TLS
        ("auto", "192.0.2.50", "https", False),  # anyone else's X-Forwarded-Proto is not believed
        ("true", "192.0.2.50", "", True),
        ("false", "10.1.2.3", "https", False),
    ],
)
def test_the_session_cookie_is_secure_behind_a_tls_proxy(
    archive: Archive, bureau: Bureau, mode: str, peer: str, proto: str, secure: bool
) -> None:
    settings = archive.kernel.settings.model_copy(update={"cookie_secure": mode, "trusted_proxies": "10.0.0.0/8"})
    object.__setattr__(archive.kernel, "settings", settings)
    with TestClient(create_app(archive=archive), client=(peer, 1234), follow_redirects=False) as client:
        headers = {"X-Forwarded-Proto": proto} if proto else {}
        page = client.get("/web/login", headers=headers)
        token = re.search(r'name="csrf" value="(\w+)"', page.text)
        assert token
        # Sent by hand: the client keeps a Secure cookie for https, and the proxy spoke http to us.
        r = client.post(
            "/web/login",
            data={"username": bureau.handler.name, "password": PASSWORD, "csrf": token.group(1)},
            headers={**headers, "Cookie": f"anjuan_login_csrf={token.group(1)}"},
        )
        cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("anjuan_session="))
        assert ("Secure" in cookie) is secure


def test_password_change_and_user_management_pages(client: TestClient, archive: Archive, bureau: Bureau) -> None:
    from tests.web.test_pages import _login

    csrf = _login(client, "county-admin")
    home = client.get("/web/").text
    assert 'href="/web/password"' in home and 'href="/web/users"' in home
    users = client.get("/web/users")
    assert users.status_code == 200 and bureau.handler.name in users.text and "重置密码" in users.text
    target = bureau.people["刘洋"]
    victim = _token(client, target.name)
    # Without the CSRF token nothing happens.
    assert client.post(f"/web/users/{target.user_id}/deactivate", data={}).status_code == 403
    assert client.get("/api/auth/me", headers=victim).status_code == 200
    r = client.post(f"/web/users/{target.user_id}/password", data={"csrf": csrf, "new_password": NEW_PASSWORD})
    assert r.status_code == 303 and r.headers["location"] == "/web/users"
    assert client.get("/api/auth/me", headers=victim).status_code == 401
    r = client.post(f"/web/users/{target.user_id}/deactivate", data={"csrf": csrf})
    assert r.status_code == 303
    row = client.get("/web/users").text.split(f'data-user-id="{target.user_id}"')[1].split("</tr>")[0]
    assert "停用</span>" in row and ">启用</button>" in row
    assert client.post("/api/auth/login", json={"username": target.name, "password": NEW_PASSWORD}).status_code == 401
    client.post(f"/web/users/{target.user_id}/activate", data={"csrf": csrf})
    _token(client, target.name, NEW_PASSWORD)
    # An officer has no 用户管理.
    client.cookies.clear()
    officer_csrf = _login(client, bureau.handler.name)
    assert 'href="/web/users"' not in client.get("/web/").text
    assert client.get("/web/users").status_code == 403
    # 修改密码: a wrong current password shows the form again; the right one changes it.
    r = client.post(
        "/web/password",
        data={
            "csrf": officer_csrf,
            "old_password": "wrong!!!!",
            "new_password": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert r.status_code == 422 and "原密码不正确" in r.text
    r = client.post(
        "/web/password",
        data={
            "csrf": officer_csrf,
            "old_password": PASSWORD,
            "new_password": NEW_PASSWORD,
            "new_password2": NEW_PASSWORD,
        },
    )
    assert r.status_code == 303 and client.get("/web/").status_code == 200  # still logged in here
    _token(client, bureau.handler.name, NEW_PASSWORD)


# -- the CLI ---------------------------------------------------------------------------------------


def test_password_commands_in_the_cli(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("ANJUAN_")},
        "ANJUAN_DATA_DIR": str(tmp_path / "var"),
        "ANJUAN_PASSWORD_LOG2_N": "10",
        "ANJUAN_ADMIN_PASSWORD": PASSWORD,
        "ANJUAN_NEW_PASSWORD": PASSWORD,
        "ANJUAN_LOGIN_THROTTLE_BASE_SECONDS": "300",  # outlasts the test: no race with the clock
    }

    def step(*args: str, user: str | None = "admin", password: str = PASSWORD) -> subprocess.CompletedProcess[str]:
        extra = {"ANJUAN_USER": user, "ANJUAN_PASSWORD": password} if user else {}
        return run_anjuan(args, env={**env, **extra}, cwd=tmp_path, in_process=True)

    assert step("init", "--admin", "admin", user=None).returncode == 0
    org = json.loads(step("org", "add", "临汾市尧都区应急管理局", "--area", "晋临", "--json").stdout)
    other = json.loads(step("org", "add", "临汾市侯马市应急管理局", "--area", "晋侯", "--json").stdout)
    assert step("user", "add", "clerk", "--org", str(org["id"]), "--role", "archivist").returncode == 0
    assert step("user", "add", "houma", "--org", str(other["id"]), "--role", "admin").returncode == 0

    # Passwords come from standard input (never argv): the clerk changes theirs.
    changed = subprocess.run(
        [ANJUAN, "password", "--password-stdin", "--json"],
        input=f"{PASSWORD}\n{NEW_PASSWORD}\n",
        capture_output=True,
        text=True,
        env={**env, "ANJUAN_USER": "clerk", "ANJUAN_PASSWORD": PASSWORD},
        cwd=tmp_path,
        timeout=120,
    )
    assert changed.returncode == 0, changed.stderr
    assert step("whoami", user="clerk", password=PASSWORD).returncode == 1
    assert step("whoami", user="clerk", password=NEW_PASSWORD).returncode == 0

    # Another county's administrator does not find the clerk.
    foreign = step("user", "deactivate", "clerk", user="houma")
    assert foreign.returncode == 1 and "user_not_found" in foreign.stderr and "Traceback" not in foreign.stderr
    reset = subprocess.run(
        [ANJUAN, "user", "reset-password", "clerk", "--password-stdin"],
        input="reset password 1\n",
        capture_output=True,
        text=True,
        env={**env, "ANJUAN_USER": "admin", "ANJUAN_PASSWORD": PASSWORD},
        cwd=tmp_path,
        timeout=120,
    )
    assert reset.returncode == 0, reset.stderr
    assert step("whoami", user="clerk", password="reset password 1").returncode == 0
    assert step("user", "deactivate", "clerk").returncode == 0
    refused = step("whoami", user="clerk", password="reset password 1")
    assert refused.returncode == 1 and "用户名或密码错误" in refused.stderr
    assert step("user", "activate", "clerk").returncode == 0
    assert step("whoami", user="clerk", password="reset password 1").returncode == 0
    self_off = step("user", "deactivate", "admin")
    assert self_off.returncode == 1 and "cannot_deactivate_self" in self_off.stderr

    # The CLI counts failed logins in the same throttle as the server.
    for _ in range(5):
        step("whoami", user="clerk", password="wrong password")
    throttled = step("whoami", user="clerk", password="reset password 1")
    assert throttled.returncode == 1 and "login_throttled" in throttled.stderr


# -- index status ------------------------------------------------------------------------------------


def test_index_status_shows_no_paths_and_only_the_callers_records(
    client: TestClient, archive: Archive, bureau: Bureau
) -> None:
    from tests.archive.test_documents import _case, _issue

    _issue(archive, bureau, _case(archive, bureau, kind="inspection"), "现场检查方案")
    # A record of another county (as the index holds it): the county's administrator must not count it.
    archive.search.backend.index(
        [IndexDoc(key="doc:424242", kind="document", org_id=bureau.org_id + 100, title="x", text="x")]
    )

    whole = client.get("/api/index/status", headers=_token(client, "admin")).json()
    county = client.get("/api/index/status", headers=_token(client, "county-admin")).json()
    assert whole["records"] == county["records"] + 1 and county["records"] >= 1
    assert whole["stale_count"] == 1 and county["stale_count"] == 0
    assert county["checkpoint"] is None and county["last_event"] is None and county["scope"] == "orgs"
    data_dir = str(archive.kernel.settings.data_dir.resolve())
    for body in (whole, county):
        text = json.dumps(body)
        assert data_dir not in text and not body["location"].startswith("/")


def test_index_status_location_is_relative_to_the_data_directory(tmp_path: Path) -> None:
    archive = Archive(Settings(data_dir=tmp_path / "d"), converter=FakeConverter())
    try:
        assert archive.search._shown_location(str(tmp_path / "d" / "index" / "gen-3")) == "index/gen-3"
        assert archive.search._shown_location("/somewhere/else/idx") == "idx"
        assert archive.search._shown_location("memory") == "memory"
    finally:
        archive.close()


# -- the data directory ------------------------------------------------------------------------------


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_fresh_data_directory_is_private_and_an_old_one_is_tightened(tmp_path: Path) -> None:
    data = tmp_path / "var"
    settings = Settings(data_dir=data, password_log2_n=10)
    with Archive(settings, converter=FakeConverter()) as archive:
        archive.migrate()
        digest = archive.kernel.blobs.put(b"%PDF-1.7 evidence")
    db, blob_root = data / "anjuan.db", data / "blobs"
    blob = blob_root / digest[:2] / digest[2:4] / digest
    assert _mode(data) == 0o700 and _mode(db) == 0o600
    assert _mode(blob_root) == 0o700 and _mode(blob.parent) == 0o700 and _mode(blob.parent.parent) == 0o700
    assert _mode(blob) == 0o400

    # An installation from before: world-readable. Start-up tightens it, and still starts.
    for path, mode in ((data, 0o755), (db, 0o644), (blob_root, 0o755)):
        path.chmod(mode)
    with Archive(settings, converter=FakeConverter()) as archive:
        archive.migrate()
        assert archive.kernel.blobs.get(digest) == b"%PDF-1.7 evidence"
    assert (_mode(data), _mode(db), _mode(blob_root)) == (0o700, 0o600, 0o700)
