"""A user's own domain blocks (Mastodon's AccountDomainBlock).

Blocking a domain, in one write transaction, does what Mastodon's
BlockDomainFromAccountService and AfterBlockDomainFromAccountService do:
the block row; the user's notifications from that domain are deleted and
so are the notification requests and permissions about its accounts; the
user's follows of its accounts end (the caller sends Undo Follow), its
accounts' follows of the user and their pending requests end (the caller
sends Reject); and when a follow ended either way the user gets a
`severed_relationships` notification saying how many. Afterwards the
domain's accounts are out of the user's timelines
(`storage.timelines._HIDDEN`) and their new notifications are dropped
unless the user follows the sender (`storage.notification_filter`).
"""

from __future__ import annotations

from dataclasses import dataclass

from storage.clock import now_iso
from storage.database import Database, Writer
from storage.ids import IdGenerator
from storage.notifications import notify
from storage.relationships import end_follow, end_request
from storage.timelines import Page, newest_first, page_sql


@dataclass(frozen=True, slots=True)
class SeveredFollow:
    """A follow (or request) the block ended, with the Follow activity id
    recorded for it (None when it was made locally and never sent)."""

    account_id: int  # the follower
    target_id: int
    uri: str | None


@dataclass(frozen=True, slots=True)
class DomainBlockResult:
    domain: str
    created: bool
    unfollowed: tuple[SeveredFollow, ...] = ()  # the user's follows of the domain: Undo Follow
    rejected: tuple[SeveredFollow, ...] = ()    # the domain's follows and requests of the user: Reject


async def _severed(w: Writer, sql: str, account_id: int, domain: str) -> list[SeveredFollow]:
    rows = await w.fetchall(sql, (account_id, domain))
    return [SeveredFollow(r[0], r[1], r[2]) for r in rows]


_MY_FOLLOWS = ("SELECT f.account_id, f.target_id, f.uri FROM follows f JOIN accounts a ON a.id = f.target_id"
               " WHERE f.account_id = ? AND a.domain = ? ORDER BY f.id")
_THEIR_FOLLOWS = ("SELECT f.account_id, f.target_id, f.uri FROM {table} f JOIN accounts a ON a.id = f.account_id"
                  " WHERE f.target_id = ? AND a.domain = ? ORDER BY f.id")


async def block_domain(db: Database, ids: IdGenerator, account_id: int, domain: str) -> DomainBlockResult:
    """Block `domain` (already normalised) for `account_id`; blocking it again
    changes nothing and ends nothing more."""
    async with db.write() as w:
        created = await w.rowcount(
            "INSERT INTO account_domain_blocks (id, account_id, domain, created_at) VALUES (?,?,?,?)"
            " ON CONFLICT (account_id, domain) DO NOTHING", (ids.next_id(), account_id, domain, now_iso()))
        if not created:
            return DomainBlockResult(domain, False)
        await _forget_notifications(w, account_id, domain)
        unfollowed = await _severed(w, _MY_FOLLOWS, account_id, domain)
        followers = await _severed(w, _THEIR_FOLLOWS.format(table="follows"), account_id, domain)
        requests = await _severed(w, _THEIR_FOLLOWS.format(table="follow_requests"), account_id, domain)
        for f in unfollowed + followers:
            await end_follow(w, f.account_id, f.target_id)
        for f in requests:
            await end_request(w, f.account_id, f.target_id)
        if unfollowed or followers:
            await _notify_severed(w, ids, account_id, domain, len(followers), len(unfollowed))
    return DomainBlockResult(domain, True, tuple(unfollowed), tuple(followers + requests))


async def _forget_notifications(w: Writer, account_id: int, domain: str) -> None:
    senders = "SELECT id FROM accounts WHERE domain = ?"
    await w.execute(f"DELETE FROM notifications WHERE account_id = ? AND from_account_id IN ({senders})",
                    (account_id, domain))
    await w.execute(f"DELETE FROM notification_requests WHERE account_id = ? AND from_account_id IN ({senders})",
                    (account_id, domain))
    await w.execute(f"DELETE FROM notification_permissions WHERE account_id = ? AND from_account_id IN ({senders})",
                    (account_id, domain))


async def _notify_severed(w: Writer, ids: IdGenerator, account_id: int, domain: str,
                          followers: int, following: int) -> None:
    """Mastodon's AccountRelationshipSeveranceEvent of type user_domain_block."""
    event = {"id": str(ids.next_id()), "type": "user_domain_block", "purged": False, "target_name": domain,
             "followers_count": followers, "following_count": following, "created_at": now_iso()}
    await notify(w, ids, account_id, account_id, "severed_relationships", extra={"event": event}, allow_self=True)


async def unblock_domain(db: Database, account_id: int, domain: str) -> bool:
    """Remove the block; what it ended stays ended, as in Mastodon."""
    return await db.execute("DELETE FROM account_domain_blocks WHERE account_id = ? AND domain = ?",
                            (account_id, domain)) > 0


async def blocks_domain(db: Database | Writer, account_id: int, domain: str | None) -> bool:
    if domain is None:
        return False
    return await db.fetchone("SELECT 1 FROM account_domain_blocks WHERE account_id = ? AND domain = ?",
                             (account_id, domain)) is not None


async def domain_block_page(db: Database, account_id: int, page: Page) -> list[tuple[int, str]]:
    """(block id, domain), newest block first, paged on the block id."""
    where, order, paging = page_sql(page, "id")
    rows = await db.fetchall(
        f"SELECT id, domain FROM account_domain_blocks WHERE account_id = :owner AND {where} {order}",
        {**paging, "owner": account_id})
    return newest_first(page, [(r[0], r[1]) for r in rows])
