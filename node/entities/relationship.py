"""Mastodon's Relationship entity: the viewer's ties to one account."""

from __future__ import annotations

from typing import Any

from storage.relationships import Relationship


def serialize_relationship(rel: Relationship) -> dict[str, Any]:
    return {
        "id": str(rel.target_id),
        "following": rel.following,
        "showing_reblogs": rel.showing_reblogs,
        "notifying": rel.notifying,
        "languages": list(rel.languages) if rel.languages is not None else None,
        "followed_by": rel.followed_by,
        "blocking": rel.blocking,
        "blocked_by": rel.blocked_by,
        "muting": rel.muting,
        "muting_notifications": rel.muting_notifications,
        "muting_expires_at": rel.muting_expires_at,
        "requested": rel.requested,
        "requested_by": rel.requested_by,
        "domain_blocking": rel.domain_blocking,
        "endorsed": rel.endorsed,
        "note": rel.note,
    }
