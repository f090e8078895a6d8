"""The services one process needs, built once from settings and passed around explicitly."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from langchain_core.language_models import BaseChatModel

from assistant import crypto
from assistant.accounts import Accounts
from assistant.db import init_db, session_factory
from assistant.factory import build_chat_model, build_embedder
from assistant.kb.index import KnowledgeIndex
from assistant.kpi_store import KpiStore
from assistant.settings import Settings
from assistant.workspaces import Profiles


@dataclass
class Services:
    settings: Settings
    chat_model: BaseChatModel | None = field(default=None)

    def __post_init__(self) -> None:
        self.settings.check_secrets()
        if self.chat_model is None:
            self.chat_model = build_chat_model(self.settings)
        key = (
            self.settings.secret_key.get_secret_value()
            if self.settings.secret_key
            else crypto.load_or_create_key(self.settings.var_dir)
        )
        crypto.configure(key)

    @cached_property
    def sessions(self):
        init_db(self.settings.db_url)
        return session_factory(self.settings.db_url)

    @cached_property
    def accounts(self) -> Accounts:
        return Accounts(self.sessions)

    @cached_property
    def index(self) -> KnowledgeIndex:
        return KnowledgeIndex(self.settings, build_embedder(self.settings))

    @cached_property
    def profiles(self) -> Profiles:
        return Profiles(self.sessions)

    @cached_property
    def kpis(self) -> KpiStore:
        store = KpiStore(self.sessions)
        if store.ensure_demo():
            from tools.demo_data import PROFILE

            self.profiles.update("default", PROFILE)
        return store

    @property
    def engine(self) -> str:
        return self.settings.engine

    @property
    def model_name(self) -> str:
        return "offline-rules-v2" if self.engine == "offline" else self.settings.llm_model
