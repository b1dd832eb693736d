"""recurring posts (campaigns: /schedule; campaigns and reminders are broadcasts)

Revision ID: 0017_campaigns
Revises: 0016_announcements
Create Date: 2026-11-30 10:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.db.models

revision = "0017_campaigns"
down_revision = "0016_announcements"
branch_labels = None
depends_on = None

UTC = bot.db.models.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "recurring_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=True),
        sa.Column("at_time", sa.String(length=5), nullable=False),
        sa.Column("best", sa.Boolean(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("labels", sa.String(length=400), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_by", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.CheckConstraint("weekday IS NULL OR (weekday >= 0 AND weekday <= 6)",
                           name=op.f("ck_recurring_posts_weekday_known")),
        sa.CheckConstraint("status IN ('active', 'paused', 'cancelled')", name=op.f("ck_recurring_posts_status_known")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recurring_posts")),
    )


def downgrade() -> None:
    op.drop_table("recurring_posts")
