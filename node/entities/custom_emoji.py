"""CustomEmoji entities for statuses: the `:shortcode:`s of each status's
text and content warning that are enabled for its author's domain (local
emoji for local authors, the peer's for remote ones), one query per page,
as Mastodon's Status#emojis."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from storage import custom_emojis
from storage.accounts import AccountRow
from storage.database import Database
from storage.statuses import StatusRow


async def emojis_by_status(db: Database, rows: Sequence[StatusRow], authors: Mapping[int, AccountRow],
                           base_url: str) -> dict[int, list[dict[str, Any]]]:
    codes = {r.id: custom_emojis.shortcodes_in(r.content, r.spoiler_text) for r in rows}
    domain = {r.id: authors[r.account_id].domain if r.account_id in authors else None for r in rows}
    wanted = [(domain[i], c) for i, found in codes.items() for c in found]
    if not wanted:
        return {}
    known = await custom_emojis.find_used(db, wanted)
    return {i: [custom_emojis.entity(known[(domain[i], c)], base_url) for c in found if (domain[i], c) in known]
            for i, found in codes.items() if found}


async def emojis_in_texts(db: Database, domain: str | None, texts: Sequence[str],
                          base_url: str) -> list[dict[str, Any]]:
    codes = custom_emojis.shortcodes_in(*texts)
    known = await custom_emojis.find_used(db, [(domain, c) for c in codes])
    return [custom_emojis.entity(known[(domain, c)], base_url) for c in codes if (domain, c) in known]
