"""Timeline queries: the statuses a page holds, newest first.

Paging is Mastodon's: `max_id` (older than), `since_id` (newer than, the
newest page), `min_id` (the page immediately newer than, fetched oldest
first and returned newest first), `limit`.

Home timeline design: fan-out on read. Measured on the benchmark's node
(1,000 accounts, 100,000 statuses, 50-150 follows each; SQLite 3.40, no
ANALYZE, as a node runs), query alone, limit 40:
  * per-author: "statuses WHERE account_id IN (followed) ORDER BY id DESC
    LIMIT 40" over the covering partial index `statuses_home`: p50 0.5 ms,
    p99 1.2 ms, but it reads every index entry the followed accounts ever
    wrote, so it slows as the node ages;
  * window: the newest N statuses by primary key, filtered to followed
    authors: N=1,000 p50 0.7 ms, p99 1.0 ms, bounded by N however big the
    node grows; short of a page for 6% of users (quiet follows);
  * one UNION ALL branch per followed account, each LIMIT 40: p50 12 ms,
    p99 32 ms (preparing a 100-branch statement dominates);
  * fan-out on write (a home_feed row per follower per status) reads in
    O(limit) but every writer (follow, unfollow, block, mute, moderation
    release, inbound federation) must keep those copies right.
So: the window, and the exact per-author query when the window yields less
than a page. No copies to maintain, and a few milliseconds at most for the
query, which leaves the 20 ms p99 budget to rendering and HTTP.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from storage.clock import now_iso
from storage.database import Database
from storage.statuses import STATUS_COLUMNS, StatusRow

T = TypeVar("T")

HOME_WINDOW = 1000

_HIDDEN = ("hidden(id) AS (SELECT target_id FROM blocks WHERE account_id = :viewer"
           " UNION ALL SELECT target_id FROM mutes WHERE account_id = :viewer"
           " AND (expires_at IS NULL OR expires_at > :now)"
           " UNION ALL SELECT id FROM accounts WHERE suspended_at IS NOT NULL"  # article 14: suspended
           # article 7(6): peers whose permit is suspended or revoked (policy/permit_effects.py)
           " UNION ALL SELECT id FROM accounts WHERE domain IN (SELECT host FROM restricted_peers)"
           # the viewer's own domain blocks (storage/domain_blocks.py)
           " UNION ALL SELECT a.id FROM accounts a JOIN account_domain_blocks d ON d.domain = a.domain"
           " WHERE d.account_id = :viewer)")
_PUBLISHED = "s.state = 'published' AND s.deleted_at IS NULL"
_NOT_HIDDEN = ("s.account_id NOT IN (SELECT id FROM hidden) AND (s.reblog_of_id IS NULL OR"
               " (SELECT o.account_id FROM statuses o WHERE o.id = s.reblog_of_id) NOT IN (SELECT id FROM hidden))")
# Limited (silenced) accounts leave the public timelines, except for their followers.
_NOT_LIMITED = ("(s.account_id NOT IN (SELECT id FROM accounts WHERE silenced_at IS NOT NULL)"
                " OR s.account_id = :viewer OR s.account_id IN (SELECT target_id FROM follows WHERE account_id = :viewer))")
_MENTIONS_VIEWER = "EXISTS (SELECT 1 FROM mentions m WHERE m.status_id = s.id AND m.account_id = :viewer)"


@dataclass(frozen=True, slots=True)
class Page:
    limit: int = 20
    max_id: int | None = None
    since_id: int | None = None
    min_id: int | None = None

    @property
    def ascending(self) -> bool:
        return self.min_id is not None

    def lower_bound(self) -> int | None:
        bounds = [b for b in (self.since_id, self.min_id) if b is not None]
        return max(bounds) if bounds else None


def page_sql(page: Page, column: str) -> tuple[str, str, dict[str, Any]]:
    """(where, order-and-limit, params) for paging on `column`."""
    clauses, params = [], {"limit": page.limit}
    if page.max_id is not None:
        clauses.append(f"{column} < :max_id")
        params["max_id"] = page.max_id
    lower = page.lower_bound()
    if lower is not None:
        clauses.append(f"{column} > :lower_id")
        params["lower_id"] = lower
    direction = "ASC" if page.ascending else "DESC"
    return " AND ".join(clauses) or "1 = 1", f"ORDER BY {column} {direction} LIMIT :limit", params


def newest_first(page: Page, items: Sequence[T]) -> list[T]:
    return list(reversed(items)) if page.ascending else list(items)


async def _rows(db: Database, page: Page, head: str, id_sql: str, params: dict[str, Any]) -> list[StatusRow]:
    """The statuses an id query (already paged) picks, newest first, in one query."""
    direction = "ASC" if page.ascending else "DESC"
    rows = await db.fetchall(
        f"{head}SELECT {STATUS_COLUMNS} FROM statuses WHERE id IN ({id_sql}) ORDER BY id {direction}", params)
    return newest_first(page, [StatusRow(*r) for r in rows])


def _feed_filter(reply_sources: str) -> str:
    return (
        f"{_PUBLISHED}"
        f" AND (s.visibility <> 'direct' OR s.account_id = :viewer OR {_MENTIONS_VIEWER})"
        " AND (s.in_reply_to_account_id IS NULL OR s.in_reply_to_account_id = s.account_id"
        f" OR s.account_id = :viewer OR s.in_reply_to_account_id IN ({reply_sources}))"
        " AND (s.reblog_of_id IS NULL OR s.account_id = :viewer OR s.account_id NOT IN"
        " (SELECT target_id FROM follows WHERE account_id = :viewer AND show_reblogs = 0))"
        f" AND {_NOT_HIDDEN}")


async def _feed(db: Database, sources: str, reply_sources: str, page: Page,
                params: dict[str, Any]) -> list[StatusRow]:
    """Statuses by `sources` authors passing the home filter, windowed then exact."""
    head = f"WITH sources(id) AS ({sources}), {_HIDDEN} "
    filt = _feed_filter(reply_sources)
    where, order, paging = page_sql(page, "id")
    where_s, order_s, _ = page_sql(page, "s.id")
    args = {**params, **paging, "now": now_iso(), "window": HOME_WINDOW}
    window = ("SELECT s.id FROM (SELECT id, account_id, visibility, state, deleted_at,"
              f" in_reply_to_account_id, reblog_of_id FROM statuses WHERE {where}"
              f" {order.replace(':limit', ':window')}) s"
              f" WHERE s.account_id IN (SELECT id FROM sources) AND {filt} {order_s}")
    rows = await _rows(db, page, head, window, args)
    if len(rows) < page.limit:
        exact = ("SELECT s.id FROM statuses s WHERE s.account_id IN (SELECT id FROM sources)"
                 f" AND {where_s} AND {filt} {order_s}")
        rows = await _rows(db, page, head, exact, args)
    return rows


async def home_statuses(db: Database, viewer_id: int, page: Page) -> list[StatusRow]:
    """Own statuses and those of followed accounts (frozen follows excluded)."""
    sources = "SELECT target_id FROM follows WHERE account_id = :viewer AND frozen = 0 UNION ALL SELECT :viewer"
    return await _feed(db, sources, "SELECT id FROM sources", page, {"viewer": viewer_id})


async def list_replies_policy(db: Database, list_id: int, owner_id: int) -> str | None:
    return await db.fetchval("SELECT replies_policy FROM lists WHERE id = ? AND account_id = ?", (list_id, owner_id))


async def list_statuses(db: Database, viewer_id: int, list_id: int, replies_policy: str,
                        page: Page) -> list[StatusRow]:
    sources = "SELECT account_id FROM list_accounts WHERE list_id = :list"
    replies = {"list": "SELECT id FROM sources UNION ALL SELECT :viewer",
               "followed": "SELECT target_id FROM follows WHERE account_id = :viewer UNION ALL SELECT :viewer",
               }.get(replies_policy, "SELECT :viewer")
    return await _feed(db, sources, replies, page, {"viewer": viewer_id, "list": list_id})


def _locality(local: bool, remote: bool) -> str:
    if local and not remote:
        return " AND s.local = 1"
    if remote and not local:
        return " AND s.local = 0"
    return ""


# `only_media`: statuses with at least one attachment (the index on
# media_attachments.status_id answers it per row).
_WITH_MEDIA = " AND EXISTS (SELECT 1 FROM media_attachments m WHERE m.status_id = s.id)"


async def public_statuses(db: Database, viewer_id: int | None, page: Page, *, local: bool = False,
                          remote: bool = False, only_media: bool = False) -> list[StatusRow]:
    """Public, published, not boosts, no replies to others (Mastodon's PublicFeed)."""
    where, order, paging = page_sql(page, "s.id")
    sql = (f"SELECT s.id FROM statuses s WHERE s.visibility = 'public' AND {_PUBLISHED}"
           " AND s.reblog_of_id IS NULL AND (s.in_reply_to_id IS NULL OR s.in_reply_to_account_id = s.account_id)"
           f"{_locality(local, remote)}{_WITH_MEDIA if only_media else ''}"
           f" AND {_NOT_HIDDEN} AND {_NOT_LIMITED} AND {where} {order}")
    return await _rows(db, page, f"WITH {_HIDDEN} ", sql, {**paging, "viewer": viewer_id, "now": now_iso()})


def _in(name: str, values: Sequence[int], params: dict[str, Any]) -> str:
    keys = []
    for i, value in enumerate(values):
        params[f"{name}{i}"] = value
        keys.append(f":{name}{i}")
    return ",".join(keys) or "NULL"


async def tag_statuses(db: Database, viewer_id: int | None, page: Page, *, any_tags: Sequence[int],
                       all_tags: Sequence[int] = (), none_tags: Sequence[int] = (), local: bool = False,
                       remote: bool = False, only_media: bool = False) -> list[StatusRow]:
    """Public statuses carrying any of `any_tags`, all of `all_tags`, none of `none_tags`."""
    where, order, paging = page_sql(page, "s.id")
    params: dict[str, Any] = {**paging, "viewer": viewer_id, "now": now_iso()}
    clauses = [f"s.id IN (SELECT status_id FROM status_tags WHERE tag_id IN ({_in('any', any_tags, params)}))"]
    for i, tag in enumerate(all_tags):
        params[f"all{i}"] = tag
        clauses.append(f"EXISTS (SELECT 1 FROM status_tags x WHERE x.status_id = s.id AND x.tag_id = :all{i})")
    if none_tags:
        clauses.append("NOT EXISTS (SELECT 1 FROM status_tags x WHERE x.status_id = s.id"
                       f" AND x.tag_id IN ({_in('none', none_tags, params)}))")
    sql = (f"SELECT s.id FROM statuses s WHERE {' AND '.join(clauses)}"
           f" AND s.visibility = 'public' AND {_PUBLISHED} AND s.reblog_of_id IS NULL"
           f"{_locality(local, remote)}{_WITH_MEDIA if only_media else ''}"
           f" AND {_NOT_HIDDEN} AND {_NOT_LIMITED} AND {where} {order}")
    return await _rows(db, page, f"WITH {_HIDDEN} ", sql, params)


@dataclass(frozen=True, slots=True)
class AccountFilter:
    exclude_replies: bool = False
    exclude_reblogs: bool = False
    tagged: tuple[int, ...] | None = None  # tag ids; () means an unknown tag: nothing matches
    only_media: bool = False


async def account_statuses(db: Database, author_id: int, viewer_id: int | None, page: Page,
                           flt: AccountFilter) -> list[StatusRow]:
    """An account's statuses as `viewer_id` may see them (AccountStatusesFilter)."""
    where, order, paging = page_sql(page, "s.id")
    params: dict[str, Any] = {**paging, "author": author_id, "viewer": viewer_id}
    clauses = [f"s.account_id = :author AND {_PUBLISHED}", where]
    if viewer_id != author_id:
        clauses.append(
            "(s.visibility IN ('public', 'unlisted') OR (s.visibility = 'private' AND EXISTS (SELECT 1"
            " FROM follows f WHERE f.account_id = :viewer AND f.target_id = :author AND f.frozen = 0))"
            f" OR {_MENTIONS_VIEWER})")
    if flt.exclude_replies:
        clauses.append("(s.in_reply_to_id IS NULL OR s.in_reply_to_account_id = s.account_id)")
    if flt.exclude_reblogs or flt.only_media:  # a boost carries no media of its own
        clauses.append("s.reblog_of_id IS NULL")
    if flt.only_media:
        clauses.append(_WITH_MEDIA.removeprefix(" AND "))
    if flt.tagged is not None:
        tagged = _in("tag", flt.tagged, params)
        clauses.append(f"s.id IN (SELECT status_id FROM status_tags WHERE tag_id IN ({tagged}))")
    sql = f"SELECT s.id FROM statuses s WHERE {' AND '.join(clauses)} {order}"
    return await _rows(db, page, "", sql, params)


async def blocks(db: Database, account_id: int, target_id: int) -> bool:
    """Whether `account_id` blocks `target_id` (who then sees none of its statuses)."""
    return await db.fetchval("SELECT 1 FROM blocks WHERE account_id = ? AND target_id = ?",
                             (account_id, target_id)) is not None


async def pinned_ids(db: Database, author_id: int) -> list[int]:
    rows = await db.fetchall(
        f"SELECT p.status_id FROM status_pins p JOIN statuses s ON s.id = p.status_id"
        f" WHERE p.account_id = ? AND {_PUBLISHED} ORDER BY p.id DESC", (author_id,))
    return [r[0] for r in rows]


async def _pairs(db: Database, sql: str, page: Page, column: str, params: dict[str, Any]) -> list[tuple[int, int]]:
    where, order, paging = page_sql(page, column)
    rows = await db.fetchall(sql.format(where=where, order=order), {**params, **paging})
    return newest_first(page, [(r[0], r[1]) for r in rows])


async def bookmark_pairs(db: Database, viewer_id: int, page: Page) -> list[tuple[int, int]]:
    """(bookmark id, status id), newest bookmark first."""
    return await _pairs(db, "SELECT b.id, b.status_id FROM bookmarks b WHERE b.account_id = :viewer"
                        " AND {where} {order}", page, "b.id", {"viewer": viewer_id})


async def favourite_pairs(db: Database, viewer_id: int, page: Page) -> list[tuple[int, int]]:
    """(favourite id, status id), newest favourite first."""
    return await _pairs(db, "SELECT f.id, f.status_id FROM favourites f WHERE f.account_id = :viewer"
                        " AND {where} {order}", page, "f.id", {"viewer": viewer_id})


async def favourited_by_pairs(db: Database, status_id: int, page: Page) -> list[tuple[int, int]]:
    """(favourite id, account id) of who favourited a status."""
    return await _pairs(db, "SELECT f.id, f.account_id FROM favourites f WHERE f.status_id = :status"
                        " AND {where} {order}", page, "f.id", {"status": status_id})


async def reblogged_by_pairs(db: Database, status_id: int, page: Page) -> list[tuple[int, int]]:
    """(boost status id, account id) of who boosted a status."""
    return await _pairs(db, "SELECT s.id, s.account_id FROM statuses s WHERE s.reblog_of_id = :status"
                        " AND s.state = 'published' AND {where} {order}", page, "s.id", {"status": status_id})
