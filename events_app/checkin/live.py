"""Live check-in updates across processes: one channel per conference, streamed as server-sent events.

Production runs several app processes, so a scan taken by one must reach a dashboard
served by another: with ``EVENTS_REDIS_URL`` set the channels go through Redis pub/sub;
without it (the embedded default, one process) they stay in process memory.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncGenerator, Sequence
from typing import Any

import msgspec
from litestar.channels import ChannelsPlugin
from litestar.channels.backends.base import ChannelsBackend
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.channels.backends.redis import RedisChannelsPubSubBackend
from litestar.response import ServerSentEventMessage
from redis.asyncio import Redis

from events_app.checkin.schemas import ScanAnswer, ScanIn
from events_app.settings import Settings

# A comment line this often keeps proxies from closing an idle event stream.
KEEPALIVE_SECONDS = 15.0


def channels_plugin(settings: Settings) -> ChannelsPlugin:
    """The app's channels: Redis when configured, else process memory."""
    backend: ChannelsBackend
    if settings.redis_url:
        backend = RedisChannelsPubSubBackend(redis=Redis.from_url(settings.redis_url), key_prefix="EVENTS_APP")
    else:
        backend = MemoryChannelsBackend()
    return ChannelsPlugin(backend=backend, arbitrary_channels_allowed=True, subscriber_max_backlog=1000)


def checkin_channel(conference_id: uuid.UUID) -> str:
    return f"checkin.{conference_id}"


def scan_event(answer: ScanAnswer, *, kind: str) -> dict[str, Any]:
    """What a dashboard hears of one scan: enough to count it, nothing it would have to keep private."""
    return {
        "event": "scan",
        "result": str(answer.result),
        "admitted": answer.admitted,
        "kind": kind,
        "station": answer.station,
        "at": answer.scanned_at.isoformat(),
        "registration_type": answer.attendee.registration_type if answer.attendee else None,
        "attendee_id": str(answer.attendee.id) if answer.attendee else None,
    }


def publish_scans(
    channels: ChannelsPlugin, *, conference_id: uuid.UUID, items: Sequence[ScanIn], answers: Sequence[ScanAnswer]
) -> None:
    """Tells every process's dashboards about new scans; call it after they are committed.

    A replayed answer (a nonce seen before) was announced the first time and is not again.
    """
    for item, answer in zip(items, answers, strict=True):
        if not answer.replayed:
            channels.publish(scan_event(answer, kind=str(item.kind)), checkin_channel(conference_id))


def publish_conflict_seen(channels: ChannelsPlugin, *, conference_id: uuid.UUID, scan_id: uuid.UUID) -> None:
    """Tells every process's dashboards a conflict was marked seen; call it after that is committed."""
    channels.publish({"event": "conflict_seen", "scan_id": str(scan_id)}, checkin_channel(conference_id))


async def event_stream(
    channels: ChannelsPlugin, *, conference_id: uuid.UUID
) -> AsyncGenerator[ServerSentEventMessage, None]:
    """Scan and conflict-seen events of one conference as SSE messages, with keep-alive comments while quiet."""
    async with channels.start_subscription(checkin_channel(conference_id)) as subscriber:
        yield ServerSentEventMessage(event="ready", data="{}")
        events = subscriber.iter_events()
        while True:
            try:
                payload = await asyncio.wait_for(anext(events), timeout=KEEPALIVE_SECONDS)
            except TimeoutError:
                yield ServerSentEventMessage(comment="keep-alive")
                continue
            except StopAsyncIteration:
                return  # the subscription ended (the app is stopping): end the stream, do not crash it
            yield ServerSentEventMessage(event=msgspec.json.decode(payload)["event"], data=payload.decode())
