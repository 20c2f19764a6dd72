"""A false-information correction (article 7(5)) as clients see it: a
server-side FilterResult with `filter_action: "warn"` on the status, for
every viewer, merged into `Status.filtered` by `status_filters`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiohttp import web

from node.i18n import _
from node.html import Markup, escape
from node.keys import DB
from storage import corrections
from storage.corrections import CorrectionRow
from storage.statuses import StatusRow

CONTEXTS = ["home", "notifications", "public", "thread", "account"]


def filter_result(row: CorrectionRow, shown_id: int) -> dict[str, Any]:
    """The FilterResult a correction puts on a status, for every viewer."""
    return {"filter": {"id": f"correction-{row.id}", "title": row.text, "context": CONTEXTS, "expires_at": None,
                       "filter_action": "warn", "keywords": [], "statuses": []},
            "keyword_matches": None, "status_matches": [str(shown_id)]}


async def correction_results(app: web.Application, rows: Sequence[StatusRow]) -> dict[int, list[dict[str, Any]]]:
    """FilterResults per status id; a boost of a corrected status carries it too."""
    found = await corrections.corrections_for(app[DB], [i for r in rows for i in (r.id, r.reblog_of_id) if i])
    out: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        mark = found.get(row.id) or (found.get(row.reblog_of_id) if row.reblog_of_id else None)
        if mark is not None:
            out[row.id] = [filter_result(mark, mark.status_id)]
    return out


def source_link(url: str | None) -> str:
    label = escape(_("source"))
    return f' · {label}: <a href="{escape(url)}" rel="nofollow noopener">{escape(url)}</a>' if url else ""


async def notice_html(app: web.Application, status_id: int) -> Markup:
    """The notice a corrected status's HTML page carries (empty when none)."""
    found = await corrections.get_correction(app[DB], status_id)
    if found is None:
        return Markup("")
    label = escape(_("Correction"))
    return Markup(f'<aside class="correction"><strong>{label}</strong>: {escape(found.text)}'
                  f'{source_link(found.source_url)}</aside>')
