"""Preview cards for local statuses: fetched after the post is answered.

As Mastodon's FetchLinkCardService: the first link of a published status
(not a mention or a hashtag) is looked up in the background, so posting
never waits for someone else's web server; clients see the card when
they next load the status. The fetch itself is `federation.cards`, which
asks the permit gate first. A card younger than `REFRESH_AFTER` is reused.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator, Sequence

from aiohttp import web

from federation.cards import fetch_card
from federation.context import FEDERATION, Federation
from node.keys import DB, IDS
from storage import cards, clock

logger = logging.getLogger(__name__)

REFRESH_AFTER = dt.timedelta(days=14)
CARD_TASKS = web.AppKey("card_tasks", set[asyncio.Task[None]])


def schedule_card(app: web.Application, status_id: int, urls: Sequence[str]) -> None:
    """Look for the card of the first of a status's links, in the background."""
    fed, tasks = app.get(FEDERATION), app.get(CARD_TASKS)
    if fed is None or tasks is None or not urls:
        return
    task = asyncio.create_task(_attach(app, fed, status_id, urls[0]))
    tasks.add(task)
    task.add_done_callback(tasks.discard)


async def _attach(app: web.Application, fed: Federation, status_id: int, url: str) -> None:
    db = app[DB]
    try:
        known = await cards.card_by_url(db, url)
        fresh = known is not None and clock.now() - clock.parse(known.fetched_at) < REFRESH_AFTER
        found = None if fresh else await fetch_card(fed, url)
        if found is None and known is None:
            return
        async with db.write() as w:
            card_id = await cards.save_card(w, app[IDS], found) if found else known.id  # type: ignore[union-attr]
            await cards.attach_card(w, status_id, card_id)
    except Exception:  # a card is a nicety: log, never fail the post
        logger.exception("preview card for status %d failed", status_id)


async def card_context(app: web.Application) -> AsyncIterator[None]:
    app[CARD_TASKS] = set()
    yield
    pending = list(app[CARD_TASKS])
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)
