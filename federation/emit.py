"""What the node's handlers call after a local action has committed.

Each function builds the activity with federation.vocab and hands it to
the outbox (permitted hosts only) for durable delivery. Handlers call
them through `after_commit(app, fn, ...)`, which does nothing while
federation is off (no `EMITTER` in the app: article 6) and never turns a
federation problem into a failed client request: the action is already
stored, so a failure is logged.

Held content (`state='pending'`) and statuses by remote authors are never
sent; direct statuses go to mentioned accounts only.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any, Concatenate, ParamSpec

from aiohttp import web

from federation import vocab
from federation.delivery import DeliveryQueue, PeerGate
from federation.outbox import Audience, Plan, send, status_audience
from federation.custom_emojis import with_emoji_tags
from federation.local_actor import local_actor_document
from federation.media import with_attachments
from federation.polls import with_question
from federation.quotes import with_quote
from federation.urls import Urls
from storage import accounts, clock, deliveries, remote, statuses
from storage.accounts import AccountRow
from storage.database import Database
from storage.ids import IdGenerator
from storage.statuses import StatusRow

logger = logging.getLogger(__name__)

P = ParamSpec("P")
NOTHING = Plan(())


@dataclass(frozen=True, slots=True)
class Emitter:
    """What emitting needs; the node puts one under `EMITTER` when federation is on."""

    db: Database
    ids: IdGenerator
    urls: Urls
    queue: DeliveryQueue
    gate: PeerGate


EMITTER = web.AppKey("emitter", Emitter)


async def after_commit(app: web.Application, fn: Callable[Concatenate[Emitter, P], Awaitable[Plan]],
                       *args: P.args, **kwargs: P.kwargs) -> Plan:
    """Run an emit function if federation is on; log (not raise) its failures."""
    emitter = app.get(EMITTER)
    if emitter is None:
        return NOTHING
    try:
        return await fn(emitter, *args, **kwargs)
    except Exception:  # the local action stands; the audit is the log line
        logger.exception("could not emit %s%r", getattr(fn, "__name__", fn), args)
        return NOTHING


async def _local(em: Emitter, account_id: int) -> AccountRow | None:
    account = await accounts.get_account(em.db, account_id)
    return account if account is not None and account.local else None


async def _note(em: Emitter, status: StatusRow, author: AccountRow) -> tuple[dict[str, Any], Audience]:
    mentions = (await statuses.mentions_of(em.db, [status.id])).get(status.id, [])
    return await _build_note(em, status, author, mentions), status_audience(status, [m.account_id for m in mentions])


async def _build_note(em: Emitter, status: StatusRow, author: AccountRow, mentions: list[Any]) -> dict[str, Any]:
    tags = (await statuses.tags_of(em.db, [status.id])).get(status.id, [])
    parent = await statuses.get_status(em.db, status.in_reply_to_id) if status.in_reply_to_id else None
    note = vocab.status_to_note(em.urls, status, author, mentions=mentions, tags=tags,
                                in_reply_to_uri=parent.uri if parent else None)
    note = await with_attachments(em.db, note, status.id, em.urls.base_url)
    note = await with_emoji_tags(em.db, em.urls, note)  # the local emoji it uses
    note = await with_quote(em.db, note, status, author)
    return await with_question(em.db, note, status.id)  # a status with a poll is a Question


async def _status_and_author(em: Emitter, status_id: int) -> tuple[StatusRow, AccountRow] | None:
    status = await statuses.get_status(em.db, status_id)
    if status is None or not status.published or status.reblog_of_id is not None:
        return None
    author = await _local(em, status.account_id)
    return (status, author) if author is not None else None


# ---- statuses -------------------------------------------------------------------

async def status_created(em: Emitter, status_id: int) -> Plan:
    found = await _status_and_author(em, status_id)
    if found is None:
        return NOTHING
    status, author = found
    mentions = (await statuses.mentions_of(em.db, [status.id])).get(status.id, [])

    async def build() -> dict[str, Any]:  # only when a permitted peer will receive it
        return vocab.create_activity(await _build_note(em, status, author, mentions))

    return await send(em.queue, em.gate, build, author.id,
                      status_audience(status, [m.account_id for m in mentions]))


async def status_edited(em: Emitter, status_id: int) -> Plan:
    found = await _status_and_author(em, status_id)
    if found is None:
        return NOTHING
    note, audience = await _note(em, *found)
    return await send(em.queue, em.gate, vocab.update_activity(note, em.ids.next_id()), found[1].id, audience)


async def deletion_audience(db: Database, status: StatusRow) -> Audience:
    """Everywhere the status went, read before the delete commits (mentions,
    boosts and favourites go with the status): as Mastodon's StatusReachFinder,
    its audience, the accounts that boosted, favourited or replied to it,
    and the followers of local boosters (their nodes got it through a boost)."""
    mentions = (await statuses.mentions_of(db, [status.id])).get(status.id, [])
    audience = status_audience(status, [m.account_id for m in mentions])
    if status.reblog_of_id is not None:
        return audience
    reach = await deliveries.status_reach(db, status.id)
    return replace(audience.plus(*reach.account_ids), boosters=reach.local_booster_ids)


async def status_deleted(em: Emitter, status: StatusRow, audience: Audience) -> Plan:
    """Delete of a status (or Undo of a boost) the author had published."""
    author = await _local(em, status.account_id)
    if author is None or not status.published:
        return NOTHING
    if status.reblog_of_id is not None:
        return await _undo_reblog(em, status, author)
    activity = vocab.delete_activity(author.uri, status.uri)
    return await send(em.queue, em.gate, activity, author.id, audience)


async def status_released(em: Emitter, status_id: int, *, seen: bool) -> Plan:
    """A held status a moderator approved: a Create, or an Update when peers
    had the status before its edit was held (`seen`)."""
    return await (status_edited(em, status_id) if seen else status_created(em, status_id))


async def status_withdrawn(em: Emitter, status: StatusRow, audience: Audience) -> Plan:
    """Delete of a status that peers had received and a moderator has now
    rejected (its state is no longer 'published')."""
    author = await _local(em, status.account_id)
    if author is None or status.reblog_of_id is not None:
        return NOTHING
    return await send(em.queue, em.gate, vocab.delete_activity(author.uri, status.uri), author.id, audience)


# ---- interactions -----------------------------------------------------------------

async def _interaction(em: Emitter, account_id: int, status_id: int,
                       build: Callable[[AccountRow, StatusRow], dict[str, Any]]) -> Plan:
    actor = await _local(em, account_id)
    status = await statuses.get_status(em.db, status_id)
    if actor is None or status is None:
        return NOTHING
    return await send(em.queue, em.gate, build(actor, status), actor.id, Audience().plus(status.account_id))


async def favourited(em: Emitter, account_id: int, status_id: int) -> Plan:
    return await _interaction(em, account_id, status_id, lambda actor, status: vocab.like_activity(
        actor.uri, status.uri, em.ids.next_id()))


async def unfavourited(em: Emitter, account_id: int, status_id: int) -> Plan:
    def undo(actor: AccountRow, status: StatusRow) -> dict[str, Any]:
        return vocab.undo_activity(actor.uri, vocab.like_activity(actor.uri, status.uri, em.ids.next_id()))
    return await _interaction(em, account_id, status_id, undo)


async def _announce(em: Emitter, reblog: StatusRow, booster: AccountRow) -> tuple[dict[str, Any], Audience]:
    original = await statuses.get_status(em.db, reblog.reblog_of_id or 0)
    author = await accounts.get_account(em.db, original.account_id) if original else None
    if original is None or author is None:
        raise LookupError(f"the boosted status of {reblog.id} is gone")
    activity = vocab.announce_activity(em.urls, reblog, booster, original.uri, author.uri)
    return activity, Audience(booster.id).plus(original.account_id)


async def reblogged(em: Emitter, reblog_id: int) -> Plan:
    reblog = await statuses.get_status(em.db, reblog_id)
    booster = await _local(em, reblog.account_id) if reblog else None
    if reblog is None or booster is None or not reblog.published or reblog.reblog_of_id is None:
        return NOTHING
    activity, audience = await _announce(em, reblog, booster)
    return await send(em.queue, em.gate, activity, booster.id, audience)


async def _undo_reblog(em: Emitter, reblog: StatusRow, booster: AccountRow) -> Plan:
    activity, audience = await _announce(em, reblog, booster)
    return await send(em.queue, em.gate, vocab.undo_activity(booster.uri, activity), booster.id, audience)


async def unreblogged(em: Emitter, reblog: StatusRow) -> Plan:
    """Undo(Announce); `reblog` is the boost row as it was before the delete."""
    booster = await _local(em, reblog.account_id)
    if booster is None or not reblog.published:
        return NOTHING
    return await _undo_reblog(em, reblog, booster)


# ---- relationships -----------------------------------------------------------------

async def _to_remote(em: Emitter, account_id: int, target_id: int,
                     build: Callable[[AccountRow, AccountRow], dict[str, Any]]) -> Plan:
    actor = await _local(em, account_id)
    target = await accounts.get_account(em.db, target_id)
    if actor is None or target is None or target.local:
        return NOTHING
    return await send(em.queue, em.gate, build(actor, target), actor.id, Audience().plus(target.id))


def _follow(em: Emitter, follower: AccountRow, followed: AccountRow) -> dict[str, Any]:
    return vocab.follow_activity(follower.uri, followed.uri, em.ids.next_id())


async def followed(em: Emitter, account_id: int, target_id: int) -> Plan:
    """A Follow, once per follow: its id is recorded on the request so the
    peer's Accept or Reject finds it (following again only changes options)."""
    if await deliveries.follow_uri(em.db, account_id, target_id):
        return NOTHING
    follower, target = await _local(em, account_id), await accounts.get_account(em.db, target_id)
    if follower is None or target is None or target.local:
        return NOTHING
    activity = _follow(em, follower, target)
    async with em.db.write() as w:
        await remote.set_follow_uri(w, follower.id, target.id, activity["id"])
    return await send(em.queue, em.gate, activity, follower.id, Audience().plus(target.id))


async def unfollowed(em: Emitter, account_id: int, target_id: int) -> Plan:
    return await _to_remote(em, account_id, target_id,
                            lambda a, t: vocab.undo_activity(a.uri, _follow(em, a, t)))


async def blocked(em: Emitter, account_id: int, target_id: int) -> Plan:
    return await _to_remote(em, account_id, target_id,
                            lambda a, t: vocab.block_activity(a.uri, t.uri, em.ids.next_id()))


def _their_follow(requester: AccountRow, me: AccountRow, follow_uri: str | None) -> dict[str, Any] | str:
    follow: dict[str, Any] = {"type": "Follow", "actor": requester.uri, "object": me.uri}
    return {"id": follow_uri, **follow} if follow_uri else follow


async def follow_request_uri(db: Database, account_id: int, requester_id: int) -> str | None:
    """The id of the requester's Follow: read it before the request is answered."""
    return await deliveries.follow_request_uri(db, requester_id, account_id)


async def follow_request_answered(em: Emitter, account_id: int, requester_id: int, *, accepted: bool,
                                  follow_uri: str | None = None) -> Plan:
    """Accept or Reject of a remote account's Follow of a local account."""
    def build(me: AccountRow, requester: AccountRow) -> dict[str, Any]:
        make = vocab.accept_activity if accepted else vocab.reject_activity
        return make(me.uri, _their_follow(requester, me, follow_uri), em.ids.next_id())
    return await _to_remote(em, account_id, requester_id, build)


async def profile_updated(em: Emitter, account_id: int, *, now: dt.datetime | None = None) -> Plan:
    account = await _local(em, account_id)
    if account is None:
        return NOTHING
    stamp = clock.iso(now or clock.now())
    document = await local_actor_document(em.db, em.urls, account)  # with alsoKnownAs, movedTo
    activity = vocab.update_actor_activity(document, stamp)
    return await send(em.queue, em.gate, activity, account.id, Audience(account.id))
