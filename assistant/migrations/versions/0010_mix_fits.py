"""mix_fits: marketing-mix models fitted per workspace in the background, keyed by the facts' digest

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 11:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mix_fits",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("workspace", sa.String(64), nullable=False),
        sa.Column("facts_digest", sa.String(32), nullable=False),
        sa.Column("data_version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("message", sa.String(200), nullable=False),
        sa.Column("model", sa.Text(), nullable=True),
        sa.Column("error", sa.String(500), nullable=True),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.UniqueConstraint("workspace", "facts_digest", name="uq_mix_fits_digest"),
    )
    op.create_index("ix_mix_fits_workspace", "mix_fits", ["workspace", "id"])


def downgrade() -> None:
    op.drop_index("ix_mix_fits_workspace", table_name="mix_fits")
    op.drop_table("mix_fits")
