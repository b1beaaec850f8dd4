"""couples: partners linked in a couple, shared sessions, the doses given at a dosing session

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types


revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'couples',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_couples')),
    )
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('couple_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_people_couple_id'), ['couple_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_people_couple_id_couples'), 'couples', ['couple_id'], ['id']
        )
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shared_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('doses_enc', storage.types.SealedText(), nullable=True))
        batch_op.create_index(batch_op.f('ix_sessions_shared_id'), ['shared_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sessions_shared_id'))
        batch_op.drop_column('doses_enc')
        batch_op.drop_column('shared_id')
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_people_couple_id_couples'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_people_couple_id'))
        batch_op.drop_column('couple_id')
    op.drop_table('couples')
