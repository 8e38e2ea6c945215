"""What is printed for whom: the faces of badges, the holders a sheet prints, a sheet's own
process and the desk's replacement badge. The drawing itself is ``pdf``, imported only when
something is printed (fpdf2 takes 27 MB in a process that never prints).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection

from anyio import to_thread
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.models import Role
from events_app.accounts.service import Principal
from events_app.audit.service import record
from events_app.checkin import codes, credential, people
from events_app.checkin.badges import badge_token, get_holder
from events_app.checkin.errors import BadgeNotActive, BadgeRevokeNotAllowed
from events_app.checkin.people import Holder
from events_app.checkin.schemas import CreditReport
from events_app.conferences.models import Conference
from events_app.registration.models import Attendee, TypeKind
from events_app.settings import Settings

PER_PAGE = 6  # badges on a sheet

# A colour per kind of registration, dark enough for white text (WCAG AA at band text size).
BAND_COLOURS: dict[TypeKind, tuple[int, int, int]] = {
    TypeKind.FULL: (11, 92, 173),
    TypeKind.ONE_DAY: (30, 123, 52),
    TypeKind.GUEST: (90, 98, 110),
    TypeKind.SPEAKER_COMP: (106, 27, 154),
    TypeKind.STAFF_COMP: (179, 38, 30),
    TypeKind.EXHIBITOR: (176, 84, 0),
}


@dataclass(frozen=True, slots=True)
class BadgeFace:
    """Everything printed on one badge."""

    conference: str
    badge_name: str
    full_name: str
    title: str
    city: str
    registration_type: str
    band: tuple[int, int, int]
    token: str
    code: str  # typed when the QR will not read


def face_for(conference_name: str, holder: Holder, token: str) -> BadgeFace:
    return BadgeFace(
        conference=conference_name,
        badge_name=holder.badge_name,
        full_name=holder.name,
        title=holder.title,
        city=holder.city,
        registration_type=holder.registration_type,
        band=BAND_COLOURS.get(holder.registration_kind, (27, 31, 36)),
        token=token,
        code=codes.badge_code(holder.id),
    )


async def printable_holders(
    db: AsyncSession,
    *,
    conference: Conference,
    registration_type_id: uuid.UUID | None = None,
    order_id: uuid.UUID | None = None,
    attendee_id: uuid.UUID | None = None,
) -> list[Holder]:
    """Everyone who may attend (confirmed or awaiting an invoice), by last name; or one type's, order's or person's."""
    everyone = await people.holders(db, conference_id=conference.id)
    return [
        h
        for h in everyone
        if h.active
        and (registration_type_id is None or h.registration_type_id == registration_type_id)
        and (order_id is None or h.order_id == order_id)
        and (attendee_id is None or h.id == attendee_id)
    ]


@dataclass(frozen=True, slots=True)
class SheetsOrder:
    """What a drawing process needs, and nothing it cannot be handed through a pipe."""

    conference_id: uuid.UUID
    conference_name: str
    holders: Sequence[Holder]
    private_key: bytes  # raw Ed25519: the process signs each badge itself


def draw_sheets_to(pipe: Connection, order: SheetsOrder) -> None:
    """The body of a print's own process: sends the count of badges drawn as it goes, then the PDF.

    A process, not a thread: drawing is pure Python, and a thread would hold the interpreter
    lock the app's event loop needs. It runs at a lower priority than the doors.
    """
    os.nice(10)
    key = Ed25519PrivateKey.from_private_bytes(order.private_key)
    faces = [
        face_for(
            order.conference_name,
            h,
            credential.issue_token(key, conference_id=order.conference_id, attendee_id=h.id, version=h.badge_version),
        )
        for h in order.holders
    ]
    from events_app.checkin import pdf  # only now: see the module's docstring

    drawn = pdf.sheets(faces, progress=lambda done: pipe.send(done) if done % PER_PAGE == 0 else None)
    pipe.send(drawn)
    pipe.close()


async def reprint(
    db: AsyncSession,
    *,
    settings: Settings,
    conference: Conference,
    holder: Holder,
    reason: str,
    lost: bool,
    actor: Principal,
) -> bytes:
    """A replacement badge from the desk, audited. A lost badge is revoked (organizers only): its version is raised."""
    if lost and actor.role != Role.ORGANIZER:
        raise BadgeRevokeNotAllowed("Only an organizer can revoke a badge as lost; a reprint keeps the old one valid.")
    if not holder.active:
        raise BadgeNotActive("This registration is not active; there is no badge to reprint.")
    old_version = holder.badge_version
    if lost:
        await db.execute(
            update(Attendee).where(Attendee.id == holder.id).values(badge_version=Attendee.badge_version + 1)
        )
        holder = await get_holder(db, conference=conference, attendee_id=holder.id)
    token = await badge_token(db, settings=settings, conference=conference, holder=holder)
    await record(
        db,
        actor=actor,
        action="badge.reprinted",
        subject_type="attendee",
        subject_id=holder.id,
        conference_id=conference.id,
        reason=reason,
        lost=lost,
        old_version=old_version,
        badge_version=holder.badge_version,
    )
    face = face_for(conference.name, holder, token)
    from events_app.checkin import pdf  # only now: see the module's docstring

    return await to_thread.run_sync(pdf.single_badge, face)


async def certificate(*, conference: Conference, report: CreditReport) -> bytes:
    """The attendee's certificate of education credit, drawn in a worker thread."""
    from events_app.checkin import pdf  # only now: see the module's docstring

    return await to_thread.run_sync(lambda: pdf.certificate(conference=conference, report=report))
