"""Mastodon's PreviewCard entity, from `storage.cards`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from storage import cards
from storage.cards import CardRow
from storage.database import Database


def serialize_card(card: CardRow) -> dict[str, Any]:
    return {"url": card.url, "title": card.title, "description": card.description, "type": "link",
            "author_name": "", "author_url": "", "authors": [], "provider_name": card.provider_name,
            "provider_url": "", "html": "", "width": card.width, "height": card.height,
            "image": card.image_url, "image_description": "", "embed_url": "", "blurhash": None,
            "language": None, "published_at": None}


async def cards_by_status(db: Database, status_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """PreviewCard entities by status id (one query)."""
    return {sid: serialize_card(card) for sid, card in (await cards.cards_for_statuses(db, status_ids)).items()}
