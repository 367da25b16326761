"""decisions, watchlist and lineage tables; checks.recheck_of

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 11:45:17.527920
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('check_matches',
    sa.Column('check_id', sa.String(length=32), nullable=False),
    sa.Column('reference_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('verdict', sa.String(length=16), nullable=False),
    sa.Column('variant', sa.JSON(), nullable=True),
    sa.Column('submitted_by', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['check_id'], ['checks.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('check_id', 'reference_id')
    )
    with op.batch_alter_table('check_matches', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_check_matches_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_check_matches_reference_id'), ['reference_id'], unique=False)

    op.create_table('decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('check_id', sa.String(length=32), nullable=False),
    sa.Column('reference_id', sa.Integer(), nullable=False),
    sa.Column('copy_sha256', sa.String(length=64), nullable=False),
    sa.Column('machine_verdict', sa.String(length=16), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=False),
    sa.Column('reviewer', sa.String(length=255), nullable=False),
    sa.Column('note', sa.String(length=2000), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['check_id'], ['checks.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_decisions_check_id'), ['check_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_decisions_copy_sha256'), ['copy_sha256'], unique=False)
        batch_op.create_index(batch_op.f('ix_decisions_reference_id'), ['reference_id'], unique=False)

    op.create_table('watched_checks',
    sa.Column('check_id', sa.String(length=32), nullable=False),
    sa.Column('upload_sha256', sa.String(length=64), nullable=False),
    sa.Column('keypoints', sa.LargeBinary(), nullable=False),
    sa.Column('mirrored_keypoints', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['check_id'], ['checks.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('check_id')
    )
    with op.batch_alter_table('watched_checks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_watched_checks_created_at'), ['created_at'], unique=False)

    with op.batch_alter_table('checks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recheck_of', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_checks_recheck_of'), ['recheck_of'], unique=False)
        batch_op.create_foreign_key('fk_checks_recheck_of', 'checks', ['recheck_of'], ['id'], ondelete='SET NULL')



def downgrade() -> None:
    with op.batch_alter_table('checks', schema=None) as batch_op:
        batch_op.drop_constraint('fk_checks_recheck_of', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_checks_recheck_of'))
        batch_op.drop_column('recheck_of')

    with op.batch_alter_table('watched_checks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_watched_checks_created_at'))

    op.drop_table('watched_checks')
    with op.batch_alter_table('decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_decisions_reference_id'))
        batch_op.drop_index(batch_op.f('ix_decisions_copy_sha256'))
        batch_op.drop_index(batch_op.f('ix_decisions_check_id'))

    op.drop_table('decisions')
    with op.batch_alter_table('check_matches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_check_matches_reference_id'))
        batch_op.drop_index(batch_op.f('ix_check_matches_created_at'))

    op.drop_table('check_matches')
