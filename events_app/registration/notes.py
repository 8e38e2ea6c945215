"""Notes staff write on an order (a call with the city's clerk, a promise made at the desk): kept, never edited."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from events_app.accounts.service import Principal
from events_app.registration.errors import NoteEmpty
from events_app.registration.models import Order, OrderNote
from events_app.registration.service import audit

MAX_NOTE = 4000


async def add_note(db: AsyncSession, *, order: Order, text: str, actor: Principal) -> OrderNote:
    """Adds a note signed by the actor; audited on the order, with its text, so the trail reads alone."""
    text = text.strip()
    if not text:
        raise NoteEmpty("Write something in the note.")
    if len(text) > MAX_NOTE:
        raise NoteEmpty(f"A note holds at most {MAX_NOTE} characters.")
    note = OrderNote(conference_id=order.conference_id, order_id=order.id, author=actor.email, text=text)
    db.add(note)
    await db.flush()
    await audit(db, order, "registration.note_added", actor=actor, note=text[:200])
    return note


async def notes_on(db: AsyncSession, *, order: Order) -> list[OrderNote]:
    """The order's notes, oldest first."""
    query = select(OrderNote).where(OrderNote.order_id == order.id).order_by(OrderNote.created_at, OrderNote.id)
    return list(await db.scalars(query))
