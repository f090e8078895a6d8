"""One settings object for the whole product, read from the environment and `.env`.

Every knob has a default that works offline on a laptop: SQLite under ./var, a local Chroma
directory, the offline engine and the offline hashing embedder. Configuring an LLM base URL (or an
OpenAI key) switches the chat model to any OpenAI-compatible endpoint.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from tools.files import Limits

ROOT = Path(__file__).resolve().parent.parent


OFFLINE_MODEL = "offline-rules-v2"  # the offline engine's name, in answers, drafts and /v1/models
DEMO_WORKSPACE = "default"  # where the demo company is loaded on first run, and the CLI's default workspace


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="PLANNER_", env_file=".env", extra="ignore", populate_by_name=True
    )

    # Chat model. No base URL and no key: the offline engine.
    llm_base_url: str | None = None
    llm_model: str = "gpt-4o-mini"
    llm_api_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("PLANNER_LLM_API_KEY", "OPENAI_API_KEY")
    )
    llm_timeout_s: float = 60.0
    llm_max_retries: int = 2
    # which provider's quirks to handle; "auto" reads it from the base URL (assistant/llm.py)
    llm_provider: Literal["auto", "openai", "deepseek", "qwen", "vllm", "ollama", "generic"] = "auto"
    llm_max_tokens: int = Field(default=2048, ge=64, le=32768)  # the longest answer one model call may write
    # what the conversation sent to the model may take: system prompt, tool schemas, history and
    # the answer together (sized for a 32k model; raise it for longer contexts)
    llm_context_tokens: int = Field(default=32_000, ge=4_000)
    agent_max_steps: int = 8

    # Storage.
    var_dir: Path = ROOT / "var"
    database_url: str | None = None
    chroma_path: Path | None = None
    chroma_host: str | None = None
    chroma_port: int = 8000
    collection: str = "knowledge"

    # Knowledge and prompts.
    knowledge_dir: Path = ROOT / "knowledge"
    prompts_dir: Path = ROOT / "prompts"

    # Embeddings: the offline hashing embedder by default, or an OpenAI-compatible /embeddings API.
    embedding_backend: Literal["hashing", "openai"] = "hashing"
    embedding_model: str = "text-embedding-3-small"
    embedding_base_url: str | None = None
    embedding_dim: int = 1024

    # Chunking.
    chunk_tokens: int = 400

    # Monitoring rule from the seeds: adjust when a KPI deviates from plan by more than 10%.
    deviation_threshold: float = 0.10
    # "Today" for relative periods (上个月, next quarter); unset means the system date. Pinned in evals.
    today: date | None = None

    def today_date(self) -> date:
        return self.today or date.today()

    # Marketing-mix model: fitted in a background process after the facts change (off: only
    # `planner model fit` and the CLI's budget commands fit), with this many bootstrap draws.
    mix_background: bool = True
    mix_draws: int = 40

    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str | None = None  # how users reach the server, for sign-in links

    # Security. Without a secret key, one is generated into var/secret.key on first run.
    secret_key: SecretStr | None = None
    cookie_secure: bool = False  # set true behind HTTPS
    rate_limit_chat: str = "30/minute"
    rate_limit_upload: str = "20/minute"
    rate_limit_login_user: str = "10/minute"  # failed sign-ins per account
    rate_limit_login_address: str = "30/minute"  # failed sign-ins per client address
    rate_limit_storage: str = "memory://"  # e.g. redis://127.0.0.1:6379 to share limits across workers
    max_request_bytes: int = 25 * 1024 * 1024
    max_upload_bytes: int = 64 * 1024 * 1024  # KPI files: a 500,000-row wide CSV is about 45 MB
    max_document_bytes: int = 20 * 1024 * 1024  # one knowledge document (PDF, DOCX, …)
    # an OpenAI client sends the whole conversation each time; 2 MB is about a million characters
    max_history_bytes: int = 2 * 1024 * 1024
    # Uploads: parsed in worker threads (this many at once, one per user), within these limits.
    heavy_workers: int = 2
    upload_max_rows: int = 500_000
    upload_max_unzipped_mb: int = 100
    upload_max_chunks: int = 3000  # knowledge chunks one document may add

    def upload_limits(self) -> Limits:
        from tools.files import Limits

        return Limits(
            max_rows=self.upload_max_rows, max_unzipped_bytes=self.upload_max_unzipped_mb * 1024 * 1024
        )

    def base_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"

    def check_secrets(self) -> None:
        """Refuse obvious placeholder secrets when the server is reachable beyond this machine."""
        local = self.host in ("127.0.0.1", "localhost", "::1")
        key = self.secret_key.get_secret_value() if self.secret_key else ""
        if not local and key.lower() in {"changeme", "change-me", "secret", "placeholder", "test", "dev"}:
            raise ValueError(
                "PLANNER_SECRET_KEY is a placeholder; set a real key (Fernet.generate_key()) before binding to a public address"
            )

    @property
    def engine(self) -> Literal["offline", "llm"]:
        return "llm" if (self.llm_base_url or self.llm_api_key) else "offline"

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.var_dir / 'planner.db'}"

    @property
    def chroma_dir(self) -> Path:
        return self.chroma_path or self.var_dir / "chroma"


@lru_cache
def get_settings() -> Settings:
    return Settings()
