"""Legal identity at rest: AES-GCM blobs and keyed hashes (article 7(4)).

The key file lives outside the database, so a copy of the database alone
reveals nobody. It is JSON, mode 0600:

    {"version": 1, "active": "k2",
     "keys": {"k1": "<32 bytes b64url>", "k2": "..."}, "hmac": "<32 bytes b64url>"}

A blob is `keyid:nonce:ciphertext` (unpadded base64url), encrypted under
the active key with associated data that binds it to one account and field
(b"account:123:name"): a blob copied to another row does not decrypt.

Rotation adds a key and makes it active; old keys stay so old blobs still
decrypt until re-encrypted (`needs_reencrypt`, `reencrypt`). The HMAC key
for `identity_hash` is separate and never rotated: the hashes are what
uniqueness is enforced on, and a rotation must not make one person new.

Processes that loaded the file before a rotation meet blobs under a key
they do not know: `UnknownKeyError` tells them to reload the file.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import stat
import tempfile
import types
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from policy.identity._b64 import b64url_decode, b64url_encode

logger = logging.getLogger(__name__)

KEY_BYTES = 32
NONCE_BYTES = 12
FILE_MODE = 0o600
_KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")  # never ':' (the blob separator)


class VaultError(Exception):
    """A key file or blob that cannot be used. Never carries plaintext or keys."""


class UnknownKeyError(VaultError):
    """A blob under a key id this vault lacks: reload the key file, then retry."""


@dataclass(frozen=True, slots=True)
class Vault:
    active: str
    keys: Mapping[str, bytes] = field(repr=False)
    hmac_key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if self.active not in self.keys:
            raise VaultError("the active key id is not among the keys")
        if any(not _KEY_ID.fullmatch(k) or len(v) != KEY_BYTES for k, v in self.keys.items()):
            raise VaultError(f"each key needs an id of letters, digits, '_' or '-' and {KEY_BYTES} bytes")
        if len(self.hmac_key) != KEY_BYTES:
            raise VaultError(f"the hmac key must be {KEY_BYTES} bytes")
        object.__setattr__(self, "keys", types.MappingProxyType(dict(self.keys)))

    def encrypt(self, plaintext: str, associated: bytes) -> str:
        _require_associated(associated)
        nonce = secrets.token_bytes(NONCE_BYTES)
        sealed = AESGCM(self.keys[self.active]).encrypt(nonce, plaintext.encode("utf-8"), associated)
        return f"{self.active}:{b64url_encode(nonce)}:{b64url_encode(sealed)}"

    def decrypt(self, blob: str, associated: bytes) -> str:
        _require_associated(associated)
        key_id, nonce, sealed = _split_blob(blob)
        key = self.keys.get(key_id)
        if key is None:
            raise UnknownKeyError(f"the blob is under key {key_id!r}, which this key file does not hold")
        try:
            return AESGCM(key).decrypt(nonce, sealed, associated).decode("utf-8")
        except InvalidTag:
            raise VaultError("the blob does not decrypt: it belongs to another record or was altered") from None

    def needs_reencrypt(self, blob: str) -> bool:
        return _split_blob(blob)[0] != self.active

    def reencrypt(self, blob: str, associated: bytes) -> str:
        """The same plaintext under the active key (unchanged if already so)."""
        if not self.needs_reencrypt(blob):
            return blob
        return self.encrypt(self.decrypt(blob, associated), associated)

    def identity_hash(self, authority: str, subject: str) -> str:
        """Keyed hash of an authority's subject: unique per person, reveals nobody."""
        return self._keyed_hash("subject", authority, subject)

    def id_number_hash(self, kind: str, id_number: str) -> str:
        """Keyed hash of an identity number, to find one person across authorities."""
        return self._keyed_hash("id_number", kind, id_number)

    def _keyed_hash(self, purpose: str, *parts: str) -> str:
        # Length-prefixed parts: ("ab", "c") and ("a", "bc") hash differently.
        material = "".join(f"{len(p)}:{p};" for p in (purpose, *parts)).encode("utf-8")
        return hmac.new(self.hmac_key, material, hashlib.sha256).hexdigest()


def create_key_file(path: Path | str) -> Vault:
    """Write a new key file (mode 0600); refuses to overwrite an existing one."""
    path = Path(path)
    vault = Vault("k1", {"k1": secrets.token_bytes(KEY_BYTES)}, secrets.token_bytes(KEY_BYTES))
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        raise VaultError(f"{path} already exists; refusing to overwrite an identity key file") from None
    with os.fdopen(fd, "wb") as out:
        os.fchmod(out.fileno(), FILE_MODE)  # the umask may have taken bits away
        out.write(_dump(vault))
        out.flush()
        os.fsync(out.fileno())
    logger.info("created identity key file %s (key k1)", path)
    return vault


def load_key_file(path: Path | str) -> Vault:
    path = Path(path)
    try:
        with open(path, "rb") as src:
            mode = os.fstat(src.fileno()).st_mode
            data = src.read()
    except OSError as exc:
        raise VaultError(f"cannot read identity key file {path}: {exc.strerror}") from None
    # Like ssh with a private key: a key file others can read is already leaked.
    if stat.S_IMODE(mode) & 0o077:
        raise VaultError(f"identity key file {path} is readable by others: chmod 600 it")
    return _parse(data, path)


def rotate_key_file(path: Path | str) -> str:
    """Add a key and make it active, atomically; returns the new key id."""
    path = Path(path)
    with _locked(path):
        vault = load_key_file(path)
        new_id = _next_key_id(vault.keys)
        keys = {**vault.keys, new_id: secrets.token_bytes(KEY_BYTES)}
        _replace_atomically(path, _dump(Vault(new_id, keys, vault.hmac_key)))
    logger.info("rotated identity key file %s: active key is now %s", path, new_id)
    return new_id


def _require_associated(associated: bytes) -> None:
    # Without associated data a blob could be moved to another account unnoticed.
    if not isinstance(associated, bytes) or not associated:
        raise VaultError("associated data (e.g. b'account:123:name') is required")


def _split_blob(blob: str) -> tuple[str, bytes, bytes]:
    parts = blob.split(":") if isinstance(blob, str) else []
    try:
        key_id, nonce_b64, sealed_b64 = parts
        nonce, sealed = b64url_decode(nonce_b64), b64url_decode(sealed_b64)
    except ValueError:
        raise VaultError("not a vault blob (keyid:nonce:ciphertext)") from None
    if not _KEY_ID.fullmatch(key_id) or len(nonce) != NONCE_BYTES or len(sealed) < 16:
        raise VaultError("not a vault blob (keyid:nonce:ciphertext)")
    return key_id, nonce, sealed


def _dump(vault: Vault) -> bytes:
    doc = {"version": 1, "active": vault.active, "hmac": b64url_encode(vault.hmac_key),
           "keys": {k: b64url_encode(v) for k, v in vault.keys.items()}}
    return (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode("ascii")


def _parse(data: bytes, path: Path) -> Vault:
    # Key material is never echoed in these errors: say where, and which rule.
    try:
        doc: Any = json.loads(data)
    except ValueError:
        raise VaultError(f"identity key file {path} is not JSON") from None
    if not isinstance(doc, dict) or doc.get("version", 1) != 1 or not isinstance(doc.get("keys"), dict):
        raise VaultError(f'identity key file {path} is not {{"version": 1, "active": ..., "keys": ..., "hmac": ...}}')
    try:
        keys = {str(k): _key_bytes(v) for k, v in doc["keys"].items()}
        hmac_key = _key_bytes(doc.get("hmac"))
    except ValueError:
        raise VaultError(f"identity key file {path}: keys must be unpadded base64url") from None
    try:
        return Vault(str(doc.get("active")), keys, hmac_key)
    except VaultError as exc:
        raise VaultError(f"identity key file {path}: {exc}") from None


def _key_bytes(text: object) -> bytes:
    if not isinstance(text, str):
        raise ValueError("key is not text")
    return b64url_decode(text)


def _next_key_id(keys: Mapping[str, bytes]) -> str:
    numbers = [int(k[1:]) for k in keys if re.fullmatch(r"k[0-9]{1,9}", k)]
    n = max(numbers, default=0) + 1
    while f"k{n}" in keys:
        n += 1
    return f"k{n}"


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    # A lock file beside the key file, never replaced itself: two rotations at
    # once would otherwise each add a key and one would be lost with its blobs.
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, FILE_MODE)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _replace_atomically(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as out:
            os.fchmod(out.fileno(), FILE_MODE)
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # the rename itself survives a crash
    finally:
        os.close(dir_fd)
