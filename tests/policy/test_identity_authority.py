"""The development identity authority and authority keys from config."""

from __future__ import annotations

import json
import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from policy.identity import (
    AuthorityKeyError,
    IdNumberError,
    generate_authority_key,
    issue_attestation,
    load_private_key,
    parse_authorities,
    parse_public_key,
    public_key_b64,
    verify_attestation,
)
from policy.identity._b64 import b64url_decode

NOW = 1_795_400_000


def test_generated_keys_load_and_match() -> None:
    # Given a fresh development authority
    pem, public = generate_authority_key()
    # Then the PEM loads, and the public key is 32 raw bytes as base64url
    private = load_private_key(pem)
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert len(public) == 43 and "=" not in public
    assert public_key_b64(private.public_key()) == public
    # And a token it issues verifies under the key as config.toml lists it
    token = issue_attestation(private, issuer="dev", subject="s1", kind="person", audience="a.cn", now=NOW)
    authorities = parse_authorities([("dev", public)])
    assert verify_attestation(token, authorities, "a.cn", NOW).subject == "s1"


def test_two_authorities_differ() -> None:
    assert generate_authority_key()[1] != generate_authority_key()[1]


@pytest.mark.parametrize("text", ["", "not base64!", "AAAA", "A" * 43 + "=", "A" * 44, 42])
def test_parse_public_key_refuses_bad_input(text: str) -> None:
    with pytest.raises(AuthorityKeyError, match="public_key"):
        parse_public_key(text)


def test_parse_public_key_trims_whitespace() -> None:
    _, public = generate_authority_key()
    assert public_key_b64(parse_public_key(f" {public}\n")) == public


def test_load_private_key_refuses_garbage_and_other_algorithms() -> None:
    with pytest.raises(AuthorityKeyError, match="PEM"):
        load_private_key(b"not a key")
    ec_pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(AuthorityKeyError, match="Ed25519"):
        load_private_key(ec_pem)


def test_parse_authorities_names_the_bad_entry() -> None:
    _, public = generate_authority_key()
    with pytest.raises(AuthorityKeyError, match="'gov'"):
        parse_authorities([("dev", public), ("gov", "short")])
    with pytest.raises(AuthorityKeyError, match="twice"):
        parse_authorities([("dev", public), ("dev", public)])
    with pytest.raises(AuthorityKeyError, match="authority id"):
        parse_authorities([("has space", public)])
    assert parse_authorities([]) == {}


def test_issue_attestation_payload() -> None:
    private = load_private_key(generate_authority_key()[0])
    tokens = [issue_attestation(private, issuer="dev", subject="s1", kind="organisation", audience="a.cn",
                                name="某某有限公司", id_number="91350100M000100Y43", ttl_seconds=120, now=NOW)
              for _ in range(2)]
    docs = [json.loads(b64url_decode(t.split(".")[0])) for t in tokens]
    assert docs[0]["iat"] == NOW and docs[0]["exp"] == NOW + 120
    assert docs[0]["kind"] == "organisation" and docs[0]["id_number"] == "91350100M000100Y43"
    assert docs[0]["nonce"] != docs[1]["nonce"]  # every token single use on its own
    assert len(b64url_decode(docs[0]["nonce"])) >= 16


def test_issue_attestation_defaults_to_the_current_time() -> None:
    private = load_private_key(generate_authority_key()[0])
    token = issue_attestation(private, issuer="dev", subject="s1", kind="person", audience="a.cn")
    doc = json.loads(b64url_decode(token.split(".")[0]))
    assert abs(doc["iat"] - time.time()) < 5 and "name" not in doc and "id_number" not in doc


def test_issue_attestation_refuses_what_no_node_would_accept() -> None:
    private = load_private_key(generate_authority_key()[0])
    common = {"issuer": "dev", "subject": "s1", "audience": "a.cn", "now": NOW}
    with pytest.raises(ValueError, match="kind"):
        issue_attestation(private, kind="robot", **common)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="ttl"):
        issue_attestation(private, kind="person", ttl_seconds=0, **common)  # type: ignore[arg-type]
    with pytest.raises(IdNumberError) as err:
        issue_attestation(private, kind="person", id_number="11010519491231002Y", **common)  # type: ignore[arg-type]
    assert "11010519491231002Y" not in str(err.value)
