"""member tiers and points for purchases: tiers, member_tiers, tier_events, tier_seats, points_rates;
members.owed (a refund's shortfall); orders' status and purchase points; groups' tier gate

Revision ID: 0012_tiers
Revises: 0011_rewards
Create Date: 2026-11-30 07:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.db.models

revision = "0012_tiers"
down_revision = "0011_rewards"
branch_labels = None
depends_on = None

UTC = bot.db.models.UTCDateTime


def _members() -> sa.Table:
    """The members table as batch mode must rebuild it on SQLite (its CHECKs are not reflected)."""
    return sa.Table(
        "members", sa.MetaData(),
        sa.Column("user_id", sa.BigInteger(), sa.ForeignKey("users.id", name="fk_members_user_id_users"),
                  primary_key=True, autoincrement=False, nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.Column("lifetime_points", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.CheckConstraint("balance >= 0", name="ck_members_balance_non_negative"),
        sa.CheckConstraint("lifetime_points >= 0", name="ck_members_lifetime_non_negative"),
    )


def _orders() -> sa.Table:
    return sa.Table(
        "orders", sa.MetaData(),
        sa.Column("order_id", sa.String(length=64), primary_key=True, nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("paid_at", UTC(timezone=True), nullable=False),
        sa.Column("check_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("bound_at", UTC(timezone=True), nullable=True),
        sa.Column("imported_at", UTC(timezone=True), nullable=False),
        sa.CheckConstraint("amount_cents > 0", name="ck_orders_amount_positive"),
        sa.Index("ix_orders_user_id", "user_id"),
    )


ORDER_CHECKS = (
    ("ck_orders_status_known", "status IN ('paid', 'refunded')"),
    ("ck_orders_points_earned_non_negative", "points_earned IS NULL OR points_earned >= 0"),
    ("ck_orders_shortfall_within_reversed",
     "points_shortfall >= 0 AND points_shortfall <= COALESCE(points_reversed, 0)"),
)


def upgrade() -> None:
    op.create_table(
        "tiers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=24), nullable=False),
        sa.Column("measure", sa.String(length=8), nullable=False),
        sa.Column("threshold", sa.BigInteger(), nullable=False),
        sa.Column("multiplier", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.CheckConstraint("measure IN ('points', 'spend')", name=op.f("ck_tiers_measure_known")),
        sa.CheckConstraint("threshold > 0", name=op.f("ck_tiers_threshold_positive")),
        sa.CheckConstraint("multiplier >= 100 AND multiplier <= 500", name=op.f("ck_tiers_multiplier_range")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tiers")),
        sa.UniqueConstraint("name", name="uq_tiers_name"),
    )
    op.create_table(
        "member_tiers",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("tier", sa.String(length=24), nullable=True),
        sa.Column("multiplier", sa.Integer(), nullable=False),
        sa.Column("changed_at", UTC(timezone=True), nullable=False),
        sa.CheckConstraint("multiplier >= 100 AND multiplier <= 500", name=op.f("ck_member_tiers_multiplier_range")),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_member_tiers_user_id_users")),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_member_tiers")),
    )
    op.create_table(
        "tier_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("old_tier", sa.String(length=24), nullable=True),
        sa.Column("new_tier", sa.String(length=24), nullable=True),
        sa.Column("direction", sa.String(length=4), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("notified_at", UTC(timezone=True), nullable=True),
        sa.CheckConstraint("direction IN ('up', 'down')", name=op.f("ck_tier_events_direction_known")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tier_events")),
    )
    op.create_index("ix_tier_events_notified_at", "tier_events", ["notified_at"], unique=False)
    op.create_table(
        "tier_seats",
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("qualified", sa.Boolean(), nullable=False),
        sa.Column("invited_at", UTC(timezone=True), nullable=True),
        sa.Column("link", sa.String(length=128), nullable=True),
        sa.Column("fell_at", UTC(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["chat_id"], ["groups.chat_id"], name=op.f("fk_tier_seats_chat_id_groups")),
        sa.PrimaryKeyConstraint("chat_id", "user_id", name=op.f("pk_tier_seats")),
    )
    op.create_table(
        "points_rates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rate", sa.Integer(), nullable=True),
        sa.Column("set_by", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("set_at", UTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_points_rates")),
    )
    with op.batch_alter_table("members", copy_from=_members()) as batch:
        batch.add_column(sa.Column("owed", sa.BigInteger(), server_default=sa.text("0"), nullable=False))
        batch.create_check_constraint(op.f("ck_members_owed_non_negative"), sa.text("owed >= 0"))
    with op.batch_alter_table("orders", copy_from=_orders()) as batch:
        batch.add_column(sa.Column("status", sa.String(length=8), server_default="paid", nullable=False))
        batch.add_column(sa.Column("points_earned", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("earn_rate", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("earn_multiplier", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("refunded_at", UTC(timezone=True), nullable=True))
        batch.add_column(sa.Column("points_reversed", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("points_shortfall", sa.BigInteger(), server_default=sa.text("0"), nullable=False))
        for name, condition in ORDER_CHECKS:
            batch.create_check_constraint(op.f(name), sa.text(condition))
    with op.batch_alter_table("groups") as batch:
        batch.add_column(sa.Column("gate_tier", sa.String(length=24), nullable=True))
        batch.add_column(sa.Column("gate_tier_grace_s", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("groups") as batch:
        batch.drop_column("gate_tier_grace_s")
        batch.drop_column("gate_tier")
    orders = _orders()
    for column in ("status", "points_earned", "earn_rate", "earn_multiplier", "refunded_at", "points_reversed",
                   "points_shortfall"):
        orders.append_column(sa.Column(column, sa.BigInteger(), nullable=True))
    for name, condition in ORDER_CHECKS:
        orders.append_constraint(sa.CheckConstraint(condition, name=name))
    with op.batch_alter_table("orders", copy_from=orders) as batch:
        for name, _condition in ORDER_CHECKS:
            batch.drop_constraint(op.f(name), type_="check")
        for column in ("points_shortfall", "points_reversed", "refunded_at", "earn_multiplier", "earn_rate",
                       "points_earned", "status"):
            batch.drop_column(column)
    members = _members()
    members.append_column(sa.Column("owed", sa.BigInteger(), nullable=False))
    members.append_constraint(sa.CheckConstraint("owed >= 0", name="ck_members_owed_non_negative"))
    with op.batch_alter_table("members", copy_from=members) as batch:
        batch.drop_constraint(op.f("ck_members_owed_non_negative"), type_="check")
        batch.drop_column("owed")
    op.drop_table("points_rates")
    op.drop_table("tier_seats")
    op.drop_index("ix_tier_events_notified_at", table_name="tier_events")
    op.drop_table("tier_events")
    op.drop_table("member_tiers")
    op.drop_table("tiers")
