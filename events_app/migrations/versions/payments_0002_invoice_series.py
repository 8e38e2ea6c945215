"""invoice series counter: numbers come from one atomic upsert instead of max()+1 and retries

Revision ID: payments_0002
Revises: payments_0001
Create Date: 2026-11-26 06:46:02.570136
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import context, op

from events_app.migrations.tables import create_table, drop_table

revision: str = "payments_0002"
down_revision: str | Sequence[str] | None = "payments_0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    series_table = create_table(
        "invoice_series",
        sa.Column("series", sa.String(length=10), nullable=False),
        sa.Column("last_sequence", sa.Integer(), nullable=False),
        sa.UniqueConstraint("series", name=op.f("uq_invoice_series_series")),
    )
    if context.is_offline_mode():
        op.execute(
            "INSERT INTO invoice_series (id, series, last_sequence, created_at, updated_at) "
            "SELECT gen_random_uuid(), series, MAX(sequence), now(), now() FROM invoices GROUP BY series"
        )
        return
    # Carry on from the numbers already issued.
    issued = op.get_bind().execute(sa.text("SELECT series, MAX(sequence) FROM invoices GROUP BY series")).all()
    moment = datetime.now(UTC)
    if issued:
        op.bulk_insert(
            series_table,
            [
                {"id": uuid.uuid4(), "series": series, "last_sequence": last, "created_at": moment, "updated_at": moment}
                for series, last in issued
            ],
        )


def downgrade() -> None:
    drop_table("invoice_series")
