"""Legal identity at rest: key file, AES-GCM blobs, keyed hashes, rotation."""

from __future__ import annotations

import json
import os
import stat
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from policy.identity import UnknownKeyError, Vault, VaultError, create_key_file, load_key_file, rotate_key_file

NAME = "张三丰"
ID_NUMBER = "11010519491231002X"
NAME_AD = b"account:123:name"


@pytest.fixture
def key_file(tmp_path: Path) -> Path:
    path = tmp_path / "identity.key"
    create_key_file(path)
    return path


@pytest.fixture
def umask_zero() -> Iterator[None]:
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_key_file_is_private_whatever_the_umask(tmp_path: Path, umask_zero: None) -> None:
    # Given a umask that would leave new files world-readable
    path = tmp_path / "identity.key"
    # When the key file is created
    create_key_file(path)
    # Then only the owner can read it, and it holds one key and a separate HMAC key
    assert mode(path) == 0o600
    doc = json.loads(path.read_text())
    assert doc["active"] == "k1" and list(doc["keys"]) == ["k1"] and doc["hmac"] not in doc["keys"].values()


def test_create_refuses_to_overwrite(key_file: Path) -> None:
    before = key_file.read_bytes()
    with pytest.raises(VaultError, match="refusing to overwrite"):
        create_key_file(key_file)
    assert key_file.read_bytes() == before


def test_round_trip(key_file: Path) -> None:
    vault = load_key_file(key_file)
    blob = vault.encrypt(NAME, NAME_AD)
    key_id, nonce, sealed = blob.split(":")
    assert key_id == "k1" and len(nonce) == 16  # 96 bits, base64url
    assert NAME not in blob and NAME.encode().hex() not in blob
    assert vault.decrypt(blob, NAME_AD) == NAME
    # A fresh nonce every time: equal names do not give equal blobs
    assert vault.encrypt(NAME, NAME_AD) != blob


def test_associated_data_binds_the_blob_to_its_record(key_file: Path) -> None:
    # Given a name blob for account 123
    vault = load_key_file(key_file)
    blob = vault.encrypt(NAME, NAME_AD)
    # When it is copied to another account, or to the id number field
    for elsewhere in (b"account:124:name", b"account:123:id_number"):
        with pytest.raises(VaultError) as err:
            vault.decrypt(blob, elsewhere)
        # Then it does not decrypt, and the error reveals nothing
        assert NAME not in str(err.value)
    with pytest.raises(VaultError, match="associated data"):
        vault.encrypt(NAME, b"")


def test_tampered_and_malformed_blobs(key_file: Path) -> None:
    vault = load_key_file(key_file)
    key_id, nonce, sealed = vault.encrypt(ID_NUMBER, NAME_AD).split(":")
    flipped = ("B" if sealed[0] == "A" else "A") + sealed[1:]
    with pytest.raises(VaultError, match="does not decrypt"):
        vault.decrypt(f"{key_id}:{nonce}:{flipped}", NAME_AD)
    for bad in ("", "k1", "k1:abc", f"{key_id}:{nonce}", f"{key_id}:{nonce}:{sealed}:x", f"k 1:{nonce}:{sealed}",
                f"{key_id}:{nonce}A:{sealed}", f"{key_id}:{nonce}:AAAA"):
        with pytest.raises(VaultError, match="not a vault blob"):
            vault.decrypt(bad, NAME_AD)


def test_another_key_file_cannot_decrypt(key_file: Path, tmp_path: Path) -> None:
    blob = load_key_file(key_file).encrypt(NAME, NAME_AD)
    other = create_key_file(tmp_path / "other.key")
    with pytest.raises(VaultError):
        other.decrypt(blob, NAME_AD)


def test_load_refuses_a_key_file_others_can_read(key_file: Path) -> None:
    key_file.chmod(0o640)
    with pytest.raises(VaultError, match="chmod 600"):
        load_key_file(key_file)


@pytest.mark.parametrize("content,why", [
    (b"not json", "not JSON"),
    (b"[]", "version"),
    (b'{"version": 2, "active": "k1", "keys": {}, "hmac": ""}', "version"),
    (b'{"active": "k1", "keys": {"k1": "c2hvcnQ"}, "hmac": "c2hvcnQ"}', "32 bytes"),
    (b'{"active": "k1", "keys": {"k1": "not base64!"}, "hmac": ""}', "base64url"),
])
def test_load_refuses_broken_files(tmp_path: Path, content: bytes, why: str) -> None:
    path = tmp_path / "identity.key"
    path.write_bytes(content)
    path.chmod(0o600)
    with pytest.raises(VaultError, match=why):
        load_key_file(path)


def test_load_refuses_missing_file_and_unknown_active_key(key_file: Path, tmp_path: Path) -> None:
    with pytest.raises(VaultError, match="cannot read"):
        load_key_file(tmp_path / "missing.key")
    doc = json.loads(key_file.read_text())
    doc["active"] = "k9"
    key_file.write_text(json.dumps(doc))
    with pytest.raises(VaultError, match="active key"):
        load_key_file(key_file)


def test_rotation_keeps_old_blobs_and_hashes(key_file: Path) -> None:
    # Given blobs and a uniqueness hash made before rotation
    before = load_key_file(key_file)
    old_blob = before.encrypt(NAME, NAME_AD)
    old_hash = before.identity_hash("dev", "subject-1")
    # When the key file is rotated
    assert rotate_key_file(key_file) == "k2"
    after = load_key_file(key_file)
    # Then new blobs use the new key, old ones still decrypt and await re-encryption
    assert after.active == "k2" and set(after.keys) == {"k1", "k2"}
    assert after.decrypt(old_blob, NAME_AD) == NAME
    assert after.needs_reencrypt(old_blob)
    new_blob = after.reencrypt(old_blob, NAME_AD)
    assert new_blob.startswith("k2:") and not after.needs_reencrypt(new_blob)
    assert after.reencrypt(new_blob, NAME_AD) == new_blob
    assert after.decrypt(new_blob, NAME_AD) == NAME
    # And the uniqueness hash did not change: nobody becomes a new person
    assert after.identity_hash("dev", "subject-1") == old_hash
    # And the file is still private, with no temporary files left behind
    assert mode(key_file) == 0o600
    assert sorted(p.name for p in key_file.parent.iterdir()) == ["identity.key", "identity.key.lock"]


def test_a_process_that_has_not_reloaded_is_told_to(key_file: Path) -> None:
    # Given a web process that loaded the key file before a rotation
    stale = load_key_file(key_file)
    rotate_key_file(key_file)
    blob = load_key_file(key_file).encrypt(NAME, NAME_AD)
    # Then it meets a blob under an unknown key with a distinct error
    with pytest.raises(UnknownKeyError, match="k2"):
        stale.decrypt(blob, NAME_AD)


def test_concurrent_rotations_lose_no_key(key_file: Path) -> None:
    threads = [threading.Thread(target=rotate_key_file, args=(key_file,)) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert set(load_key_file(key_file).keys) == {f"k{n}" for n in range(1, 8)}


def test_identity_hash(key_file: Path, tmp_path: Path) -> None:
    vault = load_key_file(key_file)
    h = vault.identity_hash("dev", "subject-1")
    assert len(h) == 64 and h == vault.identity_hash("dev", "subject-1")
    assert len({h, vault.identity_hash("dev", "subject-2"), vault.identity_hash("gov", "subject-1")}) == 3
    # Parts cannot slide into one another
    assert vault.identity_hash("ab", "c") != vault.identity_hash("a", "bc")
    # Keyed: another node's key file gives unrelated hashes
    assert create_key_file(tmp_path / "other.key").identity_hash("dev", "subject-1") != h
    # The id number hash is a different purpose, so a different value
    assert vault.id_number_hash("person", ID_NUMBER) != vault.identity_hash("person", ID_NUMBER)


def test_vault_never_shows_its_keys(key_file: Path) -> None:
    vault = load_key_file(key_file)
    doc = json.loads(key_file.read_text())
    text = repr(vault)
    assert doc["hmac"] not in text and doc["keys"]["k1"] not in text and "k1" in text
    with pytest.raises(TypeError):
        vault.keys["k9"] = b"0" * 32  # type: ignore[index]


def test_vault_checks_its_own_keys() -> None:
    with pytest.raises(VaultError):
        Vault("k1", {"k1": b"short"}, b"0" * 32)
    with pytest.raises(VaultError):
        Vault("k1", {"k:1": b"0" * 32}, b"0" * 32)
    with pytest.raises(VaultError):
        Vault("k1", {"k1": b"0" * 32}, b"short")
