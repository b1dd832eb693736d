"""catalogue and the broadcast engine: products, order_items, contacts, broadcasts, deliveries, leases

Revision ID: 0013_catalogue
Revises: 0012_tiers
Create Date: 2026-11-30 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.db.models

revision = "0013_catalogue"
down_revision = "0012_tiers"
branch_labels = None
depends_on = None

UTC = bot.db.models.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sku", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("price_cents", sa.BigInteger(), nullable=False),
        sa.Column("stock", sa.Integer(), nullable=True),
        sa.Column("photo", sa.String(length=256), nullable=True),
        sa.Column("link", sa.String(length=512), nullable=True),
        sa.Column("cycle_days", sa.Integer(), nullable=True),
        sa.Column("archived_at", UTC(timezone=True), nullable=True),
        sa.Column("created_by", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("updated_at", UTC(timezone=True), nullable=False),
        sa.CheckConstraint("price_cents >= 0", name=op.f("ck_products_price_non_negative")),
        sa.CheckConstraint("stock IS NULL OR stock >= 0", name=op.f("ck_products_stock_non_negative")),
        sa.CheckConstraint("cycle_days IS NULL OR cycle_days > 0", name=op.f("ck_products_cycle_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
        sa.UniqueConstraint("sku", name="uq_products_sku"),
    )
    op.create_table(
        "order_items",
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("sku", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.order_id"], name=op.f("fk_order_items_order_id_orders")),
        sa.PrimaryKeyConstraint("order_id", "sku", name=op.f("pk_order_items")),
    )
    op.create_index("ix_order_items_sku", "order_items", ["sku"], unique=False)
    op.create_table(
        "contacts",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("started_at", UTC(timezone=True), nullable=False),
        sa.Column("blocked_at", UTC(timezone=True), nullable=True),
        sa.Column("promos_off_at", UTC(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_contacts")),
    )
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("args", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=96), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTC(timezone=True), nullable=False),
        sa.Column("finished_at", UTC(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('active', 'done', 'cancelled')", name=op.f("ck_broadcasts_status_known")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_broadcasts")),
        sa.UniqueConstraint("source", name="uq_broadcasts_source"),
    )
    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("broadcast_id", sa.Integer(), nullable=False),
        sa.Column("chat_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("private", sa.Boolean(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("args", sa.Text(), nullable=True),
        sa.Column("capped", sa.Boolean(), nullable=False),
        sa.Column("quiet", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("not_before", UTC(timezone=True), nullable=False),
        sa.Column("delayed", sa.String(length=8), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=64), nullable=True),
        sa.Column("message_id", sa.BigInteger(), nullable=True),
        sa.Column("marked_at", UTC(timezone=True), nullable=True),
        sa.Column("sent_at", UTC(timezone=True), nullable=True),
        sa.CheckConstraint(
            "state IN ('planned', 'sending', 'sent', 'skipped', 'failed', 'cancelled')",
            name=op.f("ck_deliveries_state_known"),
        ),
        sa.ForeignKeyConstraint(["broadcast_id"], ["broadcasts.id"],
                                name=op.f("fk_deliveries_broadcast_id_broadcasts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint("broadcast_id", "chat_id", name="uq_deliveries_broadcast_id"),
    )
    op.create_index("ix_deliveries_state_not_before", "deliveries", ["state", "not_before"], unique=False)
    op.create_index("ix_deliveries_chat_id_sent_at", "deliveries", ["chat_id", "sent_at"], unique=False)
    op.create_table(
        "leases",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("holder", sa.String(length=64), nullable=False),
        sa.Column("expires_at", UTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_leases")),
    )


def downgrade() -> None:
    op.drop_table("leases")
    op.drop_index("ix_deliveries_chat_id_sent_at", table_name="deliveries")
    op.drop_index("ix_deliveries_state_not_before", table_name="deliveries")
    op.drop_table("deliveries")
    op.drop_table("broadcasts")
    op.drop_table("contacts")
    op.drop_index("ix_order_items_sku", table_name="order_items")
    op.drop_table("order_items")
    op.drop_table("products")
