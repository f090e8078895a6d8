"""No request, however large or malformed, stalls the server or leaks what it was sent (issue 13)."""

from __future__ import annotations

import httpx
import pytest

from assistant.settings import Settings
from tests.utils import live_server
from web.main import create_app


@pytest.fixture
def small_limit_app(settings: Settings):
    if settings.database_url:
        pytest.skip("one database is enough for HTTP-level limits")
    return create_app(settings.model_copy(update={"max_request_bytes": 1024 * 1024}))


def test_a_chunked_body_over_the_limit_is_refused_without_signing_in(small_limit_app) -> None:
    def chunks():  # no Content-Length: the body arrives in chunks, 3 MB in all
        yield b'{"username": "admin", "password": "'
        for _ in range(48):
            yield b"x" * 65536
        yield b'"}'

    with live_server(small_limit_app) as base:
        res = httpx.post(
            f"{base}/api/auth/login", content=chunks(), headers={"Content-Type": "application/json"}
        )
        assert "content-length" not in {k.lower() for k in res.request.headers}
        assert res.status_code == 413
        assert "xxxx" not in res.text
        assert httpx.get(f"{base}/api/health").status_code == 200  # and the server is fine


def test_a_declared_length_over_the_limit_is_refused_before_reading(small_limit_app) -> None:
    with live_server(small_limit_app) as base:
        res = httpx.post(f"{base}/api/auth/login", content=b"x" * (2 * 1024 * 1024))
    assert res.status_code == 413


def test_validation_errors_never_echo_the_submitted_values(settings: Settings) -> None:
    from fastapi.testclient import TestClient

    app = create_app(settings)
    secret = "hunter2-" + "p" * 40
    with TestClient(app) as client:
        res = client.post("/api/auth/login", json={"username": ["not", "a", "string"], "password": secret})
        nested = client.post("/api/auth/login", json={"password": {"value": secret}})
    assert res.status_code == 422 and nested.status_code == 422
    for r in (res, nested):
        assert secret not in r.text and "input" not in r.text
        assert all({"loc", "msg"} <= set(e) for e in r.json()["detail"])
