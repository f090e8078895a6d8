"""A scripted chat model for the agent's logic: what the model is shown, what it does next.

Queue its replies with `enqueue` (text, or tool calls); every request it gets is kept in
`history` (the messages, system prompt included) and the tools it was bound to in `tools`. No
HTTP: respx and `testkit/llm_fakes.py` are for providers' wire formats only.
"""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field


class ScriptedChatModel(BaseChatModel):
    replies: list[AIMessage] = Field(default_factory=list)
    history: list[list[BaseMessage]] = Field(default_factory=list)
    tools: list[str] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "scripted"

    def enqueue(self, *replies: str | AIMessage) -> ScriptedChatModel:
        """Queue replies, answered in order: a string is a text answer."""
        self.replies += [AIMessage(content=r) if isinstance(r, str) else r for r in replies]
        return self

    @staticmethod
    def tool_call(name: str, args: dict[str, Any], call_id: str = "call_1") -> AIMessage:
        return AIMessage(
            content="", tool_calls=[{"name": name, "args": args, "id": call_id, "type": "tool_call"}]
        )

    def bind_tools(self, tools: Any, **kwargs: Any) -> ScriptedChatModel:
        self.tools = [getattr(t, "name", str(t)) for t in tools]
        return self

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> ChatResult:
        self.history.append(list(messages))
        if not self.replies:
            raise AssertionError(
                f"the scripted model was asked a {len(self.history)}th time with nothing queued"
            )
        return ChatResult(generations=[ChatGeneration(message=self.replies.pop(0))])
