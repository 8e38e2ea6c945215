"""checkin: badge prints drawn in the background; station devices get their own token role

Revision ID: checkin_0003
Revises: checkin_0002
Depends on: registration_0001 (registration types)
"""

from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = "checkin_0003"
down_revision: str | Sequence[str] | None = "checkin_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = ("registration_0001",)


def upgrade() -> None:
    op.create_table('badge_prints',
    sa.Column('conference_id', sa.Uuid(), nullable=False),
    sa.Column('registration_type_id', sa.Uuid(), nullable=True),
    sa.Column('requested_by', sa.String(length=320), nullable=False),
    sa.Column('status', sa.Enum('queued', 'running', 'done', 'failed', name='print_status', native_enum=False, length=30), nullable=False),
    sa.Column('badges_total', sa.Integer(), nullable=False),
    sa.Column('badges_drawn', sa.Integer(), nullable=False),
    sa.Column('heartbeat_at', advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('finished_at', advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=True),
    sa.Column('error', sa.String(length=300), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=True),
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('created_at', advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['conference_id'], ['conferences.id'], name=op.f('fk_badge_prints_conference_id_conferences'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['registration_type_id'], ['registration_types.id'], name=op.f('fk_badge_prints_registration_type_id_registration_types'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_badge_prints'))
    )
    with op.batch_alter_table('badge_prints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_badge_prints_conference_id'), ['conference_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_badge_prints_status'), ['status'], unique=False)
    # A station's device held a staff token until now: from here it holds a station token.
    op.execute(
        "UPDATE api_tokens SET role = 'station' "
        "WHERE id IN (SELECT token_id FROM checkin_stations WHERE token_id IS NOT NULL)"
    )


def downgrade() -> None:
    op.execute(
        "UPDATE api_tokens SET role = 'staff' "
        "WHERE id IN (SELECT token_id FROM checkin_stations WHERE token_id IS NOT NULL)"
    )
    op.drop_table('badge_prints')
