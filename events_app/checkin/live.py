"""Live check-in updates across processes: one channel per conference, streamed as server-sent events.

Production runs several app processes, so a scan taken by one must reach a dashboard
served by another: with ``EVENTS_REDIS_URL`` set the channels go through Redis pub/sub;
without it (the embedded default, one process) they stay in process memory.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncGenerator
from typing import Any

from litestar.channels import ChannelsPlugin
from litestar.channels.backends.base import ChannelsBackend
from litestar.channels.backends.memory import MemoryChannelsBackend
from litestar.channels.backends.redis import RedisChannelsPubSubBackend
from litestar.response import ServerSentEventMessage
from redis.asyncio import Redis

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


def publish_scan(channels: ChannelsPlugin, *, conference_id: uuid.UUID, event: dict[str, Any]) -> None:
    """Tells every process's dashboards about a scan; call it after the scan is committed."""
    channels.publish(event, checkin_channel(conference_id))


async def event_stream(
    channels: ChannelsPlugin, *, conference_id: uuid.UUID
) -> AsyncGenerator[ServerSentEventMessage, None]:
    """Scan events of one conference as SSE messages, with keep-alive comments while it is quiet."""
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
            yield ServerSentEventMessage(event="scan", data=payload.decode())
