"""outbox: a mail is queued as its parts and built as a MIME message when it is sent

Rows queued before keep their finished message in ``message`` and are sent as they are.

Revision ID: 0005_mail_parts
Revises: 0004_mail_about
Create Date: 2026-12-02 20:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from events_app.core.mail import build_message

revision: str = "0005_mail_parts"
down_revision: str | Sequence[str] | None = "0004_mail_about"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_mails", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parts", sa.LargeBinary(), nullable=True))
        batch_op.alter_column("message", existing_type=sa.LargeBinary(), nullable=True)


def downgrade() -> None:
    # The release before reads only the finished message: each mail queued since gets it, so none is lost.
    outbox = sa.table(
        "outbox_mails",
        sa.column("id", sa.Uuid()),
        sa.column("recipients", sa.String()),
        sa.column("subject", sa.String()),
        sa.column("parts", sa.LargeBinary()),
        sa.column("message", sa.LargeBinary()),
    )
    connection = op.get_bind()
    queued = connection.execute(
        sa.select(outbox.c.id, outbox.c.recipients, outbox.c.subject, outbox.c.parts).where(outbox.c.message.is_(None))
    )
    for row in queued.all():
        message = build_message(recipients=row.recipients, subject=row.subject, parts=row.parts)
        connection.execute(outbox.update().where(outbox.c.id == row.id).values(message=message))
    with op.batch_alter_table("outbox_mails", schema=None) as batch_op:
        batch_op.alter_column("message", existing_type=sa.LargeBinary(), nullable=False)
        batch_op.drop_column("parts")
