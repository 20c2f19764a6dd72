"""Sending the few activities inbox processing answers with (Accept, Reject).

`send_activity` hands the activity to the durable delivery queue when the
node runs one (`Federation.delivery`); without it, it POSTs once,
directly, signed with the local account's key through the safe fetch
session, after asking the permit gate (a stop-gap: not retried).
"""

from __future__ import annotations

import json
import logging
from typing import Any

import aiohttp
from yarl import URL

from federation.context import Federation
from federation.fetch import FetchError, check_url, session_policy
from federation.httpsig import ACTIVITY_JSON, sign_request
from federation.peers import url_host
from federation.vocab import accept_activity, reject_activity
from storage.accounts import AccountRow, get_private_key

logger = logging.getLogger(__name__)


async def send_activity(fed: Federation, activity: dict[str, Any], sender: AccountRow,
                        recipient: AccountRow) -> None:
    inbox = recipient.shared_inbox_url or recipient.inbox_url
    queue = fed.delivery()
    if queue is not None:
        await queue.enqueue(activity, [inbox], sender.id)
        return
    await post_directly(fed, activity, sender, inbox)


async def post_directly(fed: Federation, activity: dict[str, Any], sender: AccountRow, inbox: str) -> bool:
    decision = await fed.gate.check(url_host(inbox))
    pem = await get_private_key(fed.db, sender.id)
    if not decision.permitted or not pem:
        logger.warning("not sent to %s: %s", inbox, decision.message if pem else "no private key")
        return False
    body = json.dumps(activity, ensure_ascii=False).encode()
    headers = sign_request("POST", inbox, {"Content-Type": ACTIVITY_JSON}, body, sender.public_key_id, pem)
    try:
        check_url(URL(inbox), session_policy(fed.session))
        async with fed.session.post(inbox, data=body, headers=headers, allow_redirects=False) as resp:
            await resp.content.read(65536)
            ok = 200 <= resp.status < 300
    except (aiohttp.ClientError, TimeoutError, FetchError) as exc:
        logger.warning("POST of %s to %s failed: %s", activity.get("id"), inbox, exc)
        return False
    if not ok:
        logger.warning("POST of %s to %s answered %s", activity.get("id"), inbox, resp.status)
    return ok


async def deliver_accept(fed: Federation, local: AccountRow, follow: dict[str, Any], follower: AccountRow) -> None:
    """Accept a remote Follow of `local` (queued, or posted directly)."""
    await send_activity(fed, accept_activity(local.uri, follow, fed.ids.next_id()), local, follower)


async def deliver_reject(fed: Federation, local: AccountRow, follow: dict[str, Any], follower: AccountRow) -> None:
    await send_activity(fed, reject_activity(local.uri, follow, fed.ids.next_id()), local, follower)
