"""workspaces: the planning rules (policy) as typed JSON; the demo workspace keeps the seeds' rules

A workspace whose data is the demo company (its first import is the demo generator) gets the
demo plan's rules; every other workspace starts neutral (no budget structure, no ROI floor).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 19:00:00
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.add_column(sa.Column("policy", sa.JSON(), nullable=True))
    from tools.demo_data import POLICY

    conn = op.get_bind()
    demo = conn.execute(
        sa.text("SELECT DISTINCT workspace FROM datasets WHERE source LIKE 'demo company%'")
    ).scalars()
    for name in demo:
        conn.execute(
            sa.text("UPDATE workspaces SET policy = :p WHERE name = :n"), {"p": json.dumps(POLICY), "n": name}
        )


def downgrade() -> None:
    with op.batch_alter_table("workspaces", schema=None) as batch_op:
        batch_op.drop_column("policy")
