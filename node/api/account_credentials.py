"""The signed-in user's own account: verify_credentials and update_credentials.

Profile text is published text: display name, note and profile fields go
through `node.gate.vet_publication(kind="profile")` (identity gate and
screening, articles 8-10) before anything is stored. The note is plain
text rendered to safe HTML paragraphs with links, as a status is; field
values are rendered the same way on one line; `note_source` and each
field's `source` keep what the user typed. `avatar` and `header` files
(multipart) are processed by `node.api.profile_images`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from federation import emit
from node import gate, routing
from node.api.accounts import validation_failed
from node.api.path_ids import parse_id
from node.api.status_compose import render_text
from node.api.identity import summary_for
from node.api.profile_images import remove_image, save_images
from node.auth import Auth, authenticated
from node.entities.account import IDENTITY_FIELD_NAME, moved_accounts, serialize_credential_account
from node.keys import CONFIG, DB, IDS
from node.media_files import read_multipart
from node.params import Params, read_params
from node.text import LinkPolicy
from storage import accounts, custom_emojis, relationships

MAX_DISPLAY_NAME = 30
MAX_NOTE = 500
MAX_FIELDS = 4
MAX_FIELD_TEXT = 255
PRIVACIES = ("public", "unlisted", "private")
_FORM_FIELD = re.compile(r"\Afields_attributes\[([^\]]*)\]\[(name|value)\]\Z")
_LANGUAGE = re.compile(r"\A[a-z]{2,3}\Z")
_TRUE = {"true", "1", "on", "yes", "t"}
PROFILE_FILES = frozenset({"avatar", "header"})

Details = dict[str, list[dict[str, str]]]


@dataclass
class ProfileChange:
    """What one update_credentials request sets, validated."""

    columns: dict[str, object] = field(default_factory=dict)
    settings: dict[str, object] = field(default_factory=dict)
    texts: list[tuple[str, str]] = field(default_factory=list)  # for the publication gate
    fields: list[tuple[str, str]] | None = None
    details: Details = field(default_factory=dict)

    def fail(self, name: str, error: str, description: str) -> None:
        self.details.setdefault(name, []).append({"error": error, "description": description})


@authenticated("profile", "read", "read:accounts")
async def verify_credentials(request: web.Request, auth: Auth) -> web.Response:
    """GET /api/v1/accounts/verify_credentials: CredentialAccount, with `source`."""
    return web.json_response(await _credential_account(request, auth.account_id))


async def _credential_account(request: web.Request, account_id: int) -> dict[str, Any]:
    db = request.app[DB]
    account, user = await accounts.get_account(db, account_id), await accounts.get_user(db, account_id)
    assert account is not None and user is not None
    pending = await relationships.follow_requests_count(db, account_id)
    moved = (await moved_accounts(db, [account])).get(account.id)
    body = serialize_credential_account(account, user, request.app[CONFIG], pending, moved)
    # Article 15: the account is told whether, and until when, it may post.
    body["identity"] = await summary_for(request.app, account)
    return body


def _field_pairs(params: Params) -> list[tuple[str, str]] | None:
    """fields_attributes as a JSON array, a JSON object keyed by index, or
    form keys `fields_attributes[0][name]`; None when not sent."""
    raw = params.raw("fields_attributes")
    entries: dict[str, dict[str, Any]] = {}
    if isinstance(raw, list):
        entries = {str(i): e for i, e in enumerate(raw) if isinstance(e, dict)}
    elif isinstance(raw, dict):
        entries = {str(k): e for k, e in raw.items() if isinstance(e, dict)}
    else:
        for key, value in params.items_with_prefix("fields_attributes[").items():
            match = _FORM_FIELD.match(key)
            if match:
                entries.setdefault(match.group(1), {})[match.group(2)] = value
        if not entries and raw is None:
            return None
    ordered = sorted(entries.items(), key=lambda kv: parse_id(kv[0]) or 0)
    pairs = [(str(e.get("name") or ""), str(e.get("value") or "")) for _, e in ordered]
    return [(n, v) for n, v in pairs if n.strip() or v.strip()]


def _read_texts(params: Params, change: ProfileChange) -> None:
    name = params.str("display_name")
    if name is not None:
        if len(name) > MAX_DISPLAY_NAME:
            change.fail("display_name", "ERR_TOO_LONG", f"is too long (maximum is {MAX_DISPLAY_NAME} characters)")
        change.columns["display_name"] = name
        change.texts.append(("display_name", name))
    note = params.str("note")
    if note is not None:
        if len(note) > MAX_NOTE:
            change.fail("note", "ERR_TOO_LONG", f"is too long (maximum is {MAX_NOTE} characters)")
        change.columns["note_source"] = note
        change.texts.append(("note", note))
    pairs = _field_pairs(params)
    if pairs is not None:
        if len(pairs) > MAX_FIELDS:
            change.fail("fields", "ERR_TOO_LONG", f"is too long (maximum is {MAX_FIELDS} fields)")
        if any(len(n) > MAX_FIELD_TEXT or len(v) > MAX_FIELD_TEXT for n, v in pairs):
            change.fail("fields", "ERR_TOO_LONG", f"is too long (maximum is {MAX_FIELD_TEXT} characters)")
        if any(n.strip().casefold() == IDENTITY_FIELD_NAME.casefold() for n, _ in pairs):
            # Only the node sets the verified-identity field (article 7(7): no fake badges).
            change.fail("fields", "ERR_RESERVED", "is reserved")
        change.fields = pairs
        for i, (n, v) in enumerate(pairs):
            change.texts += [(f"fields_attributes[{i}][name]", n), (f"fields_attributes[{i}][value]", v)]


def _read_flags(params: Params, change: ProfileChange) -> None:
    for name in ("locked", "bot", "discoverable", "indexable"):
        value = params.bool(name)
        if value is not None:
            change.columns[name] = int(value)


def _read_source(params: Params, change: ProfileChange) -> None:
    source: Mapping[str, Any] = params.dict("source")
    privacy = source.get("privacy")
    if privacy is not None:
        if privacy not in PRIVACIES:
            change.fail("source[privacy]", "ERR_INCLUSION", "is not included in the list")
        change.settings["default_visibility"] = privacy
    if source.get("sensitive") is not None:
        sensitive = source["sensitive"]
        change.settings["default_sensitive"] = int(sensitive is True or str(sensitive).lower() in _TRUE)
    language = source.get("language")
    if language is not None:
        code = str(language).strip().lower()
        if code and not _LANGUAGE.match(code):
            change.fail("source[language]", "ERR_INVALID", "is invalid")
        change.settings["default_language"] = code or None


async def _render(app: web.Application, change: ProfileChange, link_policy: LinkPolicy | None = None) -> None:
    """HTML for the note and field values (what Account.note/fields show)."""
    if "note_source" in change.columns:
        change.columns["note"] = (await render_text(app, str(change.columns["note_source"]), link_policy)).content
    if change.fields is not None:
        rendered = []
        for name, value in change.fields:
            html = (await render_text(app, " ".join(value.split()), link_policy)).content
            html = html.removeprefix("<p>").removesuffix("</p>")
            rendered.append({"name": name.strip(), "value": html, "source": value, "verified_at": None})
        change.columns["fields_json"] = json.dumps(rendered, ensure_ascii=False)


async def _params_and_files(request: web.Request) -> tuple[Params, dict[str, bytes]]:
    """The parameters, and the avatar/header files of a multipart body
    (read under `[storage] media_max_bytes`, not the app's body cap)."""
    if request.content_type != "multipart/form-data":
        return await read_params(request), {}
    sent = await read_multipart(request, request.app[CONFIG].storage.media_max_bytes, PROFILE_FILES)
    return Params(sent.fields), sent.files


@authenticated("write", "write:accounts")
async def update_credentials(request: web.Request, auth: Auth) -> web.Response:
    """PATCH /api/v1/accounts/update_credentials"""
    params, files = await _params_and_files(request)
    change = ProfileChange()
    _read_texts(params, change)
    _read_flags(params, change)
    _read_source(params, change)
    if change.details:
        raise validation_failed(change.details)
    assert auth.account is not None
    link_policy = None
    if change.texts:
        # The gate raises on refusal; "sensitive" or "review" store for now.
        vetting = await gate.vet_publication(request.app, auth.account, change.texts, kind="profile")
        link_policy = gate.link_policy_of(vetting)  # article 7(6) links
    await _render(request.app, change, link_policy)
    db = request.app[DB]
    await save_images(request.app, auth.account_id, files)
    await accounts.update_profile(db, auth.account_id, change.columns, change.settings)
    await custom_emojis.refresh_account(db, auth.account_id)  # the profile's :shortcode:s
    await emit.after_commit(request.app, emit.profile_updated, auth.account_id)  # federation
    if auth.account.locked and change.columns.get("locked") == 0:
        await relationships.authorize_all_requests(db, request.app[IDS], auth.account_id)
    return web.json_response(await _credential_account(request, auth.account_id))


@authenticated("write", "write:accounts")
async def delete_avatar(request: web.Request, auth: Auth) -> web.Response:
    """DELETE /api/v1/profile/avatar (Mastodon 4.2): the CredentialAccount after."""
    await remove_image(request.app, auth.account_id, "avatar")
    return web.json_response(await _credential_account(request, auth.account_id))


@authenticated("write", "write:accounts")
async def delete_header(request: web.Request, auth: Auth) -> web.Response:
    """DELETE /api/v1/profile/header (Mastodon 4.2)."""
    await remove_image(request.app, auth.account_id, "header")
    return web.json_response(await _credential_account(request, auth.account_id))


def routes() -> list[web.RouteDef]:
    return [
        routing.get("/api/v1/accounts/verify_credentials", verify_credentials),
        routing.patch("/api/v1/accounts/update_credentials", update_credentials),
        routing.delete("/api/v1/profile/avatar", delete_avatar),
        routing.delete("/api/v1/profile/header", delete_header),
    ]
