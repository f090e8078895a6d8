"""Alembic migrations upgrade an existing database without losing anything (SQLite and PostgreSQL)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from assistant.conversations import get_conversation
from assistant.db import get_engine, init_db
from assistant.services import Services
from assistant.settings import Settings
from tests.conftest import PG_URL

pytestmark = pytest.mark.storage


@pytest.fixture(params=["sqlite", "postgres"])
def empty_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    if not PG_URL:
        pytest.skip("PostgreSQL tests need PLANNER_TEST_DATABASE_URL")
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    name = f"planner_mig_{uuid.uuid4().hex[:10]}"
    with admin.connect() as c:
        c.execute(text(f"CREATE DATABASE {name}"))
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    yield url
    get_engine(url).dispose()
    get_engine.cache_clear()
    with admin.connect() as c:
        c.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()


def test_upgrade_from_the_first_schema_keeps_conversations_and_kpis(empty_db: str, tmp_path: Path) -> None:
    init_db(empty_db, "0001")
    with get_engine(empty_db).begin() as c:
        c.execute(
            text(
                "insert into conversations (id, workspace, title, created_at, updated_at) values ('c1', 'default', '旧对话', now(), now())".replace(
                    "now()", "CURRENT_TIMESTAMP"
                )
            )
        )
        c.execute(
            text(
                "insert into messages (conversation_id, seq, role, content, tool_calls, citations, created_at) values ('c1', 0, 'user', '去年的预算怎么分的？', '[]', '[]', CURRENT_TIMESTAMP)"
            )
        )
        c.execute(
            text(
                "insert into kpi_facts (workspace, date, region, channel, metric, value) values ('default', '2026-01-05', '一线城市', '直播电商', 'spend', 1234.5)"
            )
        )
        c.execute(
            text(
                "insert into datasets (workspace, source, facts, targets, created_at) values ('default', 'old.csv', 1, 0, CURRENT_TIMESTAMP)"
            )
        )

    init_db(empty_db)  # what start-up does: upgrade to head

    tables = set(inspect(get_engine(empty_db)).get_table_names())
    assert {"users", "workspaces", "memberships", "auth_tokens", "audit_log"} <= tables
    services = Services(Settings(var_dir=tmp_path / "var", database_url=empty_db))
    conv = get_conversation(services, "c1", "default")
    assert conv["title"] == "旧对话" and conv["messages"][0]["content"] == "去年的预算怎么分的？"
    facts = services.kpis.load("default").facts
    assert len(facts) == 1 and facts["value"].iloc[0] == 1234.5
    # new rows are written encrypted next to the old plaintext ones
    services.accounts.ensure_first_admin()
    assert services.accounts.has_users()


def test_migrations_are_numbered_in_order_so_the_latest_is_known_without_alembic() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from assistant.db import MIGRATIONS, latest_revision

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS.parent))
    script = ScriptDirectory.from_config(cfg)
    assert script.get_heads() == [latest_revision()]
    for rev in script.walk_revisions():
        number = int(rev.revision)
        assert Path(rev.path).name.startswith(f"{rev.revision}_")
        assert rev.down_revision == (f"{number - 1:04d}" if number > 1 else None)


def test_a_database_behind_the_latest_revision_is_upgraded_on_start(tmp_path: Path) -> None:
    from assistant.db import latest_revision

    url = f"sqlite:///{tmp_path / 'behind.db'}"
    init_db(url, revision="0005")
    init_db(url)  # the fast path must not mistake an older database for a current one
    with get_engine(url).connect() as c:
        assert c.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == latest_revision()
        assert "audit" in {col["name"] for col in inspect(c).get_columns("messages")}


def test_the_keys_migration_keeps_the_last_of_each_duplicated_row(empty_db: str, tmp_path: Path) -> None:
    """Earlier imports appended a re-uploaded week; upgrading keeps the value uploaded last."""
    init_db(empty_db, "0006")
    fact = (
        "insert into kpi_facts (workspace, date, region, channel, metric, value) "
        "values ('default', '2026-11-23 00:00:00.000000', '华东', '抖音', 'revenue', {v})"
    )
    target = (
        "insert into kpi_targets (workspace, period, metric, target, region, channel) "
        "values ('default', '2026-11', 'revenue', {v}, '华东', '')"
    )
    with get_engine(empty_db).begin() as c:
        for v in (100.0, 130.0):
            c.execute(text(fact.format(v=v)))
            c.execute(text(target.format(v=v * 10)))
        c.execute(text(fact.format(v=5.0).replace("'revenue'", "'spend'")))
        c.execute(
            text(
                "insert into datasets (workspace, source, facts, targets, created_at) "
                "values ('default', 'old.csv', 3, 2, CURRENT_TIMESTAMP)"
            )
        )

    init_db(empty_db)

    services = Services(Settings(var_dir=tmp_path / "var", database_url=empty_db))
    data = services.kpis.load("default")
    assert sorted(data.facts["value"]) == [5.0, 130.0] and data.targets["target"].tolist() == [1300.0]
    assert services.kpis.history("default")[0]["revertible"] is False  # imported before history was kept
    again = pd.DataFrame(
        [{"date": "2026-11-23", "region": "华东", "channel": "抖音", "metric": "revenue", "value": 140}]
    )
    result = services.kpis.import_frames(again, None, source="again.csv", workspace="default")
    assert result.changes["facts"]["updated"] == 1 and len(services.kpis.load("default").facts) == 2
