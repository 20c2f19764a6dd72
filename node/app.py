"""The composition root: `create_app(config)` wires everything together."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from node import i18n, keys, middleware, query_secrets
from node.account_jobs import account_jobs_context
from node.api import routes as api_routes
from node.cards import card_context
from node.compliance_setup import compliance_context
from node.config import Config
from node.delivery_setup import delivery_context
from node.deletion_setup import deletion_context, identity_retention_context
from node.federation_setup import federation_context
from node.id_slot_setup import id_slot_context
from node.identity_runtime import load_identity_keys
from node.mail.cleanup import mail_cleanup_context
from node.mail.sender import mail_context
from node.media_setup import media_cleanup_context
from node.moderation_setup import moderation_context
from node.poll_setup import poll_context
from node.scheduled_setup import scheduled_context
from node.push_setup import push_context
from node.registry_sync import registry_context, registry_sync_context
from node.screening_setup import screening_context
from node.streaming.bus import bus_context
from node.streaming.runtime import streaming_context
from storage import search
from storage.database import make_database
from storage.ids import IdGenerator

logger = logging.getLogger(__name__)


def create_app(config: Config) -> web.Application:
    app = web.Application(
        client_max_size=config.http.max_body_bytes,
        middlewares=[middleware.headers_middleware, middleware.cors_middleware,
                     query_secrets.query_secrets_middleware, i18n.locale_middleware(config.node.default_locale),
                     middleware.errors_middleware],
    )
    app[keys.CONFIG] = config
    app[keys.IDS] = IdGenerator()
    app.cleanup_ctx.append(_database)
    app.cleanup_ctx.append(id_slot_context)  # before anything makes an id
    app.cleanup_ctx.append(streaming_context)  # before federation: inbox processing streams
    app.cleanup_ctx.append(bus_context)  # several processes: their streaming events to each other
    app.cleanup_ctx.append(screening_context)
    app.cleanup_ctx.append(moderation_context)  # expiring sanctions
    app.cleanup_ctx.append(federation_context)
    app.cleanup_ctx.append(compliance_context)  # after federation_context: flushes its refusal counts
    app.cleanup_ctx.append(delivery_context)  # after federation_context: uses its gate and session
    app.cleanup_ctx.append(poll_context)  # ended polls, debounced poll updates
    app.cleanup_ctx.append(media_cleanup_context)  # uploads never posted
    app.cleanup_ctx.append(card_context)  # preview cards fetched after posting
    app.cleanup_ctx.append(scheduled_context)  # scheduled statuses published at their time
    app.cleanup_ctx.append(push_context)  # VAPID keys, Web Push sender
    app.cleanup_ctx.append(mail_context)  # the mail outbox's sender (SMTP or .eml files)
    app.cleanup_ctx.append(mail_cleanup_context)  # expired mail tokens, old request counts
    app.cleanup_ctx.append(registry_context)  # after federation_context: borrows its fetch session
    app.cleanup_ctx.append(registry_sync_context)  # shared registries synced on their schedule
    app.cleanup_ctx.append(deletion_context)  # after delivery_context: a deletion's Delete goes out by it
    app.cleanup_ctx.append(identity_retention_context)  # deleted accounts' identities past retention
    app.cleanup_ctx.append(account_jobs_context)  # archives and imports people asked for (after federation_context)
    app.router.add_routes(api_routes.all_routes())
    return app


async def _database(app: web.Application) -> AsyncIterator[None]:
    config = app[keys.CONFIG]
    db = make_database(config.storage.target())
    await db.open()
    app[keys.DB] = db
    app[keys.IDENTITY] = await load_identity_keys(config, db)
    await asyncio.to_thread(search.warm_up)
    if not config.federation_on:
        logger.warning(
            "federation is off: %s; serving local only",
            "the node's own permit ([node] permit) is not set" if not config.node.permit
            else "[federation] enabled = false",
        )
    try:
        yield
    finally:
        await db.close()


database_context = contextlib.asynccontextmanager(_database)
