"""KPI facts and targets keyed for upserts; each import records what it changed, for rollback

Facts are unique per (workspace, date, region, channel, metric) and targets per (workspace, period,
metric, region, channel). Duplicates that earlier appending imports left behind are removed first,
keeping the last row written (the highest id), which is the value a planner re-uploaded.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 17:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

FACT_KEY = ("workspace", "date", "region", "channel", "metric")
TARGET_KEY = ("workspace", "period", "metric", "region", "channel")


def _keep_last(table: str, key: tuple[str, ...]) -> None:
    columns = ", ".join(key)
    op.execute(f"DELETE FROM {table} WHERE id NOT IN (SELECT MAX(id) FROM {table} GROUP BY {columns})")


def upgrade() -> None:
    _keep_last("kpi_facts", FACT_KEY)
    _keep_last("kpi_targets", TARGET_KEY)
    op.create_index("uq_kpi_facts_key", "kpi_facts", list(FACT_KEY), unique=True)
    op.create_index("uq_kpi_targets_key", "kpi_targets", list(TARGET_KEY), unique=True)
    op.add_column("kpi_facts", sa.Column("dataset_id", sa.Integer(), nullable=True))
    op.add_column("kpi_targets", sa.Column("dataset_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("datasets", schema=None) as batch_op:
        # "legacy": imported before history was kept, so it cannot be reverted
        batch_op.add_column(sa.Column("kind", sa.String(16), nullable=False, server_default="legacy"))
        batch_op.add_column(sa.Column("username", sa.String(64), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("summary", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("reverts", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("reverted_by", sa.Integer(), nullable=True))
    op.create_table(
        "kpi_changes",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "dataset_id", sa.Integer(), sa.ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("kind", sa.String(8), nullable=False),  # fact | target
        sa.Column("action", sa.String(8), nullable=False),  # update | remove
        sa.Column("row_id", sa.Integer(), nullable=True),
        sa.Column("date", sa.DateTime(), nullable=True),
        sa.Column("period", sa.String(16), nullable=True),
        sa.Column("region", sa.String(64), nullable=False, server_default=""),
        sa.Column("channel", sa.String(64), nullable=False, server_default=""),
        sa.Column("metric", sa.String(64), nullable=False),
        sa.Column("old_value", sa.Float(), nullable=False),
        sa.Column("new_value", sa.Float(), nullable=True),
        sa.Column("old_dataset", sa.Integer(), nullable=True),
    )
    op.create_index("ix_kpi_changes_dataset", "kpi_changes", ["dataset_id"])
    op.create_index("ix_kpi_changes_old_dataset", "kpi_changes", ["old_dataset"])


def downgrade() -> None:
    op.drop_table("kpi_changes")
    op.drop_index("uq_kpi_targets_key", "kpi_targets")
    op.drop_index("uq_kpi_facts_key", "kpi_facts")
    with op.batch_alter_table("datasets", schema=None) as batch_op:
        for column in ("reverted_by", "reverts", "summary", "username", "kind"):
            batch_op.drop_column(column)
    with op.batch_alter_table("kpi_targets", schema=None) as batch_op:
        batch_op.drop_column("dataset_id")
    with op.batch_alter_table("kpi_facts", schema=None) as batch_op:
        batch_op.drop_column("dataset_id")
