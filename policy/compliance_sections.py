"""One section per binding article: the control's settings, its figures, its state.

Each function reads what it needs through `storage.compliance_figures`
and says, as (status, code) pairs, why its control is not simply in
force: "off" when a setting switches it off, "failing" when the node's
own check fails, "attention" when a person should look.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping

from policy import audit
from policy.compliance_model import Section, Settings, durations, section, share
from storage import compliance_figures as figures
from storage import case_files, reveal_requests
from storage.compliance_figures import Period
from storage.database import Database

EXPIRY_DAYS = 30
PATHS = ("local posts and edits", "boosts", "replies", "polls", "media descriptions", "profile fields",
         "inbound Create/Update/Announce")


async def article_6(db: Database, s: Settings, period: Period, now: dt.datetime) -> Section:
    reasons = [] if s.permit else [("off", "no_permit_configured")]
    if s.permit and not s.federation_enabled:
        reasons.append(("attention", "federation_disabled"))
    return section("6", reasons, {"permit": s.permit, "shown_in": ["page footer", "/api/v1/instance",
                                                                   "/api/v2/instance", "NodeInfo metadata"],
                                  "federation_enabled": s.federation_enabled}, {"federation_on": s.federation_on})


async def articles_7_1_and_9(db: Database, s: Settings, period: Period) -> list[Section]:
    result = await audit.verify_database(db)
    chain = {"ok": result.ok, "records": result.count, "head": result.head, "broken_at_record": result.record_id,
             "broken_at_position": result.position, "problem": result.problem}
    actions = await figures.audit_actions(db, period)
    reasons = [] if result.ok else [("failing", "audit_chain_broken")]
    found = {"audit_chain": chain, "records_in_period": sum(actions.values()), "actions_in_period": actions}
    assist = {"identity_reveals": len(await figures.identity_reveals(db, period)), "audit_chain": chain,
              "cases_escalated": await case_files.count_between(db, "case_escalations", period.since, period.until),
              "case_files_exported": await case_files.count_between(db, "case_exports", period.since, period.until)}
    return [section("7(1)", reasons, {"audit_log": "hash chain, append-only"}, found),
            section("7(9)", reasons, {"audit_export": "python -m node audit export",
                                      "case_files": "signed archives (node/case_files.py)"}, assist)]


async def article_7_2(db: Database, s: Settings, period: Period) -> Section:
    staff = await figures.staff_by_role(db)
    officers = len(await reveal_requests.holders(db))
    reasons = []
    if not staff:
        reasons.append(("failing", "no_staff"))
    if not s.reveal_needs_approval:
        reasons.append(("off", "reveal_approval_off"))
    if not officers:
        reasons.append(("attention", "no_identity_officer"))
    return section("7(2)", reasons, {"reveal_needs_approval": s.reveal_needs_approval,
                                     "roles": ["admin", "moderator", "identity_officer"]},
                   {"staff_by_role": staff, "identity_officers": officers})


async def article_7_3(db: Database, s: Settings, period: Period) -> Section:
    refused = await figures.refusals(db, period)
    reasons = [] if s.secure_mode else [("off", "secure_mode_off")]
    return section("7(3)", reasons, {"secure_mode": s.secure_mode, "signatures": "draft-cavage and RFC 9421",
                                     "require_declared_permit": s.require_declared_permit},
                   {"inbound_refusals_by_reason": dict(refused["inbound"])})


async def article_7_4(db: Database, s: Settings, period: Period) -> Section:
    reveals = await figures.identity_reveals(db, period)
    requests = await reveal_requests.requests_between(db, period.since, period.until)
    reasons = [] if s.reveal_needs_approval else [("off", "reveal_approval_off")]
    return section("7(4)", reasons, {"encryption": "AES-GCM, key file outside the database",
                                     "reveal_needs_approval": s.reveal_needs_approval},
                   {"reveals": [{"id": str(r.id), "account_id": str(r.account_id), "actor": r.actor,
                                 "reason": r.reason, "at": r.created_at} for r in reveals],
                    "requests_by_state": dict(Counter(r.state for r in requests))})


async def article_7_5(db: Database, s: Settings, period: Period) -> Section:
    return section("7(5)", [], {"official_account": s.official_account},
                   {"corrections_published": await figures.corrections_published(db, period)})


async def article_7_6(db: Database, s: Settings, period: Period, now: dt.datetime) -> Section:
    today = now.date()
    expiring = await figures.permits_expiring(db, today.isoformat(),
                                              (today + dt.timedelta(days=EXPIRY_DAYS)).isoformat())
    refused = await figures.refusals(db, period)
    peers = await figures.deliveries_by_peer(db, period)
    reasons = [] if s.federation_on else [("off", "federation_off")]
    if expiring:
        reasons.append(("attention", "permits_expiring"))
    return section("7(6)", reasons, {"federation_on": s.federation_on, "links": s.links,
                                     "link_allow_hosts": list(s.link_allow_hosts),
                                     "require_declared_permit": s.require_declared_permit},
                   {"permits_by_status": await figures.permits_by_status(db),
                    "permits_expiring_within_30_days": [{"host": h, "number": n, "valid_until": v}
                                                        for h, n, v in expiring],
                    "refusals_by_reason": {k: dict(v) for k, v in refused.items()},
                    "deliveries_by_peer": {host: dict(states) for host, states in sorted(peers.items())}})


async def identity_sections(db: Database, s: Settings, period: Period) -> list[Section]:
    local, verified = await figures.local_accounts(db), await figures.verified_accounts(db)
    people = {"local_accounts": local, "verified_accounts": verified, "verified_share": share(verified, local)}
    off = [] if s.identity_required else [("off", "identity_not_required")]
    dev = [("attention", "development_authority_trusted")] if s.trust_dev_authority else []
    predating = (await figures.unverified_before(db, s.enforcement_started) if s.enforcement_started else 0)
    return [
        section("7(7)", off, {"identity_required": s.identity_required, "follow_limit_per_day": s.follow_limit},
                {**people, "posting_revoked": await figures.posting_revoked(db)}),
        section("9", off + dev, {"identity_required": s.identity_required,
                                 "trusted_authorities": list(s.trusted_authorities),
                                 "trust_dev_authority": s.trust_dev_authority,
                                 "accounts_per_identity": s.accounts_per_identity},
                {**people, "accounts_created_in_period": await figures.accounts_created(db, period),
                 "verifications_in_period": await figures.verifications(db, period)}),
        section("15", [], {"enforcement_started": s.enforcement_started, "grace_until": s.grace_until},
                {"unverified_accounts_predating_enforcement": predating}),
    ]


def _by_category(outcomes: Mapping[str, Mapping[str, int]], queue: list[figures.QueueRow],
                 period: Period) -> dict[str, dict[str, int]]:
    found: dict[str, dict[str, int]] = {}
    for category, counts in outcomes.items():
        row = found.setdefault(category, {})
        for outcome, name in (("hit", "hits"), ("shadow", "shadow_hits"), ("reject", "rejected"),
                              ("sensitive", "sensitive"), ("flag", "flagged")):
            row[name] = row.get(name, 0) + counts.get(outcome, 0)
    for item in queue:
        if period.since <= item.created_at < period.until:
            row = found.setdefault(item.category or "-", {})
            key = "held" if item.action == "review" else "queued_flagged"
            row[key] = row.get(key, 0) + 1
    return found


async def screening_sections(db: Database, s: Settings, period: Period, now: str) -> list[Section]:
    outcomes = await figures.screening_outcomes(db, period)
    queue = await figures.queue_items(db, period)
    rejected = sum(c.get("reject", 0) for c in outcomes.values())
    decided = [(q.created_at, q.resolved_at) for q in queue if q.action == "review" and q.resolved_at
               and period.since <= q.resolved_at < period.until]
    oldest = await figures.oldest_open_item(db)
    review = {"posts_screened": await figures.statuses_stored(db, period) + rejected, "rejected": rejected,
              "held": sum(1 for q in queue if q.action == "review" and period.since <= q.created_at < period.until),
              "hold_to_decision": durations(decided), "waiting_now": await figures.open_items(db),
              "oldest_waiting_seconds": durations([(oldest, now)])["worst_seconds"] if oldest else None}
    off = [] if s.categories else [("off", "no_screening_categories")]
    shadow = [("attention", "categories_in_shadow_mode")] if any(c.mode == "shadow" for c in s.categories) else []
    categories = [{"name": c.name, "action": c.action, "mode": c.mode, "exemptions": c.exemptions,
                   "lists": [{"file": f, "terms": n} for f, n in c.lists]} for c in s.categories]
    return [
        section("8", off, {"policy_version": s.policy_version, "engine": s.engine, "paths": list(PATHS)}, review),
        section("10", off + shadow, {"categories": categories, "links": s.links},
                {"by_category": _by_category(outcomes, queue, period)}),
    ]


async def moderation_sections(db: Database, s: Settings, period: Period) -> list[Section]:
    received = await figures.reports_received(db, period)
    resolved = [(r.created_at, r.resolved_at) for r in received if r.resolved_at]
    sanctions = await figures.sanctions_by_action(db, period)
    reports = {"received": len(received), "by_source": dict(Counter(r.source for r in received)),
               "resolved": len(resolved), "unresolved": len(received) - len(resolved),
               "time_to_resolution": durations(resolved)}
    return [
        section("7(8)", [], {"sanctions": ["none", "sensitive", "disable", "silence", "suspend", "revoke_posting"],
                             "escalation": "report -> case file"},
                {"sanctions_by_kind": sanctions,
                 "cases_escalated": await case_files.count_between(db, "case_escalations", period.since, period.until),
                 "case_files_exported": await case_files.count_between(db, "case_exports", period.since,
                                                                       period.until)}),
        section("13", [], {"ways_in": ["POST /api/v1/reports", "/report form", "inbound Flag"]}, reports),
        section("14", [], {"federated": "local suspensions as Delete/Update of the actor"},
                {"sanctions_by_kind": sanctions}),
    ]


async def all_sections(db: Database, s: Settings, period: Period, now: dt.datetime) -> list[Section]:
    moment = now.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")
    return [
        await article_6(db, s, period, now), *await articles_7_1_and_9(db, s, period),
        await article_7_2(db, s, period), await article_7_3(db, s, period), await article_7_4(db, s, period),
        await article_7_5(db, s, period), await article_7_6(db, s, period, now),
        *await identity_sections(db, s, period), *await screening_sections(db, s, period, moment),
        *await moderation_sections(db, s, period),
    ]
