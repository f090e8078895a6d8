"""Importing KPI data through the CLI and the API: validated, all-or-nothing, versioned."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from assistant.services import Services
from assistant.settings import Settings
from tests.utils import point_cli_at, signed_in
from web.main import create_app

pytestmark = pytest.mark.storage

GOOD = "date,region,channel,metric,value\n2026-11-02,一线城市,直播电商,spend,1000\n2026-11-02,一线城市,直播电商,conversions,10\n"
BAD = "date,region,channel,metric,value\n2026-11-02,一线城市,直播电商,spend,1000\n2026-13-45,一线城市,直播电商,spend,abc\n2026-11-09,,,cac,5\n"


def test_api_import_is_all_or_nothing(settings: Settings) -> None:
    with signed_in(create_app(settings)) as client:
        services: Services = client.app.state.services
        before = services.kpis.version("default")
        bad = client.post("/api/kpis/import", files={"facts": ("facts.csv", BAD.encode(), "text/csv")})
        assert bad.status_code == 422
        detail = bad.json()["detail"]
        assert (
            "row 3, column date" in detail
            and "row 3, column value" in detail
            and "row 4, column metric" in detail
        )
        assert services.kpis.version("default") == before
        ok = client.post("/api/kpis/import", files={"facts": ("facts.csv", GOOD.encode(), "text/csv")})
        assert ok.status_code == 201 and ok.json()["dataset_version"] == before + 1
        cac = client.get(
            "/api/kpis/lookup",
            params={"metric": "cac", "period": "2026-W45", "region": "一线城市", "channel": "直播电商"},
        ).json()
        assert cac["actual"] == 100.0
        assert (
            client.get("/api/kpis/lookup", params={"metric": "nope", "period": "2026-Q3"}).status_code == 422
        )
        assert (
            client.get("/api/kpis/lookup", params={"metric": "cac", "period": "2026-Q9"}).status_code == 422
        )


def test_cli_import_from_xlsx(settings: Settings, tmp_path: Path, monkeypatch) -> None:
    from assistant import cli

    targets = tmp_path / "targets.xlsx"
    pd.DataFrame(
        [{"period": "2027-Q1", "metric": "cac", "target": 110, "region": "", "channel": ""}]
    ).to_excel(targets, index=False)
    point_cli_at(monkeypatch, settings)
    try:
        result = CliRunner().invoke(cli.app, ["kpi", "import", "--targets", str(targets), "--json"])
        assert result.exit_code == 0, result.output
        data = Services(settings).kpis.load("default")
        assert ((data.targets["period"] == "2027-Q1") & (data.targets["target"] == 110)).any()
        bad = tmp_path / "bad.csv"
        bad.write_text("period,metric,target\n2027-Q5,cac,x\n", encoding="utf-8")
        failed = CliRunner().invoke(cli.app, ["kpi", "import", "--targets", str(bad)])
        assert failed.exit_code == 2 and "row 2, column period" in failed.output
    finally:
        cli.get_settings.cache_clear()
