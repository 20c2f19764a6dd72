"""Real identity in the back end, a free name in front (articles 7(4), 9, 15).

idnumbers    form and checksum of resident identity numbers and USCCs
attestation  verifying a signed attestation from a trusted authority
authority    the development authority: keys, issuing, config keys
vault        encryption at rest of legal data, keyed hashes, key rotation
gate         whether an account may publish

Pure: no HTTP, no storage. The caller stores `nonce_key`, `identity_hash`
and vault blobs; nothing here logs a name or an identity number.
"""

from policy.identity.attestation import (
    CODES,
    Attestation,
    AttestationError,
    nonce_key,
    verify_attestation,
)
from policy.identity.authority import (
    AuthorityKeyError,
    generate_authority_key,
    issue_attestation,
    load_private_key,
    parse_authorities,
    parse_public_key,
    public_key_b64,
    sign_payload,
)
from policy.identity.gate import (
    VERIFY_URL,
    GateDecision,
    IdentityState,
    check_publish,
    identity_summary,
)
from policy.identity.idnumbers import (
    IdNumberError,
    normalise_id_number,
    resident_id_check_char,
    uscc_check_char,
    validate_id_number,
    validate_resident_id,
    validate_uscc,
)
from policy.identity.vault import (
    UnknownKeyError,
    Vault,
    VaultError,
    create_key_file,
    load_key_file,
    rotate_key_file,
)

__all__ = [
    "CODES", "VERIFY_URL",
    "Attestation", "AttestationError", "AuthorityKeyError", "GateDecision", "IdNumberError",
    "IdentityState", "UnknownKeyError", "Vault", "VaultError",
    "check_publish", "create_key_file", "generate_authority_key", "identity_summary",
    "issue_attestation", "load_key_file", "load_private_key", "nonce_key", "normalise_id_number",
    "parse_authorities", "parse_public_key", "public_key_b64", "resident_id_check_char",
    "rotate_key_file", "sign_payload", "uscc_check_char", "validate_id_number",
    "validate_resident_id", "validate_uscc", "verify_attestation",
]
