"""The compliance report, rendered: the node's settings in, HTML, JSON or PDF out.

`python -m node compliance report` and `/admin/compliance` both call
`make_report` (settings from config.toml and the database, figures by
`policy.compliance`) and one of the renderers here, so the command line
and the page say the same. Words come from the catalogs (node/i18n.py):
section titles, controls, statuses and reasons; keys and codes stay as
the JSON has them, so a reader can match the two.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from node import html
from node.compliance_words import ARTICLE_CONTROLS, ARTICLE_TITLES, KEY_NAMES, REASONS, STATUS_NAMES
from node.config import Config
from node.i18n import _
from policy.compliance import build_report
from policy.compliance_model import Category, Report, Settings
from policy.sanctions import FOLLOW_LIMIT
from policy.screening import PolicyError, parse_categories
from policy.screening.lists import check_list_file
from storage import screening
from storage.clock import iso
from storage.compliance_figures import Period
from storage.database import Database

DEFAULT_DAYS = 30
FORMATS = ("html", "json", "pdf")


class PeriodError(ValueError):
    """--since (or ?since=) is not a date, or not before now."""


def period_since(since: str | None, now: dt.datetime) -> Period:
    """[since, now): since is YYYY-MM-DD (UTC midnight) or an ISO date-time; default 30 days."""
    if not since:
        start = now - dt.timedelta(days=DEFAULT_DAYS)
    else:
        try:
            start = dt.datetime.fromisoformat(since.strip().replace("Z", "+00:00"))
        except ValueError:
            raise PeriodError(f"not a date: {since!r} (YYYY-MM-DD)") from None
        start = start if start.tzinfo else start.replace(tzinfo=dt.timezone.utc)
    if start >= now:
        raise PeriodError(f"{since} is not before now")
    return Period(iso(start), iso(now))


def _categories(config: Config) -> tuple[Category, ...]:
    try:
        parsed = parse_categories(list(config.screening.categories), config.base_dir, source=config.path)
    except PolicyError:
        return ()
    found = []
    for c in parsed:
        lists = tuple((_shown(path, config.base_dir), len(check_list_file(path)[0])) for path in c.lists)
        found.append(Category(c.name, c.action, c.mode, lists, len(c.exemptions)))
    return tuple(found)


def _shown(path: Path, base: Path) -> str:
    try:
        return str(path.relative_to(base))
    except ValueError:
        return str(path)


async def settings_of(config: Config, db: Database, engine: str = "") -> Settings:
    ident, fed = config.identity, config.federation
    authorities = tuple(a.id for a in ident.authorities) + (("dev",) if ident.trust_dev_authority else ())
    version = await screening.get_setting(db, screening.SETTING_VERSION) or ""
    return Settings(
        node_name=config.node.name, domain=config.node.domain, permit=config.node.permit,
        federation_enabled=fed.enabled, secure_mode=fed.secure_mode, require_declared_permit=fed.require_declared_permit,
        links=fed.links, link_allow_hosts=fed.link_allow_hosts, identity_required=ident.required,
        trusted_authorities=authorities, trust_dev_authority=ident.trust_dev_authority,
        accounts_per_identity=ident.accounts_per_identity,
        enforcement_started=ident.enforcement_started.isoformat() if ident.enforcement_started else None,
        grace_until=ident.grace_until.isoformat() if ident.grace_until else None,
        reveal_needs_approval=ident.reveal_needs_approval, registrations=config.registrations.mode,
        official_account=config.node.official_account, delivery_give_up_hours=fed.delivery_give_up_hours,
        follow_limit=FOLLOW_LIMIT, policy_version=version, engine=engine or config.screening.engine or "auto",
        categories=_categories(config))


async def make_report(config: Config, db: Database, period: Period, *, now: dt.datetime,
                      engine: str = "") -> Report:
    return await build_report(db, await settings_of(config, db, engine), period, now=now)


def to_json(report: Report) -> str:
    return json.dumps(report.to_dict(), ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def _words() -> dict[str, Any]:
    """The words the report's templates need, in the current language."""
    return {"titles": {k: _(v) for k, v in ARTICLE_TITLES.items()},
            "controls": {k: _(v) for k, v in ARTICLE_CONTROLS.items()},
            "statuses": {k: _(v) for k, v in STATUS_NAMES.items()},
            "reasons": {k: _(v) for k, v in REASONS.items()},
            "keys": {k: _(v) for k, v in KEY_NAMES.items()}}


def sections_html(report: Report) -> html.Markup:
    """The report's sections, for a page of the admin frame or a document."""
    return html.render("compliance_sections.html", report=report, **_words())


def document_html(report: Report) -> str:
    """A whole HTML document (the command line's html, and the PDF's source)."""
    return html.render("compliance_document.html", report=report, sections=sections_html(report))
