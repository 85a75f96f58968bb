"""initial sink tables

Revision ID: 0001
Revises: 
Create Date: 2025-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('classifications',
    sa.Column('dossier_code', sa.String(length=64), nullable=False),
    sa.Column('procedure_code', sa.String(length=32), nullable=False),
    sa.Column('handling_agency', sa.String(length=32), nullable=False),
    sa.Column('classification', sa.String(length=16), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_version', sa.Integer(), nullable=False),
    sa.Column('used_minutes', sa.Integer(), nullable=False),
    sa.Column('statutory_minutes', sa.Integer(), nullable=False),
    sa.Column('supplement_requests', sa.Integer(), nullable=False),
    sa.Column('end_status', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('dossier_code')
    )
    op.create_table('deliveries',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('letter_id', sa.String(length=100), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('letter_id', 'channel', name='uq_delivery_letter_channel')
    )
    op.create_table('dossier_flags',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('dossier_code', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('due_version', sa.Integer(), nullable=False),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('apology_deadline', sa.DateTime(timezone=True), nullable=True),
    sa.Column('responsible_agency', sa.String(length=32), nullable=False),
    sa.Column('flagged_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('event_id', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('dossier_code', 'kind', 'scope', 'due_version', 'step', name='uq_flag')
    )
    with op.batch_alter_table('dossier_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dossier_flags_dossier_code'), ['dossier_code'], unique=False)

    op.create_table('dossiers',
    sa.Column('dossier_code', sa.String(length=64), nullable=False),
    sa.Column('procedure_code', sa.String(length=32), nullable=True),
    sa.Column('procedure_name', sa.String(length=300), nullable=True),
    sa.Column('field_code', sa.String(length=64), nullable=True),
    sa.Column('receiving_agency', sa.String(length=32), nullable=True),
    sa.Column('handling_agency', sa.String(length=32), nullable=True),
    sa.Column('handling_agency_name', sa.String(length=300), nullable=True),
    sa.Column('level', sa.String(length=16), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('appointment_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('due_version', sa.Integer(), nullable=False),
    sa.Column('status', sa.Integer(), nullable=False),
    sa.Column('status_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('end_status', sa.Integer(), nullable=True),
    sa.Column('classification', sa.String(length=16), nullable=True),
    sa.Column('apology_issued_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('dossier_code')
    )
    op.create_table('letter_dossiers',
    sa.Column('dossier_code', sa.String(length=64), nullable=False),
    sa.Column('procedure_name', sa.String(length=300), nullable=False),
    sa.Column('receiving_agency', sa.String(length=32), nullable=False),
    sa.Column('handling_agency', sa.String(length=32), nullable=False),
    sa.Column('handling_agency_name', sa.String(length=300), nullable=False),
    sa.Column('channel', sa.String(length=16), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('appointment_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('applicant', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('dossier_code')
    )
    op.create_table('letter_pending',
    sa.Column('event_id', sa.String(length=200), nullable=False),
    sa.Column('dossier_code', sa.String(length=64), nullable=False),
    sa.Column('event', sa.JSON(), nullable=False),
    sa.Column('parked_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('event_id')
    )
    with op.batch_alter_table('letter_pending', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_letter_pending_dossier_code'), ['dossier_code'], unique=False)

    op.create_table('letters',
    sa.Column('letter_id', sa.String(length=100), nullable=False),
    sa.Column('dossier_code', sa.String(length=64), nullable=False),
    sa.Column('due_version', sa.Integer(), nullable=False),
    sa.Column('rule_version', sa.String(length=32), nullable=False),
    sa.Column('form', sa.String(length=300), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('causing_agency', sa.String(length=32), nullable=False),
    sa.Column('causing_agency_name', sa.String(length=300), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('apology_deadline', sa.DateTime(timezone=True), nullable=True),
    sa.Column('proposed_appointment_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('new_appointment_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reason', sa.String(length=300), nullable=True),
    sa.Column('letter_number', sa.String(length=64), nullable=True),
    sa.Column('drafted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('missed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('html_path', sa.Text(), nullable=True),
    sa.Column('pdf_path', sa.Text(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('letter_id'),
    sa.UniqueConstraint('dossier_code', 'due_version', name='uq_letter_dossier_version')
    )
    op.create_table('metric_snapshots',
    sa.Column('snapshot_key', sa.String(length=400), nullable=False),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('window', sa.String(length=32), nullable=False),
    sa.Column('period_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('period_end', sa.DateTime(timezone=True), nullable=False),
    sa.Column('as_of', sa.DateTime(timezone=True), nullable=False),
    sa.Column('metric_values', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('snapshot_key')
    )
    op.create_table('print_queue',
    sa.Column('letter_id', sa.String(length=100), nullable=False),
    sa.Column('queued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('printed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('letter_id')
    )


def downgrade() -> None:
    op.drop_table('print_queue')
    op.drop_table('metric_snapshots')
    op.drop_table('letters')
    with op.batch_alter_table('letter_pending', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_letter_pending_dossier_code'))

    op.drop_table('letter_pending')
    op.drop_table('letter_dossiers')
    op.drop_table('dossiers')
    with op.batch_alter_table('dossier_flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dossier_flags_dossier_code'))

    op.drop_table('dossier_flags')
    op.drop_table('deliveries')
    op.drop_table('classifications')
