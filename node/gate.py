"""The node's door to `policy.publication.vet`: app state in, HTTP errors out.

Every client publishing path (status create and edit, boosts, profile
text) calls `vet_publication` before anything is stored. A refusal
becomes the client's error: 403 when the author may not publish (identity,
with where to verify), 422 when the content may not (naming the category).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from dataclasses import replace

from aiohttp import web

from node import text
from node.config import Config
from node.errors import json_error
from node.keys import CONFIG, DB, IDS, PERMIT_GATE, SCREENING
from policy import links
from policy.identity.gate import VERIFY_URL
from policy.publication import ACTIONS, Author, IdentityRules, Vetting, vet
from storage import accounts
from storage import screening as screening_store
from storage.accounts import AccountRow, UserRow
from storage.clock import now
from storage.database import Writer

__all__ = ["Vetting", "vet_publication", "identity_rules", "queue_vetting"]

MOVED_ACCOUNT = "This account has moved to another account and can no longer post"


def identity_rules(config: Config) -> IdentityRules:
    ident = config.identity
    return IdentityRules(ident.required, ident.enforcement_started, ident.grace_until)


async def author_of(app: web.Application, account: AccountRow, user: UserRow | None = None) -> Author:
    if user is None and account.local:
        user = await accounts.get_user(app[DB], account.id)
    revoked = bool(user is not None and user.posting_revoked_at)
    return Author(account.id, account.local, account.created_at, revoked)


async def vet_publication(app: web.Application, account: AccountRow,
                          fields: Sequence[tuple[str, str]], *, kind: str = "status",
                          user: UserRow | None = None, provisional: bool = False) -> Vetting:
    """Identity gate then screening; raises a JSON 403/422 on refusal.

    `fields` are (name, text) pairs: ("status", ...), ("spoiler_text", ...),
    ("poll_option[0]", ...), ("display_name", ...), ("note", ...).
    `kind` is status, edit, reblog or profile.
    """
    if account.moved_to_id and kind != "profile":  # issue #16: a moved account points elsewhere
        raise json_error(403, MOVED_ACCOUNT)
    config = app[CONFIG]
    holder = app.get(SCREENING)
    vetting = await vet(app[DB], identity_rules(config), await author_of(app, account, user), fields,
                        kind=kind, now=now(), screening=holder, provisional=provisional)
    if vetting.refusal == "identity":
        raise json_error(403, vetting.message, reason=vetting.reason,
                         verify_url=config.node.base_url + VERIFY_URL)
    if vetting.refusal == "screening":
        raise json_error(422, vetting.message, category=vetting.reason)
    return apply_links(vetting, await vet_links(app, fields, kind))


# ---- links (article 7(6)): policy/links.py decides, this applies ------------

LINK_KINDS = frozenset({"status", "edit", "profile"})


def link_rules(config: Config) -> links.LinkRules:
    return links.LinkRules(config.federation.links, config.federation.link_allow_hosts)


async def vet_links(app: web.Application, fields: Sequence[tuple[str, str]], kind: str) -> links.LinkDecision:
    """The link decision for every URL in `fields` (boosts keep the original's)."""
    urls = [url for _name, value in fields for url in text.extract(value).urls]
    if kind not in LINK_KINDS or not urls:
        return links.LinkDecision("accept")
    gate = app.get(PERMIT_GATE)
    check = gate.check if gate is not None else links.registry_check(app[DB])
    return await links.vet_links(urls, check, link_rules(app[CONFIG]))


def apply_links(vetting: Vetting, decision: links.LinkDecision) -> Vetting:
    """reject: 422 naming the host; review: hold (unless already stricter); unlink: render as text."""
    if decision.action == "reject":
        first = decision.unlinked[0]
        raise json_error(422, decision.message, reason="link_not_permitted", host=first.host,
                         permit=first.reason)
    if decision.action == "review" and ACTIONS.index(vetting.action) < ACTIONS.index("review"):
        return replace(vetting, action="review", reason="links", message=decision.message, links=decision)
    return replace(vetting, links=decision)


def link_policy_of(vetting: Vetting) -> Callable[[str], str] | None:
    """The rendering policy (host -> link | unlink) the vetting decided, if any."""
    decision = vetting.links
    return decision.link_policy() if isinstance(decision, links.LinkDecision) and decision.unlinked else None


async def queue_vetting(app: web.Application, w: Writer, vetting: Vetting, *, kind: str,
                        account_id: int, status_id: int | None) -> None:
    """Put held ('review') and flagged content in the moderators' queue,
    inside the caller's write transaction so the item and the content
    it explains are stored together."""
    if vetting.action not in ("review", "flag"):
        return
    decision = vetting.decision
    explained: dict[str, Any] = decision.to_dict() if decision is not None else {"action": vetting.action}
    links = vetting.links
    if links is not None and links.unlinked:
        # Held for a link to an unpermitted host (article 7(6)): say which.
        explained["links"] = [{"host": h.host, "url": h.url, "reason": h.reason, "message": h.message}
                              for h in links.unlinked]
    if decision is None and "links" not in explained:
        return
    version = decision.policy_version if decision is not None else "links"
    await screening_store.enqueue(w, app[IDS].next_id(), kind=kind, action=vetting.action,
                                  status_id=status_id, account_id=account_id,
                                  decision=explained, policy_version=version)
