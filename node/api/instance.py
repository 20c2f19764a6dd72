"""Instance v1/v2, NodeInfo and the well-known documents that point to it.

Article 6: the node's permit number is part of how it presents itself,
so it is in both instance documents and NodeInfo `metadata`.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from node import routing
from node.api.instance_info import serialize_rules, translation_languages_of
from node.api.media import MAX_DESCRIPTION, MAX_IMAGE_PIXELS
from node.config import Config
from node.keys import CONFIG, DB, SCREENING, WEB_PUSH
from node.media_sniff import SUPPORTED_TYPES
from node.version import MASTODON_COMPAT, SOFTWARE, VERSION, api_level
from storage import stats

STATUS_MAX_CHARS = 500


def version_string() -> str:
    return f"{MASTODON_COMPAT} (compatible; {SOFTWARE} {VERSION})"


def _registrations(config: Config) -> dict[str, Any]:
    mode = config.registrations.mode
    return {
        "enabled": mode != "closed",
        "approval_required": mode == "approval",
        "message": None if mode != "closed" else "Registrations are closed on this node.",
        "url": None,
        "min_age": None,
        "reason_required": mode == "approval",
    }


def _streaming_url(config: Config) -> str:
    return config.node.base_url.replace("http", "ws", 1)


def _configuration(config: Config, vapid_key: str) -> dict[str, Any]:
    return {
        "urls": {"streaming": _streaming_url(config), "status": None},
        "vapid": {"public_key": vapid_key},  # Web Push (node/push_setup.py)
        "accounts": {"max_featured_tags": 10, "max_pinned_statuses": 5, "max_profile_fields": 4,
                     "max_display_name_length": 30, "max_note_length": 500},
        "statuses": {"max_characters": STATUS_MAX_CHARS, "max_media_attachments": 4,
                     "characters_reserved_per_url": 23},
        # What node.media_sniff recognises; one size cap for every kind. Videos
        # are stored as sent, unread, so their matrix and frame rate are not limited (0).
        "media_attachments": {"supported_mime_types": list(SUPPORTED_TYPES),
                              "image_size_limit": config.storage.media_max_bytes,
                              "image_matrix_limit": MAX_IMAGE_PIXELS, "video_size_limit": config.storage.media_max_bytes,
                              "video_frame_rate_limit": 0, "video_matrix_limit": 0,
                              "description_limit": MAX_DESCRIPTION},
        "polls": {"max_options": 4, "max_characters_per_option": 50,
                  "min_expiration": 300, "max_expiration": 2629746},
        "translation": {"enabled": bool(translation_languages_of(config))},
    }


def _permit(config: Config) -> dict[str, Any]:
    return {"permit": config.node.permit or None, "federation": config.federation_on}


def _api_level(app: web.Application) -> int:
    """Mastodon's API level, from the routes this app really serves (node/version.py)."""
    served = (f"{r.method} {r.resource.canonical.replace('{_slash}', '')}" for r in app.router.routes()
              if r.resource is not None)
    return api_level(served)


async def instance_v2(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    active = await stats.active_users(request.app[DB], days=28)
    body = {
        "domain": config.node.domain,
        "title": config.node.name,
        "version": version_string(),
        "source_url": "https://example.invalid/permitted-node",
        "description": config.node.description,
        "usage": {"users": {"active_month": active}},
        "thumbnail": {"url": f"{config.node.base_url}/static/thumbnail.png", "blurhash": None, "versions": {}},
        "icon": [],
        "languages": ["zh", "en"],
        "configuration": _configuration(config, request.app[WEB_PUSH].keys.public_key),
        "registrations": _registrations(config),
        "api_versions": {"mastodon": _api_level(request.app)},
        "contact": {"email": config.node.contact_email, "account": None},
        "rules": serialize_rules(config),
        # Article 6: the permit/filing number this node operates under.
        "permit": _permit(config),
    }
    return web.json_response(body)


async def instance_v1(request: web.Request) -> web.Response:
    config = request.app[CONFIG]
    db = request.app[DB]
    counts = await stats.node_counts(db)
    reg = _registrations(config)
    body = {
        "uri": config.node.domain,
        "title": config.node.name,
        "short_description": config.node.description,
        "description": config.node.description,
        "email": config.node.contact_email,
        "version": version_string(),
        "urls": {"streaming_api": _streaming_url(config)},
        "stats": counts,
        "thumbnail": f"{config.node.base_url}/static/thumbnail.png",
        "languages": ["zh", "en"],
        "registrations": reg["enabled"],
        "approval_required": reg["approval_required"],
        "invites_enabled": False,
        "configuration": _configuration(config, request.app[WEB_PUSH].keys.public_key),
        "contact_account": None,
        "rules": serialize_rules(config),
        "permit": _permit(config),
    }
    return web.json_response(body)


async def nodeinfo_links(request: web.Request) -> web.Response:
    base = request.app[CONFIG].node.base_url
    return web.json_response({"links": [
        {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0", "href": f"{base}/nodeinfo/2.0"},
        {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": f"{base}/nodeinfo/2.1"},
    ]})


async def _nodeinfo(request: web.Request, version: str) -> web.Response:
    config = request.app[CONFIG]
    db = request.app[DB]
    counts = await stats.node_counts(db)
    software: dict[str, Any] = {"name": SOFTWARE, "version": VERSION}
    if version == "2.1":
        software["repository"] = "https://example.invalid/permitted-node"
    body = {
        "version": version,
        "software": software,
        "protocols": ["activitypub"],
        "services": {"outbound": [], "inbound": []},
        "usage": {
            "users": {"total": counts["user_count"],
                      "activeMonth": await stats.active_users(db, days=28),
                      "activeHalfyear": await stats.active_users(db, days=182)},
            "localPosts": counts["status_count"],
        },
        "openRegistrations": config.registrations.mode == "open",
        "metadata": {
            "nodeName": config.node.name,
            "nodeDescription": config.node.description,
            "permit": config.node.permit or None,
            "policy": {"federation": "permitted-peers-only", "identity": "verified-to-publish",
                       "screening": "enabled", **_screening_summary(request.app)},
        },
    }
    return web.json_response(body)


def _screening_summary(app: web.Application) -> dict[str, Any]:
    """The live policy's version and size (never its terms): peers and
    monitoring can tell which policy a node runs and see a reload land."""
    holder = app.get(SCREENING)
    if holder is None:
        return {}
    policy = holder.policy
    return {"screeningVersion": policy.version, "screeningCategories": len(policy.categories),
            "screeningRules": len(policy.rules)}


async def nodeinfo_20(request: web.Request) -> web.Response:
    return await _nodeinfo(request, "2.0")


async def nodeinfo_21(request: web.Request) -> web.Response:
    return await _nodeinfo(request, "2.1")


def routes() -> list[web.RouteDef]:
    return [
        routing.get("/api/v1/instance", instance_v1),
        routing.get("/api/v2/instance", instance_v2),
        routing.get("/.well-known/nodeinfo", nodeinfo_links),
        routing.get("/nodeinfo/2.0", nodeinfo_20),
        routing.get("/nodeinfo/2.1", nodeinfo_21),
    ]
