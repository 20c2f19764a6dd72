"""Moving an account, as Mastodon does (MoveService, MoveWorker,
UnfollowFollowWorker), with permitted peers only (article 7(6)).

A move goes from an old account to a new one that names the old one in
its `alsoKnownAs`, asked afresh each time: a local account's aliases
(`storage.account_moves`), or a remote actor fetched again through the
permit gate, so an account on a host without a permit is never a target.
The old account then points at the new one (`accounts.moved_to_id`), its
followers' nodes get a `Move` signed by it, and every local follower of
the old account stops following it and follows the new one instead
(unless either blocks the other or the follower blocks the new one's
domain): on the old account's node when it moves, on every other node
when its `Move` arrives (`federation.activities.move`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from federation import emit, vocab
from federation.actors import ActorError, fetch_actor_document, store_actor_document
from federation.context import Federation
from federation.delivery import DeliveryQueue
from federation.emit import Emitter
from federation.outbox import Audience, Plan, send
from federation.peers import url_host
from storage import account_moves, accounts, domain_blocks, lists, relationships
from storage.accounts import AccountRow
from storage.database import Database
from storage.ids import IdGenerator
from storage.relationships import FollowOptions

logger = logging.getLogger(__name__)


class MoveError(Exception):
    """A move or an alias that cannot be; `reason` is machine-readable:
    bad_address, not_found, not_permitted, federation_off, same_account,
    target_moved, not_an_alias, unreachable (a fetch that may work later)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason, self.detail = reason, detail


def document_aliases(doc: dict[str, Any]) -> list[str]:
    """The actor ids an actor document names in `alsoKnownAs`."""
    value = doc.get("alsoKnownAs")
    items = value if isinstance(value, list) else [value]
    ids = [i.get("id") if isinstance(i, dict) else i for i in items]
    return [i for i in ids if isinstance(i, str) and i]


async def fresh_target(db: Database, fed: Federation | None, domain: str, uri: str) -> tuple[AccountRow, list[str]]:
    """The account at `uri` and the aliases it names now: a local account's
    own, or a remote actor fetched again (the permit gate asked first)."""
    if url_host(uri) == domain.lower():
        local = await accounts.find_account_by_uri(db, uri)
        if local is None or not local.local:
            raise MoveError("not_found")
        return local, await account_moves.alias_uris(db, local.id)
    if fed is None:
        raise MoveError("federation_off")
    try:
        doc = await fetch_actor_document(fed, uri)
        account = await store_actor_document(fed, doc)
    except ActorError as exc:
        reason = {"not_permitted": "not_permitted", "fetch_failed": "unreachable", "throttled": "unreachable"}
        raise MoveError(reason.get(exc.reason, "not_found"), str(exc)) from None
    return account, document_aliases(doc)


async def checked_target(db: Database, fed: Federation | None, domain: str, old: AccountRow,
                         target_uri: str) -> AccountRow:
    """The account `old` may move to: it names `old` in alsoKnownAs now."""
    if target_uri == old.uri:
        raise MoveError("same_account")
    target, aliases = await fresh_target(db, fed, domain, target_uri)
    if target.id == old.id:
        raise MoveError("same_account")
    if target.moved_to_id:
        raise MoveError("target_moved")  # as Mastodon: no chains of moves
    if old.uri not in aliases:
        raise MoveError("not_an_alias")
    return target


def move_activity(old: AccountRow, new: AccountRow, number: int) -> dict[str, Any]:
    """Mastodon's MoveSerializer: actor = object = the old account, target = the new one."""
    return vocab.with_context({"id": f"{old.uri}#moves/{number}", "type": "Move", "actor": old.uri,
                               "object": old.uri, "target": new.uri})


async def send_move(em: Emitter, old: AccountRow, new: AccountRow) -> Plan:
    """The old account's Move to its followers' nodes (permitted ones only)."""
    return await send(em.queue, em.gate, move_activity(old, new, em.ids.next_id()), old.id, Audience(old.id))


def emitter_for(fed: Federation) -> Emitter | None:
    """What sending needs, from the inbox worker's Federation (None without a queue)."""
    queue = fed.delivery()
    return Emitter(fed.db, fed.ids, fed.urls, queue, fed.gate) if isinstance(queue, DeliveryQueue) else None


async def _emit(em: Emitter | None, fn: Callable[[Emitter, int, int], Awaitable[Plan]], *args: int) -> None:
    if em is None:
        return
    try:
        await fn(em, *args)
    except Exception:  # the local follow change stands; the durable queue is not the follower's problem
        logger.exception("could not send %s%r", fn.__name__, args)


async def _may_follow(db: Database, follower_id: int, new: AccountRow) -> bool:
    return not (new.suspended_at or new.moved_to_id
                or await relationships.blocked_either_way(db, follower_id, new.id)
                or await domain_blocks.blocks_domain(db, follower_id, new.domain))


def _options(row: account_moves.FollowerRow) -> FollowOptions:
    """The old follow's options, kept (as Mastodon's UnfollowFollowWorker keeps them)."""
    try:
        languages = json.loads(row.languages) if row.languages else None
    except ValueError:
        languages = None
    kept = tuple(str(x) for x in languages) if isinstance(languages, list) and languages else None
    return FollowOptions(reblogs=bool(row.show_reblogs), notify=bool(row.notify), languages=kept)


async def redirect_followers(db: Database, ids: IdGenerator, em: Emitter | None, old: AccountRow,
                             new: AccountRow) -> int:
    """Every local follower of `old` unfollows it and follows `new` (asks to,
    when `new` is locked or remote); returns how many follow `new` now."""
    redirected = 0
    for row in await account_moves.local_followers(db, old.id):
        follower_id = row.account_id
        if follower_id == new.id:
            continue
        in_lists = [lst.id for lst in await lists.lists_with_member(db, follower_id, old.id)]
        await relationships.unfollow(db, follower_id, old.id)  # which also takes old out of the lists
        await _emit(em, emit.unfollowed, follower_id, old.id)
        follower = await accounts.get_account(db, follower_id)
        if follower is None or not await _may_follow(db, follower_id, new):
            continue
        as_request = bool(new.locked) or not new.local or bool(follower.silenced_at)
        await relationships.follow(db, ids, follower_id, new.id, _options(row), as_request=as_request)
        await _emit(em, emit.followed, follower_id, new.id)
        for list_id in in_lists:  # the new account takes the old one's place in the follower's lists
            await lists.add_members(db, list_id, [new.id])
        redirected += 1
    muting = await account_moves.carry_mutes(db, ids, old.id, new.id)
    await account_moves.carry_notes(db, ids, old.id, new.id)
    logger.info("move of %s to %s: %d local follower(s) redirected, %d mute(s) carried over",
                old.uri, new.uri, redirected, muting)
    return redirected
