"""Badges and who holds them: an attendee's current badge token, reading a token back, and its links.

A badge token is signed with the conference's key (``keys``) for the attendee's current
badge version (``credential``); raising the version (cancel, refund, substitution, a lost
badge) revokes every older token. Reading a token back answers in the scan vocabulary: a
door turns a refusal into its answer, other domains (the expo's lead scans) get an error.
The badge images in the mail and on the manage page sit behind a lasting signed link that
always shows the current token.
"""

from __future__ import annotations

import base64
import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from events_app.checkin import credential, keys, people
from events_app.checkin.decisions import MESSAGES, Decision
from events_app.checkin.errors import BADGE_REFUSALS, BadgeNotFound
from events_app.checkin.models import ScanResult
from events_app.checkin.people import CANCELLED_STATUSES, Holder
from events_app.checkin.schemas import BadgeOut, PublicKeyOut
from events_app.conferences.models import Conference
from events_app.core import signing
from events_app.registration.errors import AttendeeNotFound
from events_app.registration.models import Attendee, AttendeeStatus
from events_app.settings import Settings

LINK_PURPOSE = "badge-image"


async def get_holder(db: AsyncSession, *, conference: Conference, attendee_id: uuid.UUID) -> Holder:
    found = await people.holder(db, attendee_id=attendee_id)
    if found is None or found.conference_id != conference.id:
        raise AttendeeNotFound("No attendee of this conference has this id.")
    return found


async def public_key_out(db: AsyncSession, *, settings: Settings, conference: Conference) -> PublicKeyOut:
    key = await keys.public_key(db, settings=settings, conference=conference)
    return PublicKeyOut(
        conference_id=conference.id,
        key_id=key.key_id,
        algorithm="Ed25519",
        public_key=base64.urlsafe_b64encode(key.public_key).rstrip(b"=").decode(),
        token_prefix=credential.PREFIX,
    )


async def badge_token(
    db: AsyncSession, *, settings: Settings, conference: Conference, holder: Holder | Attendee
) -> str:
    """The current badge token of an attendee (it changes when their badge version is raised)."""
    private = await keys.signing_key(db, settings=settings, conference=conference)
    return credential.issue_token(
        private, conference_id=conference.id, attendee_id=holder.id, version=holder.badge_version
    )


def badge_link(settings: Settings, *, conference: Conference, attendee_id: uuid.UUID, ext: str) -> str:
    """A lasting link to an attendee's current badge image (it follows badge version changes)."""
    token = signing.sign(settings.secret_key, purpose=LINK_PURPOSE, payload=f"{conference.id}:{attendee_id}")
    return f"{settings.base_url}/c/{conference.slug}/badge/{token}/badge.{ext}"


async def badge_out(db: AsyncSession, *, settings: Settings, conference: Conference, holder: Holder) -> BadgeOut:
    return BadgeOut(
        attendee_id=holder.id,
        badge_version=holder.badge_version,
        token=await badge_token(db, settings=settings, conference=conference, holder=holder),
        svg_url=badge_link(settings, conference=conference, attendee_id=holder.id, ext="svg"),
        png_url=badge_link(settings, conference=conference, attendee_id=holder.id, ext="png"),
    )


async def token_behind_link(db: AsyncSession, *, settings: Settings, conference: Conference, link: str) -> str:
    """The current badge token a ``badge_link`` stands for."""
    conference_id, _, attendee_id = signing.unsign(settings.secret_key, purpose=LINK_PURPOSE, token=link).partition(":")
    if conference_id != str(conference.id):
        raise BadgeNotFound("No badge at this address.")
    holder = await get_holder(db, conference=conference, attendee_id=uuid.UUID(attendee_id))
    return await badge_token(db, settings=settings, conference=conference, holder=holder)


def _refused(result: ScanResult, holder: Holder | None = None) -> Decision:
    return Decision(result, False, MESSAGES[result], holder=holder)


async def read_badge(db: AsyncSession, *, conference: Conference, token: str) -> Holder | Decision:
    """Whose badge this token is, or the answer that refuses it (forged, another event's, an older version).

    The short code printed beside the QR (``codes``) is taken too: staff and booths type it when a QR will not read.
    """
    if not token.startswith(credential.PREFIX) and (
        coded := await people.by_code(db, conference_id=conference.id, text=token)
    ):
        return coded
    try:
        claim = credential.read_token(token)
    except credential.MalformedToken:
        return _refused(ScanResult.INVALID)
    key = await keys.public_key_by_id(db, key_id=claim.key_id)
    if key is None or not credential.signature_is_valid(
        claim, public_key=key.verifier, conference_id=key.conference_id
    ):
        return _refused(ScanResult.INVALID)
    if key.conference_id != conference.id:
        return _refused(ScanResult.WRONG_CONFERENCE)
    found = await people.holder_with_group(db, attendee_id=claim.attendee_id)
    if found is None or found.conference_id != conference.id or claim.version > found.badge_version:
        return _refused(ScanResult.INVALID)
    if claim.version < found.badge_version:
        # Cancelling and refunding raise the version too: say what staff need to know.
        return _refused(ScanResult.CANCELLED if found.status in CANCELLED_STATUSES else ScanResult.REVOKED, found)
    return found


def standing(holder: Holder) -> Decision | None:
    """A refusal that holds at every station, whatever is scanned: cancelled, replaced."""
    if holder.status in CANCELLED_STATUSES:
        return _refused(ScanResult.CANCELLED, holder)
    if holder.status == AttendeeStatus.SUBSTITUTED:
        message = "This registration was handed to someone else; their badge is the valid one."
        return Decision(ScanResult.REVOKED, False, message, holder=holder)
    return None


async def holder_for_badge(db: AsyncSession, *, conference: Conference, token: str) -> Holder:
    """Whose current, valid badge this is; for other domains that take badges (the expo's lead scans).

    Raises the ``Badge*`` refusal of ``errors`` for anything else (``badge-invalid``,
    ``badge-wrong_conference``, ``badge-revoked``, ``badge-cancelled``).
    """
    found = await read_badge(db, conference=conference, token=token)
    if isinstance(found, Decision):
        raise BADGE_REFUSALS[found.result](found.message)
    if (refusal := standing(found)) is not None:
        raise BADGE_REFUSALS[refusal.result](refusal.message)
    return found
