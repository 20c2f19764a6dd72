"""Writing a status: POST /api/v1/statuses and PUT /api/v1/statuses/:id.

Flow (DESIGN.md, "a local post"): read and validate the parameters, ask
the publication gate (identity, screening) with every text field, apply
its Vetting (publish, mark sensitive, or hold for review), render the
text to HTML, then store the status with its mentions, tags, counters,
notifications and search index in one write transaction (shared with
the posts that arrive meanwhile: `storage.status_batch`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from aiohttp import web

from federation import emit
from federation.context import FEDERATION
from federation.resolve import resolve_account
from federation.urls import Urls
from node import gate, text
from node.api import polls as poll_api
from node.api import quotes as quotes_api
from node.api import scheduled_statuses, status_media
from node.api.status_media import MediaChange
from node.api.polls import PollSettings
from node.api.path_ids import id_param, path_id
from node.auth import Auth, authenticated
from node.entities.status import render_new_status, render_status, tag_url
from node.errors import json_error, not_found, unprocessable
from node.keys import CONFIG, DB, IDS
from node.params import Params, read_params
from node.cards import schedule_card
from node.streaming.port import stream_of
from policy.quotes import policy_for
from storage import accounts, cards, media, quotes, search, status_writes, statuses
from storage.accounts import AccountRow, UserRow
from storage.media import MediaTaken
from storage.status_batch import Creation, batcher_for
from storage.status_writes import NewStatus, StatusText
from storage.statuses import StatusRow

MAX_CHARS = 500
VISIBILITIES = ("public", "unlisted", "private", "direct")
POLL_MAX_OPTIONS, POLL_MAX_CHARS = 4, 50
POLL_MIN_EXPIRY, POLL_MAX_EXPIRY = 300, 2_629_746
SENSITIVE_SPOILER = "Sensitive content"
MAX_RESOLVED_MENTIONS = 50
_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:[-_][A-Za-z]{2,4})?$")

# Article 7(6): the permit-based link policy plugs in here; an app may hold
# a callable host -> "link" | "unlink". Without one every link is kept.
LINK_POLICY = web.AppKey("link_policy", Callable[[str], str])


@dataclass(frozen=True, slots=True)
class Draft:
    text: str
    spoiler_text: str
    sensitive: bool
    visibility: str
    language: str | None
    poll_options: tuple[str, ...] = ()
    poll_settings: PollSettings = PollSettings()
    media_ids: tuple[int, ...] = ()
    media: tuple[MediaChange, ...] = ()  # loaded and checked (`with_media`)

    def fields(self) -> list[tuple[str, str]]:
        """(name, text) pairs for the gate: everything a reader will see."""
        pairs = [("status", self.text), ("spoiler_text", self.spoiler_text)]
        pairs += [(f"poll_option[{i}]", o) for i, o in enumerate(self.poll_options)]
        pairs += [(f"media_description[{i}]", m.description) for i, m in enumerate(self.media) if m.description]
        return pairs


@dataclass(frozen=True, slots=True)
class Rendered:
    content: str
    mention_ids: list[int]
    tags: list[str]
    urls: tuple[str, ...] = ()


def check_text(draft: Draft) -> None:
    if not draft.text.strip() and not draft.media_ids:  # Mastodon: media may stand alone
        raise unprocessable("Validation failed: Text can't be blank")
    if text.countable_length(draft.text) + len(draft.spoiler_text) > MAX_CHARS:
        raise unprocessable(f"Validation failed: Text character limit of {MAX_CHARS} exceeded")
    if draft.language is not None and not _LANGUAGE.match(draft.language):
        raise unprocessable("Validation failed: Language is invalid")


def _poll_options(params: Params) -> tuple[str, ...] | None:
    """The poll's options if a poll was sent (form `poll[options][]` or JSON)."""
    poll = params.raw("poll")
    if isinstance(poll, dict):
        options = poll.get("options")
        expires = poll.get("expires_in")
    elif "poll[options][]" in params or "poll[options]" in params or "poll[expires_in]" in params:
        options, expires = params.list("poll[options]"), params.raw("poll[expires_in]")
    else:
        return None
    if not isinstance(options, list) or not all(isinstance(o, str) for o in options):
        raise unprocessable("Validation failed: Poll options must be a list of strings")
    _check_poll(options, expires)
    return tuple(options)


def _check_poll(options: list[str], expires: Any) -> None:
    if len(options) < 2:
        raise unprocessable("Validation failed: Poll options must have more than one item")
    if len(options) > POLL_MAX_OPTIONS:
        raise unprocessable(f"Validation failed: Poll options can't contain more than {POLL_MAX_OPTIONS} items")
    if any(len(o) > POLL_MAX_CHARS for o in options):
        raise unprocessable(f"Validation failed: Poll options cannot be longer than {POLL_MAX_CHARS} characters each")
    if len({o.strip() for o in options}) != len(options):
        raise unprocessable("Validation failed: Poll options contain duplicate items")
    seconds = id_param(expires) or 0
    if seconds < POLL_MIN_EXPIRY:
        raise unprocessable("Validation failed: Poll expires at is too soon")
    if seconds > POLL_MAX_EXPIRY:
        raise unprocessable("Validation failed: Poll expires at is too far into the future")


def read_draft(params: Params, user: UserRow) -> Draft:
    visibility = params.str("visibility") or user.default_visibility
    if visibility not in VISIBILITIES:
        raise unprocessable("Validation failed: Visibility is not included in the list")
    spoiler = (params.str("spoiler_text") or "").strip()
    sensitive = params.bool("sensitive", bool(user.default_sensitive)) or bool(spoiler)
    draft = Draft(text=(params.str("status") or "").strip(), spoiler_text=spoiler, sensitive=bool(sensitive),
                  visibility=visibility, language=params.str("language") or user.default_language)
    draft = _with_poll(draft, params)
    draft = replace(draft, media_ids=status_media.media_ids(params, with_poll=bool(draft.poll_options)))
    check_text(draft)
    return draft


async def with_media(app: web.Application, draft: Draft, account_id: int, *, status_id: int | None = None,
                     params: Params | None = None, scheduled_id: int | None = None) -> Draft:
    """The draft with its media loaded and checked (own, unattached or this
    status's, or reserved for this scheduled status; an edit's
    `media_attributes` applied): what the gate screens."""
    attributes = status_media.media_changes(params) if params is not None and status_id else None
    loaded = await status_media.load_media(app[DB], account_id, draft.media_ids, status_id=status_id,
                                           attributes=attributes, scheduled_id=scheduled_id)
    return replace(draft, media=loaded)


def _with_poll(draft: Draft, params: Params) -> Draft:
    poll = _poll_options(params)
    if poll is not None:
        draft = replace(draft, poll_options=poll, poll_settings=poll_api.poll_settings(params))
    return draft


def apply_vetting(draft: Draft, vetting: gate.Vetting) -> Draft:
    """"sensitive" puts the status behind a content warning; "review" and
    "flag" leave the text as it is (the caller holds or publishes)."""
    if vetting.sensitive:
        return replace(draft, sensitive=True, spoiler_text=draft.spoiler_text or SENSITIVE_SPOILER)
    return draft


async def _mention_targets(app: web.Application, entities: text.Entities) -> dict[str, AccountRow]:
    """The accounts mentioned; an unknown remote one is resolved (WebFinger,
    permitted hosts only) as Mastodon's ProcessMentionsService does."""
    db, config, fed = app[DB], app[CONFIG], app.get(FEDERATION)
    found: dict[str, AccountRow] = {}
    for username, domain in entities.mentions[:MAX_RESOLVED_MENTIONS]:
        local = domain is None or domain.lower() == config.node.domain.lower()
        account = await accounts.find_account_by_acct(db, username, None if local else domain)
        if account is None and not local and fed is not None:
            account = await resolve_account(fed, f"{username}@{domain}")
        if account is not None:
            found[f"{username}@{domain}".lower() if domain else username.lower()] = account
    return found


async def render_text(app: web.Application, source: str, link_policy: text.LinkPolicy | None = None) -> Rendered:
    """`link_policy`: what the gate's links step decided (`gate.link_policy_of`)."""
    config = app[CONFIG]
    entities = text.extract(source)
    targets = await _mention_targets(app, entities)
    html = text.render_html(
        source, mentions={k: text.MentionTarget(a.url or a.uri, a.username) for k, a in targets.items()},
        tag_url=lambda name: tag_url(config, name), link_policy=link_policy or app.get(LINK_POLICY, text.link_all))
    return Rendered(html, list(dict.fromkeys(a.id for a in targets.values())), list(entities.tags),
                    entities.urls)


def plain_text(draft_text: str, spoiler: str) -> str:
    return f"{spoiler}\n{draft_text}" if spoiler else draft_text


async def _reply_target(db: Any, raw: Any, author_id: int) -> StatusRow | None:
    if raw is None or str(raw).strip() == "":
        return None
    parent_id = id_param(raw)
    parent = await statuses.status_for_viewer(db, parent_id, author_id) if parent_id else None
    if parent is None or parent.reblog_of_id is not None:
        raise json_error(404, "The post you are trying to reply to does not appear to exist.")
    return parent


async def _replay(request: web.Request, auth: Auth, key: str | None) -> web.Response | None:
    """Mastodon's Idempotency-Key: the same key within an hour gives the same status."""
    if not key:
        return None
    status_id = await statuses.idempotent_status_id(request.app[DB], auth.account_id, key)
    row = await statuses.get_status(request.app[DB], status_id) if status_id else None
    if row is None:
        return None
    return web.json_response(await render_status(request.app, row, auth.account_id))


@dataclass(frozen=True, slots=True)
class Poster:
    """Who publishes: the author, their user row, the app they posted with."""

    account: AccountRow
    user: UserRow | None
    application_id: int | None


@dataclass(frozen=True, slots=True)
class Prepared:
    """A post the gate let through, rendered and ready to store."""

    creation: Creation
    rendered: Rendered
    vetting: gate.Vetting


def _new_status(app: web.Application, poster: Poster, draft: Draft, rendered: Rendered,
                parent: StatusRow | None, held: bool) -> NewStatus:
    status_id = app[IDS].next_id()
    urls = Urls.of(app[CONFIG].node.base_url)
    username = poster.account.username
    return NewStatus(
        id=status_id, account_id=poster.account.id, uri=urls.status(username, status_id),
        url=urls.status_page(username, status_id), text=draft.text, content=rendered.content,
        spoiler_text=draft.spoiler_text, sensitive=draft.sensitive, visibility=draft.visibility,
        language=draft.language, in_reply_to_id=parent.id if parent else None,
        in_reply_to_account_id=parent.account_id if parent else None,
        conversation_id=parent.conversation_id if parent else None,
        application_id=poster.application_id, state="pending" if held else "published")


async def prepare(app: web.Application, poster: Poster, draft: Draft, parent: StatusRow | None,
                  key: str | None = None, quoting: quotes_api.Quoting | None = None) -> Prepared:
    """The publication gate (identity, screening, links: raises the client's
    403/422), then the text rendered and the rows to create. A quoted
    status's text is not screened as the author's words."""
    vetting = await gate.vet_publication(app, poster.account, draft.fields(), kind="status", user=poster.user)
    draft = apply_vetting(draft, vetting)
    rendered = await render_text(app, draft.text, gate.link_policy_of(vetting))
    new = _new_status(app, poster, draft, rendered, parent, vetting.held)
    poll = poll_api.new_poll(app, new.id, new.account_id, draft.poll_options, draft.poll_settings)
    quote = quoting.new_quote(app, new.id, poster.account) if quoting else None
    policy = quoting.policy if quoting else policy_for(draft.visibility, None)  # (a scheduled post: the default)
    creation = Creation(new, tuple(rendered.mention_ids), tuple(rendered.tags),
                        plain_text(new.text, new.spoiler_text), key, poll, draft.media_ids, quote, policy)
    return Prepared(creation, rendered, vetting)


async def _store(app: web.Application, creation: Creation) -> StatusRow:
    """Through the group-commit batcher: concurrent posts share one transaction."""
    try:
        return await batcher_for(app[DB], app[IDS]).create(creation)
    except MediaTaken:
        raise unprocessable(status_media.not_found_message(creation.media_ids)) from None


async def after_publication(app: web.Application, row: StatusRow, prepared: Prepared) -> None:
    """What follows a new status's commit: federation, streams, card, moderators' queue."""
    await emit.after_commit(app, emit.status_created, row.id)  # federation: after the commit
    await quotes_api.after_quote_created(app, row, prepared.creation.quote)  # a QuoteRequest to a remote author
    stream_of(app).status_created(row.id)  # streaming clients (not while held)
    if row.published:
        schedule_card(app, row.id, prepared.rendered.urls)  # in the background, from a permitted host only
    await _queue(app, prepared.vetting, "status", row)


async def _queue(app: web.Application, vetting: gate.Vetting, kind: str, row: StatusRow) -> None:
    """Held and flagged content goes to the moderators' queue with its reasons."""
    if vetting.action in ("review", "flag"):
        async with app[DB].write() as w:
            await gate.queue_vetting(app, w, vetting, kind=kind, account_id=row.account_id, status_id=row.id)


@authenticated("write", "write:statuses")
async def create_status(request: web.Request, auth: Auth) -> web.Response:
    key = request.headers.get("Idempotency-Key", "").strip()[:256] or None
    replayed = await _replay(request, auth, key)
    if replayed is not None:
        return replayed
    params = await read_params(request)
    assert auth.user is not None and auth.account is not None
    poster = Poster(auth.account, auth.user, auth.app_id)
    scheduled_at = scheduled_statuses.scheduled_at(params)  # None: now (absent, or past, as Mastodon)
    draft = await with_media(request.app, read_draft(params, auth.user), auth.account_id)
    parent = await _reply_target(request.app[DB], params.raw("in_reply_to_id"), auth.account_id)
    if scheduled_at is not None:
        return await _schedule(request.app, poster, draft, parent, scheduled_at, key)
    quoting = await quotes_api.read_quoting(request.app, params, auth, draft.visibility)
    prepared = await prepare(request.app, poster, draft, parent, key, quoting)
    row = await _store(request.app, prepared.creation)
    if row.id != prepared.creation.new.id:  # a concurrent request with the same Idempotency-Key won
        return web.json_response(await render_status(request.app, row, auth.account_id))
    await after_publication(request.app, row, prepared)
    rendered = prepared.rendered
    return web.json_response(await render_new_status(
        request.app, row, auth.account, mentions=bool(rendered.mention_ids), tags=bool(rendered.tags)))


async def _schedule(app: web.Application, poster: Poster, draft: Draft, parent: StatusRow | None,
                    moment: dt.datetime, key: str | None) -> web.Response:
    """Checked now as a post would be (the gate provisionally: a refusal is
    the client's error, hits count only then), checked again when published."""
    await gate.vet_publication(app, poster.account, draft.fields(), kind="status", user=poster.user,
                               provisional=True)
    return await scheduled_statuses.create(app, poster.account.id, poster.application_id, moment,
                                           scheduled_params(draft, parent, poster, key), draft.media_ids)


def scheduled_params(draft: Draft, parent: StatusRow | None, poster: Poster, key: str | None) -> dict[str, Any]:
    """The ScheduledStatus entity's `params`, which is also what is published."""
    poll = None
    if draft.poll_options:
        settings = draft.poll_settings
        poll = {"options": list(draft.poll_options), "expires_in": settings.expires_in,
                "multiple": settings.multiple, "hide_totals": settings.hide_totals}
    return {"text": draft.text, "visibility": draft.visibility, "spoiler_text": draft.spoiler_text or None,
            "sensitive": draft.sensitive, "language": draft.language,
            "in_reply_to_id": parent.id if parent else None,
            "media_ids": [str(i) for i in draft.media_ids] or None, "poll": poll,
            "application_id": poster.application_id, "with_rate_limit": False, "scheduled_at": None,
            "idempotency": key}


def _edited_draft(params: Params, row: StatusRow) -> Draft:
    """Mastodon's UpdateStatusService: an absent spoiler clears it; sensitive
    follows the spoiler unless given; absent text or language keep theirs."""
    spoiler = (params.str("spoiler_text") or "").strip()
    draft = Draft(text=(params.str("status") or row.text).strip(), spoiler_text=spoiler,
                  sensitive=bool(params.bool("sensitive", False)) or bool(spoiler),
                  visibility=row.visibility, language=params.str("language") or row.language)
    draft = _with_poll(draft, params)
    draft = replace(draft, media_ids=status_media.media_ids(params, with_poll=bool(draft.poll_options)))
    check_text(draft)
    return draft


async def _save_edit(app: web.Application, row: StatusRow, draft: Draft, rendered: Rendered, held: bool) -> None:
    ids = app[IDS]
    async with app[DB].write() as w:
        await status_writes.save_edit(w, ids, row, StatusText(
            draft.text, rendered.content, draft.spoiler_text, draft.sensitive, draft.language))
        await poll_api.save_poll_edit(w, app, row, draft.poll_options, draft.poll_settings)
        await status_media.attach_to(w, row.id, draft.media)
        await cards.detach_card(w, row.id)  # the new text's first link, if any, brings its own
        added = await status_writes.replace_entities(w, ids, row.id, rendered.mention_ids, rendered.tags)
        if not row.published:
            return
        if held:
            await status_writes.unpublish_effects(w, row)
            await status_writes.set_state(w, row.id, "pending")
            return
        await search.index_status(w, row.id, plain_text(draft.text, draft.spoiler_text))
        for account_id in added:
            await status_writes.notify_about(w, ids, account_id, row.account_id, "mention", row)
        for account_id in await status_writes.reblogger_ids(w, row.id):
            await status_writes.notify_about(w, ids, account_id, row.account_id, "update", row)
        for _quoting, account_id in await quotes.local_quoters_of(w, row.id):
            await status_writes.notify_about(w, ids, account_id, row.account_id, "quoted_update", row)


def _unchanged(row: StatusRow, draft: Draft) -> bool:
    return (row.text, row.spoiler_text, bool(row.sensitive), row.language) == (
        draft.text, draft.spoiler_text, draft.sensitive, draft.language)


@authenticated("write", "write:statuses")
async def edit_status(request: web.Request, auth: Auth) -> web.Response:
    db = request.app[DB]
    row = await statuses.get_status(db, path_id(request))
    if row is None or row.account_id != auth.account_id or row.reblog_of_id is not None:
        raise not_found()
    params = await read_params(request)
    draft = await with_media(request.app, _edited_draft(params, row), auth.account_id, status_id=row.id,
                             params=params)
    assert auth.account is not None
    quote_edit = await quotes_api.read_quote_edit(request.app, params, auth, row)
    polled = draft.poll_options or await poll_api.has_poll(db, row.id)  # a poll edit always changes its end
    current = (await media.media_for_statuses(db, [row.id])).get(row.id, [])
    text_edit = polled or not _unchanged(row, draft) or not status_media.same_media(current, draft.media)
    if await quotes_api.save_quote_edit(request.app, auth, row, quote_edit) and not text_edit:
        await emit.after_commit(request.app, emit.status_edited, row.id)  # peers learn the quote or policy
    if text_edit:
        # (Mastodon ignores an edit that changes nothing)
        vetting = await gate.vet_publication(request.app, auth.account, draft.fields(), kind="edit")
        draft = apply_vetting(draft, vetting)
        rendered = await render_text(request.app, draft.text, gate.link_policy_of(vetting))
        try:
            await _save_edit(request.app, row, draft, rendered, vetting.held)
        except MediaTaken:
            raise unprocessable(status_media.not_found_message(draft.media_ids)) from None
        await emit.after_commit(request.app, emit.status_edited, row.id)  # federation: after the commit
        stream_of(request.app).status_edited(row.id)
        if not vetting.held:
            schedule_card(request.app, row.id, rendered.urls)
        await _queue(request.app, vetting, "edit", row)
    updated = await statuses.get_status(db, row.id)
    assert updated is not None
    return web.json_response(await render_status(request.app, updated, auth.account_id))
