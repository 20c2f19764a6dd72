"""One small processor per activity type, registered here by type name."""

from __future__ import annotations

from federation.activities import (
    accept,
    announce,
    block,
    collection,
    create,
    delete,
    flag,
    follow,
    like,
    move,
    quote_request,
    undo,
    update,
)
from federation.activities.common import Dropped, Inbound, Processor

PROCESSORS: dict[str, Processor] = {
    "Follow": follow.process,
    "Accept": accept.process_accept,
    "Reject": accept.process_reject,
    "Undo": undo.process,
    "Create": create.process,
    "Update": update.process,
    "Delete": delete.process,
    "Like": like.process,
    "Announce": announce.process,
    "Flag": flag.process,
    "Block": block.process,
    "Move": move.process,
    "Add": collection.process_add,
    "Remove": collection.process_remove,
    "QuoteRequest": quote_request.process,
}

__all__ = ["PROCESSORS", "Dropped", "Inbound", "Processor"]
