"""Persistence: SQLAlchemy 2 models and the engine/session factory.

SQLite by default (a file under ./var), PostgreSQL by URL. The schema is owned by Alembic
(`assistant/migrations`); `init_db` upgrades to head on start-up.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, sessionmaker
from sqlalchemy.types import TypeDecorator

from assistant.crypto import decrypt, encrypt


class EncryptedText(TypeDecorator):
    """A Text column stored encrypted."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: object) -> str | None:
        return None if value is None else encrypt(value)

    def process_result_value(self, value: str | None, dialect: object) -> str | None:
        return None if value is None else decrypt(value)


def _now() -> datetime:
    return datetime.now(UTC)


def _uuid() -> str:
    return uuid.uuid4().hex


class Base(DeclarativeBase):
    type_annotation_map: ClassVar = {dict[str, Any]: JSON, list[Any]: JSON}


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(200), nullable=True)  # None: sign-in link only
    role: Mapped[str] = mapped_column(String(16))  # planner | reviewer | admin
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class Workspace(Base):
    """A department or company: its KPI data, conversations and drafts, and its profile (the
    facts that are not in the data: what it is called, its annual budget, its currency)."""

    __tablename__ = "workspaces"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    title: Mapped[str] = mapped_column(String(200), default="")
    annual_budget: Mapped[float | None] = mapped_column(Float, nullable=True)
    currency: Mapped[str] = mapped_column(String(16), default="元")
    fiscal_notes: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    policy: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)  # tools.policy.Policy


class Membership(Base):
    __tablename__ = "memberships"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    workspace: Mapped[str] = mapped_column(String(64), index=True)
    __table_args__ = (UniqueConstraint("user_id", "workspace"),)


class AuthToken(Base):
    """Session cookies, API tokens and one-time sign-in links, stored as SHA-256 digests."""

    __tablename__ = "auth_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # session | api | signin
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class AuditEvent(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    username: Mapped[str] = mapped_column(String(64), default="")
    workspace: Mapped[str] = mapped_column(String(64), default="")
    action: Mapped[str] = mapped_column(
        String(64), index=True
    )  # login, login_failed, data_import, draft_transition, export, ...
    target: Mapped[str] = mapped_column(String(200), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Conversation(Base):
    __tablename__ = "conversations"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=_uuid)
    workspace: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True, index=True)
    title: Mapped[str] = mapped_column(EncryptedText, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, onupdate=_now)
    # a keyed digest of the answered turns, chained turn by turn: an OpenAI client's history is
    # found with one indexed lookup (`assistant.compat`), no conversation decrypted
    history_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # the turn running in this conversation, in whichever worker: turns take it in order
    turn_lease: Mapped[str | None] = mapped_column(String(32), nullable=True)
    turn_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    __table_args__ = (Index("ix_conversations_digest", "workspace", "user_id", "history_digest"),)
    messages: Mapped[list[Message]] = relationship(
        back_populates="conversation", order_by="Message.seq", cascade="all, delete-orphan"
    )


class Message(Base):
    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conversation_id: Mapped[str] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    seq: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))  # user | assistant
    # server: asked here and answered by us; client: history an OpenAI client sent, which we did
    # not write (shown as such, and given to a model as quoted context, never as its own words)
    origin: Mapped[str] = mapped_column(String(16), default="server", server_default="server")
    content: Mapped[str] = mapped_column(EncryptedText, default="")
    tool_calls: Mapped[list[Any]] = mapped_column(JSON, default=list)
    citations: Mapped[list[Any]] = mapped_column(JSON, default=list)
    engine: Mapped[str | None] = mapped_column(String(16), nullable=True)
    model: Mapped[str | None] = mapped_column(String(100), nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    audit: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)  # an LLM answer's number audit
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    conversation: Mapped[Conversation] = relationship(back_populates="messages")
    __table_args__ = (UniqueConstraint("conversation_id", "seq", name="uq_messages_conversation_seq"),)


class KpiFact(Base):
    __tablename__ = "kpi_facts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace: Mapped[str] = mapped_column(String(64))
    date: Mapped[datetime] = mapped_column(DateTime)
    region: Mapped[str] = mapped_column(String(64), default="")
    channel: Mapped[str] = mapped_column(String(64), default="")
    metric: Mapped[str] = mapped_column(String(64))
    value: Mapped[float] = mapped_column(Float)
    dataset_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the import that last wrote it
    __table_args__ = (
        Index("ix_kpi_facts_ws_metric_date", "workspace", "metric", "date"),
        Index("uq_kpi_facts_key", "workspace", "date", "region", "channel", "metric", unique=True),
    )


class KpiTarget(Base):
    __tablename__ = "kpi_targets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace: Mapped[str] = mapped_column(String(64), index=True)
    period: Mapped[str] = mapped_column(String(16))
    metric: Mapped[str] = mapped_column(String(64))
    target: Mapped[float] = mapped_column(Float)
    region: Mapped[str] = mapped_column(String(64), default="")
    channel: Mapped[str] = mapped_column(String(64), default="")
    dataset_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    __table_args__ = (
        Index("uq_kpi_targets_key", "workspace", "period", "metric", "region", "channel", unique=True),
    )


class Draft(Base):
    __tablename__ = "drafts"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=_uuid)
    workspace: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str] = mapped_column(EncryptedText)
    state: Mapped[str] = mapped_column(
        String(24), default="draft"
    )  # draft | in_review | changes_requested | approved
    author_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    version: Mapped[int] = mapped_column(
        Integer, default=1
    )  # the current version; also the concurrency token
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now, onupdate=_now)


class DraftVersion(Base):
    """Immutable snapshots: every edit or revision adds one."""

    __tablename__ = "draft_versions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    draft_id: Mapped[str] = mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    document: Mapped[str] = mapped_column(EncryptedText)  # the DraftDoc as JSON
    author_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    __table_args__ = (UniqueConstraint("draft_id", "version"),)


class DraftComment(Base):
    __tablename__ = "draft_comments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    draft_id: Mapped[str] = mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    section_id: Mapped[str] = mapped_column(String(64))
    author_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    author: Mapped[str] = mapped_column(String(64), default="")
    text: Mapped[str] = mapped_column(EncryptedText)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class Feedback(Base):
    """Thumbs up/down on an answer, with an optional comment: material for the eval sets."""

    __tablename__ = "feedback"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace: Mapped[str] = mapped_column(String(64), index=True)
    conversation_id: Mapped[str] = mapped_column(String(32), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rating: Mapped[int] = mapped_column(Integer)  # +1 or -1
    comment: Mapped[str] = mapped_column(EncryptedText, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)


class Dataset(Base):
    """One row per change to a workspace's data (an import, a target edit, a revert): the data set
    version that tool provenance cites, and the import history a planner can roll back."""

    __tablename__ = "datasets"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace: Mapped[str] = mapped_column(String(64), index=True)
    source: Mapped[str] = mapped_column(String(200))
    facts: Mapped[int] = mapped_column(Integer, default=0)  # rows in the file
    targets: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    kind: Mapped[str] = mapped_column(String(16), default="import")  # import | edit | revert | legacy
    username: Mapped[str] = mapped_column(String(64), default="")
    summary: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)  # what changed
    reverts: Mapped[int | None] = mapped_column(Integer, nullable=True)
    reverted_by: Mapped[int | None] = mapped_column(Integer, nullable=True)


class KpiChange(Base):
    """A value an import overwrote or removed, kept so that reverting it restores it exactly. Rows
    an import added need no entry: they carry its `dataset_id`."""

    __tablename__ = "kpi_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))  # fact | target
    action: Mapped[str] = mapped_column(String(8))  # update | remove
    row_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    date: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    period: Mapped[str | None] = mapped_column(String(16), nullable=True)
    region: Mapped[str] = mapped_column(String(64), default="")
    channel: Mapped[str] = mapped_column(String(64), default="")
    metric: Mapped[str] = mapped_column(String(64))
    old_value: Mapped[float] = mapped_column(Float)
    new_value: Mapped[float | None] = mapped_column(Float, nullable=True)
    old_dataset: Mapped[int | None] = mapped_column(Integer, nullable=True)
    __table_args__ = (
        Index("ix_kpi_changes_dataset", "dataset_id"),
        Index("ix_kpi_changes_old_dataset", "old_dataset"),
    )


class MixFit(Base):
    """A marketing-mix model fitted to one state of a workspace's facts (their digest: a target
    edit needs no refit), with its progress while it runs in the background. One row per facts
    digest, so concurrent workers claim a fit once; a running row whose lease lapsed (its worker
    died) is taken over."""

    __tablename__ = "mix_fits"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    workspace: Mapped[str] = mapped_column(String(64))
    facts_digest: Mapped[str] = mapped_column(String(32))
    data_version: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="running")  # running | ready | failed
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(String(200), default="")
    model: Mapped[str | None] = mapped_column(Text, nullable=True)  # the fitted models, JSON
    error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    lease_until: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=_now)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    __table_args__ = (
        UniqueConstraint("workspace", "facts_digest", name="uq_mix_fits_digest"),
        Index("ix_mix_fits_workspace", "workspace", "id"),
    )


@lru_cache(maxsize=8)
def get_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(conn: Any, _record: Any) -> None:  # WAL: readers never block the writer
            cur = conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")  # with WAL: durable on commit, fewer fsyncs
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


MIGRATIONS = Path(__file__).parent / "migrations" / "versions"


def latest_revision() -> str:
    """Migrations are numbered in order, `NNNN_name.py` with revision "NNNN" (a test holds them to
    it), so the latest is the highest number: known without importing Alembic."""
    return max(p.name.split("_", 1)[0] for p in MIGRATIONS.glob("[0-9][0-9][0-9][0-9]_*.py"))


def _current_revision(url: str) -> str | None:
    try:
        with get_engine(url).connect() as conn:
            return conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    except Exception:  # no such table yet: a new database
        return None


def init_db(url: str, revision: str = "head") -> None:
    """Upgrade the database to `revision` (the latest by default) with Alembic.

    A database already at the latest revision is left alone without loading Alembic (a quarter of
    a second of every CLI call). On SQLite, foreign keys are switched off while migrating: Alembic's
    batch mode rebuilds a table by copying and dropping it, and a cascading foreign key would
    delete the child rows.
    """
    if revision == "head" and _current_revision(url) == latest_revision():
        return
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    with get_engine(url).connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        conn.commit()
        if sqlite:
            conn.exec_driver_sql("PRAGMA foreign_keys=ON")


def session_factory(url: str) -> sessionmaker:
    return sessionmaker(get_engine(url), expire_on_commit=False)
