"""bulk work: when a sent prompt next needs the tick, and indexes for caseloads and protocols

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op

import storage.types


revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('scheduled_prompts', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('attention_at', storage.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            'ix_scheduled_prompts_attention', ['status', 'attention_at'], unique=False
        )
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_people_therapist_id'), ['therapist_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_people_protocol_id'), ['protocol_id'], unique=False)
    # Prompts already sent get their next moment of attention: the next reminder not yet
    # sent, or else the end of their window.
    prompts = sa.table(
        'scheduled_prompts',
        sa.column('id', sa.Integer()),
        sa.column('status', sa.String()),
        sa.column('expires_at', storage.types.UTCDateTime(timezone=True)),
        sa.column('reminder_times', sa.String()),
        sa.column('reminders_sent', sa.Integer()),
        sa.column('attention_at', storage.types.UTCDateTime(timezone=True)),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(
            prompts.c.id, prompts.c.expires_at, prompts.c.reminder_times, prompts.c.reminders_sent
        ).where(prompts.c.status == 'sent')
    ).all()
    for row_id, expires_at, raw, sent in rows:
        times = [datetime.fromisoformat(t) for t in str(raw or '').split(',') if t]
        at = expires_at
        if (sent or 0) < len(times):
            at = min(at, times[sent or 0])
        bind.execute(prompts.update().where(prompts.c.id == row_id).values(attention_at=at))


def downgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_people_protocol_id'))
        batch_op.drop_index(batch_op.f('ix_people_therapist_id'))
    with op.batch_alter_table('scheduled_prompts', schema=None) as batch_op:
        batch_op.drop_index('ix_scheduled_prompts_attention')
        batch_op.drop_column('attention_at')
