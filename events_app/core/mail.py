"""The one way to send mail: queue it in the database with the change it belongs to, deliver it after.

``queue_mail`` writes what the message is made of into an outbox table inside the caller's
transaction, so a rolled-back order sends nothing and a committed one is never lost; the
MIME message is built only when it leaves (``message_bytes``), outside the request.
``deliver_outbox`` (run by every app process every few seconds, and callable from
tests) claims each message with a conditional UPDATE, so several processes never send
one twice, and retries failures with a growing delay. With no SMTP host configured,
messages are written to the log instead: the embedded default.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import EmailMessage
from email.utils import make_msgid
from functools import lru_cache

import aiosmtplib
import msgspec
import structlog
from sqlalchemy import LargeBinary, String, Text, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from events_app.core.clock import now
from events_app.db import Base, make_session_maker
from events_app.settings import Settings

log = structlog.get_logger(__name__)

MAX_ATTEMPTS = 8
# A claim older than this is taken to belong to a process that died mid-send.
CLAIM_TIMEOUT = timedelta(minutes=5)


class OutboxMail(Base):
    __tablename__ = "outbox_mails"

    # The record the mail is about (an order), so staff can see what one order was sent.
    about_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    recipients: Mapped[str] = mapped_column(String(2000))
    subject: Mapped[str] = mapped_column(String(500))
    # What the message is made of (``_Parts``, msgpack), built into MIME when sent: building it costs 0.3-0.8 ms
    # of CPU a mail, and an invoiced order queues three, one of them under the registration type's lock.
    parts: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The finished MIME message of a mail queued before ``parts`` (migration 0005); None since.
    message: Mapped[bytes | None] = mapped_column(LargeBinary)
    claimed_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=now)
    last_error: Mapped[str] = mapped_column(Text, default="")


class _RememberedHeaders(HeaderRegistry):
    """The standard headers, each parsed once: a mail's From, Subject and MIME headers are the same in every
    mail of its kind, and the standard registry parses them again for each one and builds a new class per
    header. Parsing was most of the CPU a mail's build cost. Headers are immutable strings, so messages may
    share them."""

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type[BaseHeader]] = {}
        self._parsed = lru_cache(maxsize=512)(super().__call__)

    def __getitem__(self, name: str) -> type[BaseHeader]:
        key = name.lower()
        if (cls := self._classes.get(key)) is None:
            cls = self._classes[key] = super().__getitem__(name)
        return cls

    def __call__(self, name: str, value: str) -> BaseHeader:
        header: BaseHeader = self._parsed(name, value)
        return header


# The default policy, so the bytes are the same as with it.
_POLICY = policy.default.clone(header_factory=_RememberedHeaders())


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content_type: str  # e.g. "text/calendar; method=PUBLISH"
    data: bytes


class _Parts(msgspec.Struct, array_like=True):
    """A queued message but its To and Subject (the row's columns). The Message-ID is chosen when it is queued,
    so a retried send is the same message to the recipient's client."""

    sender: str
    message_id: str
    text: str
    html: str | None
    attachments: list[Attachment]


_encode_parts = msgspec.msgpack.Encoder().encode
_decode_parts = msgspec.msgpack.Decoder(_Parts).decode


async def queue_mail(
    db: AsyncSession,
    *,
    settings: Settings,
    to: Sequence[str],
    subject: str,
    text: str,
    html: str | None = None,
    attachments: Sequence[Attachment] = (),
    about: uuid.UUID | None = None,
) -> OutboxMail:
    """Queues a message; it leaves only if the caller's transaction commits. ``about`` names the record it is about."""
    parts = _Parts(
        sender=settings.mail_from,
        message_id=make_msgid(domain=settings.base_url.split("//")[-1].split(":")[0].split("/")[0]),
        text=text,
        html=html,
        attachments=list(attachments),
    )
    mail = OutboxMail(recipients=", ".join(to), subject=subject, parts=_encode_parts(parts), about_id=about)
    # Written at the transaction's next flush, with the other mails of the request in one INSERT.
    db.add(mail)
    return mail


def message_bytes(mail: OutboxMail) -> bytes:
    """The MIME message as it is sent: built from the mail's parts, or as stored when queued before them."""
    if mail.parts is None:
        assert mail.message is not None  # every row has one or the other
        return mail.message
    return build_message(recipients=mail.recipients, subject=mail.subject, parts=mail.parts)


def build_message(*, recipients: str, subject: str, parts: bytes) -> bytes:
    """The MIME message of a mail's columns (also the migration that stores it for an older release)."""
    made = _decode_parts(parts)
    message = EmailMessage(policy=_POLICY)
    message["From"] = made.sender
    message["To"] = recipients
    message["Subject"] = subject
    message["Message-ID"] = made.message_id
    message.set_content(made.text)
    if made.html is not None:
        message.add_alternative(made.html, subtype="html")
    for attachment in made.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        subtype, _, params = subtype.partition(";")
        message.add_attachment(
            attachment.data, maintype=maintype, subtype=subtype.strip(), filename=attachment.filename
        )
        if params:  # e.g. the iTIP method calendar clients look for
            part = list(message.iter_attachments())[-1]
            for param in params.split(";"):
                key, _, value = param.strip().partition("=")
                part.set_param(key, value)
    return bytes(message)


async def mails_about(db: AsyncSession, *, about_id: uuid.UUID) -> list[OutboxMail]:
    """Every mail queued about one record, oldest first, sent or not."""
    query = select(OutboxMail).where(OutboxMail.about_id == about_id).order_by(OutboxMail.created_at)
    return list(await db.scalars(query))


def readable_text(message: bytes) -> str:
    """The plain-text part as a person reads it: quoted-printable line ends would break every link."""
    parsed = message_from_bytes(message, policy=policy.default)
    assert isinstance(parsed, EmailMessage)  # what the default policy always builds
    body = parsed.get_body(preferencelist=("plain",))
    text = body.get_content() if body is not None else ""
    return text + "".join(f"\n[attached: {part.get_filename()}]" for part in parsed.iter_attachments())


async def _send(settings: Settings, mail: OutboxMail) -> None:
    if not settings.smtp_host:
        log.info("mail_to_log", to=mail.recipients, subject=mail.subject, text=readable_text(message_bytes(mail)))
        return
    await aiosmtplib.send(
        message_bytes(mail),
        sender=settings.mail_from,
        recipients=[r.strip() for r in mail.recipients.split(",")],
        hostname=settings.smtp_host,
        port=settings.smtp_port,
        username=settings.smtp_username or None,
        password=settings.smtp_password or None,
        start_tls=settings.smtp_starttls if settings.smtp_host not in {"127.0.0.1", "localhost"} else False,
        timeout=30,
    )


async def deliver_outbox(engine: AsyncEngine, settings: Settings, *, limit: int = 50) -> int:
    """Sends what is due; returns how many messages left. Safe to run in several processes at once."""
    sessions = make_session_maker(engine)
    moment = now()
    async with sessions() as db:
        due = list(
            await db.scalars(
                select(OutboxMail.id)
                .where(OutboxMail.sent_at.is_(None), OutboxMail.attempts < MAX_ATTEMPTS)
                .where(OutboxMail.next_attempt_at <= moment)
                .where((OutboxMail.claimed_at.is_(None)) | (OutboxMail.claimed_at < moment - CLAIM_TIMEOUT))
                .order_by(OutboxMail.created_at)
                .limit(limit)
            )
        )
    sent = 0
    for mail_id in due:
        async with sessions() as db:
            claimed = await db.execute(
                update(OutboxMail)
                .where(OutboxMail.id == mail_id, OutboxMail.sent_at.is_(None))
                .where((OutboxMail.claimed_at.is_(None)) | (OutboxMail.claimed_at < moment - CLAIM_TIMEOUT))
                .values(claimed_at=now())
            )
            await db.commit()
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                continue
            mail = await db.get_one(OutboxMail, mail_id)
            try:
                await _send(settings, mail)
            except (aiosmtplib.SMTPException, OSError) as exc:
                mail.attempts += 1
                mail.claimed_at = None
                mail.last_error = str(exc)[:2000]
                mail.next_attempt_at = now() + timedelta(seconds=30 * 2**mail.attempts)
                log.warning("mail_failed", to=mail.recipients, subject=mail.subject, error=str(exc))
            else:
                mail.attempts += 1
                mail.sent_at = now()
                sent += 1
            await db.commit()
    return sent
