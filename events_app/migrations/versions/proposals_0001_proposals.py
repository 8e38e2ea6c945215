"""proposals: the call for proposals, speakers' profiles, proposals, co-speakers, reviewers and reviews

Revision ID: proposals_0001
Revises: 0002_audit_outbox
Depends on: program_0001 (tracks, sessions, speakers), registration_0001 (attendees)
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from events_app.migrations.tables import create_table, drop_table, utc

revision: str = "proposals_0001"
down_revision: str | Sequence[str] | None = "0002_audit_outbox"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = ("program_0001", "registration_0001")

CFP_CALLS_INDEXED = ('conference_id',)
CFP_REVIEWERS_INDEXED = ('conference_id', 'track_id', 'user_id')
CFP_SPEAKERS_INDEXED = ('city_id', 'conference_id')
CFP_PROPOSALS_INDEXED = ('conference_id', 'speaker_id', 'state', 'track_id')
CFP_CO_SPEAKERS_INDEXED = ('proposal_id', 'speaker_id')
CFP_REVIEWS_INDEXED = ('proposal_id', 'user_id')


def upgrade() -> None:
    create_table('cfp_calls',
    sa.Column('conference_id', sa.Uuid(), nullable=False),
    utc('opens_at', nullable=False),
    utc('closes_at', nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('session_types', sa.JSON(), nullable=False),
    sa.Column('track_ids', sa.JSON(), nullable=False),
    sa.Column('durations', sa.JSON(), nullable=False),
    sa.Column('criteria', sa.JSON(), nullable=False),
    sa.Column('anonymous', sa.Boolean(), nullable=False),
    utc('decisions_released_at', nullable=True),
    sa.CheckConstraint('closes_at > opens_at', name=op.f('ck_cfp_calls_closes_after_open')),
    sa.ForeignKeyConstraint(['conference_id'], ['conferences.id'], name=op.f('fk_cfp_calls_conference_id_conferences'), ondelete='CASCADE'),
    sa.UniqueConstraint('conference_id', name=op.f('uq_cfp_calls_conference_id')),
    indexed=CFP_CALLS_INDEXED,
    )
    create_table('cfp_reviewers',
    sa.Column('conference_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('track_id', sa.Uuid(), nullable=False),
    sa.Column('city_id', sa.Uuid(), nullable=True),
    sa.ForeignKeyConstraint(['city_id'], ['member_cities.id'], name=op.f('fk_cfp_reviewers_city_id_member_cities'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['conference_id'], ['conferences.id'], name=op.f('fk_cfp_reviewers_conference_id_conferences'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['track_id'], ['program_tracks.id'], name=op.f('fk_cfp_reviewers_track_id_program_tracks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_cfp_reviewers_user_id_users'), ondelete='CASCADE'),
    sa.UniqueConstraint('track_id', 'user_id', name=op.f('uq_cfp_reviewers_track_id_user_id')),
    indexed=CFP_REVIEWERS_INDEXED,
    )
    create_table('cfp_speakers',
    sa.Column('conference_id', sa.Uuid(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('organization', sa.String(length=200), nullable=False),
    sa.Column('city_id', sa.Uuid(), nullable=True),
    sa.Column('bio', sa.Text(), nullable=False),
    sa.Column('photo', sa.String(length=60), nullable=False),
    sa.Column('availability', sa.JSON(), nullable=False),
    sa.Column('link_version', sa.Integer(), nullable=False),
    sa.Column('program_speaker_id', sa.Uuid(), nullable=True),
    sa.Column('attendee_id', sa.Uuid(), nullable=True),
    sa.ForeignKeyConstraint(['attendee_id'], ['attendees.id'], name=op.f('fk_cfp_speakers_attendee_id_attendees'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['city_id'], ['member_cities.id'], name=op.f('fk_cfp_speakers_city_id_member_cities'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['conference_id'], ['conferences.id'], name=op.f('fk_cfp_speakers_conference_id_conferences'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['program_speaker_id'], ['program_speakers.id'], name=op.f('fk_cfp_speakers_program_speaker_id_program_speakers'), ondelete='SET NULL'),
    sa.UniqueConstraint('attendee_id', name=op.f('uq_cfp_speakers_attendee_id')),
    sa.UniqueConstraint('conference_id', 'email', name=op.f('uq_cfp_speakers_conference_id_email')),
    sa.UniqueConstraint('program_speaker_id', name=op.f('uq_cfp_speakers_program_speaker_id')),
    indexed=CFP_SPEAKERS_INDEXED,
    )
    create_table('cfp_proposals',
    sa.Column('conference_id', sa.Uuid(), nullable=False),
    sa.Column('speaker_id', sa.Uuid(), nullable=False),
    sa.Column('track_id', sa.Uuid(), nullable=False),
    sa.Column('session_type', sa.String(length=30), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('abstract', sa.Text(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('audience', sa.String(length=500), nullable=False),
    sa.Column('learning_objectives', sa.Text(), nullable=False),
    sa.Column('format', sa.String(length=200), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('state', sa.Enum('draft', 'submitted', 'withdrawn', name='proposal_state', native_enum=False, length=30), nullable=False),
    utc('submitted_at', nullable=True),
    sa.Column('decision', sa.Enum('undecided', 'accepted', 'rejected', 'waitlisted', name='proposal_decision', native_enum=False, length=30), nullable=False),
    utc('decided_at', nullable=True),
    utc('released_at', nullable=True),
    sa.Column('response', sa.Enum('waiting', 'confirmed', 'declined', name='speaker_response', native_enum=False, length=30), nullable=False),
    utc('responded_at', nullable=True),
    sa.Column('session_id', sa.Uuid(), nullable=True),
    sa.CheckConstraint('duration_minutes > 0', name=op.f('ck_cfp_proposals_duration_positive')),
    sa.ForeignKeyConstraint(['conference_id'], ['conferences.id'], name=op.f('fk_cfp_proposals_conference_id_conferences'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['program_sessions.id'], name=op.f('fk_cfp_proposals_session_id_program_sessions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['speaker_id'], ['cfp_speakers.id'], name=op.f('fk_cfp_proposals_speaker_id_cfp_speakers'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['track_id'], ['program_tracks.id'], name=op.f('fk_cfp_proposals_track_id_program_tracks')),
    sa.UniqueConstraint('session_id', name=op.f('uq_cfp_proposals_session_id')),
    indexed=CFP_PROPOSALS_INDEXED,
    )
    create_table('cfp_co_speakers',
    sa.Column('proposal_id', sa.Uuid(), nullable=False),
    sa.Column('speaker_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['cfp_proposals.id'], name=op.f('fk_cfp_co_speakers_proposal_id_cfp_proposals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['speaker_id'], ['cfp_speakers.id'], name=op.f('fk_cfp_co_speakers_speaker_id_cfp_speakers'), ondelete='CASCADE'),
    sa.UniqueConstraint('proposal_id', 'speaker_id', name=op.f('uq_cfp_co_speakers_proposal_id_speaker_id')),
    indexed=CFP_CO_SPEAKERS_INDEXED,
    )
    create_table('cfp_reviews',
    sa.Column('proposal_id', sa.Uuid(), nullable=False),
    sa.Column('user_id', sa.Uuid(), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('total', sa.Double(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['cfp_proposals.id'], name=op.f('fk_cfp_reviews_proposal_id_cfp_proposals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_cfp_reviews_user_id_users'), ondelete='CASCADE'),
    sa.UniqueConstraint('proposal_id', 'user_id', name=op.f('uq_cfp_reviews_proposal_id_user_id')),
    indexed=CFP_REVIEWS_INDEXED,
    )


def downgrade() -> None:
    drop_table('cfp_reviews', indexed=CFP_REVIEWS_INDEXED)
    drop_table('cfp_co_speakers', indexed=CFP_CO_SPEAKERS_INDEXED)
    drop_table('cfp_proposals', indexed=CFP_PROPOSALS_INDEXED)
    drop_table('cfp_speakers', indexed=CFP_SPEAKERS_INDEXED)
    drop_table('cfp_reviewers', indexed=CFP_REVIEWERS_INDEXED)
    drop_table('cfp_calls', indexed=CFP_CALLS_INDEXED)
