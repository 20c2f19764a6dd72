"""Starting durable delivery with the node: the queue, the emitter, the worker.

Runs after `node.federation_setup.federation_context` (it uses the permit
gate and the safe fetch session that context puts under `FEDERATION`).
While federation is off nothing starts and `EMITTER` stays absent, so
handlers' `emit.after_commit(...)` calls do nothing. Tests may put a
`DeliverySettings` under `DELIVERY_SETTINGS` before startup for short
timers; `[federation] delivery_give_up_hours` always sets the give-up time.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

from aiohttp import web

from federation.backoff import BackoffPolicy
from federation.context import FEDERATION
from federation.delivery import (
    DELIVERY_QUEUE,
    DeliveryQueue,
    DeliverySettings,
    DeliveryWorker,
    running_worker,
)
from federation.emit import EMITTER, Emitter
from node.keys import CONFIG

DELIVERY_SETTINGS = web.AppKey("delivery_settings", DeliverySettings)


def delivery_settings(app: web.Application, give_up_hours: int) -> DeliverySettings:
    base = app.get(DELIVERY_SETTINGS) or DeliverySettings(backoff=BackoffPolicy())
    return dataclasses.replace(base, backoff=dataclasses.replace(base.backoff, give_up_hours=give_up_hours))


async def delivery_context(app: web.Application) -> AsyncIterator[None]:
    fed = app.get(FEDERATION)
    if fed is None:
        yield
        return
    settings = delivery_settings(app, app[CONFIG].federation.delivery_give_up_hours)
    queue = DeliveryQueue(fed.db, fed.ids, settings)
    app[DELIVERY_QUEUE] = queue
    app[EMITTER] = Emitter(fed.db, fed.ids, fed.urls, queue, fed.gate)
    async with running_worker(DeliveryWorker(queue, fed.session, fed.gate, fed.urls)):
        yield
