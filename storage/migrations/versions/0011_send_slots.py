"""send_slots: the prompts' reserved send slots an alert may take over

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'send_slots',
        sa.Column('token', sa.String(length=40), nullable=False),
        sa.Column('at', sa.Double(), nullable=False),
        sa.Column('chat_id', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('token', name=op.f('pk_send_slots')),
    )
    op.create_index(op.f('ix_send_slots_at'), 'send_slots', ['at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_send_slots_at'), table_name='send_slots')
    op.drop_table('send_slots')
