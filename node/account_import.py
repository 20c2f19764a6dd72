"""Applying an uploaded CSV (Mastodon's formats, `node.account_csv`) to one
account: follows, blocks, mutes, lists or bookmarks, merged with what the
account has or replacing it (`overwrite`, as Mastodon's importer does).

Each row names an account (or, for bookmarks, a status URI). A local
address is looked up here; a remote one only on a host the permit gate
permits (asked first, before anything is sent), found among the accounts
this node knows or resolved by the same SSRF-safe WebFinger and actor
fetch as a search (`federation.resolve`). A row that cannot be resolved,
is on an unpermitted host, or that the rules refuse (a follow of someone
who blocks you, past the daily follow limit) is counted as skipped, not
an error. Follows and blocks federate as they do from a client.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from aiohttp import web

from federation import emit
from federation.actors import ActorError, check_host
from federation.resolve import resolve_account, resolve_url
from node.account_csv import ImportLine, parse_csv
from node.keys import CONFIG, DB, FEDERATION, IDS
from policy.sanctions import follow_allowed
from storage import account_data, account_imports, accounts, domain_blocks, interactions, lists, relationships
from storage.account_imports import ImportRow
from storage.accounts import AccountRow
from storage.clock import now
from storage.relationships import FollowOptions
from storage.remote import find_status_by_uri
from storage.statuses import StatusRow, status_for_viewer

logger = logging.getLogger(__name__)

USERNAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
PROGRESS_EVERY = 25  # rows between saved counts (and lease renewals)


@dataclass
class Tally:
    imported: int = 0
    skipped: int = 0


async def resolve_address(app: web.Application, address: str) -> AccountRow | None:
    """The account at `user@host` (or a local `user`), None when it cannot be had."""
    user, _, host = address.strip().removeprefix("@").partition("@")
    if not USERNAME.match(user):
        return None
    host = host.lower()
    db = app[DB]
    if not host or host == app[CONFIG].node.domain.lower():
        return await accounts.find_local_account(db, user)
    fed = app.get(FEDERATION)
    if fed is None:
        return None
    try:
        await check_host(fed, f"https://{host}/")  # the gate first: nothing is sent to an unpermitted host
    except ActorError:
        return None
    known = await accounts.find_account_by_acct(db, user, host)
    return known if known is not None else await resolve_account(fed, f"{user}@{host}")


async def resolve_status(app: web.Application, me: AccountRow, uri: str) -> StatusRow | None:
    """The status at `uri`, if `me` may see it; remote ones fetched through the gate."""
    db = app[DB]
    found: object = await find_status_by_uri(db, uri)
    fed = app.get(FEDERATION)
    if found is None and fed is not None and uri.startswith(("https://", "http://")):
        found = await resolve_url(fed, uri)
    if not isinstance(found, StatusRow):
        return None
    return await status_for_viewer(db, found.id, me.id)


async def follow(app: web.Application, me: AccountRow, target: AccountRow, opts: FollowOptions) -> bool:
    """Follow (or ask to) by the rules of POST /api/v1/accounts/:id/follow; False when refused."""
    db = app[DB]
    if target.id == me.id or target.suspended_at or target.moved_to_id:
        return False
    if await relationships.blocked_either_way(db, me.id, target.id) \
            or await domain_blocks.blocks_domain(db, me.id, target.domain):
        return False
    if not await follow_allowed(db, me.id, now()):  # article 7(7): an import is no way round the limit
        return False
    as_request = bool(target.locked) or not target.local or bool(me.silenced_at)
    await relationships.follow(db, app[IDS], me.id, target.id, opts, as_request=as_request)
    await emit.after_commit(app, emit.followed, me.id, target.id)
    return True


async def _apply(app: web.Application, me: AccountRow, kind: str, line: ImportLine) -> int | None:
    """One row applied; the id it kept (account or status), None when skipped."""
    db = app[DB]
    if kind == "bookmarks":
        status = await resolve_status(app, me, line.target)
        if status is None:
            return None
        async with db.write() as w:
            await interactions.bookmark(w, app[IDS], me.id, status.id)
        return status.id
    target = await resolve_address(app, line.target)
    if target is None or target.id == me.id:
        return None
    if kind == "following":
        opts = FollowOptions(reblogs=line.show_reblogs, notify=line.notify, languages=line.languages or None)
        return target.id if await follow(app, me, target, opts) else None
    if kind == "blocking":
        await relationships.block(db, app[IDS], me.id, target.id)
        await emit.after_commit(app, emit.blocked, me.id, target.id)
    elif kind == "muting":
        await relationships.mute(db, app[IDS], me.id, target.id, line.hide_notifications, None)
    elif kind == "lists" and not await _add_to_list(app, me, line.list_title, target):
        return None
    return target.id


async def _add_to_list(app: web.Application, me: AccountRow, title: str, target: AccountRow) -> bool:
    """Into the list of that title (made if needed), following the account
    first if need be, as Mastodon's importer does (lists hold followed accounts)."""
    db = app[DB]
    if await lists.not_followed(db, me.id, [target.id]) and not await follow(app, me, target, FollowOptions()):
        return False
    owned = {row.title: row for row in await lists.owned_lists(db, me.id)}
    row = owned.get(title[:256]) or await lists.create_list(
        db, app[IDS].next_id(), me.id, title[:256], "list", False)
    await lists.add_members(db, row.id, [target.id])
    return True


async def _overwrite(app: web.Application, me: AccountRow, kind: str, kept: set[int]) -> None:
    """What the file does not name goes (lists are emptied before, in `_clear_lists`)."""
    db = app[DB]
    if kind == "following":
        for target_id in await account_data.followed_ids(db, me.id) - kept:
            await relationships.unfollow(db, me.id, target_id)
            await emit.after_commit(app, emit.unfollowed, me.id, target_id)
    elif kind == "blocking":
        for target_id in await account_data.blocked_ids(db, me.id) - kept:
            await relationships.unblock(db, me.id, target_id)
    elif kind == "muting":
        for target_id in await account_data.muted_ids(db, me.id) - kept:
            await relationships.unmute(db, me.id, target_id)
    elif kind == "bookmarks":
        async with db.write() as w:
            for status_id in await account_data.bookmarked_ids(db, me.id) - kept:
                await interactions.unbookmark(w, me.id, status_id)


async def _clear_lists(app: web.Application, me: AccountRow, titles: set[str]) -> None:
    """Overwriting lists: those the file does not name are deleted, the others emptied (Mastodon)."""
    db = app[DB]
    for row in await lists.owned_lists(db, me.id):
        if row.title not in titles:
            await lists.delete_list(db, row)
        else:
            await lists.remove_members(db, row.id, await lists.member_ids(db, row.id, None, None, None))


async def run_import(app: web.Application, row: ImportRow) -> tuple[int, int]:
    """Apply the import's rows; (imported, skipped)."""
    me = await accounts.get_account(app[DB], row.account_id)
    if me is None:
        return 0, row.total
    lines = parse_csv(row.kind, row.body)
    if row.kind == "lists" and row.mode == "overwrite":
        await _clear_lists(app, me, {line.list_title[:256] for line in lines})
    tally, kept = Tally(), set()
    for number, line in enumerate(lines, 1):
        try:
            done = await _apply(app, me, row.kind, line)
        except Exception:  # one bad row (a peer's odd answer) is skipped; the other 19,999 still count
            logger.exception("import %s: row %s failed", row.id, number)
            done = None
        if done is None:
            tally.skipped += 1
        else:
            tally.imported += 1
            kept.add(done)
        if number % PROGRESS_EVERY == 0:
            await account_imports.record_progress(app[DB], row.id, tally.imported, tally.skipped)
    if row.mode == "overwrite" and row.kind != "lists":
        await _overwrite(app, me, row.kind, kept)
    return tally.imported, tally.skipped
