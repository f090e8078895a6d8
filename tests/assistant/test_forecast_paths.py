"""One forecaster for every path: the chat's horizon answer, the period answer, the dashboard's
band and the adjustment report's risks give the same figures for the same weeks; and an answer
says when the history is too short to trust the festival weeks."""

from __future__ import annotations

import pandas as pd
import pytest

from assistant.chat import ChatService
from assistant.services import Services
from assistant.usecases import dashboard, forecasts
from assistant.usecases.context import from_frames
from tools import demo_data


@pytest.fixture(scope="module")
def demo():
    facts, targets = demo_data.generate()
    return from_frames(facts.assign(date=pd.to_datetime(facts["date"])), targets, name="demo")


@pytest.mark.parametrize("region", [None, "下沉市场"])
def test_horizon_period_and_dashboard_agree_on_november(demo, region) -> None:
    weekly = forecasts.forecast(demo, metric="revenue", horizon=8, region=region)
    november = forecasts.forecast_period(demo, metric="revenue", period="2026-11", region=region)
    board = dashboard.dashboard(demo, metric="revenue", period="2026-10", region=region)["trend"]
    inside = [p.forecast for p in weekly.points if p.date.startswith("2026-11")]
    assert november.value == pytest.approx(sum(inside), rel=1e-6)
    assert november.model == weekly.model == board["model"]
    assert [p["forecast"] for p in board["forecast"][:8]] == [p.forecast for p in weekly.points]
    # 双十一 is not an ordinary week on any path
    assert max(inside) > 1.4 * min(inside)


@pytest.mark.parametrize(
    ("question", "said"),
    [
        ("下个季度销售额预计多少", "只有 76 周数据，未覆盖两个完整的春节周期"),
        (
            "Forecast revenue for the next 8 weeks",
            "only 76 weeks of data, not two full Spring Festival cycles",
        ),
    ],
)
async def test_the_answer_names_a_short_history(services: Services, question: str, said: str) -> None:
    facts = services.kpis.load("default").facts
    weeks = sorted(facts["date"].unique())[-76:]
    services.accounts.create_workspace("young")
    services.kpis.import_frames(facts[facts["date"].isin(weeks)], None, workspace="young", source="test")
    result = await ChatService(services, workspace="young").ask(question)
    assert result.error is None and said in result.answer
    demo = await ChatService(services, workspace="default").ask(question)  # 95 weeks, two 春节
    assert "春节周期" not in demo.answer and "Spring Festival cycles" not in demo.answer
    assert "只有 95 周数据" in demo.answer or "only 95 weeks of data" in demo.answer


def test_a_planner_adds_a_campaign_run_and_the_calendar_and_forecasts_use_it(settings) -> None:
    from tests.utils import signed_in
    from web.main import create_app

    app = create_app(settings)
    with signed_in(app) as client:
        run = {"name": "品牌日", "start": "2026-08-07", "end": "2026-08-09"}
        assert client.post("/api/workspace/events", json=run).status_code == 201
        bad = client.post("/api/workspace/events", json=run | {"end": "2026-08-01"})
        assert bad.status_code == 422 and "before the start" in bad.text
        listed = client.get("/api/workspace/calendar").json()
        policy = app.state.services.profiles.get("default").policy
        assert [(e.name, str(e.start)) for e in policy.events] == [("品牌日", "2026-08-07")]
        missing = client.delete("/api/workspace/events", params={"name": "品牌日", "start": "2026-08-08"})
        assert missing.status_code == 404 and "no run of 品牌日 starting 2026-08-08" in missing.text
        removed = client.delete("/api/workspace/events", params={"name": "品牌日", "start": "2026-08-07"})
        assert removed.status_code == 200 and removed.json() == {"own": []}
    assert {"name": "品牌日", "day": "2026-08-07", "week": "2026-08-03", "own": True} in listed["events"]
    assert {"name": "双十一", "day": "2026-11-11", "week": "2026-11-09", "own": False} in listed["events"]
    assert {"name": "年货节", "day": "2027-01-11", "week": "2027-01-11", "own": False} in listed["events"]
    actions = [a["action"] for a in app.state.services.accounts.audit_log(limit=5)]
    assert "event_added" in actions and "event_removed" in actions
    assert app.state.services.profiles.get("default").policy.events == []
