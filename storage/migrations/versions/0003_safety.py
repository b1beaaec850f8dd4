"""alerts, escalations and clinic settings

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # "questionnaire" answers need a longer kind than the first schema allowed
    with op.batch_alter_table('journal_messages', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=sa.String(length=12),
                              type_=sa.String(length=16), existing_nullable=False)
    op.create_table('clinic_settings',
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.Column('updated_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_clinic_settings'))
    )
    op.create_table('alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('flag_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('tier', sa.String(length=10), nullable=False),
    sa.Column('status', sa.String(length=14), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('escalate_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('escalation_round', sa.Integer(), nullable=False),
    sa.Column('acknowledged_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['people.id'], name=op.f('fk_alerts_acknowledged_by_id_people')),
    sa.ForeignKeyConstraint(['flag_id'], ['flags.id'], name=op.f('fk_alerts_flag_id_flags')),
    sa.ForeignKeyConstraint(['participant_id'], ['people.id'], name=op.f('fk_alerts_participant_id_people')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alerts'))
    )
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.create_index('ix_alerts_escalation', ['status', 'escalate_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_alerts_flag_id'), ['flag_id'], unique=False)

    op.create_table('escalations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recipients', sa.String(length=400), nullable=False),
    sa.ForeignKeyConstraint(['alert_id'], ['alerts.id'], name=op.f('fk_escalations_alert_id_alerts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_escalations'))
    )
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_escalations_alert_id'), ['alert_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('journal_messages', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=sa.String(length=16),
                              type_=sa.String(length=12), existing_nullable=False)
    with op.batch_alter_table('escalations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_escalations_alert_id'))

    op.drop_table('escalations')
    with op.batch_alter_table('alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alerts_flag_id'))
        batch_op.drop_index('ix_alerts_escalation')

    op.drop_table('alerts')
    op.drop_table('clinic_settings')
