"""deliveries: what a group post's check after a restart needs (after_id, content)

Revision ID: 0018_delivery_check
Revises: 0017_campaigns
Create Date: 2026-11-30 14:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_delivery_check"
down_revision = "0017_campaigns"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("after_id", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("content", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_column("content")
        batch_op.drop_column("after_id")
