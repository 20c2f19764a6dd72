"""The quote fields of Mastodon 4.5's Status entity, for a page at once:
`quote` (a Quote with the quoted status rendered, or a ShallowQuote inside
a quoted status), `quote_approval` and `quotes_count`.

The quoted status is shown only to a viewer who may see it (otherwise
the state is `unauthorized`), and as its author wrote it: its text was
screened when it arrived, and is never screened again as the quoting
author's words.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from node.keys import DB
from policy.quotes import automatic_approval, effective_policy, may_quote
from storage import quotes, statuses
from storage.quotes import QuoteRow
from storage.statuses import StatusRow

Render = Callable[..., Awaitable[list[dict[str, Any]]]]  # node.entities.status.render_statuses


@dataclass(frozen=True, slots=True)
class QuoteBatch:
    quotes: dict[int, dict[str, Any]]
    approvals: dict[int, dict[str, Any]]
    counts: dict[int, int]


def _state(quote: QuoteRow, visible: set[int]) -> str:
    if quote.state != "accepted":
        return quote.state
    if quote.quoted_status_id is None:
        return "deleted"
    return "accepted" if quote.quoted_status_id in visible else "unauthorized"


def _approval(row: StatusRow, policy: str, viewer_id: int | None, followed: set[int]) -> dict[str, Any]:
    current = "unknown" if viewer_id is None else may_quote(
        policy, row.visibility, is_author=viewer_id == row.account_id, follows_author=row.account_id in followed)
    automatic = automatic_approval(policy) if row.visibility in ("public", "unlisted") else []
    return {"automatic": automatic, "manual": [], "current_user": current}


async def load_quotes(app: web.Application, rows: Sequence[StatusRow], viewer_id: int | None, *,
                      shallow: bool, render: Render) -> QuoteBatch:
    db = app[DB]
    ids = [r.id for r in rows]
    found = await quotes.quotes_of_statuses(db, ids)
    policies = await quotes.policies_of(db, ids)
    counts = await quotes.accepted_counts(db, ids)
    followed = await quotes.followed_among(db, viewer_id, [r.account_id for r in rows]) if viewer_id else set()
    quoted = await statuses.get_statuses(db, [q.quoted_status_id for q in found.values()
                                              if q.state == "accepted" and q.quoted_status_id])
    visible = await statuses.visible_statuses(db, quoted, viewer_id)
    shown = {v.id for v in visible}
    rendered = {} if shallow else {int(s["id"]): s for s in await render(app, visible, viewer_id, nested=True)}
    entities: dict[int, dict[str, Any]] = {}
    for status_id, quote in found.items():
        state = _state(quote, shown)
        target = quote.quoted_status_id if state == "accepted" else None
        entities[status_id] = ({"state": state, "quoted_status_id": str(target) if target else None} if shallow
                               else {"state": state, "quoted_status": rendered.get(target) if target else None})
    approvals = {r.id: _approval(r, effective_policy(policies.get(r.id), local=bool(r.local)), viewer_id, followed)
                 for r in rows}
    return QuoteBatch(entities, approvals, counts)
