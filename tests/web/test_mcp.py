"""The MCP server, tested with the SDK's own client: over streamable HTTP at /mcp on a live
server and over stdio (`planner mcp`), with the agent's tools, roles and the knowledge resources."""

from __future__ import annotations

import json
import os
import sys

import anyio
import httpx2
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.exceptions import MCPError

from assistant.settings import Settings
from tests.utils import make_user, token_for

CALLS = {
    "search_knowledge": {"query": "预算分配原则", "k": 2},
    "kpi_lookup": {"metric": "cac", "period": "2026-Q3"},
    "kpi_rank": {"metric": "roi", "by": "channel", "period": "2026-Q3"},
    "kpi_diagnose": {"metric": "cac", "period": "2026-Q3"},
    "forecast": {"metric": "revenue", "period": "2027-Q1"},
    "budget_allocate": {"total": 10_000_000, "period": "2027-Q1"},
    "budget_scenario": {"action": "cut", "channel": "信息流广告", "share": 0.2, "period": "2027-Q1"},
    "create_draft": {"kind": "section", "section": "goals", "period": "2027-Q1"},
}


async def _session_run(base: str, token: str, work) -> object:
    http = httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=60)
    async with (
        http,
        streamable_http_client(f"{base}/mcp", http_client=http) as streams,
        ClientSession(streams[0], streams[1]) as session,
    ):
        await session.initialize()
        return await work(session)


def test_every_tool_is_listed_with_the_agents_schema_and_answers_over_http(served) -> None:
    app, base = served

    async def work(session: ClientSession):
        tools = {t.name: t for t in (await session.list_tools()).tools}
        results = {name: await session.call_tool(name, args) for name, args in CALLS.items()}
        bad = await session.call_tool("kpi_lookup", {"metric": "火星"})
        resources = (await session.list_resources()).resources
        first = await session.read_resource(resources[0].uri)
        return tools, results, bad, resources, first

    tools, results, bad, resources, first = anyio.run(
        _session_run, base, token_for(app.state.services, "admin"), work
    )
    assert set(CALLS) <= set(tools)
    metric = tools["kpi_lookup"].input_schema["properties"]["metric"]
    assert "cac" in json.dumps(metric)  # the workspace's metrics as the enum, as the agent sees them
    for name, result in results.items():
        assert not result.is_error, (name, result.content[0].text[:300])
    assert json.loads(results["kpi_lookup"].content[0].text)["metric"] == "cac"
    assert "[1]" in results["search_knowledge"].content[0].text
    assert json.loads(results["create_draft"].content[0].text)["draft_id"]
    what_if = json.loads(results["budget_scenario"].content[0].text)
    assert what_if["revenue_change"]["high"] < 0 and what_if["period"] == "2027-Q1"
    assert bad.is_error and "is not allowed" in bad.content[0].text  # the agent's validation message
    assert resources and resources[0].uri.startswith("planner://knowledge/")
    assert first.contents[0].text.strip()


def test_an_unauthorised_caller_is_refused_and_roles_hold(served) -> None:
    app, base = served
    with pytest.raises(ExceptionGroup) as err:  # the SDK reports the 401 as an MCPError
        anyio.run(_session_run, base, "not-a-token", lambda s: s.list_tools())
    assert err.group_contains(MCPError, match="error response")
    res = httpx2.post(f"{base}/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    assert res.status_code == 401 and res.headers["www-authenticate"] == "Bearer"

    make_user(app.state.services, "rita", role="reviewer", workspaces=["default"])

    async def draft(session: ClientSession):
        return await session.call_tool("create_draft", CALLS["create_draft"])

    refused = anyio.run(_session_run, base, token_for(app.state.services, "rita"), draft)
    assert refused.is_error and "planner role" in refused.content[0].text


def test_planner_mcp_serves_the_same_tools_over_stdio(settings: Settings, services) -> None:
    if settings.database_url:
        pytest.skip("one database is enough for the protocol")
    make_user(services, "pat", role="planner", workspaces=["default"])
    env = {
        **os.environ,
        "PLANNER_VAR_DIR": str(settings.var_dir),
        "PLANNER_MCP_TOKEN": token_for(services, "pat"),
    }
    params = StdioServerParameters(command=sys.executable, args=["-m", "assistant", "mcp"], env=env)

    async def run():
        async with stdio_client(params) as streams, ClientSession(streams[0], streams[1]) as session:
            await session.initialize()
            names = [t.name for t in (await session.list_tools()).tools]
            result = await session.call_tool("kpi_lookup", CALLS["kpi_lookup"])
            return names, result

    names, result = anyio.run(run)
    assert set(CALLS) <= set(names)
    assert not result.is_error and json.loads(result.content[0].text)["period"] == "2026-Q3"
