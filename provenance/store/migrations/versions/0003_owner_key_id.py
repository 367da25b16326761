"""checks and batches: owner_key_id

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 12:09:36.367942
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner_key_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_batches_owner_key_id'), ['owner_key_id'], unique=False)

    with op.batch_alter_table('checks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('owner_key_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_checks_owner_key_id'), ['owner_key_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_checks_owner_key_id'))
        batch_op.drop_column('owner_key_id')

    with op.batch_alter_table('batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_batches_owner_key_id'))
        batch_op.drop_column('owner_key_id')

