"""registration: notes staff write on an order

Revision ID: registration_0003
Revises: registration_0002
Create Date: 2026-12-02 02:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from events_app.migrations.tables import create_table, drop_table

revision: str = "registration_0003"
down_revision: str | Sequence[str] | None = "registration_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXED = ("conference_id", "order_id")


def upgrade() -> None:
    create_table(
        "registration_order_notes",
        sa.Column("conference_id", sa.Uuid(), nullable=False),
        sa.Column("order_id", sa.Uuid(), nullable=False),
        sa.Column("author", sa.String(length=320), nullable=False),
        sa.Column("text", sa.String(length=4000), nullable=False),
        sa.ForeignKeyConstraint(
            ["conference_id"],
            ["conferences.id"],
            name=op.f("fk_registration_order_notes_conference_id_conferences"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["order_id"],
            ["registration_orders.id"],
            name=op.f("fk_registration_order_notes_order_id_registration_orders"),
            ondelete="CASCADE",
        ),
        indexed=INDEXED,
    )


def downgrade() -> None:
    drop_table("registration_order_notes", indexed=INDEXED)
