"""checkin: badge prints drawn in the background; station devices get their own token role

Revision ID: checkin_0004
Revises: checkin_0003
Depends on: registration_0001 (registration types)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from events_app.migrations.tables import create_table, drop_table, utc

revision: str = "checkin_0004"
down_revision: str | Sequence[str] | None = "checkin_0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = ("registration_0001",)

STATION_TOKENS = "id IN (SELECT token_id FROM checkin_stations WHERE token_id IS NOT NULL)"


def upgrade() -> None:
    create_table('badge_prints',
    sa.Column('conference_id', sa.Uuid(), nullable=False),
    sa.Column('registration_type_id', sa.Uuid(), nullable=True),
    sa.Column('requested_by', sa.String(length=320), nullable=False),
    sa.Column('status', sa.Enum('queued', 'running', 'done', 'failed', name='print_status', native_enum=False, length=30), nullable=False),
    sa.Column('badges_total', sa.Integer(), nullable=False),
    sa.Column('badges_drawn', sa.Integer(), nullable=False),
    utc('heartbeat_at', nullable=True),
    utc('finished_at', nullable=True),
    sa.Column('error', sa.String(length=300), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['conference_id'], ['conferences.id'], name=op.f('fk_badge_prints_conference_id_conferences'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_type_id'], ['registration_types.id'], name=op.f('fk_badge_prints_registration_type_id_registration_types'), ondelete='CASCADE'),
    indexed=('conference_id', 'status'),
    )
    # A station's device held a staff token until now: from here it holds a station token.
    op.execute(f"UPDATE api_tokens SET role = 'station' WHERE {STATION_TOKENS}")


def downgrade() -> None:
    op.execute(f"UPDATE api_tokens SET role = 'staff' WHERE {STATION_TOKENS}")
    drop_table('badge_prints', indexed=('conference_id', 'status'))
