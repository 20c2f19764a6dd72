"""Case files (article 7(8)): a zip whose manifest lists each file's SHA-256, signed with Ed25519.

`pack` makes the archive from files (name -> bytes); `check` takes one
apart and says whether every file matches the manifest and the manifest
matches its signature under a given public key. The archive:

    manifest.json     {"format", "version", "node", "report_id", "created_at",
                       "exported_by", "with_identity", "files": {name: sha256}}
    manifest.sig      the raw 64-byte Ed25519 signature of manifest.json
    signing-key.pem   the node's public key (check it against the one the node publishes)
    README.txt        how to check, by hand
    case.json, ...    the files the manifest names

By hand: `sha256sum` each file against the manifest, then
`openssl pkeyutl -verify -pubin -inkey signing-key.pem -rawin -in manifest.json -sigfile manifest.sig`.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

FORMAT = "permitted-node case file"
VERSION = 1
MAX_MEMBER_BYTES = 64 * 1024 * 1024  # a case file is text; bound what `check` will read
README = """Case file of {node}, report {report_id}.

Check it (检验方法):
1. Each file's SHA-256 equals the one manifest.json names:   sha256sum case.json
   (每个文件的 SHA-256 须与 manifest.json 中所列一致)
2. manifest.json is signed by the node's Ed25519 key (节点的 Ed25519 签名):
   openssl pkeyutl -verify -pubin -inkey signing-key.pem -rawin -in manifest.json -sigfile manifest.sig
3. signing-key.pem is the key the node publishes (python -m node compliance case-key).
   (signing-key.pem 须与节点公布的公钥一致)
Or: python -m node compliance verify-case FILE --key signing-key.pem
"""


@dataclass(frozen=True, slots=True)
class Checked:
    ok: bool
    problem: str
    manifest: Mapping[str, object]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def public_pem(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def pack(key: Ed25519PrivateKey, files: Mapping[str, bytes], header: Mapping[str, object]) -> tuple[bytes, str]:
    """(zip bytes, SHA-256 of the signed manifest)."""
    manifest = json.dumps({"format": FORMAT, "version": VERSION, **header,
                           "files": {name: sha256(data) for name, data in sorted(files.items())}},
                          ensure_ascii=False, indent=2, sort_keys=True).encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", manifest)
        archive.writestr("manifest.sig", key.sign(manifest))
        archive.writestr("signing-key.pem", public_pem(key))
        archive.writestr("README.txt", README.format(node=header.get("node"), report_id=header.get("report_id")))
        for name, data in sorted(files.items()):
            archive.writestr(name, data)
    return buffer.getvalue(), sha256(manifest)


def _read(archive: zipfile.ZipFile, name: str) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > MAX_MEMBER_BYTES:
        raise ValueError(f"{name} is larger than a case file holds")
    return archive.read(name)


def check(data: bytes, public_key: Ed25519PublicKey) -> Checked:
    """Every named file present and matching, nothing else, and the signature good."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            manifest_bytes = _read(archive, "manifest.json")
            public_key.verify(_read(archive, "manifest.sig"), manifest_bytes)
            manifest = json.loads(manifest_bytes)
            files = manifest.get("files", {})
            for name, digest in files.items():
                if sha256(_read(archive, name)) != digest:
                    return Checked(False, f"{name} does not match its SHA-256 in the manifest", manifest)
            extra = set(archive.namelist()) - set(files) - {"manifest.json", "manifest.sig", "signing-key.pem",
                                                             "README.txt"}
            if extra:
                return Checked(False, f"files the manifest does not name: {', '.join(sorted(extra))}", manifest)
    except InvalidSignature:
        return Checked(False, "the manifest's signature does not verify with this key", {})
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        return Checked(False, f"not a case file: {exc}", {})
    return Checked(True, "", manifest)
