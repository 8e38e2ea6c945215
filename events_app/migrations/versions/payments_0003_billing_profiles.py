"""payments: billing profiles (who is paid and how), printed on invoices

Revision ID: payments_0003
Revises: payments_0002
Create Date: 2026-12-02 02:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from events_app.migrations.tables import create_table, drop_table

revision: str = "payments_0003"
down_revision: str | Sequence[str] | None = "payments_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_table(
        "billing_profiles",
        sa.Column("conference_id", sa.Uuid(), nullable=True),
        sa.Column("for_association", sa.Boolean(), nullable=False),
        sa.Column("legal_name", sa.String(length=200), nullable=False),
        sa.Column("remit_to", sa.String(length=1000), nullable=False),
        sa.Column("checks_payable_to", sa.String(length=200), nullable=False),
        sa.Column("bank_name", sa.String(length=200), nullable=False),
        sa.Column("routing_number", sa.String(length=9), nullable=False),
        sa.Column("account_number", sa.String(length=17), nullable=False),
        sa.Column("tax_id", sa.String(length=20), nullable=False),
        sa.Column("contact_name", sa.String(length=200), nullable=False),
        sa.Column("contact_email", sa.String(length=320), nullable=False),
        sa.Column("contact_phone", sa.String(length=40), nullable=False),
        sa.CheckConstraint(
            "(for_association AND conference_id IS NULL) OR (NOT for_association AND conference_id IS NOT NULL)",
            name=op.f("ck_billing_profiles_association_or_conference"),
        ),
        sa.ForeignKeyConstraint(
            ["conference_id"],
            ["conferences.id"],
            name=op.f("fk_billing_profiles_conference_id_conferences"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("conference_id", name=op.f("uq_billing_profiles_conference_id")),
    )
    with op.batch_alter_table("billing_profiles", schema=None) as batch_op:
        batch_op.create_index(
            "uq_billing_profiles_association",
            ["for_association"],
            unique=True,
            sqlite_where=sa.text("for_association"),
            postgresql_where=sa.text("for_association"),
        )


def downgrade() -> None:
    with op.batch_alter_table("billing_profiles", schema=None) as batch_op:
        batch_op.drop_index("uq_billing_profiles_association")
    drop_table("billing_profiles")
