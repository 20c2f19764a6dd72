"""Flag (a report from a peer, article 13): a report row, or a log line until
moderation has its table."""

from __future__ import annotations

import logging

from federation.activities.common import Dropped, Inbound, object_id
from federation.context import Federation
from storage import remote

logger = logging.getLogger(__name__)


async def process(fed: Federation, inbound: Inbound) -> None:
    objects = inbound.object if isinstance(inbound.object, list) else [inbound.object]
    uris = [object_id(o) for o in objects if object_id(o)][:50]
    accounts = [a for a in await remote.find_accounts_by_uris(fed.db, uris) if a.local]
    if not accounts:
        raise Dropped("Flag of no local account")
    statuses = [s for s in [await remote.find_status_by_uri(fed.db, u) for u in uris] if s is not None]
    target = accounts[0]
    content = inbound.activity.get("content")
    comment = content[:1000] if isinstance(content, str) else ""
    async with fed.db.write() as w:
        stored = await remote.insert_report(w, fed.ids.next_id(), inbound.actor.id, target.id, comment,
                                            [s.id for s in statuses if s.account_id == target.id], inbound.id)
    if not stored:
        logger.warning("report %s from %s about %s (%d statuses): %s", inbound.id, inbound.actor.uri,
                       target.uri, len(statuses), comment)
