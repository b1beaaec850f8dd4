"""protocols and scheduled prompts

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('protocols',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('version', sa.String(length=40), nullable=False),
    sa.Column('source', sa.Text(), nullable=False),
    sa.Column('source_name', sa.String(length=300), nullable=False),
    sa.Column('loaded_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_protocols'))
    )
    op.create_table('scheduled_prompts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=120), nullable=False),
    sa.Column('protocol_id', sa.String(length=64), nullable=True),
    sa.Column('step_id', sa.String(length=64), nullable=True),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('text_enc', sa.Text(), nullable=True),
    sa.Column('due_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reminder_times', sa.String(length=400), nullable=False),
    sa.Column('reminders_sent', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('sent_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('answered_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('state', sa.Text(), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['people.id'], name=op.f('fk_scheduled_prompts_created_by_id_people')),
    sa.ForeignKeyConstraint(['participant_id'], ['people.id'], name=op.f('fk_scheduled_prompts_participant_id_people')),
    sa.ForeignKeyConstraint(['session_id'], ['sessions.id'], name=op.f('fk_scheduled_prompts_session_id_sessions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scheduled_prompts')),
    sa.UniqueConstraint('participant_id', 'key', name=op.f('uq_scheduled_prompts_participant_id'))
    )
    with op.batch_alter_table('scheduled_prompts', schema=None) as batch_op:
        batch_op.create_index('ix_scheduled_prompts_due', ['status', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_scheduled_prompts_participant_id'), ['participant_id'], unique=False)

    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('protocol_id', sa.String(length=64), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('protocol_id')

    with op.batch_alter_table('scheduled_prompts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scheduled_prompts_participant_id'))
        batch_op.drop_index('ix_scheduled_prompts_due')

    op.drop_table('scheduled_prompts')
    op.drop_table('protocols')
