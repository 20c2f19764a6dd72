"""The screening policy: categories and hit counts, test a text, edit a list, reload.

Hit counts per rule (shadow rules included) come from
`admin_screening.rules_with_hits`, the test from `test_decision`, the
reload from `reload_policy`: the admin API's functions. A list edit goes
through `node.screening_lists.edit_list`, which checks the whole policy
with the new text before the file is replaced, so a bad list is refused
with its file and line and the running policy stays as it was. Editing
lists is for admins; moderators may look, test and reload, as in the API.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiohttp import web

from node import html, routing, sessions
from node.admin.layout import (Staff, attempt, back, link, post_form, read_form, require_admin, require_staff,
                               show, table)
from node.api.admin_screening import reload_policy, rules_with_hits, test_decision
from node.html import Markup, escape
from node.i18n import _
from node.keys import CONFIG, SCREENING
from node.screening_lists import display_name, edit_list, find_list, list_files
from policy.screening import Decision
from policy.screening_runtime import ScreeningHolder


def _holder(request: web.Request) -> ScreeningHolder:
    holder = request.app.get(SCREENING)
    if holder is None:
        raise sessions.error_page(request, 404, _("Not found"), _("Screening is not running on this node."))
    return holder


def _categories(holder: ScreeningHolder, rules: list[dict[str, Any]]) -> Markup:
    by_category: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for rule in rules:
        by_category[rule["category"]].append(rule)
    parts = []
    for c in holder.policy.categories:
        found = by_category.get(c.name, [])
        total = sum(r["hits"] for r in found)
        rows = [(r["id"], r["term"], r["kind"], f'{r["file"]}:{r["line"]}', r["hits"]) for r in found]
        heading = _("%(category)s: %(action)s, %(mode)s (%(total)s hits)", category=c.name, action=c.action,
                    mode=c.mode, total=total)
        parts.append(f"<h3>{escape(heading)}</h3><p>{escape(c.description)}</p>"
                     + table((_("rule"), _("term"), _("kind"), _("where"), _("hits")), rows, _("No rules.")))
    return Markup("".join(parts))


def _decision(decision: Decision | None, text: str) -> Markup:
    if decision is None:
        return Markup("")
    rows = [(h.category, h.term, h.kind, f"{h.start}–{h.end}", h.matched, h.action, h.mode)
            for h in (*decision.hits, *decision.shadow_hits)]
    heading = escape(_("Decision: %(action)s", action=decision.action))
    under = escape(_("for “%(text)s” under policy %(version)s", text=text, version=decision.policy_version))
    return Markup(f'<section id="decision"><h3>{heading}</h3><p>{under}</p>'
                  + table((_("category"), _("term"), _("kind"), _("span"), _("matched"), _("action"), _("mode")),
                          rows, _("No hits."))
                  + "</section>")


async def _render(request: web.Request, staff: Staff, *, tested: Decision | None = None,
                  text: str = "") -> web.StreamResponse:
    holder = _holder(request)
    csrf = await sessions.csrf_token(request)
    config = request.app[CONFIG]
    names = [display_name(p, config.base_dir) for p in list_files(config.path)]
    files = Markup("".join(f"<li>{link('/admin/policy/list?file=' + quote(n), n)}</li>" for n in names))
    body = html.render("admin_policy.html", version=holder.policy.version, engine=holder.policy.engine,
                       csrf=csrf, text=text, decision=_decision(tested, text), files=files,
                       reload=post_form("/admin/policy/reload", csrf, _("Reload the policy")),
                       categories=_categories(holder, await rules_with_hits(request.app, holder)))
    return await show(request, staff, _("Screening policy"), body)


async def policy_page(request: web.Request) -> web.StreamResponse:
    """GET /admin/policy"""
    return await _render(request, await require_staff(request))


async def test_text(request: web.Request) -> web.StreamResponse:
    """POST /admin/policy/test: shows the decision (nothing changes, nothing is counted)."""
    staff, form = await read_form(request)
    text = form.get("text")
    text = text if isinstance(text, str) else ""
    return await _render(request, staff, tested=test_decision(_holder(request), text), text=text)


async def reload(request: web.Request) -> web.StreamResponse:
    """POST /admin/policy/reload"""
    staff, _form = await read_form(request)
    result = await reload_policy(request.app, _holder(request), staff.account)
    if result.ok:
        return back(request, "/admin/policy", notice=_("Policy %(version)s loaded.", version=result.version))
    where = f"{result.file or ''}:{result.line or ''}"
    return back(request, "/admin/policy", error=_("Reload refused, policy %(version)s kept: %(where)s %(error)s",
                                                  version=result.version, where=where, error=result.error))


async def _list_path(request: web.Request, name: str) -> Path:
    config = request.app[CONFIG]
    path = find_list(config.path, config.base_dir, name)
    if path is None:
        raise sessions.error_page(request, 404, _("Not found"), _("The policy names no such list file."))
    return path


async def list_page(request: web.Request, *, text: str | None = None,
                    problems: tuple[str, ...] = ()) -> web.StreamResponse:
    """GET /admin/policy/list?file=lists/spam.txt: the file in a textarea (admins only)."""
    staff = await require_staff(request)
    require_admin(request, staff)
    name = request.query.get("file", "")
    path = await _list_path(request, name)
    shown = text if text is not None else path.read_text("utf-8", errors="replace")
    errors = Markup("".join(f"<li>{escape(p)}</li>" for p in problems))
    body = html.render("admin_policy_list.html", file=name, query=quote(name), text=shown,
                       csrf=await sessions.csrf_token(request), problems=Markup(f'<ul class="error" id="problems">{errors}</ul>' if problems else ""))
    return await show(request, staff, _("List %(file)s", file=name), body, status=422 if problems else 200)


async def save_list(request: web.Request) -> web.StreamResponse:
    """POST /admin/policy/list?file=...: validate, replace, reload; or show the problems."""
    staff, form = await read_form(request)
    require_admin(request, staff)
    name = request.query.get("file", "")
    path = await _list_path(request, name)
    text = form.get("text")
    text = text if isinstance(text, str) else ""
    result, error = await attempt(edit_list(request.app, _holder(request), staff.account, path, text))
    if result is None or result.problems:
        # The admin's text stays in the form so the fix is one edit away.
        return await list_page(request, text=text, problems=result.problems if result else (error,))
    assert result.reload is not None
    if result.ok:
        return back(request, "/admin/policy", notice=_("%(file)s saved; policy %(version)s loaded.", file=name,
                                                       version=result.reload.version))
    return back(request, "/admin/policy", error=_("%(file)s saved; reload refused: %(error)s", file=name,
                                                  error=result.reload.error))


def routes() -> list[web.RouteDef]:
    return [
        routing.get("/admin/policy", policy_page),
        routing.post("/admin/policy/test", test_text),
        routing.post("/admin/policy/reload", reload),
        routing.get("/admin/policy/list", list_page),
        routing.post("/admin/policy/list", save_list),
    ]
