"""The node's door to `policy.publication.vet`: app state in, HTTP errors out.

Every client publishing path (status create and edit, boosts, profile
text) calls `vet_publication` before anything is stored. A refusal
becomes the client's error: 403 when the author may not publish (identity,
with where to verify), 422 when the content may not (naming the category).
"""

from __future__ import annotations

from collections.abc import Sequence

from aiohttp import web

from node.config import Config
from node.errors import json_error
from node.keys import CONFIG, DB, IDS, SCREENING
from policy.identity.gate import VERIFY_URL
from policy.publication import Author, IdentityRules, Vetting, vet
from storage import accounts
from storage import screening as screening_store
from storage.accounts import AccountRow
from storage.clock import now
from storage.database import Writer

__all__ = ["Vetting", "vet_publication", "identity_rules", "queue_vetting"]


def identity_rules(config: Config) -> IdentityRules:
    ident = config.identity
    return IdentityRules(ident.required, ident.enforcement_started, ident.grace_until)


async def author_of(app: web.Application, account: AccountRow) -> Author:
    user = await accounts.get_user(app[DB], account.id) if account.local else None
    revoked = bool(user is not None and user.posting_revoked_at)
    return Author(account.id, account.local, account.created_at, revoked)


async def vet_publication(app: web.Application, account: AccountRow,
                          fields: Sequence[tuple[str, str]], *, kind: str = "status") -> Vetting:
    """Identity gate then screening; raises a JSON 403/422 on refusal.

    `fields` are (name, text) pairs: ("status", ...), ("spoiler_text", ...),
    ("poll_option[0]", ...), ("display_name", ...), ("note", ...).
    `kind` is status, edit, reblog or profile.
    """
    config = app[CONFIG]
    holder = app.get(SCREENING)
    vetting = await vet(app[DB], identity_rules(config), await author_of(app, account), fields,
                        kind=kind, now=now(), screening=holder)
    if vetting.refusal == "identity":
        raise json_error(403, vetting.message, reason=vetting.reason,
                         verify_url=config.node.base_url + VERIFY_URL)
    if vetting.refusal == "screening":
        raise json_error(422, vetting.message, category=vetting.reason)
    return vetting


async def queue_vetting(app: web.Application, w: Writer, vetting: Vetting, *, kind: str,
                        account_id: int, status_id: int | None) -> None:
    """Put held ('review') and flagged content in the moderators' queue,
    inside the caller's write transaction so the item and the content
    it explains are stored together."""
    if vetting.action not in ("review", "flag") or vetting.decision is None:
        return
    decision = vetting.decision
    await screening_store.enqueue(w, app[IDS].next_id(), kind=kind, action=vetting.action,
                                  status_id=status_id, account_id=account_id,
                                  decision=decision.to_dict(), policy_version=decision.policy_version)
