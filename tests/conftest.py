"""Shared fixtures: isolated settings per test session, a real ingested index, no network."""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from assistant.db import get_engine
from assistant.kb.ingest import ingest
from assistant.services import Services
from assistant.settings import DEMO_WORKSPACE, ROOT, Settings
from assistant.usecases import mixmodel

# A mix model is fitted in the background only where a test asks for it (test_mix_model.py): a
# fit per test workspace would put a process per import on the test machine's cores.
os.environ.setdefault("PLANNER_MIX_BACKGROUND", "false")

_real_connect = socket.socket.connect


def _guarded_connect(self: socket.socket, address: object) -> None:
    host = address[0] if isinstance(address, tuple) else str(address)
    if self.family == socket.AF_UNIX or host in ("127.0.0.1", "::1", "localhost"):
        return _real_connect(self, address)
    raise RuntimeError(f"network access in tests is forbidden: {address!r}")


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any connection off this machine fails the test (LLM traffic is mocked with respx)."""
    monkeypatch.setattr(socket.socket, "connect", _guarded_connect)
    for var in ("OPENAI_API_KEY", "PLANNER_LLM_API_KEY", "PLANNER_LLM_BASE_URL"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="session")
def indexed_var(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A var dir with the shipped knowledge base ingested once per session."""
    var = tmp_path_factory.mktemp("var-indexed")
    settings = Settings(var_dir=var)
    services = Services(settings)
    ingest(services.index, settings.knowledge_dir)
    services.kpis  # noqa: B018 - migrate and load the demo company once
    _DEMO_FIT.append(
        mixmodel.fit_workspace(services, DEMO_WORKSPACE) and services.mixes.latest(DEMO_WORKSPACE)
    )
    return var


_DEMO_FIT: list = []  # the demo company's mix model, fitted once per test process


PG_URL = os.environ.get("PLANNER_TEST_DATABASE_URL")


def _dispose(url: str) -> None:
    get_engine(url).dispose()
    get_engine.cache_clear()


@pytest.fixture(scope="session")
def pg_template(indexed_var: Path) -> Iterator[tuple[object, object]]:
    """A PostgreSQL template database, migrated and loaded with the demo company once; each test
    gets a fresh copy (CREATE DATABASE … TEMPLATE), which takes a fraction of a second."""
    if not PG_URL:
        pytest.skip(
            "PostgreSQL tests need PLANNER_TEST_DATABASE_URL (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test)"
        )
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"planner_tpl_{os.getpid()}"
    with admin.connect() as c:
        c.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        c.execute(text(f"CREATE DATABASE {name}"))
    url = make_url(PG_URL).set(database=name)
    rendered = url.render_as_string(hide_password=False)
    pg = Services(Settings(var_dir=indexed_var, database_url=rendered))
    data = pg.kpis.load(DEMO_WORKSPACE)  # migrate and load; the demo's fit is the SQLite one's
    fit_id = pg.mixes.claim(DEMO_WORKSPACE, data.facts_digest, data.version)
    if fit_id is not None and _DEMO_FIT and _DEMO_FIT[0] is not None:
        pg.mixes.finish(fit_id, _DEMO_FIT[0], 0.0)
    _dispose(rendered)
    yield admin, url
    with admin.connect() as c:
        c.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test runs on PostgreSQL too only when it checks storage (`@pytest.mark.storage`): the
    other tests go through the same SQLAlchemy code and need not run twice."""
    kept, dropped = [], []
    for item in items:
        on_pg = (
            getattr(item, "callspec", None) is not None and item.callspec.params.get("settings") == "postgres"
        )
        (dropped if on_pg and item.get_closest_marker("storage") is None else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(params=["sqlite", "postgres"])
def settings(request: pytest.FixtureRequest, indexed_var: Path, tmp_path: Path) -> Iterator[Settings]:
    """Settings on a private copy of the indexed var dir, offline engine; every test that uses it
    runs on SQLite and, when PLANNER_TEST_DATABASE_URL is set, on PostgreSQL."""
    var = tmp_path / "var"
    shutil.copytree(indexed_var, var)
    if request.param == "sqlite":
        yield Settings(var_dir=var, knowledge_dir=ROOT / "knowledge")
        return
    admin, template = request.getfixturevalue("pg_template")
    name = f"planner_t_{uuid.uuid4().hex[:12]}"
    with admin.connect() as c:  # type: ignore[attr-defined]
        c.execute(text(f"CREATE DATABASE {name} TEMPLATE {template.database}"))  # type: ignore[attr-defined]
    url = template.set(database=name).render_as_string(hide_password=False)  # type: ignore[attr-defined]
    try:
        yield Settings(var_dir=var, knowledge_dir=ROOT / "knowledge", database_url=url)
    finally:
        _dispose(url)
        with admin.connect() as c:  # type: ignore[attr-defined]
            c.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture
def services(settings: Settings) -> Services:
    return Services(settings)


@pytest.fixture
def served(settings: Settings):
    """(app, base URL) of the app on a live loopback server, for protocol clients (the official
    openai and MCP clients). On SQLite only: one database is enough for a protocol."""
    from tests.utils import live_server
    from web.main import create_app

    if settings.database_url:
        pytest.skip("one database is enough for the protocol")
    app = create_app(settings)
    with live_server(app) as base:
        yield app, base
