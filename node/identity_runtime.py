"""Loading the identity vault and trusted authorities, at init and at start.

`init` makes the key file (AES-GCM keys, mode 0600) and the development
authority's key; `serve` loads them into an `IdentityKeys` under the
IDENTITY app key. A missing key file is created only while no identity is
stored: with records present it would make them unreadable, so the node
refuses to start instead.
"""

from __future__ import annotations

import logging
import os

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from node.config import Config
from policy.identity import (
    create_key_file,
    generate_authority_key,
    load_key_file,
    load_private_key,
    parse_authorities,
)
from policy.identity.enrolment import IdentityKeys
from storage.database import Database

logger = logging.getLogger(__name__)

DEV_AUTHORITY_ID = "dev"


class IdentitySetupError(Exception):
    pass


async def init_identity_files(config: Config, db: Database) -> list[str]:
    lines = []
    key_file = config.identity.key_file
    if not key_file.exists():
        create_key_file(key_file)
        lines.append(f"created identity key file {key_file} (mode 0600)")
    dev = config.identity.dev_authority_key
    if not dev.exists():
        pem, public = generate_authority_key()
        dev.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(dev, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        lines.append(f"created development identity authority {dev} (public key {public})")
    return lines


def dev_authority(config: Config) -> Ed25519PrivateKey | None:
    path = config.identity.dev_authority_key
    if not path.exists():
        return None
    return load_private_key(path.read_bytes())


def trusted_authorities(config: Config) -> dict[str, Ed25519PublicKey]:
    trusted = parse_authorities((a.id, a.public_key) for a in config.identity.authorities)
    if config.identity.trust_dev_authority:
        key = dev_authority(config)
        if key is not None:
            trusted.setdefault(DEV_AUTHORITY_ID, key.public_key())
    return trusted


async def load_identity_keys(config: Config, db: Database) -> IdentityKeys:
    key_file = config.identity.key_file
    if not key_file.exists():
        stored = await db.fetchval("SELECT count(*) FROM identities")
        if stored:
            raise IdentitySetupError(f"identity key file {key_file} is missing but {stored} identities are "
                                     "stored; restore the key file")
        create_key_file(key_file)
        logger.warning("created a new identity key file at %s", key_file)
    return IdentityKeys(
        key_file=key_file, vault=load_key_file(key_file), authorities=trusted_authorities(config),
        audience=config.node.domain, max_accounts=config.identity.accounts_per_identity,
    )
