"""Mail leaves through the outbox: only for committed changes, once, even with two couriers."""

from __future__ import annotations

import asyncio
from email import message_from_bytes, policy
from email.message import EmailMessage

from sqlalchemy.ext.asyncio import AsyncSession

from events_app.core.mail import Attachment, OutboxMail, deliver_outbox, message_bytes, queue_mail, readable_text
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


async def test_delivered_mail_is_built_from_what_was_queued(
    db: AsyncSession, mail_settings: Settings, smtp_server: MailBox
) -> None:
    ics = b"BEGIN:VCALENDAR\r\nMETHOD:PUBLISH\r\nEND:VCALENDAR\r\n"
    badge = bytes(range(256))
    mail = await queue_mail(
        db,
        settings=mail_settings,
        to=["clerk@longbeach.gov", "mayor@longbeach.gov"],
        subject="You are registered: Annual Conference",
        text="Dear María,\nSee you in Long Beach.\n",
        html="<p>See you in Long Beach.</p>",
        attachments=[
            Attachment("annual-2027.ics", "text/calendar; method=PUBLISH", ics),
            Attachment("badge.png", "image/png", badge),
        ],
    )
    await db.commit()
    # Chosen when queued: every build of the mail, and so a retried send, is the same message.
    message_id = message_from_bytes(message_bytes(mail), policy=policy.default)["Message-ID"]
    assert message_from_bytes(message_bytes(mail), policy=policy.default)["Message-ID"] == message_id
    engine = make_engine(mail_settings.database_url)
    assert await deliver_outbox(engine, mail_settings) == 1
    await engine.dispose()

    [message] = smtp_server.to("mayor@longbeach.gov")
    assert message["From"] == mail_settings.mail_from
    assert message["To"] == "clerk@longbeach.gov, mayor@longbeach.gov"
    assert message["Subject"] == "You are registered: Annual Conference"
    assert message["Message-ID"] == message_id
    assert message.get_content_type() == "multipart/mixed"
    text, html = message.get_body(("plain",)), message.get_body(("html",))
    assert text is not None
    assert text.get_content().splitlines() == ["Dear María,", "See you in Long Beach."]
    assert html is not None
    assert html.get_content().strip() == "<p>See you in Long Beach.</p>"
    calendar, png = message.iter_attachments()
    assert (calendar.get_filename(), calendar.get_content_type()) == ("annual-2027.ics", "text/calendar")
    assert calendar.get_param("method") == "PUBLISH"
    assert calendar.get_payload(decode=True) == ics
    assert (png.get_filename(), png.get_content_type()) == ("badge.png", "image/png")
    assert png.get_payload(decode=True) == badge


async def test_mail_queued_as_a_finished_message_is_still_delivered(
    db: AsyncSession, mail_settings: Settings, smtp_server: MailBox
) -> None:
    # As a release before stored every mail: the MIME message itself.
    queued = EmailMessage(policy=policy.default)
    queued["From"] = mail_settings.mail_from
    queued["To"] = "clerk@longbeach.gov"
    queued["Subject"] = "Invoice INV-2026-00001"
    queued["Message-ID"] = "<queued.before@events.example.test>"
    queued.set_content("Your invoice is attached.")
    queued.add_attachment(b"%PDF-1.7", maintype="application", subtype="pdf", filename="INV-2026-00001.pdf")
    db.add(OutboxMail(recipients="clerk@longbeach.gov", subject="Invoice INV-2026-00001", message=bytes(queued)))
    await db.commit()
    engine = make_engine(mail_settings.database_url)
    assert await deliver_outbox(engine, mail_settings) == 1
    await engine.dispose()

    [message] = smtp_server.to("clerk@longbeach.gov")
    assert message["Message-ID"] == "<queued.before@events.example.test>"
    text = message.get_body(("plain",))
    assert text is not None
    assert text.get_content().strip() == "Your invoice is attached."
    [invoice] = message.iter_attachments()
    assert invoice.get_filename() == "INV-2026-00001.pdf"
    assert invoice.get_payload(decode=True) == b"%PDF-1.7"


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
    assert b"=\n" in message_bytes(mail)  # as sent: quoted-printable, lines broken with "="
    text = readable_text(message_bytes(mail))  # what the log line shows
    assert link in text
    assert "María" in text
