"""workspace profile: title, annual budget, currency, fiscal notes

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 00:40:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.add_column(sa.Column("title", sa.String(length=200), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("annual_budget", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("currency", sa.String(length=16), nullable=False, server_default="元"))
        batch_op.add_column(sa.Column("fiscal_notes", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        for column in ("updated_at", "fiscal_notes", "currency", "annual_budget", "title"):
            batch_op.drop_column(column)
