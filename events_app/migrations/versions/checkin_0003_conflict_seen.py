"""checkin: when staff marked a two-door conflict seen, so unseen ones stay on every door's page

Revision ID: checkin_0003
Revises: checkin_0002
"""

from collections.abc import Sequence

from alembic import op

from events_app.migrations.tables import utc

revision: str = "checkin_0003"
down_revision: str | Sequence[str] | None = "checkin_0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("checkin_scans", schema=None) as batch_op:
        batch_op.add_column(utc("conflict_seen_at", nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("checkin_scans", schema=None) as batch_op:
        batch_op.drop_column("conflict_seen_at")
