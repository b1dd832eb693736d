"""wallet and streak apart: check-in streaks move from members to their own table

Revision ID: 0007_streaks
Revises: 0006_join_delivery
Create Date: 2026-11-30 05:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.db.models

revision = "0007_streaks"
down_revision = "0006_join_delivery"
branch_labels = None
depends_on = None

STREAK_COLUMNS = ("streak", "last_checkin_day", "checkins_total")


def _members(with_streaks: bool) -> sa.Table:
    """The members table as batch mode must rebuild it on SQLite (its CHECKs are not reflected)."""
    columns: list[sa.schema.SchemaItem] = [
        sa.Column("user_id", sa.BigInteger(), sa.ForeignKey("users.id", name="fk_members_user_id_users"),
                  primary_key=True, autoincrement=False, nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.Column("lifetime_points", sa.BigInteger(), nullable=False),
    ]
    if with_streaks:
        columns += [
            sa.Column("streak", sa.Integer(), nullable=False),
            sa.Column("last_checkin_day", sa.Date(), nullable=True),
            sa.Column("checkins_total", sa.Integer(), nullable=False),
        ]
    columns += [
        sa.Column("created_at", bot.db.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("balance >= 0", name="ck_members_balance_non_negative"),
        sa.CheckConstraint("lifetime_points >= 0", name="ck_members_lifetime_non_negative"),
    ]
    if with_streaks:
        columns.append(sa.CheckConstraint("streak >= 0", name="ck_members_streak_non_negative"))
    return sa.Table("members", sa.MetaData(), *columns)


def upgrade() -> None:
    op.create_table(
        "streaks",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("streak", sa.Integer(), nullable=False),
        sa.Column("last_checkin_day", sa.Date(), nullable=True),
        sa.Column("checkins_total", sa.Integer(), nullable=False),
        sa.CheckConstraint("streak >= 0", name=op.f("ck_streaks_streak_non_negative")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_streaks_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_streaks")),
    )
    op.execute(
        "INSERT INTO streaks (user_id, streak, last_checkin_day, checkins_total) "
        "SELECT user_id, streak, last_checkin_day, checkins_total FROM members "
        "WHERE checkins_total > 0 OR streak > 0 OR last_checkin_day IS NOT NULL"
    )
    with op.batch_alter_table("members", copy_from=_members(with_streaks=True)) as batch:
        batch.drop_constraint(op.f("ck_members_streak_non_negative"), type_="check")
        for column in STREAK_COLUMNS:
            batch.drop_column(column)


def downgrade() -> None:
    with op.batch_alter_table("members", copy_from=_members(with_streaks=False)) as batch:
        batch.add_column(sa.Column("streak", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("last_checkin_day", sa.Date(), nullable=True))
        batch.add_column(sa.Column("checkins_total", sa.Integer(), nullable=False, server_default="0"))
        batch.create_check_constraint(op.f("ck_members_streak_non_negative"), sa.text("streak >= 0"))
    op.execute(
        "UPDATE members SET streak = (SELECT s.streak FROM streaks s WHERE s.user_id = members.user_id), "
        "last_checkin_day = (SELECT s.last_checkin_day FROM streaks s WHERE s.user_id = members.user_id), "
        "checkins_total = (SELECT s.checkins_total FROM streaks s WHERE s.user_id = members.user_id) "
        "WHERE user_id IN (SELECT user_id FROM streaks)"
    )
    with op.batch_alter_table("members", copy_from=_members(with_streaks=True)) as batch:
        batch.alter_column("streak", server_default=None)
        batch.alter_column("checkins_total", server_default=None)
    op.drop_table("streaks")
