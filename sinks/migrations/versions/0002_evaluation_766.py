"""Decision 766: dossier service columns, supplement requests, citizen feedback (PAKN)

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

_COLUMNS = (
    ('returned_at', sa.DateTime(timezone=True)), ('supplement_open_since', sa.DateTime(timezone=True)),
    ('fees_vnd', sa.BigInteger()), ('paid_online', sa.Boolean()), ('digitised', sa.Boolean()),
    ('reused', sa.Boolean()), ('vneid', sa.Boolean()), ('result_electronic', sa.Boolean()),
    ('satisfaction', sa.String(length=16)), ('complaint', sa.Boolean()),
)


def upgrade() -> None:
    with op.batch_alter_table('dossiers') as batch:
        for name, type_ in _COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))
    op.create_table('supplement_requests',
    sa.Column('event_id', sa.String(length=200), nullable=False),
    sa.Column('dossier_code', sa.String(length=64), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('event_id')
    )
    op.create_index(op.f('ix_supplement_requests_dossier_code'), 'supplement_requests',
                    ['dossier_code'], unique=False)
    op.create_table('feedback',
    sa.Column('feedback_id', sa.String(length=100), nullable=False),
    sa.Column('agency', sa.String(length=32), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('dossier_code', sa.String(length=64), nullable=True),
    sa.Column('satisfied', sa.Boolean(), nullable=True),
    sa.PrimaryKeyConstraint('feedback_id')
    )
    op.create_table('feedback_steps',
    sa.Column('feedback_id', sa.String(length=100), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('feedback_id', 'action')
    )


def downgrade() -> None:
    op.drop_table('feedback_steps')
    op.drop_table('feedback')
    op.drop_index(op.f('ix_supplement_requests_dossier_code'), table_name='supplement_requests')
    op.drop_table('supplement_requests')
    with op.batch_alter_table('dossiers') as batch:
        for name, _ in reversed(_COLUMNS):
            batch.drop_column(name)
