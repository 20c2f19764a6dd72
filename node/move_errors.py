"""What a person reads when an alias or a move is refused (`federation.moving.MoveError`)."""

from __future__ import annotations

from federation.moving import MoveError
from node.i18n import N_, _

# reason -> (HTTP status of the settings page, message)
_REFUSALS = {
    "bad_address": (422, N_("Give the account as user@host, for example ana@example.com.")),
    "not_found": (422, N_("No such account was found at that address.")),
    "not_permitted": (400, N_("That account is on a server this node may not federate with "
                              "(it holds no permit in this node's registry).")),
    "federation_off": (400, N_("This node does not federate yet: only accounts on this node can be given.")),
    "same_account": (422, N_("That is this account.")),
    "target_moved": (422, N_("That account has itself moved to another account.")),
    "unreachable": (422, N_("That account's server could not be reached; try again later.")),
    "not_an_alias": (422, N_("That account does not name this one as an alias yet: add this account "
                             "as an alias on the new account first, then try again.")),
}


def refusal(exc: MoveError) -> tuple[int, str]:
    status, message = _REFUSALS.get(exc.reason, _REFUSALS["not_found"])
    return status, _(message)
