"""send_lanes, chat_pacing and leases: state every instance shares (send budget, leader)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    lanes = op.create_table('send_lanes',
    sa.Column('lane', sa.String(length=20), nullable=False),
    sa.Column('next_at', sa.Double(), nullable=False),
    sa.Column('paused_until', sa.Double(), nullable=False),
    sa.PrimaryKeyConstraint('lane', name=op.f('pk_send_lanes'))
    )
    op.bulk_insert(lanes, [{'lane': 'telegram', 'next_at': 0.0, 'paused_until': 0.0}])
    op.create_table('chat_pacing',
    sa.Column('chat_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('free_at', sa.Double(), nullable=False),
    sa.PrimaryKeyConstraint('chat_id', name=op.f('pk_chat_pacing'))
    )
    op.create_table('leases',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('holder', sa.String(length=120), nullable=False),
    sa.Column('expires_at', sa.Double(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_leases'))
    )


def downgrade() -> None:
    op.drop_table('leases')
    op.drop_table('chat_pacing')
    op.drop_table('send_lanes')
