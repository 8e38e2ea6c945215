"""checkin: session attendance and credit rules, and links from stations and scans to the program's rooms and sessions

Revision ID: checkin_0002
Revises: checkin_0001
Depends on: program_0001 (rooms, sessions, runs)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from events_app.migrations.tables import create_table, drop_table, utc

revision: str = "checkin_0002"
down_revision: str | Sequence[str] | None = "checkin_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = ("program_0001",)


def upgrade() -> None:
    create_table('session_attendance',
    sa.Column('conference_id', sa.Uuid(), nullable=False),
    sa.Column('session_id', sa.Uuid(), nullable=False),
    sa.Column('run_id', sa.Uuid(), nullable=False),
    sa.Column('attendee_id', sa.Uuid(), nullable=False),
    sa.Column('station_id', sa.Uuid(), nullable=False),
    utc('entered_at', nullable=False),
    utc('exited_at', nullable=True),
    sa.ForeignKeyConstraint(['attendee_id'], ['attendees.id'], name=op.f('fk_session_attendance_attendee_id_attendees'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['conference_id'], ['conferences.id'], name=op.f('fk_session_attendance_conference_id_conferences'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['run_id'], ['program_runs.id'], name=op.f('fk_session_attendance_run_id_program_runs'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['program_sessions.id'], name=op.f('fk_session_attendance_session_id_program_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['station_id'], ['checkin_stations.id'], name=op.f('fk_session_attendance_station_id_checkin_stations'), ondelete='CASCADE'),
    sa.UniqueConstraint('run_id', 'attendee_id', name=op.f('uq_session_attendance_run_id_attendee_id')),
    indexed=('attendee_id', 'conference_id', 'session_id'),
    )

    create_table('session_credit_rules',
    sa.Column('conference_id', sa.Uuid(), nullable=False),
    sa.Column('session_id', sa.Uuid(), nullable=False),
    sa.Column('minimum_presence_minutes', sa.Integer(), nullable=False),
    sa.CheckConstraint('minimum_presence_minutes > 0', name=op.f('ck_session_credit_rules_minimum_positive')),
    sa.ForeignKeyConstraint(['conference_id'], ['conferences.id'], name=op.f('fk_session_credit_rules_conference_id_conferences'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['program_sessions.id'], name=op.f('fk_session_credit_rules_session_id_program_sessions'), ondelete='CASCADE'),
    sa.UniqueConstraint('session_id', name=op.f('uq_session_credit_rules_session_id')),
    indexed=('conference_id',),
    )

    with op.batch_alter_table('checkin_stations', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_checkin_stations_room_id_program_rooms'), 'program_rooms', ['room_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('checkin_scans', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_checkin_scans_session_id_program_sessions'), 'program_sessions', ['session_id'], ['id'], ondelete='SET NULL')


def downgrade() -> None:
    drop_table('session_credit_rules', indexed=('conference_id',))
    with op.batch_alter_table('checkin_scans', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_checkin_scans_session_id_program_sessions'), type_='foreignkey')

    with op.batch_alter_table('checkin_stations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_checkin_stations_room_id_program_rooms'), type_='foreignkey')

    drop_table('session_attendance', indexed=('attendee_id', 'conference_id', 'session_id'))
