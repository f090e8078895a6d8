"""Accounts, roles, workspace isolation, audit, limits and encryption at rest."""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import text

from assistant.services import Services
from assistant.settings import Settings
from tests.utils import make_user, signed_in
from web.main import create_app

pytestmark = pytest.mark.storage

PUBLIC = {"/api/health", "/api/auth/login", "/api/auth/signin", "/api/auth/logout"}
FACTS = "date,region,channel,metric,value\n2026-11-02,华东,直播电商,spend,5000\n2026-11-02,华东,直播电商,conversions,20\n"


@pytest.fixture
def app(settings: Settings):
    return create_app(settings)


def test_every_route_but_health_and_login_needs_a_session(app) -> None:
    client = TestClient(app)
    checked = 0
    for path, operations in app.openapi()["paths"].items():
        if path in PUBLIC:
            continue
        for method in operations:
            res = client.request(method.upper(), re.sub(r"\{[^}]+\}", "x", path))
            assert res.status_code == 401, f"{method} {path} answered {res.status_code} without a session"
            checked += 1
    assert checked >= 12
    assert client.get("/api/health").status_code == 200


def test_password_login_sets_a_cookie_and_failures_are_audited(app) -> None:
    services: Services = app.state.services
    make_user(services, "li", "planner", ["default"])
    with TestClient(app) as client:
        bad = client.post("/api/auth/login", json={"username": "li", "password": "wrong password!!"})
        assert bad.status_code == 401 and "wrong user name or password" in bad.json()["detail"]
        ok = client.post("/api/auth/login", json={"username": "li", "password": "correct horse battery"})
        assert ok.status_code == 200 and "planner_session" in client.cookies
        assert client.get("/api/auth/me").json()["username"] == "li"
        cookie = ok.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie
        client.post("/api/auth/logout")
        assert client.get("/api/auth/me").status_code == 401
    actions = [e["action"] for e in services.accounts.audit_log()]
    assert "login_failed" in actions and "login" in actions


def test_signin_link_works_once(app) -> None:
    link = app.state.services.accounts.signin_link("admin", "http://testserver")
    with TestClient(app) as client:
        first = client.get(link.removeprefix("http://testserver"), follow_redirects=False)
        assert first.status_code == 303 and "planner_session" in first.headers["set-cookie"]
    with TestClient(app) as other:
        again = other.get(link.removeprefix("http://testserver"), follow_redirects=False)
        assert again.status_code == 401 and "used" in again.json()["detail"]


def test_workspaces_isolate_data_conversations_and_tools(app) -> None:
    services: Services = app.state.services
    make_user(services, "east", "planner", ["east"])
    with signed_in(app, "east") as east, signed_in(app, "admin") as admin:
        # KPI data imported into 'east' is invisible from 'default' and vice versa
        assert (
            east.post("/api/kpis/import", files={"facts": ("f.csv", FACTS.encode(), "text/csv")}).status_code
            == 201
        )
        mine = east.get("/api/kpis/lookup", params={"metric": "cac", "period": "2026-W45"}).json()
        assert mine["actual"] == 250.0
        theirs = admin.get(
            "/api/kpis/lookup", params={"metric": "cac", "period": "2026-W45", "workspace": "default"}
        ).json()
        # 'default' has no week 45: east's row did not reach it (it answers its own latest week)
        assert theirs["coverage"]["asked"] == "2026-W45" and theirs["period"] != "2026-W45"
        assert (
            east.get(
                "/api/kpis/lookup",
                params={"metric": "cac", "period": "2026-Q3"},
                headers={"X-Workspace": "default"},
            ).status_code
            == 403
        )
        # conversations are private to their author and workspace
        done = [
            json.loads(line[5:])
            for line in admin.post(
                "/api/chat", json={"message": "2026年9月获客成本是多少？"}
            ).text.splitlines()
            if line.startswith("data:")
        ][-1]
        cid = done["conversation_id"]
        assert east.get(f"/api/conversations/{cid}").status_code == 404
        assert east.post("/api/chat", json={"message": "hi", "conversation_id": cid}).status_code == 404
        assert cid not in [c["id"] for c in east.get("/api/conversations").json()]
        # the agent in 'east' sees only east's data: the demo company's CAC does not exist there
        events = east.post("/api/chat", json={"message": "2026年9月获客成本是多少？"}).text
        assert "139.18" not in events and "139.18" in json.dumps(
            admin.get(f"/api/conversations/{cid}").json(), ensure_ascii=False
        )


def test_roles(app) -> None:
    services: Services = app.state.services
    make_user(services, "rev", "reviewer", ["default"])
    make_user(services, "plan", "planner", ["default"])
    with signed_in(app, "rev") as rev, signed_in(app, "plan") as plan:
        assert (
            rev.post("/api/kpis/import", files={"facts": ("f.csv", FACTS.encode(), "text/csv")}).status_code
            == 403
        )
        assert (
            plan.post(
                "/api/admin/users", json={"username": "x1", "role": "admin", "password": "0123456789ab"}
            ).status_code
            == 403
        )
        assert plan.get("/api/admin/audit").status_code == 403
        company = plan.post(  # company-wide knowledge is an admin's; a workspace's own is its planners'
            "/api/knowledge/documents",
            files={"file": ("a.txt", b"x", "text/plain")},
            data={"scope": "company"},
        )
        assert company.status_code == 403


def test_data_import_is_audited(app) -> None:
    with signed_in(app, "admin") as admin:
        admin.post("/api/kpis/import", files={"facts": ("facts.csv", FACTS.encode(), "text/csv")})
        events = admin.get("/api/admin/audit", params={"action": "data_import"}).json()
    assert (
        events[0]["username"] == "admin"
        and events[0]["target"] == "facts.csv"
        and events[0]["workspace"] == "default"
    )


def test_chat_rate_limit_per_user(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"rate_limit_chat": "2/minute"}))
    with signed_in(app) as client:
        codes = [client.post("/api/chat", json={"message": "预算分配原则"}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_oversized_request_is_refused(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"max_request_bytes": 1000, "max_upload_bytes": 3000}))
    with signed_in(app) as client:
        file = client.post("/api/kpis/import", files={"facts": ("f.csv", b"x" * 5000, "text/csv")})
        within = client.post("/api/kpis/preview", files={"file": ("f.csv", b"x" * 2000, "text/csv")})
        other = client.post("/api/chat", json={"message": "x" * 2000})
    assert file.status_code == 413 and other.status_code == 413
    assert within.status_code != 413  # a KPI file has its own, larger limit


def test_anonymous_routes_read_only_a_few_kilobytes(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        big = client.post("/api/auth/login", content=b'{"username": "' + b"a" * 10_000_000 + b'"}')
        small = client.post("/api/auth/login", json={"username": "admin", "password": "wrong"})
    assert big.status_code == 413 and "4 KB" in big.text
    assert small.status_code == 401


def test_messages_are_encrypted_at_rest(app) -> None:
    services: Services = app.state.services
    with signed_in(app) as client:
        client.post("/api/chat", json={"message": "机密：华东区明年预算 8000 万"})
    with services.sessions() as s:
        stored = [row[0] for row in s.execute(text("select content from messages"))]
    assert stored and all(v.startswith("enc:v1:") for v in stored)
    assert not any("8000" in v for v in stored)
    with services.sessions() as s:
        titles = [row[0] for row in s.execute(text("select title from conversations"))]
    assert titles and all(t.startswith("enc:v1:") for t in titles)
    with signed_in(app) as client:
        assert "机密" in client.get("/api/conversations").json()[0]["title"]  # readable through the API


def test_placeholder_secret_refused_on_public_address(settings: Settings) -> None:
    with pytest.raises(ValueError, match="placeholder"):
        create_app(settings.model_copy(update={"host": "0.0.0.0", "secret_key": SecretStr("changeme")}))


@pytest.mark.parametrize("name", ["_company", "..", ".hidden", "a..b", "-x"])
def test_a_workspace_cannot_be_named_like_a_reserved_folder(settings: Settings, name: str) -> None:
    app = create_app(settings)
    with signed_in(app) as admin:
        res = admin.post("/api/admin/workspaces", json={"name": name})
    assert res.status_code in (400, 422) and name not in app.state.services.accounts.workspaces()
