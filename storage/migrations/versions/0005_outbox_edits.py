"""outbox: edits of sent messages, and the topic that finds an alert's copies

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('topic', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('edits_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_topic'), ['topic'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_edits_id'), ['edits_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_outbox_edits_id_outbox'), 'outbox', ['edits_id'], ['id']
        )
    # Alert copies already queued or sent ("alert:<alert>:<round>:<person>") get their
    # topic, so acknowledging an alert raised before this change still reaches every copy.
    outbox = sa.table(
        'outbox',
        sa.column('id', sa.Integer()),
        sa.column('idempotency_key', sa.String()),
        sa.column('kind', sa.String()),
        sa.column('topic', sa.String()),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(outbox.c.id, outbox.c.idempotency_key).where(outbox.c.kind == 'alert')
    ).all()
    for row_id, key in rows:
        parts = str(key).split(':')
        if len(parts) >= 2 and parts[0] == 'alert' and parts[1].isdigit():
            bind.execute(
                outbox.update()
                .where(outbox.c.id == row_id)
                .values(topic=f'alert:{parts[1]}')
            )


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_edits_id_outbox'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outbox_edits_id'))
        batch_op.drop_index(batch_op.f('ix_outbox_topic'))
        batch_op.drop_column('edits_id')
        batch_op.drop_column('topic')
