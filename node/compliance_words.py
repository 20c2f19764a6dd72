"""The compliance report's words: article titles, controls, statuses, reasons, figure names.

Marked for the catalog here and said in the reader's language by
`node.compliance`; the keys are the JSON form's, documented in
docs/compliance-report.md.
"""

from __future__ import annotations

from node.i18n import N_

ARTICLE_TITLES = {
    "6": N_("Article 6: approval before operating"),
    "7(1)": N_("Article 7(1): information security management"),
    "7(2)": N_("Article 7(2): people responsible for information security"),
    "7(3)": N_("Article 7(3): technical protection"),
    "7(4)": N_("Article 7(4): never leak users' information"),
    "7(5)": N_("Article 7(5): expose false information, publish the truth"),
    "7(6)": N_("Article 7(6): no links or interfaces to sites without a permit"),
    "7(7)": N_("Article 7(7): no fake users"),
    "7(8)": N_("Article 7(8): stop harmful content, report crimes"),
    "7(9)": N_("Article 7(9): assist the authorities"),
    "8": N_("Article 8: review of what is produced, copied, published and spread"),
    "9": N_("Article 9: real identity behind every posting account"),
    "10": N_("Article 10: prohibited content"),
    "13": N_("Article 13: anyone may report"),
    "14": N_("Article 14: sanctions"),
    "15": N_("Article 15: existing accounts brought into line"),
}

ARTICLE_CONTROLS = {
    "6": N_("The node's permit or filing number is configured, validated, and shown in every page footer, "
            "the instance API and NodeInfo; federation stays off until it is set."),
    "7(1)": N_("Every moderation, identity and policy action is written to an append-only audit log whose "
               "records are chained by SHA-256, in the transaction of the action; the chain is verified here."),
    "7(2)": N_("Roles are separate: moderators moderate, admins configure, identity officers may ask to reveal "
               "a legal identity, and a second staff member must approve each reveal."),
    "7(3)": N_("Server-to-server traffic is signed and verified; requests from peers are checked for size, "
               "signature, key owner, permit and origin, and refused otherwise."),
    "7(4)": N_("Legal identities are encrypted at rest under a key outside the database and appear in no API, "
               "page, activity or log; each reveal is asked for, approved by another person, and audited."),
    "7(5)": N_("Moderators mark a status as false information with a correction; readers see a warning and the "
               "node's official account publishes the correction."),
    "7(6)": N_("The node federates only with peers in its permit registry; links in posts to hosts without a "
               "permit are unlinked, held or refused."),
    "7(7)": N_("Posting needs a verified identity; follows are rate-limited and follower bursts are shown to "
               "moderators."),
    "7(8)": N_("Screening stops or holds harmful content, moderators sanction accounts, and a report can be "
               "escalated to the authorities as a signed case file."),
    "7(9)": N_("The audit log and case files (signed archives with a SHA-256 manifest) can be handed over; "
               "exports are themselves audited."),
    "8": N_("One screening engine decides every path content takes into the node; held content waits in a "
            "review queue for a moderator."),
    "9": N_("Real name in the back end, free name in front: an account may post only after an identity "
            "attestation from a trusted authority is verified."),
    "10": N_("Screening categories are configuration: word lists, exemptions and an action each; shadow "
             "categories count without acting."),
    "13": N_("Reports come in through the client API, a public form that needs no account, and peers' Flag "
             "activities; moderators handle each."),
    "14": N_("Moderators warn, mark sensitive, disable, limit, suspend or revoke posting, for a time or until "
             "undone; local suspensions federate."),
    "15": N_("Accounts that existed before enforcement may post until the grace deadline; after it they are "
             "read-only until verified."),
}

STATUS_NAMES = {"failing": N_("failing"), "off": N_("switched off"), "attention": N_("needs attention"),
                "in_force": N_("in force")}

REASONS = {
    "no_permit_configured": N_("No permit or filing number is configured: federation is off."),
    "federation_disabled": N_("Federation is disabled in config.toml."),
    "audit_chain_broken": N_("The audit log's hash chain is broken."),
    "no_staff": N_("The node has no moderator or admin."),
    "reveal_approval_off": N_("Reveals do not need a second person's approval ([identity] reveal_needs_approval)."),
    "no_identity_officer": N_("Nobody holds the identity officer grant."),
    "secure_mode_off": N_("Secure mode is off: actors and objects are served to unsigned requests."),
    "federation_off": N_("Federation is off."),
    "permits_expiring": N_("Permits expire within 30 days."),
    "identity_not_required": N_("Posting does not require a verified identity ([identity] required = false)."),
    "development_authority_trusted": N_("The development identity authority is trusted: not for production."),
    "no_screening_categories": N_("No screening categories are configured."),
    "categories_in_shadow_mode": N_("Some categories run in shadow mode: they count but do not act."),
}

KEY_NAMES = {
    "permit": N_("permit number"), "shown_in": N_("shown in"), "federation_enabled": N_("federation enabled"),
    "federation_on": N_("federation on"), "audit_log": N_("audit log"), "audit_chain": N_("audit chain"),
    "records_in_period": N_("records in the period"), "actions_in_period": N_("actions in the period"),
    "reveal_needs_approval": N_("reveals need approval"), "roles": N_("roles"),
    "staff_by_role": N_("staff by role"), "identity_officers": N_("identity officers"),
    "secure_mode": N_("secure mode"), "signatures": N_("signatures"),
    "require_declared_permit": N_("peers must declare their permit"),
    "inbound_refusals_by_reason": N_("inbound refusals by reason"), "encryption": N_("encryption"),
    "reveals": N_("reveals, with their reasons"), "requests_by_state": N_("reveal requests by state"),
    "official_account": N_("official account"), "corrections_published": N_("corrections published"),
    "links": N_("links to hosts without a permit"), "link_allow_hosts": N_("hosts always linked"),
    "permits_by_status": N_("permits by state"),
    "permits_expiring_within_30_days": N_("permits expiring within 30 days"),
    "refusals_by_reason": N_("federation refusals by reason"), "deliveries_by_peer": N_("deliveries by peer"),
    "identity_required": N_("identity required to post"), "follow_limit_per_day": N_("follows allowed per day"),
    "local_accounts": N_("local accounts"), "verified_accounts": N_("verified accounts"),
    "verified_share": N_("verified share"), "posting_revoked": N_("accounts with posting revoked"),
    "trusted_authorities": N_("trusted identity authorities"), "trust_dev_authority": N_("development authority"),
    "accounts_per_identity": N_("accounts per identity"),
    "accounts_created_in_period": N_("accounts created in the period"),
    "verifications_in_period": N_("verifications in the period"),
    "enforcement_started": N_("enforcement started"), "grace_until": N_("grace period until"),
    "unverified_accounts_predating_enforcement": N_("unverified accounts older than enforcement"),
    "policy_version": N_("policy version"), "engine": N_("engine"), "paths": N_("paths screened"),
    "posts_screened": N_("posts screened"), "rejected": N_("rejected"), "held": N_("held for review"),
    "hold_to_decision": N_("time from hold to decision"), "waiting_now": N_("waiting now"),
    "oldest_waiting_seconds": N_("oldest waiting, seconds"), "categories": N_("categories"),
    "by_category": N_("by category"), "sanctions": N_("sanctions available"),
    "sanctions_by_kind": N_("sanctions by kind"), "escalation": N_("escalation"),
    "ways_in": N_("ways in"), "received": N_("reports received"), "by_source": N_("by source"),
    "resolved": N_("resolved"), "unresolved": N_("unresolved"),
    "time_to_resolution": N_("time to resolution"), "federated": N_("federated"),
    "audit_export": N_("audit export"), "case_files": N_("case files"),
    "identity_reveals": N_("identity reveals"), "cases_escalated": N_("cases escalated to the authorities"),
    "case_files_exported": N_("case files exported"),
}
