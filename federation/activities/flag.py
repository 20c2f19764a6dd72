"""Flag (a report from a peer, article 13): a report for the moderators,
source 'federation', naming the reported local account and its statuses."""

from __future__ import annotations

import logging

from federation.activities.common import Dropped, Inbound, object_id
from federation.context import Federation
from storage import remote, reports

logger = logging.getLogger(__name__)

MAX_OBJECTS = 50


async def process(fed: Federation, inbound: Inbound) -> None:
    objects = inbound.object if isinstance(inbound.object, list) else [inbound.object]
    uris = [object_id(o) for o in objects if object_id(o)][:MAX_OBJECTS]
    accounts = [a for a in await remote.find_accounts_by_uris(fed.db, uris) if a.local]
    if not accounts:
        raise Dropped("Flag of no local account")
    target = accounts[0]
    found = [await remote.find_status_by_uri(fed.db, u) for u in uris]
    status_ids = [s.id for s in found if s is not None and s.account_id == target.id]
    content = inbound.activity.get("content")
    report = await reports.create_report(
        fed.db, fed.ids, reporter_account_id=inbound.actor.id, target_account_id=target.id,
        status_ids=status_ids, category="other", comment=content[:1000] if isinstance(content, str) else "",
        source="federation", uri=inbound.id)
    logger.info("report %s from %s about %s", report.id, inbound.actor.uri, target.uri)
