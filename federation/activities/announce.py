"""Announce (a boost). An embedded object is trusted only when it is the
announcer's own (attributed to it, on its host); any other is fetched by
its id from its own host, through the permit gate, and screened."""

from __future__ import annotations

from typing import Any

from federation.activities.common import Dropped, Inbound, object_id
from federation.actors import ActorError
from federation.context import Federation
from federation.fetch import FetchError
from federation.notes import store_note, visibility_of
from federation.peers import url_host
from federation.polls import store_question
# The module, not its names: resolve imports this package (via common).
from federation import resolve
from storage import remote, status_writes
from storage.clock import now_iso
from storage.remote import NewRemoteStatus
from storage.statuses import StatusRow


async def _fetched(fed: Federation, inbound: Inbound, uri: str) -> StatusRow | None:
    if url_host(uri) == fed.settings.domain:
        return None
    try:
        doc = await resolve.fetch_object(fed, uri)
        return await resolve.store_fetched_status(fed, doc, kind="reblog")
    except (ActorError, FetchError) as exc:
        raise Dropped(f"the announced object could not be fetched: {exc}") from None


async def _original(fed: Federation, inbound: Inbound, obj: Any) -> StatusRow | None:
    uri = object_id(obj)
    known = await remote.find_status_by_uri(fed.db, uri) if uri else None
    if known is not None or not uri:
        return known
    booster = inbound.actor
    own = isinstance(obj, dict) and object_id(obj.get("attributedTo")) == booster.uri and url_host(uri) == booster.domain
    if own:
        row = await store_note(fed, booster, obj, kind="reblog", solicited=True)
        await store_question(fed, row, obj)
        return row
    return await _fetched(fed, inbound, uri)


async def _related(fed: Federation, inbound: Inbound) -> bool:
    """A local account follows the booster, or the boosted status is local."""
    if url_host(object_id(inbound.object)) == fed.settings.domain:
        return True
    return await remote.any_local_follower(fed.db, inbound.actor.id) is not None


async def process(fed: Federation, inbound: Inbound) -> None:
    if not await _related(fed, inbound):
        raise Dropped("Announce not related to any local account")
    original = await _original(fed, inbound, inbound.object)
    if original is None or not original.published or original.visibility not in ("public", "unlisted") \
            or original.reblog_of_id is not None:
        raise Dropped("Announce of no status that may be boosted")
    booster = inbound.actor
    new = NewRemoteStatus(
        id=fed.ids.next_id(), account_id=booster.id, uri=inbound.id, url=inbound.id, content="", spoiler_text="",
        sensitive=False, visibility=visibility_of(inbound.activity, booster.followers_url),
        language=None, in_reply_to_id=None, in_reply_to_account_id=None, in_reply_to_uri=None,
        reblog_of_id=original.id, conversation_id=None, state="published", created_at=now_iso())
    async with fed.db.write() as w:
        row = await remote.insert_remote_status(w, new)
        if row is None:
            return
        await status_writes.publish_effects(w, fed.ids, row, "", [])
        await status_writes.notify_about(w, fed.ids, original.account_id, booster.id, "reblog", row)
    fed.stream().status_created(row.id)
