"""One chat turn through the agent loop, as a stream of events, with the conversation stored.

Both engines run here the same way: LangChain's `create_agent` with our tools, streamed with
LangGraph's `messages` (tokens) and `updates` (tool calls and results) modes. Whatever happens,
the user's message and an assistant message (the answer, or the error) are stored, so a failed
turn never loses the conversation.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import re
import uuid
import weakref
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import langsmith
from langchain.agents import create_agent
from langchain.agents.middleware import ModelRequest, dynamic_prompt
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    ToolMessage,
    trim_messages,
)
from langchain_core.utils.function_calling import convert_to_openai_tool
from langgraph.errors import GraphRecursionError
from langsmith.utils import tracing_is_enabled
from sqlalchemy import func, or_, select, update

from assistant.agent_middleware import return_malformed_tool_calls
from assistant.agent_prompt import system_prompt
from assistant.agent_tools import TurnContext, tools_for
from assistant.compat import client_history, history_digest
from assistant.conversations import visible
from assistant.db import Conversation, Message
from assistant.errors import Busy, NotFound, storage_fault
from assistant.factory import dialogue_state_line
from assistant.kb.tokens import count_tokens, tokens_at_most
from assistant.services import Services
from assistant.thinking import ThinkSplitter, strip_think
from assistant.usecases import workspace_context

log = logging.getLogger("planner.chat")
LEASE_S = 60  # a turn's hold on its conversation, renewed every 20 s while it runs
TURN_WAIT_S = 600  # how long a second turn waits for the first before it is refused

# one lock per conversation with a turn running or waiting (weak: a finished conversation's goes away)
_TURN_LOCKS: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()


@dataclass
class Event:
    type: str  # token | tool_start | tool_end | citation | done | error
    data: dict[str, Any]


@dataclass
class TurnResult:
    conversation_id: str
    answer: str = ""
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    citations: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    audit: dict[str, Any] | None = None  # an LLM answer's figures checked against its tools and citations


def _summary(artifact: Any) -> dict[str, Any]:
    """What the UI shows of a tool result: small, structured, without bulky series."""
    if not isinstance(artifact, dict):
        return {}
    if "passages" in artifact:
        return {
            "passages": [
                {k: p[k] for k in ("n", "doc_id", "title", "chunk_id", "score")} for p in artifact["passages"]
            ]
        }
    return {"result": artifact.get("result"), "provenance": artifact.get("provenance")}


def _numbers_in(value: Any) -> list[float]:
    """Every number in a tool result (nested dicts and lists), for the audit of an LLM answer."""
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [float(value)]
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers_in(v)]
    if isinstance(value, list | tuple):
        return [n for v in value for n in _numbers_in(v)]
    return []


def citation_numbers(message: Message) -> list[int]:
    """The citation numbers a stored answer used or was shown (its tools' passages included)."""
    shown = [c["n"] for c in message.citations or []]
    for call in message.tool_calls or []:
        shown += [p["n"] for p in ((call.get("output") or {}).get("passages") or []) if "n" in p]
    return shown


RECORD_CHARS = 1200  # how much of a tool result an earlier turn keeps for the next ones


def record(name: str, content: str) -> str:
    """The compact record of one tool result kept with the answer: what the model read, cut short
    (a search keeps its passages' numbers and titles, not their text)."""
    if name == "search_knowledge":
        heads = re.findall(r"^\[\d+\] [^\n]*", content, re.M)
        return "\n".join(heads)[:RECORD_CHARS]
    return content if len(content) <= RECORD_CHARS else content[:RECORD_CHARS] + "…"


def replay(calls: list[dict[str, Any]]) -> list[BaseMessage]:
    """An earlier turn's tool calls and their recorded results, as the messages the model saw."""
    kept = [c for c in calls if c.get("record") is not None and c.get("id")]
    if not kept:
        return []
    ask = AIMessage(
        content="",
        tool_calls=[{"id": c["id"], "name": c["name"], "args": c.get("args") or {}} for c in kept],
    )
    return [ask] + [
        ToolMessage(
            content=c["record"], tool_call_id=c["id"], name=c["name"], status=c.get("status") or "success"
        )
        for c in kept
    ]


def message_tokens(messages: list[BaseMessage], count: Callable[[str], int] = count_tokens) -> int:
    """Tokens a list of messages takes in a request (content, tool calls, and a few per message);
    with `count=tokens_at_most`, an upper bound."""
    total = 0
    for m in messages:
        total += 4 + count(
            m.content if isinstance(m.content, str) else json.dumps(m.content, ensure_ascii=False)
        )
        if isinstance(m, AIMessage) and m.tool_calls:
            total += count(json.dumps(m.tool_calls, ensure_ascii=False, default=str))
    return total


def cited_numbers(answer: str) -> set[int]:
    return {int(n) for n in re.findall(r"\[(\d{1,3})\]", answer)}


_SECRET = re.compile(r"(sk-|Bearer\s+|api[_-]?key[\"'=:\s]+)[A-Za-z0-9._\-]{6,}", re.I)


def _provider_says(exc: Any) -> str:
    """What the provider's error body says (its message), secrets masked, kept short."""
    body = exc.body
    if isinstance(body, dict):
        detail = body.get("error", body)
        text = detail.get("message") if isinstance(detail, dict) else str(detail)
    else:
        text = str(body or exc.message or "")
    return _SECRET.sub(r"\1***", str(text or ""))[:300]


def _dropped(exc: BaseException) -> bool:
    """A connection that broke mid-stream (worth one retry when nothing reached the user yet)."""
    import openai  # here: only an error path needs it, and the offline engine never loads it

    return isinstance(exc, openai.APIConnectionError | httpx.TransportError) and not isinstance(
        exc, openai.APITimeoutError
    )


def friendly_error(exc: BaseException) -> str:
    import openai

    if isinstance(exc, openai.APITimeoutError | TimeoutError):  # no response, or a stream gone silent
        return "The language model did not answer in time (timeout). Your message is saved; please retry."
    if isinstance(exc, openai.RateLimitError):
        return (
            "The language model is rate-limiting requests (429). Your message is saved; please retry shortly."
        )
    if isinstance(exc, openai.APIStatusError):
        said = _provider_says(exc)
        return (
            f"The language model endpoint returned an error ({exc.status_code})"
            + (f": {said}" if said else "")
            + ". Your message is saved; please retry."
        )
    if isinstance(exc, openai.APIConnectionError):
        return "Cannot reach the language model endpoint. Check PLANNER_LLM_BASE_URL; your message is saved."
    if isinstance(exc, GraphRecursionError):
        return "The assistant took too many steps without finishing and was stopped. Please rephrase the request."
    return f"The assistant failed: {type(exc).__name__}: {exc}"


def workspace_model(services: Services, workspace: str) -> BaseChatModel:
    """The chat model for one workspace. The offline engine names regions and channels in the
    workspace's own vocabulary, read at each turn (an LLM reads them from its tools' results)."""
    model = services.chat_model
    bind = getattr(model, "for_workspace", None)
    if bind is None:
        return model
    return bind(lambda: workspace_context(services, workspace), services.settings.today_date)


@dynamic_prompt
def turn_prompt(request: ModelRequest[TurnContext]) -> str:
    """The system prompt rendered for this turn (`assistant/agent_prompt.py`)."""
    return getattr(request.runtime.context, "system_prompt", "") or ""


async def _inline_when_untraced(
    default: Callable[..., Any],
    ctx: contextvars.Context,
    func: Callable[..., Any],
    /,
    *args: Any,
    **kwargs: Any,
) -> Any:
    """LangSmith's `traceable` wraps the agent's model-call middleware and opens and closes a run
    for it in a worker thread, twice per model call, even when nothing is traced. Untraced, that
    bookkeeping is a few dictionary lookups: it runs inline (LangSmith's documented runtime
    override), and a traced deployment keeps LangSmith's own threads."""
    if tracing_is_enabled():
        return await default(ctx, func, *args, **kwargs)
    return ctx.run(func, *args, **kwargs)


class ChatService:
    def __init__(self, services: Services, *, workspace: str) -> None:
        self.services = services
        self.workspace = workspace
        self._agent: tuple[int, Any] | None = None  # (data set version, agent)
        self._tools_schema = ""

    @property
    def agent(self) -> Any:
        """The agent for the workspace's current data: its tool schemas list the workspace's own
        metrics, regions and channels, so a new import builds a new one."""
        return self._agent_for(self.services.kpis.version(self.workspace))

    def _agent_for(self, version: int) -> Any:
        if self._agent is None or self._agent[0] != version:
            langsmith.set_runtime_overrides(aio_to_thread=_inline_when_untraced)
            tools = tools_for(self.services, self.workspace, version)
            agent = create_agent(
                workspace_model(self.services, self.workspace),
                tools,
                middleware=[turn_prompt, return_malformed_tool_calls],
                context_schema=TurnContext,
            )
            self._agent = (version, agent)
            self._tools_schema = json.dumps([convert_to_openai_tool(t) for t in tools], ensure_ascii=False)
        return self._agent[1]

    def check_conversation(self, conversation_id: str | None, *, user_id: int | None = None) -> None:
        if conversation_id is None:
            return
        with self.services.sessions() as s:
            if not visible(s.get(Conversation, conversation_id), self.workspace, user_id):
                raise NotFound(f"conversation {conversation_id} not found")

    # -- storage ----------------------------------------------------------------------------
    def _history(
        self, conversation_id: str | None, text: str, user_id: int | None
    ) -> tuple[str, list[BaseMessage], int, list[tuple[str, str]]]:
        """The conversation so far as the model should see it, with the new question stored.

        Each earlier answer comes back with the compact record of its tool calls; roles alternate
        (a question whose turn failed is left out: the retry asks it again). Also returns where
        this turn's citation numbers start, and the turns a chat client sent that we did not write
        (`origin: client`): those are quoted context, never the model's own earlier answers."""
        with self.services.sessions.begin() as s:
            conv = s.get(Conversation, conversation_id) if conversation_id else None
            if conversation_id and not visible(conv, self.workspace, user_id):
                raise NotFound(f"conversation {conversation_id} not found")
            if conv is None:
                conv = Conversation(  # messages=[]: a new conversation's are not read back
                    workspace=self.workspace,
                    user_id=user_id,
                    title=text.strip()[:60],
                    history_digest=history_digest([]),
                    messages=[],
                )
                s.add(conv)
                s.flush()
            history: list[BaseMessage] = []
            quoted: list[tuple[str, str]] = []
            base = 0
            for m in conv.messages:
                if m.origin == "client":
                    quoted.append((m.role, m.content))
                    continue
                if m.role == "user":
                    if history and isinstance(history[-1], HumanMessage):
                        history.pop()  # unanswered
                    history.append(HumanMessage(m.content))
                    continue
                base = max([base, *citation_numbers(m)])
                if not m.content:  # a failed turn: drop its question too
                    if history and isinstance(history[-1], HumanMessage):
                        history.pop()
                    continue
                if history and isinstance(history[-1], HumanMessage):
                    history += replay(m.tool_calls or [])
                    history.append(AIMessage(m.content))
            if history and isinstance(history[-1], HumanMessage):
                history.pop()
            s.add(Message(conversation_id=conv.id, seq=len(conv.messages), role="user", content=text))
            return conv.id, [*history, HumanMessage(text)], base, quoted

    def trim(self, messages: list[BaseMessage], system_prompt: str) -> list[BaseMessage]:
        """Keep the latest history that fits the context budget (`PLANNER_LLM_CONTEXT_TOKENS`) once
        the system prompt, the tool schemas, the answer (`PLANNER_LLM_MAX_TOKENS`) and a quarter of
        the budget for this turn's own tool results are set aside. The new question always stays."""
        settings = self.services.settings
        room = settings.llm_context_tokens - settings.llm_max_tokens - settings.llm_context_tokens // 4
        fixed = (system_prompt, self._tools_schema)
        if sum(map(tokens_at_most, fixed)) + message_tokens(messages, tokens_at_most) <= room:
            return messages  # fits even counted as bytes: no need to tokenize
        budget = room - sum(map(count_tokens, fixed))
        *earlier, question = messages
        kept = trim_messages(
            earlier,
            max_tokens=max(budget - message_tokens([question]), 0),
            token_counter=message_tokens,
            strategy="last",
            start_on="human",
            end_on="ai",
            allow_partial=False,
        )
        return [*kept, question]

    def _store_answer(self, result: TurnResult, question: str) -> None:
        with self.services.sessions.begin() as s:
            conv = s.get(Conversation, result.conversation_id)
            assert conv is not None
            # counted, not loaded: a long conversation's messages need not be read and decrypted
            seq = s.scalar(select(func.count()).where(Message.conversation_id == conv.id))
            s.add(
                Message(
                    conversation_id=conv.id,
                    seq=seq,
                    role="assistant",
                    content=result.answer,
                    tool_calls=result.tool_calls,
                    citations=result.citations,
                    engine=self.services.engine,
                    model=self.services.model_name,
                    error=result.error,
                    audit=result.audit,
                )
            )
            if result.answer and conv.history_digest is not None:  # a failed turn is not shown back
                conv.history_digest = history_digest(
                    [("user", question), ("assistant", result.answer)], start=conv.history_digest
                )
            conv.updated_at = conv.updated_at  # touch via onupdate

    # -- the turn ---------------------------------------------------------------------------
    def _prepare(
        self, conversation_id: str | None, text: str, user_id: int | None
    ) -> tuple[str, list[BaseMessage], int, str, Any]:
        """What a turn reads before the model is called (the history with the question stored,
        the system prompt, the agent for the current data), in one trip to a worker thread: the
        database work must not hold up the event loop, which streams other turns meanwhile."""
        conversation_id, messages, base, quoted = self._history(conversation_id, text, user_id)
        ctx = workspace_context(self.services, self.workspace)
        prompt = system_prompt(self.services, self.workspace, ctx, self._state(messages, ctx))
        prompt += client_history(quoted)
        return conversation_id, messages, base, prompt, self._agent_for(ctx.data.version)

    def _state(self, messages: list[BaseMessage], ctx: Any) -> str:
        """For an LLM, the dialogue state of a follow-up as one line of its prompt (the offline
        engine computes it itself)."""
        if getattr(self.services.chat_model, "_llm_type", "") == "planner-offline":
            return ""
        return dialogue_state_line(messages, ctx, self.services.settings.today_date())

    async def stream(
        self, text: str, *, conversation_id: str | None = None, user_id: int | None = None
    ) -> AsyncIterator[Event]:
        """One turn. Turns in the same conversation run one after another (a double-clicked send
        waits for the first), so messages keep their order and sequence numbers."""
        try:
            if conversation_id is None:
                async for event in self._turn(text, conversation_id=None, user_id=user_id):
                    yield event
                return
            lock = _TURN_LOCKS.setdefault(conversation_id, asyncio.Lock())
            async with lock, self._turn_lease(conversation_id):
                async for event in self._turn(text, conversation_id=conversation_id, user_id=user_id):
                    yield event
        except Exception as exc:  # storage failed before or after the model: the stream still ends well
            message = storage_fault(exc)
            if message is None:
                raise
            log.error("chat turn in workspace %s could not be stored: %s", self.workspace, exc)
            yield Event("error", {"message": message, "conversation_id": conversation_id})

    @asynccontextmanager
    async def _turn_lease(self, conversation_id: str) -> AsyncIterator[None]:
        """Hold the conversation's turn lease while a turn runs, across workers and processes: the
        database row says which turn runs (an atomic UPDATE takes it when free or expired), so a
        second turn waits for the first and messages keep their order on SQLite and PostgreSQL.
        The lease is renewed while the turn runs and expires if its worker dies."""
        token = uuid.uuid4().hex
        waited, delay = 0.0, 0.02
        while not await asyncio.to_thread(self._take_lease, conversation_id, token):
            if waited > TURN_WAIT_S:
                raise Busy("another turn in this conversation is still running: try again when it ends")
            await asyncio.sleep(delay)
            waited, delay = waited + delay, min(delay * 2, 0.5)

        async def renew() -> None:
            while True:
                await asyncio.sleep(LEASE_S / 3)
                await asyncio.to_thread(self._take_lease, conversation_id, token)

        keeper = asyncio.create_task(renew())
        try:
            yield
        finally:
            keeper.cancel()
            await asyncio.shield(asyncio.to_thread(self._release_lease, conversation_id, token))

    def _take_lease(self, conversation_id: str, token: str) -> bool:
        now = datetime.now(UTC)
        with self.services.sessions.begin() as s:
            taken = s.execute(
                update(Conversation)
                .where(
                    Conversation.id == conversation_id,
                    or_(
                        Conversation.turn_lease.is_(None),
                        Conversation.turn_lease == token,
                        Conversation.turn_until < now,
                    ),
                )
                .values(turn_lease=token, turn_until=now + timedelta(seconds=LEASE_S))
                .execution_options(synchronize_session=False)
            )
            return taken.rowcount == 1

    def _release_lease(self, conversation_id: str, token: str) -> None:
        with self.services.sessions.begin() as s:
            s.execute(
                update(Conversation)
                .where(Conversation.id == conversation_id, Conversation.turn_lease == token)
                .values(turn_lease=None, turn_until=None)
                .execution_options(synchronize_session=False)
            )

    async def _turn(
        self, text: str, *, conversation_id: str | None, user_id: int | None
    ) -> AsyncIterator[Event]:
        conversation_id, messages, base, prompt, agent = await asyncio.to_thread(
            self._prepare, conversation_id, text, user_id
        )
        assert conversation_id is not None  # `_prepare` returns the conversation's id
        messages = self.trim(messages, prompt)
        result = TurnResult(conversation_id=conversation_id)
        passages: dict[int, dict[str, Any]] = {}
        artifacts: list[Any] = []
        said: list[str] = []  # what the model wrote: before its tool calls, and the final answer
        emitted = False
        limit = 2 * self.services.settings.agent_max_steps + 1
        context = TurnContext(user_id=user_id, citation_base=base, system_prompt=prompt)
        for attempt in (1, 2):
            think = ThinkSplitter()
            try:
                async for mode, payload in agent.astream(
                    {"messages": messages},
                    stream_mode=["messages", "updates"],
                    config={"recursion_limit": limit},
                    context=context,
                ):
                    if mode == "messages":
                        chunk, meta = payload
                        if not isinstance(chunk, AIMessageChunk) or meta.get("langgraph_node") != "model":
                            continue
                        if reasoning := chunk.additional_kwargs.get("reasoning_content"):
                            emitted = True
                            yield Event("thinking", {"text": reasoning})
                        if isinstance(chunk.content, str) and chunk.content:
                            for kind, piece in think.feed(chunk.content):
                                emitted = True
                                yield Event("token" if kind == "answer" else "thinking", {"text": piece})
                        continue
                    for node, update in payload.items():
                        for msg in (update or {}).get("messages", []):
                            if isinstance(msg, AIMessage) and node == "model":
                                words = strip_think(
                                    msg.text if isinstance(msg.text, str) else str(msg.content)
                                )
                                if words:
                                    said.append(words)
                                for call in msg.tool_calls:
                                    entry = {"id": call["id"], "name": call["name"], "args": call["args"]}
                                    result.tool_calls.append(entry)
                                    emitted = True
                                    yield Event("tool_start", entry)
                            elif isinstance(msg, ToolMessage):
                                if isinstance(msg.artifact, dict):
                                    artifacts.append(msg.artifact.get("result"))
                                    for p in msg.artifact.get("passages", []):
                                        passages[p["n"]] = p
                                summary = _summary(msg.artifact)
                                for entry in result.tool_calls:
                                    if entry["id"] == msg.tool_call_id:
                                        entry.update(
                                            status=msg.status,
                                            output=summary,
                                            record=record(msg.name or "", str(msg.content)),
                                        )
                                yield Event(
                                    "tool_end",
                                    {
                                        "id": msg.tool_call_id,
                                        "name": msg.name,
                                        "status": msg.status,
                                        "output": summary,
                                        "content": str(msg.content)[:2000],
                                    },
                                )
                for kind, piece in think.flush():
                    yield Event("token" if kind == "answer" else "thinking", {"text": piece})
                break
            except Exception as exc:  # every failure ends the turn cleanly and is stored
                if attempt == 1 and not emitted and _dropped(exc):
                    log.info("the model's stream dropped before any output; retrying once")
                    continue
                log.warning(
                    "chat turn failed in workspace %s (conversation %s)",
                    self.workspace,
                    conversation_id,
                    exc_info=exc,
                )
                result.error = friendly_error(exc)
                break
        result.answer = "\n\n".join(said)
        result.citations = [
            {
                "n": n,
                "doc_id": p["doc_id"],
                "title": p["title"],
                "chunk_id": p["chunk_id"],
                "heading": p.get("heading", ""),
                "text": p["text"],
            }
            for n, p in sorted(passages.items())
            if n in cited_numbers(result.answer)
        ]
        result.audit = self._audit(result, artifacts)
        await asyncio.to_thread(self._store_answer, result, text)
        for c in result.citations:
            yield Event("citation", c)
        if result.audit is not None:
            yield Event("audit", result.audit)
        if result.error:
            yield Event("error", {"message": result.error, "conversation_id": conversation_id})
        yield Event(
            "done",
            {
                "conversation_id": conversation_id,
                "engine": self.services.engine,
                "model": self.services.model_name,
                "answer": result.answer,
                "error": result.error,
                "audit": result.audit,
            },
        )

    def _audit(self, result: TurnResult, artifacts: list[Any]) -> dict[str, Any] | None:
        """An LLM's figures against the tool results and cited passages of the turn (the offline
        engine only copies figures, so its answers are not audited)."""
        if self.services.engine != "llm" or not result.answer:
            return None
        from assistant.drafts.numbers import NumberRef, NumberSource, audit_text

        src = NumberSource(type="tool")
        numbers = [NumberRef(text=repr(v), value=v, source=src) for v in _numbers_in(artifacts)]
        cited = {c["n"]: f"{c['title']} {c.get('heading', '')} {c['text']}" for c in result.citations}
        checked, _ = audit_text(result.answer, numbers, cited)
        return checked.model_dump()

    async def ask(
        self, text: str, *, conversation_id: str | None = None, user_id: int | None = None
    ) -> TurnResult:
        out = TurnResult(conversation_id="")
        async for ev in self.stream(text, conversation_id=conversation_id, user_id=user_id):
            if ev.type == "tool_start":
                out.tool_calls.append({"name": ev.data["name"], "args": ev.data["args"]})
            elif ev.type == "citation":
                out.citations.append(ev.data)
            elif ev.type == "done":
                out.conversation_id, out.answer, out.error = (
                    ev.data["conversation_id"],
                    ev.data["answer"],
                    ev.data["error"],
                )
                out.audit = ev.data.get("audit")
        return out
