"""supergroup migration and forum topics

Revision ID: 0005_supergroup_migration
Revises: 0004_bot_chat_rights
Create Date: 2026-11-30 04:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.db.models

revision = '0005_supergroup_migration'
down_revision = '0004_bot_chat_rights'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('chat_migrations',
    sa.Column('old_chat_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('new_chat_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('migrated_at', bot.db.models.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('old_chat_id', name=op.f('pk_chat_migrations'))
    )
    with op.batch_alter_table('groups') as batch_op:
        batch_op.add_column(sa.Column('thread_id', sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('groups') as batch_op:
        batch_op.drop_column('thread_id')
    op.drop_table('chat_migrations')
