"""announcements: announcements, announcement_reminders, waitlist, reservations; votes.launch

Revision ID: 0016_announcements
Revises: 0013_catalogue
Create Date: 2026-11-30 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.db.models

revision = "0016_announcements"
down_revision = "0013_catalogue"
branch_labels = None
depends_on = None

UTC = bot.db.models.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "announcements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=32), nullable=False),
        sa.Column("labels", sa.String(length=700), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("go_live_at", UTC(timezone=True), nullable=False),
        sa.Column("best", sa.Boolean(), nullable=False),
        sa.Column("units", sa.Integer(), nullable=True),
        sa.Column("reserve_s", sa.Integer(), nullable=True),
        sa.Column("source_key", sa.String(length=160), nullable=False),
        sa.Column("created_by", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("live_at", UTC(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('new', 'soon', 'restock')", name=op.f("ck_announcements_kind_known")),
        sa.CheckConstraint("status IN ('scheduled', 'live', 'cancelled')", name=op.f("ck_announcements_status_known")),
        sa.CheckConstraint("units IS NULL OR units >= 0", name=op.f("ck_announcements_units_non_negative")),
        sa.CheckConstraint("reserve_s IS NULL OR reserve_s > 0", name=op.f("ck_announcements_reserve_positive")),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], name=op.f("fk_announcements_product_id_products")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcements")),
        sa.UniqueConstraint("source_key", name="uq_announcements_source_key"),
    )
    op.create_index("ix_announcements_status_go_live_at", "announcements", ["status", "go_live_at"], unique=False)
    op.create_table(
        "announcement_reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("announcement_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("query_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("changed_at", UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["announcement_id"], ["announcements.id"],
                                name=op.f("fk_announcement_reminders_announcement_id_announcements")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcement_reminders")),
        sa.UniqueConstraint("announcement_id", "user_id", name="uq_announcement_reminders_announcement_id"),
    )
    op.create_table(
        "waitlist",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("joined_at", UTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], name=op.f("fk_waitlist_product_id_products")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_waitlist")),
        sa.UniqueConstraint("product_id", "user_id", name="uq_waitlist_product_id"),
    )
    op.create_index("ix_waitlist_product_id_id", "waitlist", ["product_id", "id"], unique=False)
    op.create_table(
        "reservations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("announcement_id", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("gen", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("expires_at", UTC(timezone=True), nullable=False),
        sa.Column("claimed_at", UTC(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.BigInteger(), nullable=True),
        sa.CheckConstraint("status IN ('open', 'claimed', 'expired')", name=op.f("ck_reservations_status_known")),
        sa.CheckConstraint("slot >= 1 AND gen >= 1", name=op.f("ck_reservations_slot_positive")),
        sa.ForeignKeyConstraint(["announcement_id"], ["announcements.id"],
                                name=op.f("fk_reservations_announcement_id_announcements")),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], name=op.f("fk_reservations_product_id_products")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservations")),
        sa.UniqueConstraint("code", name="uq_reservations_code"),
        sa.UniqueConstraint("announcement_id", "user_id", name="uq_reservations_announcement_id"),
        sa.UniqueConstraint("announcement_id", "slot", "gen", name="uq_reservations_announcement_id_slot"),
    )
    op.create_index("ix_reservations_status_expires_at", "reservations", ["status", "expires_at"], unique=False)
    with op.batch_alter_table("votes") as batch:
        batch.add_column(sa.Column("launch", sa.BigInteger(), server_default=sa.text("0"), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("votes") as batch:
        batch.drop_column("launch")
    op.drop_index("ix_reservations_status_expires_at", table_name="reservations")
    op.drop_table("reservations")
    op.drop_index("ix_waitlist_product_id_id", table_name="waitlist")
    op.drop_table("waitlist")
    op.drop_table("announcement_reminders")
    op.drop_index("ix_announcements_status_go_live_at", table_name="announcements")
    op.drop_table("announcements")
