"""accounts: server-side sessions of signed-in browsers, and failed sign-ins for the throttle

Revision ID: accounts_0001
Revises: 0002_audit_outbox
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from events_app.migrations.tables import create_table, drop_table, utc

revision: str = "accounts_0001"
down_revision: str | Sequence[str] | None = "0002_audit_outbox"
branch_labels: str | Sequence[str] | None = ("accounts",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    create_table('sign_in_failures',
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    utc('failed_at', nullable=False),
    indexed=('address', 'email', 'failed_at'),
    )

    create_table('web_sessions',
    sa.Column('key', sa.String(length=128), nullable=False),
    sa.Column('value', sa.LargeBinary(), nullable=False),
    utc('expires_at', nullable=True),
    sa.UniqueConstraint('key', name=op.f('uq_web_sessions_key')),
    indexed=('expires_at',),
    )


def downgrade() -> None:
    drop_table('web_sessions', indexed=('expires_at',))
    drop_table('sign_in_failures', indexed=('address', 'email', 'failed_at'))
