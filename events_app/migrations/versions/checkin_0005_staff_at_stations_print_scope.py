"""checkin: staff assigned to stations equip their own device; a badge print of one order or one attendee

Revision ID: checkin_0005
Revises: checkin_0004
Depends on: accounts (users), registration_0001 (orders, attendees)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from events_app.migrations.tables import create_table, drop_table

revision: str = "checkin_0005"
down_revision: str | Sequence[str] | None = "checkin_0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = ("registration_0001",)

ASSIGNMENTS_INDEXED = ("station_id", "user_id")


def upgrade() -> None:
    create_table('checkin_station_assignments',
    sa.Column('station_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['station_id'], ['checkin_stations.id'], name=op.f('fk_checkin_station_assignments_station_id_checkin_stations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_checkin_station_assignments_user_id_users'), ondelete='CASCADE'),
    sa.UniqueConstraint('station_id', 'user_id', name=op.f('uq_checkin_station_assignments_station_id_user_id')),
    indexed=ASSIGNMENTS_INDEXED,
    )
    with op.batch_alter_table('badge_prints', schema=None) as batch_op:
        batch_op.add_column(sa.Column('order_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('attendee_id', sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_badge_prints_order_id_registration_orders'), 'registration_orders', ['order_id'], ['id'], ondelete='CASCADE')
        batch_op.create_foreign_key(batch_op.f('fk_badge_prints_attendee_id_attendees'), 'attendees', ['attendee_id'], ['id'], ondelete='CASCADE')


def downgrade() -> None:
    with op.batch_alter_table('badge_prints', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_badge_prints_attendee_id_attendees'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_badge_prints_order_id_registration_orders'), type_='foreignkey')
        batch_op.drop_column('attendee_id')
        batch_op.drop_column('order_id')
    drop_table('checkin_station_assignments', indexed=ASSIGNMENTS_INDEXED)
