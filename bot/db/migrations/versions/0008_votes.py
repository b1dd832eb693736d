"""votes: product votes (投票), their options, one ballot per member, their choices

Revision ID: 0008_votes
Revises: 0007_streaks
Create Date: 2026-11-30 06:38:29.485277
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.db.models

revision = '0008_votes'
down_revision = '0007_streaks'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('votes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('chat_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('message_id', sa.BigInteger(), nullable=True),
    sa.Column('created_by', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('question', sa.String(length=200), nullable=False),
    sa.Column('options', sa.Integer(), nullable=False),
    sa.Column('multi', sa.Boolean(), nullable=False),
    sa.Column('buyers', sa.Boolean(), nullable=False),
    sa.Column('show', sa.String(length=4), nullable=False),
    sa.Column('reward', sa.BigInteger(), nullable=False),
    sa.Column('status', sa.String(length=9), nullable=False),
    sa.Column('source_key', sa.String(length=160), nullable=False),
    sa.Column('voters', sa.Integer(), nullable=False),
    sa.Column('paid', sa.BigInteger(), nullable=False),
    sa.Column('created_at', bot.db.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closes_at', bot.db.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closed_at', bot.db.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.BigInteger(), nullable=True),
    sa.Column('announced_at', bot.db.models.UTCDateTime(timezone=True), nullable=True),
    sa.CheckConstraint("show IN ('live', 'end')", name=op.f('ck_votes_show_known')),
    sa.CheckConstraint("status IN ('open', 'closed', 'cancelled')", name=op.f('ck_votes_status_known')),
    sa.CheckConstraint('options >= 2 AND options <= 10', name=op.f('ck_votes_options_in_range')),
    sa.CheckConstraint('reward >= 0 AND voters >= 0 AND paid = reward * voters', name=op.f('ck_votes_paid_matches')),
    sa.ForeignKeyConstraint(['chat_id'], ['groups.chat_id'], name=op.f('fk_votes_chat_id_groups')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_votes')),
    sa.UniqueConstraint('source_key', name='uq_votes_source_key')
    )
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.create_index('ix_votes_chat_id', ['chat_id'], unique=False)
        batch_op.create_index('ix_votes_status_closes_at', ['status', 'closes_at'], unique=False)

    op.create_table('vote_ballots',
    sa.Column('vote_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('user_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('first_at', bot.db.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('changed_at', bot.db.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('changes', sa.Integer(), nullable=False),
    sa.Column('rewarded', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('rewarded >= 0 AND changes >= 0', name=op.f('ck_vote_ballots_counts_non_negative')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_vote_ballots_user_id_users')),
    sa.ForeignKeyConstraint(['vote_id'], ['votes.id'], name=op.f('fk_vote_ballots_vote_id_votes')),
    sa.PrimaryKeyConstraint('vote_id', 'user_id', name=op.f('pk_vote_ballots'))
    )
    op.create_table('vote_choices',
    sa.Column('vote_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('user_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('option_no', sa.Integer(), autoincrement=False, nullable=False),
    sa.ForeignKeyConstraint(['vote_id'], ['votes.id'], name=op.f('fk_vote_choices_vote_id_votes')),
    sa.PrimaryKeyConstraint('vote_id', 'user_id', 'option_no', name=op.f('pk_vote_choices'))
    )
    op.create_table('vote_taps',
    sa.Column('query_id', sa.String(length=64), nullable=False),
    sa.Column('vote_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['vote_id'], ['votes.id'], name=op.f('fk_vote_taps_vote_id_votes')),
    sa.PrimaryKeyConstraint('query_id', name=op.f('pk_vote_taps'))
    )
    op.create_table('vote_options',
    sa.Column('vote_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('no', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('label', sa.String(length=60), nullable=False),
    sa.Column('sku', sa.String(length=32), nullable=True),
    sa.ForeignKeyConstraint(['vote_id'], ['votes.id'], name=op.f('fk_vote_options_vote_id_votes')),
    sa.PrimaryKeyConstraint('vote_id', 'no', name=op.f('pk_vote_options'))
    )


def downgrade() -> None:
    op.drop_table('vote_options')
    op.drop_table('vote_taps')
    op.drop_table('vote_choices')
    op.drop_table('vote_ballots')
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.drop_index('ix_votes_status_closes_at')
        batch_op.drop_index('ix_votes_chat_id')

    op.drop_table('votes')
