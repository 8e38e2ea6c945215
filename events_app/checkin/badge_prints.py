"""Badge prints: badge sheets for a whole conference (or one type, order or attendee), drawn in the background.

Fifteen hundred badges take tens of seconds of CPU, far longer than a request may hold an app
process. Staff ask for a print (a queued row); an app process claims it with a conditional
UPDATE, so two processes never draw the same one, and draws it in a process of its own while it
writes its progress and a heartbeat to the row. Any process shows the progress and hands out
the finished PDF. A print whose process died (no heartbeat for ``STALE_AFTER``) is claimed
again by another.
"""

from __future__ import annotations

import multiprocessing
import uuid
from collections.abc import Callable
from datetime import timedelta
from multiprocessing.connection import Connection

import structlog
from anyio import to_thread
from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from events_app.accounts.service import Principal
from events_app.audit.service import record
from events_app.checkin import keys, people, printing
from events_app.checkin.errors import BadgeNotFound, BadgePrintNotFound, BadgePrintNotReady, BadgePrintScope
from events_app.checkin.models import BadgePrint, PrintStatus
from events_app.checkin.schemas import BadgePrintOut
from events_app.conferences.models import Conference
from events_app.core.clock import now
from events_app.core.shapes import shaped
from events_app.db import make_session_maker
from events_app.registration.errors import OrderNotFound, RegistrationTypeNotFound
from events_app.registration.models import Order, RegistrationType
from events_app.settings import Settings

log = structlog.get_logger(__name__)

# How often app processes look for a queued print, and how often a running one reports.
POLL_SECONDS = 2.0
HEARTBEAT_SECONDS = 1.0
STALE_AFTER = timedelta(minutes=1)
RECENT = 20


async def request_print(
    db: AsyncSession,
    *,
    conference: Conference,
    registration_type_id: uuid.UUID | None,
    actor: Principal | None,
    order_id: uuid.UUID | None = None,
    attendee_id: uuid.UUID | None = None,
) -> BadgePrint:
    """Queues (and commits) a print of every active badge, or one type's, one order's or one attendee's.

    No actor: the command line.
    """
    if sum(x is not None for x in (registration_type_id, order_id, attendee_id)) > 1:
        raise BadgePrintScope("Print every badge, or one type's, one order's or one attendee's: one of them.")
    if registration_type_id is not None:
        rtype = await db.get(RegistrationType, registration_type_id)
        if rtype is None or rtype.conference_id != conference.id:
            raise RegistrationTypeNotFound("This conference has no registration type with this id.")
    if order_id is not None:
        order = await db.get(Order, order_id)
        if order is None or order.conference_id != conference.id:
            raise OrderNotFound("This conference has no order with this id.")
    if attendee_id is not None:
        holder = await people.holder(db, attendee_id=attendee_id)
        if holder is None or holder.conference_id != conference.id:
            raise BadgeNotFound("This conference has no attendee with this id.")
    job = BadgePrint(
        conference_id=conference.id,
        registration_type_id=registration_type_id,
        order_id=order_id,
        attendee_id=attendee_id,
        requested_by=actor.email if actor else "command line",
        status=PrintStatus.QUEUED,
    )
    db.add(job)
    await db.flush()
    await record(
        db,
        actor=actor,
        action="badge.print_requested",
        subject_type="badge_print",
        subject_id=job.id,
        conference_id=conference.id,
        registration_type_id=str(registration_type_id) if registration_type_id else None,
        order_id=str(order_id) if order_id else None,
        attendee_id=str(attendee_id) if attendee_id else None,
    )
    await db.commit()  # committed before anyone is told it is queued: another process may claim it now
    return job


async def list_prints(db: AsyncSession, *, conference: Conference) -> list[BadgePrint]:
    """The conference's latest prints, newest first."""
    query = (
        select(BadgePrint)
        .where(BadgePrint.conference_id == conference.id)
        .order_by(BadgePrint.created_at.desc())
        .limit(RECENT)
    )
    return list(await db.scalars(query))


async def get_print(db: AsyncSession, *, conference: Conference, print_id: uuid.UUID) -> BadgePrint:
    job = await db.get(BadgePrint, print_id, populate_existing=True)
    if job is None or job.conference_id != conference.id:
        raise BadgePrintNotFound("This conference has no badge print with this id.")
    return job


async def finished_pdf(db: AsyncSession, *, job: BadgePrint) -> bytes:
    """The PDF of a finished print."""
    if job.status != PrintStatus.DONE:
        raise BadgePrintNotReady(f"This print is {job.status}: its PDF is not ready yet.")
    pdf = await db.scalar(select(BadgePrint.pdf).where(BadgePrint.id == job.id))
    return pdf or b""


def _claimable() -> ColumnElement[bool]:
    stale = now() - STALE_AFTER
    return or_(
        BadgePrint.status == PrintStatus.QUEUED,
        and_(BadgePrint.status == PrintStatus.RUNNING, BadgePrint.heartbeat_at < stale),
    )


async def claim(db: AsyncSession, *, print_id: uuid.UUID) -> BadgePrint | None:
    """Takes this print for this process (committed), unless another process is drawing it."""
    claimed = await db.execute(
        update(BadgePrint)
        .where(BadgePrint.id == print_id, _claimable())
        .values(status=PrintStatus.RUNNING, heartbeat_at=now(), badges_drawn=0, error="")
    )
    await db.commit()
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return await db.get(BadgePrint, print_id, populate_existing=True)


async def claim_next(db: AsyncSession) -> BadgePrint | None:
    """Takes the oldest queued (or abandoned) print for this process; None when there is none."""
    candidates = await db.scalars(select(BadgePrint.id).where(_claimable()).order_by(BadgePrint.created_at).limit(5))
    for print_id in list(candidates):
        if (job := await claim(db, print_id=print_id)) is not None:
            return job
    return None


async def _report(db: AsyncSession, print_id: uuid.UUID, **values: object) -> None:
    await db.execute(update(BadgePrint).where(BadgePrint.id == print_id).values(heartbeat_at=now(), **values))
    await db.commit()


def _next_message(pipe: Connection, timeout: float) -> object | None:
    """The drawing process's next word (a count or the PDF), or None when it said nothing for ``timeout``."""
    return pipe.recv() if pipe.poll(timeout) else None


async def _draw_in_process(
    db: AsyncSession,
    print_id: uuid.UUID,
    order: printing.SheetsOrder,
    *,
    progress: Callable[[int, int], None] | None,
) -> bytes:
    total = len(order.holders)
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no copy of this one's loop or pool
    reader, writer = context.Pipe(duplex=False)
    process = context.Process(target=printing.draw_sheets_to, args=(writer, order), daemon=True)
    await to_thread.run_sync(process.start)
    writer.close()
    try:
        while True:
            # EOFError here: the process died without a PDF (killed, out of memory).
            message = await to_thread.run_sync(_next_message, reader, HEARTBEAT_SECONDS)
            if isinstance(message, bytes):
                return message
            if isinstance(message, int):
                await _report(db, print_id, badges_drawn=message)
                if progress is not None:
                    progress(message, total)
            else:
                await _report(db, print_id)  # still drawing: the heartbeat keeps others from taking it over
    finally:
        reader.close()
        await to_thread.run_sync(process.join, 5)
        if process.is_alive():
            process.kill()


async def draw(
    db: AsyncSession,
    *,
    settings: Settings,
    job: BadgePrint,
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """Draws a claimed print in its own process and stores the PDF; ``progress(drawn, total)`` follows it."""
    conference = await db.get_one(Conference, job.conference_id)
    holders = await printing.printable_holders(
        db,
        conference=conference,
        registration_type_id=job.registration_type_id,
        order_id=job.order_id,
        attendee_id=job.attendee_id,
    )
    signing_key = await keys.signing_key(db, settings=settings, conference=conference)
    total = len(holders)
    await _report(db, job.id, badges_total=total)
    order = printing.SheetsOrder(
        conference_id=conference.id,
        conference_name=conference.name,
        holders=holders,
        private_key=signing_key.private_bytes_raw(),
    )
    try:
        pdf = await _draw_in_process(db, job.id, order, progress=progress)
    except Exception as exc:
        await db.rollback()
        await _report(db, job.id, status=PrintStatus.FAILED, finished_at=now(), error=repr(exc)[:300])
        raise
    await _report(db, job.id, status=PrintStatus.DONE, finished_at=now(), badges_drawn=total, pdf=pdf)
    return pdf


async def print_next(engine: AsyncEngine, settings: Settings) -> bool:
    """One round of an app process: draws the next queued print, if any; whether there was one."""
    async with make_session_maker(engine)() as db:
        job = await claim_next(db)
        if job is None:
            return False
        log.info("badge_print_started", print_id=str(job.id))
        await draw(db, settings=settings, job=job)
        log.info("badge_print_done", print_id=str(job.id))
        return True


def print_out(job: BadgePrint, *, conference: Conference) -> BadgePrintOut:
    done = job.status == PrintStatus.DONE
    pdf_url = f"/api/conferences/{conference.slug}/checkin/badge-prints/{job.id}/badges.pdf" if done else None
    return shaped(BadgePrintOut, job, pdf_url=pdf_url)
