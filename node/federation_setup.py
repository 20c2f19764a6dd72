"""Starting federation with the node: fetch session, permit gate, inbox worker.

Nothing starts while federation is off (`Config.federation_on`: no permit
of our own, or `[federation] enabled = false`): no session, no gate, no
worker, and the federation routes answer 404 because `FEDERATION` is
absent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from federation.context import (
    FEDERATION,
    FETCH_SESSION,
    PERMIT_GATE,
    Federation,
    FederationSettings,
)
from federation.delivery import DELIVERY_QUEUE
from federation.fetch import create_fetch_session
from federation.inbox_processing import run_inbox_worker
from federation.instance_actor import load_instance_actor
from federation.peers import build_permit_gate
from node.config import Config
from node.gate import identity_rules
from node.keys import CONFIG, DB, IDS, SCREENING
from node.streaming.port import stream_of
from node.version import SOFTWARE, VERSION

logger = logging.getLogger(__name__)


def settings_of(config: Config) -> FederationSettings:
    return FederationSettings(
        domain=config.node.domain, base_url=config.node.base_url.rstrip("/"), permit=config.node.permit,
        secure_mode=config.federation.secure_mode, max_body_bytes=config.http.max_body_bytes,
        user_agent=f"{SOFTWARE}/{VERSION} (+{config.node.base_url})", link_mode=config.federation.links,
        link_allow_hosts=config.federation.link_allow_hosts)


async def federation_context(app: web.Application) -> AsyncIterator[None]:
    config = app[CONFIG]
    if not config.federation_on:
        yield
        return
    settings = settings_of(config)
    session = create_fetch_session(allow_private_addresses=config.federation.allow_private_addresses,
                                   user_agent=settings.user_agent)
    gate = build_permit_gate(app[DB], session, require_declared=config.federation.require_declared_permit,
                             cache_seconds=config.federation.permit_cache_seconds,
                             local_host=config.node.domain, local_permit=config.node.permit)
    instance = await load_instance_actor(app[DB], settings.base_url)
    fed = Federation(settings, app[DB], app[IDS], gate, session, identity_rules(config), instance,
                     screening=lambda: app.get(SCREENING), delivery=lambda: app.get(DELIVERY_QUEUE),
                     stream=lambda: stream_of(app))
    app[FEDERATION], app[PERMIT_GATE], app[FETCH_SESSION] = fed, gate, session
    worker = asyncio.create_task(run_inbox_worker(fed), name="inbox-worker")
    try:
        yield
    finally:
        worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await worker
        await session.close()
