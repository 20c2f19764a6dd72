"""The node's one door to the audit log: `await audit(where, actor, action, target, details)`.

`where` is the app, its Database (a transaction of its own) or a
`Writer` (the record commits with the action it describes, which is what
every moderation handler does). `actor` is an `Auth`, an account row, or
a string such as "cli", "signal" or "system".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from aiohttp import web

from node.auth import Auth
from node.keys import DB
from policy import audit as chain
from policy.permits import PermitChange
from storage.accounts import AccountRow
from storage.audit import AuditRow
from storage.database import Database, Writer

Target = tuple[str, object] | None


def actor_name(actor: Auth | AccountRow | str) -> str:
    if isinstance(actor, str):
        return actor
    if isinstance(actor, Auth):
        return actor.account.acct() if actor.account else "app"
    return actor.acct()


def entry(actor: Auth | AccountRow | str, action: str, target: Target = None,
          details: Mapping[str, Any] | None = None) -> chain.Entry:
    kind, ident = target if target else ("", "")
    return chain.Entry(actor_name(actor), action, kind, str(ident), dict(details or {}))


async def audit(where: web.Application | Database | Writer, actor: Auth | AccountRow | str, action: str,
                target: Target = None, details: Mapping[str, Any] | None = None) -> AuditRow:
    record = entry(actor, action, target, details)
    if isinstance(where, Writer):
        return await chain.append(where, record)
    db = where[DB] if isinstance(where, web.Application) else where
    return await chain.append_now(db, record)


def permit_details(change: PermitChange) -> dict[str, Any]:
    """A registry change as the audit log keeps it: before and after."""
    def side(value: Any) -> dict[str, Any] | None:
        return None if value is None else {k: str(v) if v is not None else None for k, v in asdict(value).items()}

    return {"before": side(change.before), "after": side(change.after)}


async def audit_permit(where: web.Application | Database | Writer, actor: Auth | AccountRow | str,
                       change: PermitChange) -> None:
    await audit(where, actor, f"permit.{change.action}", ("permit", change.host), permit_details(change))
