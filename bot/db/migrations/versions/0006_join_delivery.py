"""join requests: what the applicant was told, what Telegram answered, checks to repeat

Revision ID: 0006_join_delivery
Revises: 0005_supergroup_migration
Create Date: 2026-11-30 04:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_join_delivery"
down_revision = "0005_supergroup_migration"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("join_requests") as batch:
        batch.add_column(sa.Column("notified", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("outcome", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("needs_check", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("join_requests") as batch:
        batch.drop_column("needs_check")
        batch.drop_column("outcome")
        batch.drop_column("notified")
