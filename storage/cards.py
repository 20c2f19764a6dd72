"""Link preview cards: plain SQL over `preview_cards` and `status_cards`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from storage.clock import now_iso
from storage.database import Database, Writer
from storage.ids import IdGenerator
from storage.rows import placeholders, to_row


@dataclass(frozen=True, slots=True)
class NewCard:
    url: str
    title: str
    description: str = ""
    provider_name: str = ""
    image_url: str | None = None
    width: int = 0
    height: int = 0


@dataclass(frozen=True, slots=True)
class CardRow:
    id: int
    url: str
    title: str
    description: str
    provider_name: str
    image_url: str | None
    width: int
    height: int
    fetched_at: str


async def card_by_url(db: Database | Writer, url: str) -> CardRow | None:
    return to_row(CardRow, await db.fetchone("SELECT * FROM preview_cards WHERE url = ?", (url,)))


async def save_card(w: Writer, ids: IdGenerator, card: NewCard) -> int:
    """Insert or refresh the card for `card.url`; its id."""
    await w.execute(
        "INSERT INTO preview_cards (id, url, title, description, provider_name, image_url, width, height,"
        " fetched_at) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT (url) DO UPDATE SET title = excluded.title,"
        " description = excluded.description, provider_name = excluded.provider_name,"
        " image_url = excluded.image_url, width = excluded.width, height = excluded.height,"
        " fetched_at = excluded.fetched_at",
        (ids.next_id(), card.url, card.title, card.description, card.provider_name, card.image_url,
         card.width, card.height, now_iso()))
    row = await w.fetchone("SELECT id FROM preview_cards WHERE url = ?", (card.url,))
    assert row is not None
    return int(row[0])


async def attach_card(w: Writer, status_id: int, card_id: int) -> None:
    await w.execute("INSERT INTO status_cards (status_id, card_id) VALUES (?, ?)"
                    " ON CONFLICT (status_id) DO UPDATE SET card_id = excluded.card_id",
                    (status_id, card_id))


async def detach_card(w: Writer, status_id: int) -> None:
    await w.execute("DELETE FROM status_cards WHERE status_id = ?", (status_id,))


async def cards_for_statuses(db: Database, status_ids: Sequence[int]) -> dict[int, CardRow]:
    """The card of each status that has one (one query)."""
    unique = list(dict.fromkeys(status_ids))
    if not unique:
        return {}
    rows = await db.fetchall(
        "SELECT sc.status_id, c.* FROM status_cards sc JOIN preview_cards c ON c.id = sc.card_id"
        f" WHERE sc.status_id IN ({placeholders(unique)})", unique)
    return {r[0]: CardRow(*tuple(r)[1:]) for r in rows}
