"""Agent middleware: keep the loop alive when the model emits a malformed tool call."""

from __future__ import annotations

from typing import Any

from langchain.agents.middleware import AgentState, after_model
from langchain_core.messages import AIMessage, ToolMessage
from langgraph.runtime import Runtime


@after_model(can_jump_to=["model"])
def return_malformed_tool_calls(state: AgentState, runtime: Runtime[Any]) -> dict[str, Any] | None:
    """A tool call whose arguments are not valid JSON goes back to the model as an error result,
    so it can call again, instead of being dropped (which would end the turn silently)."""
    last = state["messages"][-1]
    if not isinstance(last, AIMessage) or not last.invalid_tool_calls:
        return None
    errors = [
        ToolMessage(
            content=f"Error: the arguments of {c.get('name') or 'this tool call'} are not valid JSON "
            f"({c.get('error') or 'could not parse'}). Call the tool again with a JSON object of arguments.",
            tool_call_id=c.get("id") or "invalid",
            name=c.get("name") or "unknown",
            status="error",
        )
        for c in last.invalid_tool_calls
    ]
    return {"messages": errors} if last.tool_calls else {"messages": errors, "jump_to": "model"}
