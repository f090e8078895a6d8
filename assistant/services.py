"""The services one process needs, built once from settings and passed around explicitly.

Each service is built, and its modules imported, on first use: `planner search` needs the index
and not the database, accounts or the agent, and a CLI call pays only for what it uses."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from assistant import crypto
from assistant.factory import build_chat_model
from assistant.settings import DEMO_WORKSPACE, OFFLINE_MODEL, Settings

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from assistant.accounts import Accounts
    from assistant.kb.index import KnowledgeIndex
    from assistant.kpi_store import KpiStore
    from assistant.mix_store import MixStore
    from assistant.workspaces import Profiles


class Services:
    def __init__(self, settings: Settings, chat_model: BaseChatModel | None = None) -> None:
        self.settings = settings
        self._chat_model = chat_model
        self.settings.check_secrets()
        key = (
            self.settings.secret_key.get_secret_value()
            if self.settings.secret_key
            else crypto.load_or_create_key(self.settings.var_dir)
        )
        crypto.configure(key)

    @property
    def chat_model(self) -> BaseChatModel:
        """The configured engine (offline rules or an OpenAI-compatible LLM), unless one was given."""
        if self._chat_model is None:
            self._chat_model = build_chat_model(self.settings)
        return self._chat_model

    @cached_property
    def sessions(self):
        from assistant.db import init_db, session_factory

        init_db(self.settings.db_url)
        return session_factory(self.settings.db_url)

    @cached_property
    def accounts(self) -> Accounts:
        from assistant.accounts import Accounts

        return Accounts(self.sessions)

    @cached_property
    def index(self) -> KnowledgeIndex:
        from assistant.factory import build_embedder
        from assistant.kb.index import KnowledgeIndex

        return KnowledgeIndex(self.settings, build_embedder(self.settings))

    @cached_property
    def profiles(self) -> Profiles:
        from assistant.workspaces import Profiles

        return Profiles(self.sessions)

    @cached_property
    def kpis(self) -> KpiStore:
        from assistant.kpi_store import KpiStore

        store = KpiStore(self.sessions)
        if store.ensure_demo():
            from tools.demo_data import POLICY, PROFILE

            self.profiles.update(DEMO_WORKSPACE, {**PROFILE, "policy": POLICY})
        return store

    @cached_property
    def mixes(self) -> MixStore:
        from assistant.mix_store import MixStore

        return MixStore(self.sessions)

    @property
    def engine(self) -> str:
        return self.settings.engine

    @property
    def model_name(self) -> str:
        return OFFLINE_MODEL if self.engine == "offline" else self.settings.llm_model
