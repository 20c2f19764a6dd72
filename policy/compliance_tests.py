"""Which tests prove each control: printed in every section of the compliance report.

Kept true by tests/policy/test_compliance_tests.py, which fails when a
named test no longer exists; a reviewer can run any of them with
`python -m pytest 'NAME'`.
"""

from __future__ import annotations

TESTS: dict[str, tuple[str, ...]] = {
    "6": (
        "tests/node/test_instance.py::test_front_page_footer_shows_permit",
        "tests/node/test_instance.py::test_nodeinfo_metadata_carries_permit",
        "tests/federation/test_documents.py::test_federation_off_without_permit",
        "tests/test_cli.py::test_unknown_key_and_bad_permit_are_refused",
    ),
    "7(1)": (
        "tests/node/test_moderation_audit.py::test_chain_verifies_after_a_sequence_of_actions",
        "tests/test_cli_audit.py::test_verify_names_the_tampered_spot",
        "tests/node/test_admin_page.py::test_audit_log_lists_page_actions_and_verifies",
    ),
    "7(2)": (
        "tests/node/test_identity.py::test_reveal_needs_an_officer_a_reason_and_a_second_persons_approval",
        "tests/node/test_admin_identity.py::test_only_admins_grant_and_moderators_cannot_ask",
        "tests/node/test_admin_page.py::test_moderators_may_moderate_but_not_edit_permits_or_lists",
    ),
    "7(3)": (
        "tests/federation/test_inbox.py::test_forged_signature",
        "tests/federation/test_httpsig.py::test_wrong_key_is_a_bad_signature",
        "tests/federation/test_documents.py::test_note_by_visibility_and_secure_mode",
    ),
    "7(4)": (
        "tests/node/test_identity_canary.py::test_canary_identity_never_leaves_the_node",
        "tests/federation/test_identity_canary_federated.py::test_canary_identity_is_not_federated",
        "tests/policy/test_identity_vault.py::test_associated_data_binds_the_blob_to_its_record",
        "tests/node/test_admin_identity.py::test_officer_asks_moderator_approves_officer_reveals",
        "tests/node/test_moderation_audit.py::test_identity_reveal_is_audited_without_the_identity",
    ),
    "7(5)": (
        "tests/node/test_moderation_corrections.py::test_correction_warns_every_reader_and_is_published",
    ),
    "7(6)": (
        "tests/federation/test_inbox.py::test_unpermitted_node_is_refused_and_nothing_stored",
        "tests/federation/test_e2e_unpermitted.py::test_an_unpermitted_node_is_refused_both_ways",
        "tests/federation/test_delivery.py::test_nothing_is_sent_to_a_host_without_a_permit",
        "tests/federation/test_links.py::test_permitted_hosts_are_linked_and_the_rest_follow_the_mode",
        "tests/federation/test_permit_effects.py::"
        "test_revoke_drops_deliveries_freezes_follows_hides_content_and_restore_brings_them_back",
    ),
    "7(7)": (
        "tests/node/test_identity.py::test_unverified_account_reads_but_cannot_post",
        "tests/node/test_moderation_sanctions.py::test_follow_rate_limit",
        "tests/node/test_moderation_sanctions.py::test_follower_bursts",
    ),
    "7(8)": (
        "tests/node/test_moderation_sanctions.py::test_suspend_refuses_token_and_hides_statuses",
        "tests/node/test_moderation_sanctions.py::test_identity_scope_hits_every_account_of_the_person",
        "tests/node/test_case_files.py::test_escalated_report_becomes_a_signed_case_file",
    ),
    "7(9)": (
        "tests/test_cli_audit.py::test_export_case_file",
        "tests/node/test_case_files.py::test_escalated_report_becomes_a_signed_case_file",
    ),
    "8": (
        "tests/node/test_screening_api.py::test_review_holds_until_approved",
        "tests/node/test_statuses.py::test_edits_go_through_the_gate_and_can_be_held",
        "tests/federation/test_inbox_screening.py::test_screening_applies_to_inbound_notes",
        "tests/node/test_admin_page.py::test_queue_shows_why_and_approve_publishes",
    ),
    "9": (
        "tests/node/test_identity.py::test_unverified_account_reads_but_cannot_post",
        "tests/node/test_identity.py::test_bad_attestations_are_refused_with_distinct_codes",
        "tests/node/test_identity.py::test_replay_and_per_identity_limit",
    ),
    "10": (
        "tests/node/test_screening_api.py::test_reject_names_category_not_term",
        "tests/node/test_screening_api.py::test_shadow_counts_without_acting",
        "tests/node/test_screening_api.py::test_reload_swaps_and_bad_file_keeps_old",
    ),
    "13": (
        "tests/node/test_moderation_reports.py::test_report_then_moderator_handles_it",
        "tests/node/test_moderation_reports.py::test_public_form_reports_without_an_account",
        "tests/node/test_moderation_reports.py::test_flag_entry_point_for_federation",
    ),
    "14": (
        "tests/node/test_moderation_sanctions.py::test_revoke_posting_then_restore",
        "tests/federation/test_moderation_federation.py::test_sanctions_of_remote_accounts_stay_local",
    ),
    "15": (
        "tests/node/test_identity.py::test_grace_period_for_accounts_older_than_enforcement",
    ),
}
