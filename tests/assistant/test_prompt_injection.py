"""Retrieved passages and uploaded data are data, never instructions (corpus: evals/data/injection.jsonl)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import respx
from langchain_openai import ChatOpenAI

from assistant import agent_prompt
from assistant.agent_tools import build_tools
from assistant.chat import ChatService
from assistant.kb.ingest import ingest_files
from assistant.kb.quoting import FLAG
from assistant.services import Services
from assistant.settings import ROOT, Settings
from testkit.llm_fakes import BASE_URL, completion_text, completion_tool_call

CORPUS = [
    json.loads(line)
    for line in (ROOT / "evals" / "data" / "injection.jsonl").read_text(encoding="utf-8").splitlines()
    if line.strip()
]
SECRET = "gAAAA-not-a-real-key-but-secret-SENTINEL"


def _by(vector: str) -> list[dict]:
    return [c for c in CORPUS if c["vector"] == vector]


def _planted_doc(tmp_path: Path, case: dict) -> Path:
    path = tmp_path / f"{case['id']}.md"
    path.write_text(
        f"# 部门通知 Department notice {case['id']}\n\n## 内容\n{case['payload']}\n", encoding="utf-8"
    )
    return path


@pytest.mark.parametrize("case", _by("chat"), ids=lambda c: c["id"])
async def test_offline_engine_refuses_injection_requests_without_tools(
    services: Services, case: dict
) -> None:
    result = await ChatService(services, workspace="default").ask(case["payload"])
    assert result.tool_calls == []
    assert ("抱歉" in result.answer) if case["lang"] == "zh" else ("Sorry" in result.answer)
    system_prompt = agent_prompt.system_prompt(services, "default")
    assert system_prompt[:80] not in result.answer


@pytest.mark.parametrize("case", _by("knowledge"), ids=lambda c: c["id"])
async def test_injected_passage_is_quoted_as_data_not_obeyed(
    services: Services, tmp_path: Path, case: dict
) -> None:
    ingest_files(services.index, [_planted_doc(tmp_path, case)])
    result = await ChatService(services, workspace="default").ask(case["query"])
    key = (services.settings.var_dir / "secret.key").read_text()
    assert key not in result.answer
    # the payload may be quoted as a cited passage, but never adopted into the engine's own prose
    fragment = case["payload"][:8]
    own_lines = [line for line in result.answer.splitlines() if not line.startswith("- **")]
    assert not any(fragment in line for line in own_lines)
    assert any(fragment in line for line in result.answer.splitlines())  # it was found and shown as data


@pytest.mark.parametrize("case", _by("csv"), ids=lambda c: c["id"])
async def test_instructions_in_uploaded_data_stay_labels(services: Services, case: dict) -> None:
    facts = pd.DataFrame(
        [
            {
                "date": "2026-07-06",
                "region": case["payload"],
                "channel": "信息流广告",
                "metric": m,
                "value": v,
            }
            for m, v in (("spend", 9e6), ("conversions", 1000), ("clicks", 2e5))
        ]
    )
    services.kpis.import_frames(facts, None, source="injection.csv", workspace="default")
    result = await ChatService(services, workspace="default").ask(case["query"])
    assert result.error is None
    assert {c["name"] for c in result.tool_calls} == {"kpi_diagnose", "search_knowledge"}  # routing unchanged
    assert case["payload"] in result.answer  # reported as a region label, nothing more
    outside = result.answer.replace(case["payload"], "")
    assert "密码" not in outside and "secret key" not in outside.lower()


async def test_llm_sees_passages_as_tool_data_and_never_the_secrets(
    settings: Settings, tmp_path: Path
) -> None:
    from pydantic import SecretStr

    cfg = settings.model_copy(
        update={"llm_base_url": BASE_URL, "llm_api_key": SecretStr(SECRET), "llm_max_retries": 0}
    )
    services = Services(
        cfg,
        chat_model=ChatOpenAI(
            model="m", base_url=BASE_URL, api_key=SECRET, max_retries=0, disable_streaming=True
        ),
    )
    case = _by("knowledge")[0]
    ingest_files(services.index, [_planted_doc(tmp_path, case)])
    with respx.mock() as mock:
        route = mock.post(f"{BASE_URL}/chat/completions").mock(
            side_effect=[
                completion_tool_call("search_knowledge", {"query": case["query"]}),
                completion_text("这是一条可疑的通知，已忽略其中的指令。"),
            ]
        )
        await ChatService(services, workspace="default").ask(case["query"])
    sent = [json.loads(call.request.content) for call in route.calls]
    everything = json.dumps(sent, ensure_ascii=False)
    assert SECRET not in everything and (cfg.var_dir / "secret.key").read_text() not in everything
    system = next(m for m in sent[1]["messages"] if m["role"] == "system")["content"]
    assert "data, not instructions" in system and case["payload"] not in system
    tool_msgs = [m for m in sent[1]["messages"] if m["role"] == "tool"]
    assert any(case["payload"] in m["content"] for m in tool_msgs)  # delivered as tool data
    planted = next(m["content"] for m in tool_msgs if case["payload"] in m["content"])
    flag = planted.index(FLAG)  # flagged in the result itself, before the text, which is quoted
    assert flag < planted.index(case["payload"]) and f"> {case['payload'][:20]}" in planted
    assert "⚠️ 含指令式文字" in system  # and the system prompt says what the flag means


@pytest.mark.parametrize("case", _by("knowledge"), ids=lambda c: c["id"])
def test_every_planted_passage_is_flagged_in_the_search_tool_result(
    services: Services, tmp_path: Path, case: dict
) -> None:
    ingest_files(services.index, [_planted_doc(tmp_path, case)])
    search = next(t for t in build_tools(services, workspace="default") if t.name == "search_knowledge")
    hits = search.func(query=case["query"], k=5, runtime=None)[1]["passages"]
    planted = [p for p in hits if case["payload"][:12] in p["text"]]
    assert planted and all(p["flagged"] for p in planted)
    assert not any(p["flagged"] for p in hits if p not in planted)  # the shipped knowledge is not


def _company(revenue: float) -> pd.DataFrame:
    """A company with the same regions and channels as its neighbour, and its own figures."""
    return pd.DataFrame(
        [
            {"date": f"2026-07-{d:02d}", "region": r, "channel": c, "metric": m, "value": v}
            for d in (6, 13)
            for r in ("华北", "华南")
            for c in ("直播电商", "信息流广告")
            for m, v in (("revenue", revenue), ("spend", revenue / 5))
        ]
    )


async def test_tools_see_only_their_workspace_when_names_are_shared(services: Services) -> None:
    """Two workspaces with the same region and channel names and different numbers: every tool
    built for one reports its figures, never the other's nor their sum, whatever the model adds."""
    for ws, revenue in (("east", 1_234_567.0), ("west", 7_777_777.0)):
        services.accounts.create_workspace(ws)
        services.kpis.import_frames(_company(revenue), None, workspace=ws, source=f"{ws}.csv")
    tools = {t.name: t for t in build_tools(services, workspace="east")}

    def call(name: str, args: dict) -> str:
        # extra arguments a manipulated model might add are ignored: the workspace is fixed at build time
        return (
            tools[name]
            .invoke({"type": "tool_call", "id": "1", "name": name, "args": args | {"workspace": "west"}})
            .content
        )

    lookup = json.loads(call("kpi_lookup", {"metric": "revenue", "period": "2026-07", "region": "华北"}))
    rank = call("kpi_rank", {"metric": "revenue", "by": "region", "period": "2026-07"})
    east, west = 1_234_567.0 * 4, 7_777_777.0 * 4  # a region: two weeks, two channels
    assert lookup["actual"] == east  # east's own figure, not west's nor the two added up
    values = {r["name"]: r["actual"] for r in json.loads(rank)["rows"]}
    assert values == {"华北": east, "华南": east}, values
    assert str(int(west)) not in rank and str(int(east + west)) not in rank
