"""A real client library, Mastodon.py, through apps, OAuth and accounts.

Mastodon.py is synchronous, so the node runs in its own thread (`live_node`).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from mastodon import Mastodon
from mastodon.errors import MastodonAPIError, MastodonUnauthorizedError

from node.keys import DB, IDS
from policy import permits
from tests.conftest import NodeThread
from tests.node.test_oauth_authorize import parse_form

OOB = "urn:ietf:wg:oauth:2.0:oob"
SCOPES = ["read", "write", "follow", "push"]


def registered(base_url: str) -> Mastodon:
    client_id, client_secret = Mastodon.create_app("Mastodon.py test", scopes=SCOPES, api_base_url=base_url)
    return Mastodon(client_id=client_id, client_secret=client_secret, api_base_url=base_url,
                    version_check_mode="none")


def test_password_login_profile_and_revoke(live_node: NodeThread) -> None:
    # Given alice and an app registered by Mastodon.py
    node = live_node.node
    assert node is not None
    alice = live_node.call(node.account("alice"))
    live_node.call(permits.import_permits(node.app[DB], node.app[IDS], [  # linked hosts hold permits (7(6))
        permits.validate_entry(host, "京ICP备12345678号-1") for host in ("example.com", "alice.example")]))
    client = registered(node.base_url)
    # When Mastodon.py logs in with her e-mail address (password grant)
    client.log_in(username="alice@example.test", password="correct horse", scopes=SCOPES, allow_http=True)
    # Then it is alice, through the app
    me = client.account_verify_credentials()
    assert str(me.id) == str(alice.account.id) and me.source.privacy == "public"
    assert client.app_verify_credentials().name == "Mastodon.py test"
    # And her profile round-trips through update_credentials
    updated = client.account_update_credentials(
        display_name="Alice 爱丽丝", note="Hello https://example.com/about\n\nsecond", locked=True,
        fields=[("Site", "https://alice.example"), ("Pronouns", "she/her")], default_privacy="unlisted")
    assert updated.display_name == "Alice 爱丽丝" and updated.locked is True
    assert updated.note.startswith("<p>Hello <a href=\"https://example.com/about\"")
    assert updated.note.endswith("<p>second</p>")
    assert updated.source.note == "Hello https://example.com/about\n\nsecond"
    assert [f.name for f in updated.fields] == ["Site", "Pronouns"]
    assert updated.source.fields[0].value == "https://alice.example"
    assert updated.source.privacy == "unlisted"
    # When the token is revoked, the API refuses it
    client.revoke_access_token(allow_http=True)
    stale = Mastodon(access_token=client.access_token or "x", api_base_url=node.base_url, version_check_mode="none")
    with pytest.raises((MastodonUnauthorizedError, MastodonAPIError)):
        stale.account_verify_credentials()


def test_code_flow_and_sign_up(live_node: NodeThread) -> None:
    node = live_node.node
    assert node is not None
    live_node.call(node.account("bob"))
    client = registered(node.base_url)
    # Given the URL Mastodon.py builds for the authorization-code flow
    url = client.auth_request_url(redirect_uris=OOB, scopes=["read", "write"], state="s1", allow_http=True)
    # When a browser signs in and approves on that page
    browser = requests.Session()
    form = parse_form(browser.get(url, timeout=30).text)
    approved = browser.post(node.url(form.action or ""), allow_redirects=False, timeout=30,
                            data={**form.fields, "login": "bob", "password": "correct horse", "decision": "approve"})
    code = parse_qs(urlsplit(approved.headers["Location"]).query)["code"][0]
    # Then Mastodon.py exchanges the code for bob's token
    client.log_in(code=code, redirect_uri=OOB, scopes=["read", "write"], allow_http=True)
    assert client.account_verify_credentials().username == "bob"
    # And a new user signs up through the API with an app token
    newcomer = registered(node.base_url)
    token = newcomer.create_account("carol", "long enough password", "carol@example.test", agreement=True)
    assert token and newcomer.account_verify_credentials().username == "carol"
    # And a sign-up that breaks the rules gets Mastodon's details
    _, error = registered(node.base_url).create_account("carol", "short", "carol@example.test", agreement=True,
                                                        return_detailed_error=True)
    assert error.details.username[0].error == "ERR_TAKEN"
