"""The registry's tools (`assistant/toolbox.py`) adapted to LangChain, for the agent and MCP.

The schemas a model sees are typed from the workspace: `metric`, `region` and `channel` are enums
of its own metrics, regions and channels, periods have a pattern, counts have bounds, and each
argument's description comes from the Google-style docstring (`parse_docstring`). A value outside
the schema, or a use case's refusal, goes back to the model as a short error it can correct.
Citation numbers run on across a conversation: this adapter counts where each call's start.

(No `from __future__ import annotations` here: the annotations are evaluated when the tools are
built, so they can name the workspace's own values.)
"""

import functools
import inspect
import types
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union, get_args, get_origin, get_type_hints

from langchain.tools import ToolRuntime
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import BaseTool, ToolException, tool
from pydantic import ValidationError

from assistant import toolbox
from assistant.errors import PlannerError
from assistant.services import Services
from assistant.usecases import workspace_context

if TYPE_CHECKING:
    from pydantic.v1 import ValidationError as ValidationErrorV1


def _citation_offset(runtime: ToolRuntime[Any] | None) -> int:
    """Where this call's citation numbers start, so that [n] is unique within a conversation.

    The turn starts after the numbers earlier turns used (`TurnContext.citation_base`); earlier
    steps of this turn count their actual passages; searches issued earlier in the same step (they
    run in parallel, so their results are not in yet) reserve their `k`.
    """
    if runtime is None:
        return 0
    n = getattr(runtime.context, "citation_base", 0) or 0
    messages = runtime.state.get("messages", [])
    for msg in reversed(messages):
        if isinstance(msg, HumanMessage):
            break
        if (
            isinstance(msg, ToolMessage)
            and msg.name in ("search_knowledge", "create_draft")
            and isinstance(msg.artifact, dict)
        ):
            n += len(msg.artifact.get("passages", []))
    step = next((m for m in reversed(messages) if isinstance(m, AIMessage) and m.tool_calls), None)
    if step is not None:
        for call in step.tool_calls:
            if call["id"] == runtime.tool_call_id:
                break
            if call["name"] == "search_knowledge":
                n += max(1, min(int(call["args"].get("k") or 5), 10))
    return n


@dataclass(frozen=True)
class TurnContext:
    """What a turn's tools and prompt need beyond the workspace: who is asking (a draft's author),
    where this turn's citation numbers start (they run on across a conversation), and the system
    prompt rendered for this turn."""

    user_id: int | None = None
    citation_base: int = 0
    system_prompt: str = ""


def _choice(values: tuple[str, ...]) -> Any:
    """An enum of the workspace's values (a plain string where it has none)."""
    return Literal[values] if values else str


def invalid_arguments(error: "ValidationError | ValidationErrorV1") -> str:
    """A schema violation as the model should read it: which argument, what was given, what is allowed."""
    parts = []
    for e in error.errors():
        where = ".".join(str(x) for x in e["loc"])
        allowed = (e.get("ctx") or {}).get("expected")
        parts.append(
            f"{where}: {e.get('input')!r} is not allowed"
            + (f"; use one of {allowed}" if allowed else f" ({e['msg']})")
        )
    return "Error: " + "; ".join(parts) + ". Call the tool again with valid arguments."


TOOL_NAMES = toolbox.TOOL_NAMES


def build_tools(services: Services, *, workspace: str) -> list[BaseTool]:
    """The registry's tools (`assistant/toolbox.py`) as LangChain tools over one workspace: the
    schemas carry its metrics, regions and channels as enums; each call gets its `TurnDeps` from
    the agent's runtime (who asks, where its citation numbers start)."""
    shape = workspace_context(services, workspace)
    enums = {
        toolbox.Metric: _choice(shape.metrics),
        toolbox.Region: _choice(shape.regions),
        toolbox.Channel: _choice(shape.channels),
    }
    tools = [_langchain_tool(fn, services, workspace, enums) for fn in toolbox.TOOLS]
    for t in tools:
        # Bad arguments (unknown metric, bad period, no data) go back to the model as an error
        # result it can correct, instead of ending the turn.
        t.handle_tool_error = True
        t.handle_validation_error = invalid_arguments
    return tools


@functools.lru_cache(maxsize=32)
def tools_for(services: Services, workspace: str, version: int) -> list[BaseTool]:
    """The workspace's tools for one version of its data (their enums are its values): built once
    per version, shared by the agent and MCP."""
    return build_tools(services, workspace=workspace)


def _langchain_tool(
    fn: Callable[..., Any], services: Services, workspace: str, enums: dict[Any, Any]
) -> BaseTool:
    """One registry function as a LangChain tool: its signature without `deps`, with the
    workspace's enums, plus the runtime LangChain injects; its docstring as the description."""
    hints = get_type_hints(fn, include_extras=True)
    params = [
        p.replace(annotation=_with_enums(hints[name], enums))
        for name, p in inspect.signature(fn).parameters.items()
        if name != "deps"
    ]
    runtime = inspect.Parameter(
        "runtime", inspect.Parameter.KEYWORD_ONLY, default=None, annotation=ToolRuntime[TurnContext]
    )

    def call(**kwargs: Any) -> Any:
        rt = kwargs.pop("runtime", None)
        deps = toolbox.TurnDeps(
            services,
            workspace,
            user_id=getattr(getattr(rt, "context", None), "user_id", None),
            citation_start=_citation_offset(rt),
        )
        try:
            return fn(deps, **kwargs)
        except PlannerError as e:
            raise ToolException(str(e)) from e

    call.__name__ = fn.__name__
    call.__doc__ = fn.__doc__
    call.__signature__ = inspect.Signature([*params, runtime], return_annotation=tuple[str, dict])  # type: ignore[attr-defined]
    call.__annotations__ = {p.name: p.annotation for p in [*params, runtime]} | {"return": tuple[str, dict]}
    return tool(response_format="content_and_artifact", parse_docstring=True)(call)


def _with_enums(hint: Any, enums: dict[Any, Any]) -> Any:
    """A type with the registry's placeholders (Metric, Region, Channel) made the workspace's."""
    if hint in enums:
        return enums[hint]
    origin, args = get_origin(hint), get_args(hint)
    if origin is Annotated:
        return Annotated[(_with_enums(args[0], enums), *hint.__metadata__)]
    if origin in (Union, types.UnionType):
        return Union[tuple(_with_enums(a, enums) for a in args)]  # noqa: UP007
    return hint
