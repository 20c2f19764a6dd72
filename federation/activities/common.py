"""What every activity processor gets, and how it declines to apply one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from federation.context import Federation
from storage.accounts import AccountRow, find_account_by_uri


class Dropped(Exception):
    """The activity is not applied (policy, unknown target, not ours); `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class Inbound:
    """A stored activity whose signature, permit and origin were checked."""

    row_id: int
    activity: dict[str, Any]
    actor: AccountRow  # the verified sender
    recipient_id: int | None  # the local account of a personal inbox

    @property
    def id(self) -> str:
        return str(self.activity["id"])

    @property
    def object(self) -> Any:
        return self.activity.get("object")


Processor = Callable[[Federation, Inbound], Awaitable[None]]


def object_id(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("id")
    return value if isinstance(value, str) else ""


def object_type(value: Any) -> str:
    kind = value.get("type") if isinstance(value, dict) else None
    return kind if isinstance(kind, str) else ""


async def local_account(fed: Federation, uri: str) -> AccountRow:
    """The local account with this actor uri; Dropped when it is not one of ours."""
    account = await find_account_by_uri(fed.db, uri) if uri else None
    if account is None or not account.local:
        raise Dropped(f"{uri or 'the object'} is not a local account")
    return account
