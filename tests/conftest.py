"""Shared fixtures: isolated settings per test session, a real ingested index, no network."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

from assistant.kb.ingest import ingest
from assistant.services import Services
from assistant.settings import ROOT, Settings

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
    return var


@pytest.fixture
def settings(indexed_var: Path, tmp_path: Path) -> Settings:
    """Settings on a private copy of the indexed var dir, offline engine."""
    var = tmp_path / "var"
    shutil.copytree(indexed_var, var)
    return Settings(var_dir=var, knowledge_dir=ROOT / "knowledge")


@pytest.fixture
def services(settings: Settings) -> Services:
    return Services(settings)
