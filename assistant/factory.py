"""The one place that builds the chat model and the embedder from settings.

Tests and evals swap engines here, never by patching call sites.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import SecretStr

from assistant.settings import Settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel


class Embedder(Protocol):
    """What the knowledge index needs of an embedder: LangChain's `Embeddings` (the OpenAI
    compatible one) and our offline `HashingEmbeddings` both are."""

    def embed_documents(self, texts: list[str]) -> list[list[float]]: ...

    def embed_query(self, text: str) -> list[float]: ...


def build_chat_model(settings: Settings) -> BaseChatModel:
    if settings.engine == "offline":
        from assistant.engine.offline import OfflineChatModel

        return OfflineChatModel(prompts_dir=settings.prompts_dir)
    from assistant.llm import build_llm

    return build_llm(settings)


def dialogue_state_line(messages: list[Any], ctx: Any, today: date) -> str:
    """For an LLM: the dialogue state of a follow-up as one line of its prompt, from the offline
    engine's understanding (the rules both engines share); empty for a first question."""
    from langchain_core.messages import HumanMessage

    from assistant.engine.offline import dialogue_state, shown_by_turn, state_line, vocabulary_of

    if sum(isinstance(m, HumanMessage) for m in messages) < 2:
        return ""
    shown = shown_by_turn(messages)
    return state_line(dialogue_state(messages, vocabulary_of(ctx, today)), shown[-1] if shown else None)


def name_words(ctx: Any, today: date) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """The words that name each of a workspace's regions and channels in a request."""
    from assistant.engine.offline import vocabulary_of

    vocabulary = vocabulary_of(ctx, today)
    return vocabulary.regions, vocabulary.channels


def build_embedder(settings: Settings) -> Embedder:
    if settings.embedding_backend == "openai":
        from langchain_openai import OpenAIEmbeddings

        return OpenAIEmbeddings(
            model=settings.embedding_model,
            base_url=settings.embedding_base_url or settings.llm_base_url,
            api_key=settings.llm_api_key or SecretStr("not-needed"),
            # Both options below would make langchain fetch tiktoken files over the network.
            check_embedding_ctx_length=False,
            tiktoken_enabled=False,
        )
    from assistant.kb.embeddings import HashingEmbeddings

    return HashingEmbeddings(dim=settings.embedding_dim)


def embedder_signature(embedder: Embedder) -> str:
    """Identifies the vector space, so that changing the embedder triggers a clean re-index."""
    if sig := getattr(embedder, "signature", None):
        return str(sig)
    return f"{type(embedder).__name__}-{getattr(embedder, 'model', '')}"
