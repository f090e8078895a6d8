"""conversations: turns ordered by the database, a digest to find a client's history, origins

Messages get a unique (conversation_id, seq) (duplicates that interleaved turns left are
renumbered first, in the order they were written) and an origin (server, or client for history an
OpenAI client sent); conversations get a turn lease (which turn runs, across workers) and the
digest of their answered turns.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 07:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(
        sa.text("SELECT id, conversation_id, seq FROM messages ORDER BY conversation_id, seq, id")
    )
    current, n, fixes = None, 0, []
    for mid, conv, seq in rows:
        n = 0 if conv != current else n + 1
        current = conv
        if seq != n:
            fixes.append({"i": mid, "s": n})
    if fixes:
        conn.execute(sa.text("UPDATE messages SET seq = :s WHERE id = :i"), fixes)
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("origin", sa.String(16), nullable=False, server_default="server"))
        batch_op.create_unique_constraint("uq_messages_conversation_seq", ["conversation_id", "seq"])
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("history_digest", sa.String(64), nullable=True))
        batch_op.add_column(sa.Column("turn_lease", sa.String(32), nullable=True))
        batch_op.add_column(sa.Column("turn_until", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index("ix_conversations_digest", ["workspace", "user_id", "history_digest"])


def downgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_index("ix_conversations_digest")
        batch_op.drop_column("turn_until")
        batch_op.drop_column("turn_lease")
        batch_op.drop_column("history_digest")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_constraint("uq_messages_conversation_seq", type_="unique")
        batch_op.drop_column("origin")
