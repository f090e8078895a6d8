"""The offline engine: a deterministic LangChain chat model that plans tool calls by rules and
writes grounded answers from templates.

It runs in the same agent loop as an LLM: on a new request it emits real tool calls (chosen by
the bilingual rules in `intents.py`); when the tool results are back it may ask for more (an
adjustment report diagnoses the KPIs that the first lookups found off target), and finally it
renders the Jinja2 template for the intent from `prompts/offline/`, filled with the tool results
and the retrieved passages, citing them as [n]. Every figure in its answer is copied from a tool
result or a cited passage.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict

from assistant.engine.compose import composer_for
from assistant.engine.intents import Intent, Vocabulary, dialogue
from assistant.engine.planner import next_calls
from assistant.engine.understand import Shown
from assistant.settings import OFFLINE_MODEL

MODEL_NAME = OFFLINE_MODEL


def shown_by_turn(messages: Sequence[BaseMessage]) -> list[Shown]:
    """What each answered request's answer showed (its tool results), oldest first."""
    shown: list[Shown] = []
    outputs: list[dict[str, Any]] | None = None
    for msg in messages:
        if isinstance(msg, HumanMessage):
            if outputs is not None:
                shown.append(Shown.of(outputs))
            outputs = []
        elif isinstance(msg, ToolMessage) and outputs is not None:
            outputs.append(_parse(msg))
    return shown


def vocabulary_of(ctx: Any, today: date) -> Vocabulary:
    """A workspace's vocabulary (its WorkspaceContext's regions, channels, data window and the
    metrics it has targets for)."""
    return Vocabulary.of(
        ctx.regions,
        ctx.channels,
        covered_until=ctx.window.covered_until.date() if ctx.window else None,
        today=today,
        targeted=[m for m in dict.fromkeys(ctx.targets["metric"]) if not ctx.metrics or m in ctx.metrics],
        aliases=ctx.policy.aliases,
    )


def dialogue_state(messages: Sequence[BaseMessage], vocabulary: Vocabulary) -> Intent:
    """The dialogue state after the conversation's latest request: a follow-up inherits the
    earlier requests' slots and can point at what their answers showed (last six requests)."""
    requests, _, _ = _turn(messages)
    shown = shown_by_turn(messages)
    first = max(0, len(requests) - 6)
    return dialogue(requests[first:], vocabulary, vocabulary.today or date.today(), shown=shown[first:])


def state_line(intent: Intent, shown: Shown | None = None) -> str:
    """The dialogue state in one line, for an LLM's prompt beside the history: what the rules
    understood the latest request to ask, with the slots it inherited."""
    slots = {
        "type": intent.kind,
        "metric": intent.metric,
        "period": intent.period,
        "region": intent.region,
        "channel": intent.channel,
        "compare": intent.compare,
        "amount": intent.amount,
        "by": intent.by,
        "order": intent.order,
        "absent": intent.extra.get("absent"),
    }
    line = "; ".join(f"{k}={v}" for k, v in slots.items() if v not in (None, ""))
    if shown and shown.names:
        line += f"; last answer ranked {shown.by}s: " + " > ".join(shown.names[:6])
    return line


def _turn(messages: Sequence[BaseMessage]) -> tuple[list[str], list[ToolMessage], list[AIMessage]]:
    """The conversation's requests (oldest first, the latest last) and the tool results and
    tool-calling steps that followed the latest."""
    results: list[ToolMessage] = []
    steps: list[AIMessage] = []
    requests = [str(m.content) for m in messages if isinstance(m, HumanMessage)]
    for msg in reversed(messages):
        if isinstance(msg, HumanMessage):
            break
        if isinstance(msg, ToolMessage):
            results.append(msg)
        elif isinstance(msg, AIMessage) and msg.tool_calls:
            steps.append(msg)
    return requests or [""], list(reversed(results)), list(reversed(steps))


class OfflineChatModel(BaseChatModel):
    """Rules for choosing tools, templates for answering; no network, no weights."""

    model_config = ConfigDict(arbitrary_types_allowed=True)
    prompts_dir: Path
    chunk_chars: int = 6
    max_steps: int = 3
    # the workspace's regions and channels, read at each turn (an import can change them)
    vocabulary: Callable[[], Vocabulary] | None = None

    def for_workspace(self, context: Callable[[], Any], today: Callable[[], date]) -> OfflineChatModel:
        """This engine speaking one workspace's vocabulary: `context` gives its WorkspaceContext
        (regions, channels, data window) at each turn, as an import can change them."""

        return self.model_copy(update={"vocabulary": lambda: vocabulary_of(context(), today())})

    @property
    def _llm_type(self) -> str:
        return "planner-offline"

    @property
    def model_name(self) -> str:
        return MODEL_NAME

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> Any:  # the rules know the tools by name
        return self

    def _respond(self, messages: list[BaseMessage]) -> AIMessage:
        _, results, steps = _turn(messages)
        vocabulary = self.vocabulary() if self.vocabulary else Vocabulary()
        intent = dialogue_state(messages, vocabulary)
        outputs = [_parse(r) for r in results]
        if len(steps) < self.max_steps:
            calls = next_calls(intent, outputs, step=len(steps), vocabulary=vocabulary)
            if calls:
                return AIMessage(
                    content="",
                    tool_calls=[
                        {
                            "name": name,
                            "args": args,
                            "id": f"call_{uuid.uuid4().hex[:12]}",
                            "type": "tool_call",
                        }
                        for name, args in calls
                    ],
                )
        answer = composer_for(Path(self.prompts_dir)).compose(intent, outputs)
        return AIMessage(content=answer, response_metadata={"model_name": MODEL_NAME})

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=self._respond(messages))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        msg = self._respond(messages)
        if msg.tool_calls:
            chunk = AIMessageChunk(
                content="",
                tool_call_chunks=[
                    {
                        "name": c["name"],
                        "args": json.dumps(c["args"], ensure_ascii=False),
                        "id": c["id"],
                        "index": i,
                        "type": "tool_call_chunk",
                    }
                    for i, c in enumerate(msg.tool_calls)
                ],
            )
            yield ChatGenerationChunk(message=chunk)
            return
        text = str(msg.content)
        for i in range(0, len(text), self.chunk_chars):
            piece = text[i : i + self.chunk_chars]
            generation = ChatGenerationChunk(message=AIMessageChunk(content=piece))
            if run_manager:
                run_manager.on_llm_new_token(piece, chunk=generation)
            yield generation
        yield ChatGenerationChunk(
            message=AIMessageChunk(
                content="", response_metadata={"model_name": MODEL_NAME, "finish_reason": "stop"}
            )
        )


def _parse(msg: ToolMessage) -> dict[str, Any]:
    """A tool result as the composer sees it: name, structured artifact, or the error text."""
    out: dict[str, Any] = {"name": msg.name, "status": getattr(msg, "status", "success")}
    if isinstance(msg.artifact, dict):
        out.update(msg.artifact)
    if out["status"] == "error" or not isinstance(msg.artifact, dict):
        out["error"] = str(msg.content)
    return out
