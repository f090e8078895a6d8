"""Test helpers: signed-in API clients for given roles and workspaces."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.services import Services
from testkit.accounts import token_for

__all__ = ["live_server", "make_user", "point_cli_at", "signed_in", "token_for"]


def signed_in(app: FastAPI, username: str = "admin", **kwargs) -> TestClient:
    """A TestClient that sends `username`'s API token (use it as a context manager)."""
    client = TestClient(app, **kwargs)
    client.headers["Authorization"] = f"Bearer {token_for(app.state.services, username)}"
    return client


def make_user(services: Services, username: str, role: str, workspaces: list[str]) -> None:
    for ws in workspaces:
        services.accounts.create_workspace(ws)
    services.accounts.create_user(
        username, role=role, password="correct horse battery", workspaces=workspaces
    )


def point_cli_at(monkeypatch, settings) -> None:
    """Make the `planner` CLI (run in-process) use these settings' var dir and database."""
    from assistant import cli

    monkeypatch.setenv("PLANNER_VAR_DIR", str(settings.var_dir))
    if settings.database_url:
        monkeypatch.setenv("PLANNER_DATABASE_URL", settings.database_url)
    cli.get_settings.cache_clear()


@contextmanager
def live_server(app: FastAPI) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port, for tests that need real HTTP."""
    import threading
    import time

    import uvicorn

    from testkit.net import free_port

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
