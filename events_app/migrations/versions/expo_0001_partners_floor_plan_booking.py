"""expo partners floor plan holds bookings

Revision ID: expo_0001
Revises: 0002_audit_outbox
Create Date: 2026-11-26 05:53:51.498438
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from events_app.migrations.tables import create_table, drop_table, utc

revision: str = "expo_0001"
down_revision: str | Sequence[str] | None = '0002_audit_outbox'
branch_labels: str | Sequence[str] | None = ("expo",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_table('expo_business_categories',
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('exclusive', sa.Boolean(), nullable=False),
    sa.UniqueConstraint('slug', name=op.f('uq_expo_business_categories_slug')),
    )

    create_table('expo_partner_tiers',
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.UniqueConstraint('rank', name=op.f('uq_expo_partner_tiers_rank')),
    sa.UniqueConstraint('slug', name=op.f('uq_expo_partner_tiers_slug')),
    )

    create_table('expo_booking_windows',
    sa.Column('conference_id', sa.Uuid(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    utc('opens_at', nullable=False),
    sa.Column('tier_id', sa.Uuid(), nullable=True),
    sa.Column('min_points', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['conference_id'], ['conferences.id'], name=op.f('fk_expo_booking_windows_conference_id_conferences'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tier_id'], ['expo_partner_tiers.id'], name=op.f('fk_expo_booking_windows_tier_id_expo_partner_tiers'), ondelete='CASCADE'),
    indexed=('conference_id',),
    )

    create_table('expo_halls',
    sa.Column('conference_id', sa.Uuid(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('width_ft', sa.Float(), nullable=False),
    sa.Column('depth_ft', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['conference_id'], ['conferences.id'], name=op.f('fk_expo_halls_conference_id_conferences'), ondelete='CASCADE'),
    sa.UniqueConstraint('conference_id', 'code', name=op.f('uq_expo_halls_conference_id_code')),
    indexed=('conference_id',),
    )

    create_table('expo_partners',
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('tier_id', sa.Uuid(), nullable=False),
    sa.Column('website', sa.String(length=300), nullable=False),
    sa.Column('billing_email', sa.String(length=320), nullable=False),
    sa.Column('years_exhibited', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['tier_id'], ['expo_partner_tiers.id'], name=op.f('fk_expo_partners_tier_id_expo_partner_tiers')),
    sa.UniqueConstraint('slug', name=op.f('uq_expo_partners_slug')),
    indexed=('tier_id',),
    )

    create_table('expo_settings',
    sa.Column('conference_id', sa.Uuid(), nullable=False),
    sa.Column('hold_minutes', sa.Integer(), nullable=False),
    sa.Column('max_live_holds', sa.Integer(), nullable=False),
    sa.Column('card_payment_minutes', sa.Integer(), nullable=False),
    sa.Column('competitor_distance_ft', sa.Float(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('extra_staff_price_cents', sa.Integer(), nullable=False),
    sa.Column('refund_bands', sa.JSON(), nullable=False),
    sa.CheckConstraint('competitor_distance_ft >= 0', name=op.f('ck_expo_settings_competitor_distance_not_negative')),
    sa.CheckConstraint('hold_minutes > 0', name=op.f('ck_expo_settings_hold_minutes_positive')),
    sa.CheckConstraint('max_live_holds > 0', name=op.f('ck_expo_settings_max_live_holds_positive')),
    sa.ForeignKeyConstraint(['conference_id'], ['conferences.id'], name=op.f('fk_expo_settings_conference_id_conferences'), ondelete='CASCADE'),
    sa.UniqueConstraint('conference_id', name=op.f('uq_expo_settings_conference_id')),
    )

    create_table('expo_booths',
    sa.Column('conference_id', sa.Uuid(), nullable=False),
    sa.Column('hall_id', sa.Uuid(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('shape', sa.JSON(), nullable=False),
    sa.Column('width_ft', sa.Float(), nullable=False),
    sa.Column('depth_ft', sa.Float(), nullable=False),
    sa.Column('area_sqft', sa.Float(), nullable=False),
    sa.Column('kind', sa.Enum('inline', 'corner', 'island', name='expo_booth_kind', native_enum=False, length=30), nullable=False),
    sa.Column('price_cents', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('features', sa.JSON(), nullable=False),
    sa.Column('occupant_partner_id', sa.Uuid(), nullable=True),
    utc('occupied_until', nullable=True),
    sa.Column('hold_id', sa.Uuid(), nullable=True),
    sa.Column('booking_id', sa.Uuid(), nullable=True),
    sa.CheckConstraint('booking_id IS NULL OR hold_id IS NULL', name=op.f('ck_expo_booths_hold_or_booking')),
    sa.CheckConstraint('occupant_partner_id IS NOT NULL OR occupied_until IS NULL', name=op.f('ck_expo_booths_expiry_needs_occupant')),
    sa.CheckConstraint('price_cents >= 0', name=op.f('ck_expo_booths_price_not_negative')),
    sa.ForeignKeyConstraint(['conference_id'], ['conferences.id'], name=op.f('fk_expo_booths_conference_id_conferences'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['hall_id'], ['expo_halls.id'], name=op.f('fk_expo_booths_hall_id_expo_halls'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['occupant_partner_id'], ['expo_partners.id'], name=op.f('fk_expo_booths_occupant_partner_id_expo_partners')),
    sa.UniqueConstraint('conference_id', 'code', name=op.f('uq_expo_booths_conference_id_code')),
    indexed=('conference_id', 'hall_id', 'occupant_partner_id'),
    )

    create_table('expo_floor_areas',
    sa.Column('hall_id', sa.Uuid(), nullable=False),
    sa.Column('kind', sa.Enum('aisle', 'stage', 'food', 'entrance', 'lounge', 'service', name='expo_area_kind', native_enum=False, length=30), nullable=False),
    sa.Column('label', sa.String(length=100), nullable=False),
    sa.Column('shape', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['hall_id'], ['expo_halls.id'], name=op.f('fk_expo_floor_areas_hall_id_expo_halls'), ondelete='CASCADE'),
    indexed=('hall_id',),
    )

    create_table('expo_partner_categories',
    sa.Column('partner_id', sa.Uuid(), nullable=False),
    sa.Column('category_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['expo_business_categories.id'], name=op.f('fk_expo_partner_categories_category_id_expo_business_categories'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['partner_id'], ['expo_partners.id'], name=op.f('fk_expo_partner_categories_partner_id_expo_partners'), ondelete='CASCADE'),
    sa.UniqueConstraint('partner_id', 'category_id', name=op.f('uq_expo_partner_categories_partner_id_category_id')),
    indexed=('partner_id',),
    )

    create_table('expo_partner_contacts',
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('partner_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['expo_partners.id'], name=op.f('fk_expo_partner_contacts_partner_id_expo_partners'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_expo_partner_contacts_user_id_users'), ondelete='CASCADE'),
    sa.UniqueConstraint('user_id', name=op.f('uq_expo_partner_contacts_user_id')),
    indexed=('partner_id',),
    )

    create_table('expo_points_entries',
    sa.Column('partner_id', sa.Uuid(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Enum('tier', 'years', 'sponsorship', 'adjustment', name='expo_points_reason', native_enum=False, length=30), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.ForeignKeyConstraint(['partner_id'], ['expo_partners.id'], name=op.f('fk_expo_points_entries_partner_id_expo_partners'), ondelete='CASCADE'),
    indexed=('partner_id',),
    )

    create_table('expo_booth_holds',
    sa.Column('conference_id', sa.Uuid(), nullable=False),
    sa.Column('booth_id', sa.Uuid(), nullable=False),
    sa.Column('partner_id', sa.Uuid(), nullable=False),
    sa.Column('held_by_user_id', sa.Uuid(), nullable=True),
    utc('expires_at', nullable=False),
    sa.Column('status', sa.Enum('held', 'checked_out', 'released', name='expo_hold_status', native_enum=False, length=30), nullable=False),
    utc('ended_at', nullable=True),
    sa.ForeignKeyConstraint(['booth_id'], ['expo_booths.id'], name=op.f('fk_expo_booth_holds_booth_id_expo_booths'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['conference_id'], ['conferences.id'], name=op.f('fk_expo_booth_holds_conference_id_conferences'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['held_by_user_id'], ['users.id'], name=op.f('fk_expo_booth_holds_held_by_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['partner_id'], ['expo_partners.id'], name=op.f('fk_expo_booth_holds_partner_id_expo_partners'), ondelete='CASCADE'),
    indexed=('booth_id', 'conference_id'),
    )
    with op.batch_alter_table('expo_booth_holds', schema=None) as batch_op:
        batch_op.create_index('ix_expo_booth_holds_partner_status', ['partner_id', 'status'], unique=False)

    create_table('expo_booth_bookings',
    sa.Column('conference_id', sa.Uuid(), nullable=False),
    sa.Column('booth_id', sa.Uuid(), nullable=False),
    sa.Column('partner_id', sa.Uuid(), nullable=False),
    sa.Column('hold_id', sa.Uuid(), nullable=True),
    sa.Column('status', sa.Enum('pending_payment', 'invoiced', 'confirmed', 'lapsed', 'cancelled', name='expo_booking_status', native_enum=False, length=30), nullable=False),
    sa.Column('method', sa.Enum('card', 'invoice', 'assigned', name='expo_payment_method', native_enum=False, length=30), nullable=False),
    sa.Column('price_cents', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('paid_cents', sa.Integer(), nullable=False),
    sa.Column('refunded_cents', sa.Integer(), nullable=False),
    sa.Column('payment_id', sa.String(length=100), nullable=False),
    utc('pay_by', nullable=True),
    utc('confirmed_at', nullable=True),
    utc('cancelled_at', nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['booth_id'], ['expo_booths.id'], name=op.f('fk_expo_booth_bookings_booth_id_expo_booths'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['conference_id'], ['conferences.id'], name=op.f('fk_expo_booth_bookings_conference_id_conferences'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['hold_id'], ['expo_booth_holds.id'], name=op.f('fk_expo_booth_bookings_hold_id_expo_booth_holds'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['partner_id'], ['expo_partners.id'], name=op.f('fk_expo_booth_bookings_partner_id_expo_partners'), ondelete='CASCADE'),
    indexed=('booth_id', 'conference_id', 'partner_id'),
    )




def downgrade() -> None:
    drop_table('expo_booth_bookings', indexed=('booth_id', 'conference_id', 'partner_id'))
    with op.batch_alter_table('expo_booth_holds', schema=None) as batch_op:
        batch_op.drop_index('ix_expo_booth_holds_partner_status')

    drop_table('expo_booth_holds', indexed=('booth_id', 'conference_id'))
    drop_table('expo_points_entries', indexed=('partner_id',))
    drop_table('expo_partner_contacts', indexed=('partner_id',))
    drop_table('expo_partner_categories', indexed=('partner_id',))
    drop_table('expo_floor_areas', indexed=('hall_id',))
    drop_table('expo_booths', indexed=('conference_id', 'hall_id', 'occupant_partner_id'))
    drop_table('expo_settings')
    drop_table('expo_partners', indexed=('tier_id',))
    drop_table('expo_halls', indexed=('conference_id',))
    drop_table('expo_booking_windows', indexed=('conference_id',))
    drop_table('expo_partner_tiers')
    drop_table('expo_business_categories')
