"""Flag (a report from a peer, article 13): a report for the moderators,
source 'federation', naming the reported account and its statuses.

As Mastodon: a report about a local account, or about a remote account
whose reported statuses replied to local accounts (a peer forwarding with
`forward_to_domains`); one report per such account."""

from __future__ import annotations

import logging

from federation.activities.common import Dropped, Inbound, object_id
from federation.context import Federation
from storage import accounts, remote, reports
from storage.accounts import AccountRow
from storage.statuses import StatusRow

logger = logging.getLogger(__name__)

MAX_OBJECTS = 50


async def process(fed: Federation, inbound: Inbound) -> None:
    objects = inbound.object if isinstance(inbound.object, list) else [inbound.object]
    uris = [object_id(o) for o in objects if object_id(o)][:MAX_OBJECTS]
    found = [s for s in [await remote.find_status_by_uri(fed.db, u) for u in uris] if s is not None]
    content = inbound.activity.get("content")
    made = 0
    for target in await remote.find_accounts_by_uris(fed.db, uris):
        theirs = [s for s in found if s.account_id == target.id]
        if target.suspended_at or not (target.local or await _replied_to_local(fed, theirs)):
            continue
        report = await reports.create_report(
            fed.db, fed.ids, reporter_account_id=inbound.actor.id, target_account_id=target.id,
            status_ids=[s.id for s in theirs], category="other",
            comment=content[:1000] if isinstance(content, str) else "", source="federation", uri=inbound.id)
        logger.info("report %s from %s about %s", report.id, inbound.actor.uri, target.uri)
        made += 1
    if not made:
        raise Dropped("Flag of no local account, nor of replies to one")


async def _replied_to_local(fed: Federation, found: list[StatusRow]) -> bool:
    replied: list[AccountRow | None] = [await accounts.get_account(fed.db, s.in_reply_to_account_id)
                                        for s in found if s.in_reply_to_account_id]
    return any(a is not None and a.local for a in replied)
