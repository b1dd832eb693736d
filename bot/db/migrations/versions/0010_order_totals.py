"""segments at scale: a per-customer order summary and an index on tags

Revision ID: 0010_order_totals
Revises: 0009_guessing
Create Date: 2026-11-30 06:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.db.models

revision = "0010_order_totals"
down_revision = "0009_guessing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "order_totals",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("orders", sa.Integer(), nullable=False),
        sa.Column("last_paid_at", bot.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("orders >= 1", name=op.f("ck_order_totals_orders_positive")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_order_totals")),
    )
    op.execute(
        "INSERT INTO order_totals (user_id, orders, last_paid_at) "
        "SELECT user_id, count(*), max(paid_at) FROM orders WHERE user_id IS NOT NULL GROUP BY user_id"
    )
    op.create_index("ix_user_tags_tag_user_id", "user_tags", ["tag", "user_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_user_tags_tag_user_id", table_name="user_tags")
    op.drop_table("order_totals")
