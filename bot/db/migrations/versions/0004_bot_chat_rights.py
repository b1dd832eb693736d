"""the bot's rights per chat (told to staff once per change)

Revision ID: 0004_bot_chat_rights
Revises: 0003
Create Date: 2026-11-30 04:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.db.models

revision = '0004_bot_chat_rights'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('bot_chat_rights',
    sa.Column('chat_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('state', sa.String(length=160), nullable=False),
    sa.Column('updated_at', bot.db.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('chat_id', name=op.f('pk_bot_chat_rights'))
    )


def downgrade() -> None:
    op.drop_table('bot_chat_rights')
