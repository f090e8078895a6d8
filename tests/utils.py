"""Test helpers: signed-in API clients for given roles and workspaces."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from assistant.services import Services
from testkit.accounts import token_for
from testkit.net import live_server

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
