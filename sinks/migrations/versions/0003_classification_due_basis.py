"""classifications keep the statutory due beside the appointment they were graded against;
flags say why their due moment is an estimate

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('classifications') as batch:
        batch.add_column(sa.Column('statutory_due_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('due_basis', sa.String(length=16), nullable=True))
    with op.batch_alter_table('dossier_flags') as batch:
        batch.add_column(sa.Column('due_estimate', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('dossier_flags') as batch:
        batch.drop_column('due_estimate')
    with op.batch_alter_table('classifications') as batch:
        batch.drop_column('due_basis')
        batch.drop_column('statutory_due_at')
