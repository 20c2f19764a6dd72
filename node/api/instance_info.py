"""What the instance tells clients about itself beyond the instance
documents: rules, terms of service (Mastodon 4.4), peers, weekly activity,
moderated domains and translation languages, each from configuration
(`[node]` in config.toml) or stored data.

- rules: `[node] rules`, ids by position (1-based), also in instance v1/v2.
- terms_of_service: the file `[node] terms_of_service` names, paragraphs
  as HTML, effective from `terms_of_service_date` (or the file's day);
  `.../terms_of_service/:date` answers for that date only; no file: 404.
- peers: permitted hosts this node has met (`storage.instance_peers`);
  activity: 12 weeks (`storage.instance_activity`); each 404 when
  `[node] peers_api` / `activity_api` is false, as Mastodon's settings.
- domain_blocks: hosts whose permit is suspended or revoked, severity
  `suspend` (nothing is exchanged with them), to whom `[node]
  show_domain_blocks` says; 404 when "disabled" (the default).
- translation_languages: `{}`: the node runs no translation service,
  which is what Mastodon answers when none is configured.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
from typing import Any

from aiohttp import web

from node import routing
from node.auth import Auth, optional_auth
from node.config import Config
from node.errors import not_found, unauthorized
from node.keys import CONFIG, DB
from storage import instance_activity, instance_peers

NO_TRANSLATION_SERVICE: dict[str, list[str]] = {}


def serialize_rules(config: Config) -> list[dict[str, Any]]:
    """Mastodon's Rule entities; a config rule is one line, so no hint."""
    return [{"id": str(i), "text": text.strip(), "hint": "", "translations": {}}
            for i, text in enumerate(config.node.rules, start=1)]


def translation_languages_of(config: Config) -> dict[str, list[str]]:
    """Source language -> target languages a configured translation service
    offers. None can be configured on this node, so none."""
    del config
    return NO_TRANSLATION_SERVICE


async def rules(request: web.Request) -> web.Response:
    return web.json_response(serialize_rules(request.app[CONFIG]))


def _terms(config: Config) -> tuple[dt.date, str] | None:
    path = config.node.terms_of_service
    if path is None:
        return None
    try:
        text = path.read_text("utf-8")
        modified = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.timezone.utc)
    except (OSError, UnicodeDecodeError):
        return None  # checked at start; a file removed since is no terms, not a 500
    stamp = config.node.terms_of_service_date or modified
    paragraphs = [p.strip() for p in text.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return stamp.date(), "".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)


async def terms_of_service(request: web.Request) -> web.Response:
    found = _terms(request.app[CONFIG])
    asked = request.match_info.get("date") or request.query.get("date")  # Mastodon.py sends ?date=
    if found is None or (asked is not None and asked != found[0].isoformat()):
        raise not_found()
    effective, content = found
    return web.json_response({"effective_date": effective.isoformat(),
                              "effective": effective <= dt.datetime.now(dt.timezone.utc).date(),
                              "content": content, "succeeded_by": None})


async def peers(request: web.Request) -> web.Response:
    if not request.app[CONFIG].node.peers_api:
        raise not_found()
    today = dt.datetime.now(dt.timezone.utc).date()
    return web.json_response(await instance_peers.seen_permitted_hosts(request.app[DB], today))


async def activity(request: web.Request) -> web.Response:
    if not request.app[CONFIG].node.activity_api:
        raise not_found()
    weeks = await instance_activity.weekly_activity(request.app[DB])
    return web.json_response([{"week": str(int(w.start.timestamp())), "statuses": str(w.statuses),
                               "logins": str(w.logins), "registrations": str(w.registrations)} for w in weeks])


@optional_auth()
async def domain_blocks(request: web.Request, auth: Auth | None) -> web.Response:
    shown = request.app[CONFIG].node.show_domain_blocks
    if shown == "disabled":
        raise not_found()
    if shown == "users" and (auth is None or auth.account is None):
        raise unauthorized("This API requires an authenticated user")
    hosts = await instance_peers.moderated_hosts(request.app[DB])
    return web.json_response([{"domain": h.host, "digest": hashlib.sha256(h.host.encode()).hexdigest(),
                               "severity": "suspend", "comment": f"Permit {h.status}"} for h in hosts])


async def translation_languages(request: web.Request) -> web.Response:
    return web.json_response(translation_languages_of(request.app[CONFIG]))


def routes() -> list[web.RouteDef]:
    base = "/api/v1/instance"
    return [
        routing.get(f"{base}/rules", rules),
        routing.get(f"{base}/terms_of_service", terms_of_service),
        routing.get(f"{base}/terms_of_service/{{date}}", terms_of_service),
        routing.get(f"{base}/peers", peers),
        routing.get(f"{base}/activity", activity),
        routing.get(f"{base}/domain_blocks", domain_blocks),
        routing.get(f"{base}/translation_languages", translation_languages),
    ]
