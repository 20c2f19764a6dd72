"""May this content be published, and how? The one decision every path asks.

Local statuses, edits, boosts and profile text (through `node.gate`) and
inbound federated content (through the inbox) all call `vet`. It applies
the identity gate (article 9, with article 15's grace) to local authors,
then screening (articles 8 and 10) to the text, and returns a value: the
caller applies it and the audit trail records it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from policy.identity.gate import GateDecision, IdentityState, check_publish
from storage import identities
from storage.clock import parse
from storage.database import Database

# Strictest last: the order in which screening actions override each other.
ACTIONS = ("accept", "flag", "sensitive", "review", "reject")


Fields = Sequence[tuple[str, str]]


class ScreeningPort(Protocol):
    """What the gate needs of the live screening policy."""

    def screener(self, kind: str) -> Callable[[Fields], Any]: ...

    async def record(self, decision: Any) -> None: ...


@dataclass(frozen=True, slots=True)
class IdentityRules:
    required: bool
    enforcement_started: dt.datetime | None
    grace_until: dt.datetime | None


@dataclass(frozen=True, slots=True)
class Author:
    """Who is publishing: enough for the gate, nothing more."""

    account_id: int
    local: bool
    created_at: str
    posting_revoked: bool = False


@dataclass(frozen=True, slots=True)
class Vetting:
    """accept | flag | sensitive | review publish (or hold); refused stops.

    `refusal` is "identity" (the author may not publish: 403) or
    "screening" (the content may not be published: 422).
    """

    action: str = "accept"
    refusal: str | None = None
    reason: str = ""
    message: str = ""
    decision: Any = None  # the screening Decision, when screening ran
    links: Any = None  # the policy.links LinkDecision, when the post's links were vetted

    @property
    def refused(self) -> bool:
        return self.refusal is not None

    @property
    def held(self) -> bool:
        return self.action == "review"

    @property
    def sensitive(self) -> bool:
        return self.action == "sensitive"


async def identity_decision(db: Database, rules: IdentityRules, author: Author,
                            now: dt.datetime) -> GateDecision:
    verified = (not rules.required) or await identities.get_identity(db, author.account_id) is not None
    state = IdentityState(verified=verified, created_at=parse(author.created_at),
                          revoked_posting=author.posting_revoked)
    return check_publish(state, now=now, enforcement_started=rules.enforcement_started,
                         grace_until=rules.grace_until)


async def vet(db: Database, rules: IdentityRules, author: Author, fields: Sequence[tuple[str, str]],
              *, kind: str, now: dt.datetime, screening: ScreeningPort | None = None,
              provisional: bool = False) -> Vetting:
    """Identity gate for local authors, then screening of `fields`.

    `screening` is the live policy (policy.screening_runtime), or None
    where none is loaded. Every hit is counted, shadow hits included,
    except for a `provisional` check (a media description at upload, which
    is screened again with its status): its hits count only if it refuses.
    """
    if author.local:
        gate = await identity_decision(db, rules, author, now)
        if not gate.allowed:
            return Vetting("reject", "identity", gate.reason, gate.message)
    if screening is None:
        return Vetting()
    decision = screening.screener(kind)(fields)
    if (decision.hits or decision.shadow_hits) and (not provisional or decision.action == "reject"):
        await screening.record(decision)
    if decision.action == "reject":
        return Vetting("reject", "screening", decision.category or "", _refusal_message(decision, kind),
                       decision)
    return Vetting(decision.action, None, decision.category or "", "", decision)


def _refusal_message(decision: Any, kind: str) -> str:
    # Name the category, never the list or the term: the list is the admin's.
    what = "profile" if kind == "profile" else "post"
    return f"This {what} was not published: it matches the screening category '{decision.category}'."
