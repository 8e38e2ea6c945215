"""outbox: the record a mail is about, so an order's page lists what it was sent

Revision ID: 0004_mail_about
Revises: 0003_admit_invoiced_members
Create Date: 2026-12-02 02:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_mail_about"
down_revision: str | Sequence[str] | None = "0003_admit_invoiced_members"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_mails", schema=None) as batch_op:
        batch_op.add_column(sa.Column("about_id", sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f("ix_outbox_mails_about_id"), ["about_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox_mails", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_mails_about_id"))
        batch_op.drop_column("about_id")
