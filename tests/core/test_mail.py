"""Mail leaves through the outbox: only for committed changes, once, even with two couriers."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession

from events_app.core.mail import Attachment, deliver_outbox, queue_mail, readable_text
from events_app.db import make_engine
from events_app.settings import Settings
from tests.conftest import MailBox


async def test_committed_mail_arrives_with_its_attachment(
    db: AsyncSession, mail_settings: Settings, smtp_server: MailBox
) -> None:
    await queue_mail(
        db,
        settings=mail_settings,
        to=["clerk@longbeach.gov"],
        subject="Your registration",
        text="See you in Long Beach.",
        attachments=[Attachment("conference.ics", "text/calendar; method=PUBLISH", b"BEGIN:VCALENDAR\r\n")],
    )
    await db.commit()
    engine = make_engine(mail_settings.database_url)
    assert await deliver_outbox(engine, mail_settings) == 1
    await engine.dispose()

    [message] = smtp_server.to("clerk@longbeach.gov")
    assert message["Subject"] == "Your registration"
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "conference.ics"
    assert attachment.get_param("method") == "PUBLISH"


async def test_rolled_back_mail_is_never_sent(db: AsyncSession, mail_settings: Settings, smtp_server: MailBox) -> None:
    await queue_mail(db, settings=mail_settings, to=["a@example.test"], subject="No", text="Never")
    await db.rollback()
    engine = make_engine(mail_settings.database_url)
    assert await deliver_outbox(engine, mail_settings) == 0
    await engine.dispose()
    assert smtp_server.messages == []


async def test_two_couriers_send_each_message_once(
    db: AsyncSession, mail_settings: Settings, smtp_server: MailBox
) -> None:
    for n in range(10):
        await queue_mail(db, settings=mail_settings, to=[f"p{n}@example.test"], subject=f"#{n}", text="hi")
    await db.commit()
    engines = [make_engine(mail_settings.database_url) for _ in range(2)]
    sent = await asyncio.gather(*(deliver_outbox(e, mail_settings) for e in engines))
    for engine in engines:
        await engine.dispose()
    assert sum(sent) == 10
    assert sorted(m["Subject"] for m in smtp_server.messages) == sorted(f"#{n}" for n in range(10))


async def test_unreachable_server_is_retried_later(db: AsyncSession, settings: Settings) -> None:
    from dataclasses import replace

    from tests.conftest import free_port

    down = replace(settings, smtp_host="127.0.0.1", smtp_port=free_port(), smtp_starttls=False)
    mail = await queue_mail(db, settings=down, to=["x@example.test"], subject="Later", text="...")
    await db.commit()
    engine = make_engine(down.database_url)
    assert await deliver_outbox(engine, down) == 0
    await engine.dispose()
    await db.refresh(mail)
    assert mail.sent_at is None
    assert mail.attempts == 1
    assert mail.next_attempt_at > mail.created_at


async def test_mail_written_to_the_log_reads_as_sent(db: AsyncSession, settings: Settings) -> None:
    link = "https://events.example.test/c/annual-2027/agenda/" + "x" * 90
    mail = await queue_mail(
        db, settings=settings, to=["clerk@longbeach.gov"], subject="Your agenda", text=f"Your agenda, María:\n{link}\n"
    )
    assert b"=\n" in mail.message  # as stored and sent: quoted-printable, lines broken with "="
    text = readable_text(mail.message)  # what the log line shows
    assert link in text
    assert "María" in text
