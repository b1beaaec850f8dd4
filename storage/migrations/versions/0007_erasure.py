"""erasure requests: /delete recorded with its time, status and retention policy

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types


revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('erasure_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('requested_by', sa.String(length=40), nullable=False),
    sa.Column('policy', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('keep_until', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('erased_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('erased_by', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['participant_id'], ['people.id'], name=op.f('fk_erasure_requests_participant_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_erasure_requests'))
    )
    with op.batch_alter_table('erasure_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_erasure_requests_participant_id'), ['participant_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('erasure_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_erasure_requests_participant_id'))

    op.drop_table('erasure_requests')
