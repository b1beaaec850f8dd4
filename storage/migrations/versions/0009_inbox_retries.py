"""inbound updates: retries with back-off, claims that carry their instance, chat order

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-10
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types


revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('inbound_updates', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chat_id', sa.BigInteger(), nullable=True))
        batch_op.add_column(
            sa.Column('attempts', sa.Integer(), server_default='0', nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                'next_attempt_at', storage.types.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(sa.Column('claimed_by', sa.String(length=64), nullable=True))
        batch_op.add_column(
            sa.Column('claimed_at', storage.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            'ix_inbound_updates_chat', ['chat_id', 'update_id'], unique=False
        )
    # Updates an earlier version marked "failed" (its handler raised, whatever the cause)
    # were never tried again; they are set aside instead, so `ember status` lists them and
    # `ember requeue` hands them back to be handled.
    inbox = sa.table(
        'inbound_updates',
        sa.column('status', sa.String()),
        sa.column('error', sa.String()),
        sa.column('payload_enc', sa.Text()),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(inbox.c.error).where(
            inbox.c.status == 'failed', inbox.c.payload_enc.is_not(None)
        ).distinct()
    ).all()
    for (error,) in rows:
        reason = f'parked: failed before retries existed ({error or "unknown"})'[:200]
        bind.execute(
            inbox.update()
            .where(
                inbox.c.status == 'failed',
                inbox.c.payload_enc.is_not(None),
                inbox.c.error == error if error is not None else inbox.c.error.is_(None),
            )
            .values(status='parked', error=reason)
        )


def downgrade() -> None:
    with op.batch_alter_table('inbound_updates', schema=None) as batch_op:
        batch_op.drop_index('ix_inbound_updates_chat')
        batch_op.drop_column('claimed_at')
        batch_op.drop_column('claimed_by')
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('attempts')
        batch_op.drop_column('chat_id')
