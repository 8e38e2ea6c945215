"""expo booth staff badges leads

Revision ID: expo_0002
Revises: expo_0001
Create Date: 2026-11-26 06:12:39.345615
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from events_app.migrations.tables import create_table, drop_table, utc

revision: str = "expo_0002"
down_revision: str | Sequence[str] | None = "expo_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = ("registration_0001",)


def upgrade() -> None:
    create_table('expo_leads',
    sa.Column('conference_id', sa.Uuid(), nullable=False),
    sa.Column('partner_id', sa.Uuid(), nullable=False),
    sa.Column('attendee_id', sa.Uuid(), nullable=False),
    sa.Column('scanned_by_user_id', sa.Uuid(), nullable=True),
    sa.Column('scanned_by', sa.String(length=200), nullable=False),
    utc('first_scanned_at', nullable=False),
    utc('scanned_at', nullable=False),
    sa.Column('scans', sa.Integer(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.CheckConstraint('rating IS NULL OR rating BETWEEN 1 AND 5', name=op.f('ck_expo_leads_rating_range')),
    sa.ForeignKeyConstraint(['attendee_id'], ['attendees.id'], name=op.f('fk_expo_leads_attendee_id_attendees'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['conference_id'], ['conferences.id'], name=op.f('fk_expo_leads_conference_id_conferences'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_id'], ['expo_partners.id'], name=op.f('fk_expo_leads_partner_id_expo_partners'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['scanned_by_user_id'], ['users.id'], name=op.f('fk_expo_leads_scanned_by_user_id_users'), ondelete='SET NULL'),
    sa.UniqueConstraint('partner_id', 'attendee_id', name=op.f('uq_expo_leads_partner_id_attendee_id')),
    indexed=('attendee_id', 'conference_id', 'partner_id'),
    )

    create_table('expo_badge_purchases',
    sa.Column('booking_id', sa.Uuid(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('unit_price_cents', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.Enum('pending', 'paid', 'cancelled', name='expo_purchase_status', native_enum=False, length=30), nullable=False),
    sa.Column('payment_id', sa.String(length=100), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_expo_badge_purchases_quantity_positive')),
    sa.ForeignKeyConstraint(['booking_id'], ['expo_booth_bookings.id'], name=op.f('fk_expo_badge_purchases_booking_id_expo_booth_bookings'), ondelete='CASCADE'),
    indexed=('booking_id',),
    )

    create_table('expo_booth_staff',
    sa.Column('booking_id', sa.Uuid(), nullable=False),
    sa.Column('partner_id', sa.Uuid(), nullable=False),
    sa.Column('attendee_id', sa.Uuid(), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['attendee_id'], ['attendees.id'], name=op.f('fk_expo_booth_staff_attendee_id_attendees'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['booking_id'], ['expo_booth_bookings.id'], name=op.f('fk_expo_booth_staff_booking_id_expo_booth_bookings'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_id'], ['expo_partners.id'], name=op.f('fk_expo_booth_staff_partner_id_expo_partners'), ondelete='CASCADE'),
    sa.UniqueConstraint('attendee_id', name=op.f('uq_expo_booth_staff_attendee_id')),
    sa.UniqueConstraint('booking_id', 'email', name=op.f('uq_expo_booth_staff_booking_id_email')),
    indexed=('booking_id', 'partner_id'),
    )




def downgrade() -> None:
    drop_table('expo_booth_staff', indexed=('booking_id', 'partner_id'))
    drop_table('expo_badge_purchases', indexed=('booking_id',))
    drop_table('expo_leads', indexed=('attendee_id', 'conference_id', 'partner_id'))
