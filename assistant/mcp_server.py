"""The assistant's tools and knowledge over the Model Context Protocol (the official `mcp` SDK).

The tools are the registry's (`assistant/toolbox.py`), called directly with the caller as their
`TurnDeps`: the same typed schemas as the agent's (its LangChain adapter's, per data version), the
workspace's own metrics, regions and channels as enums, the same validation messages and the same
role checks, which are the use cases' (creating a draft needs the planner role). The caller is a product user: over HTTP
(`/mcp` on the web server) from an API token as the bearer key and the `X-Workspace` header; over
stdio (`planner mcp`) from `PLANNER_MCP_TOKEN`. Resources are the company knowledge documents.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import mcp_types as types
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from mcp.server.lowlevel import Server
from pydantic import ValidationError

from assistant import toolbox
from assistant.accounts import AuthError, Principal
from assistant.agent_tools import invalid_arguments, tools_for
from assistant.errors import NotFound, PlannerError
from assistant.kb.documents import parse_document
from assistant.kb.ingest import knowledge_files
from assistant.services import Services

RESOURCE_PREFIX = "planner://knowledge/"

# Who is calling, from the MCP request: (principal, workspace asked for or None).
Caller = Callable[[Any], tuple[Principal, str | None]]


def bearer_caller(services: Services) -> Caller:
    """Over HTTP: the API token in `Authorization: Bearer …`, the workspace in `X-Workspace`."""

    def caller(ctx: Any) -> tuple[Principal, str | None]:
        request = getattr(ctx, "request", None)
        header = request.headers.get("authorization", "") if request is not None else ""
        if not header.lower().startswith("bearer "):
            raise AuthError("send an API token as `Authorization: Bearer <token>`")
        assert request is not None  # without a request there is no header: refused above
        return services.accounts.authenticate(header[7:].strip()), request.headers.get("x-workspace")

    return caller


def fixed_caller(services: Services, token: str, workspace: str | None) -> Caller:
    """Over stdio: the token (and workspace) from the environment, checked once per call."""
    return lambda _ctx: (services.accounts.authenticate(token), workspace)


def build_server(services: Services, caller: Caller) -> Server:
    def who(ctx: Any) -> tuple[Principal, str]:
        principal, wanted = caller(ctx)
        return principal, principal.workspace(wanted)

    def tools_by_name(workspace: str) -> dict[str, BaseTool]:
        return {t.name: t for t in tools_for(services, workspace, services.kpis.version(workspace))}

    async def list_tools(ctx: Any, _params: Any) -> types.ListToolsResult:
        _, workspace = who(ctx)
        out = []
        for t in tools_by_name(workspace).values():
            spec = convert_to_openai_tool(t)["function"]  # the schema the agent's model reads
            out.append(
                types.Tool(
                    name=t.name, description=spec.get("description", ""), input_schema=spec["parameters"]
                )
            )
        return types.ListToolsResult(tools=out)

    async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        principal, workspace = who(ctx)
        tool = tools_by_name(workspace).get(params.name)
        if tool is None:
            return _error(f"unknown tool {params.name!r}")
        # the registry's function itself, with the arguments checked by the same schema the agent's
        # model gets; who calls is the deps' user (the use case checks the role)
        try:
            args = tool.tool_call_schema.model_validate(dict(params.arguments or {})).model_dump()  # type: ignore[union-attr]
        except ValidationError as e:
            return _error(invalid_arguments(e))
        deps = toolbox.TurnDeps(services, workspace, user_id=principal.id)
        try:
            text, _ = await asyncio.to_thread(REGISTRY[params.name], deps, **args)
        except PlannerError as e:
            return _error(str(e))
        return types.CallToolResult(content=[types.TextContent(type="text", text=text)], is_error=False)

    def documents() -> dict[str, Any]:
        root = services.settings.knowledge_dir
        return {d.meta.id: d for d in (parse_document(p, root=root) for p in knowledge_files(root))}

    async def list_resources(ctx: Any, _params: Any) -> types.ListResourcesResult:
        who(ctx)
        return types.ListResourcesResult(
            resources=[
                types.Resource(
                    uri=f"{RESOURCE_PREFIX}{d.meta.id}",
                    name=d.meta.id,
                    title=d.meta.title,
                    description=f"{d.meta.type} · {', '.join(d.meta.tags)}",
                    mime_type="text/markdown",
                )
                for d in documents().values()
            ]
        )

    async def read_resource(ctx: Any, params: types.ReadResourceRequestParams) -> types.ReadResourceResult:
        who(ctx)
        uri = str(params.uri)
        doc = documents().get(uri.removeprefix(RESOURCE_PREFIX)) if uri.startswith(RESOURCE_PREFIX) else None
        if doc is None:
            raise NotFound(f"no knowledge document {uri}")
        return types.ReadResourceResult(
            contents=[types.TextResourceContents(uri=uri, mime_type="text/markdown", text=doc.body)]
        )

    return Server(
        "planner-assistant",
        version="0.1.0",
        instructions=(
            "Marketing and promotion planning tools over one workspace's KPI data and the company's "
            "playbooks, case studies and policies. Cite knowledge passages as [n]."
        ),
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_resources=list_resources,
        on_read_resource=read_resource,
    )


REGISTRY: dict[str, Callable[..., toolbox.Out]] = {fn.__name__: fn for fn in toolbox.TOOLS}


def _error(message: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=message)], is_error=True)
