"""Article 7(8): escalate a report "to the authorities", and export its case file.

A moderator escalates a report (audited); staff may then export the
case file: the report, the reported content, the screening decisions,
the actions and notes, and the audit trail, as a zip whose manifest of
SHA-256s is signed with the node's Ed25519 case-file key
(`policy.case_files`). The legal identity of the reported account goes
in only through an audited reveal: the exporter is the identity officer
whose request, approved by someone else and tied to this report, is used
up by the export (`policy.identity.duties`). Each export is recorded
with who made it and the manifest's hash. Nothing of the identity is
ever logged.

The key is `case-signing.key` in `[node] data_dir` (PKCS#8 PEM, mode
0600), made on first use; `python -m node compliance case-key` prints its
public half for the authorities to check archives against.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from node.config import Config
from node.i18n import N_
from policy import audit
from policy.case_files import pack
from policy.identity.duties import Actor, RevealRefusedError, perform_reveal
from policy.identity.enrolment import IdentityKeys
from storage import accounts, reports, sanctions, statuses
from storage import case_files as store
from storage import reveal_requests
from storage.audit import AuditRow
from storage.clock import now_iso
from storage.database import Database
from storage.ids import IdGenerator

KEY_FILE = "case-signing.key"


class CaseFileError(Exception):
    """A refused escalation or export: `status` for HTTP, `message` for people."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


@dataclass(frozen=True, slots=True)
class Export:
    data: bytes
    manifest_sha256: str
    with_identity: bool


def key_path(config: Config) -> Path:
    return config.node.data_dir / KEY_FILE


def signing_key(config: Config) -> Ed25519PrivateKey:
    """The node's case-file key, made once (the first process to write it wins)."""
    path = key_path(config)
    if not path.exists():
        _create_key(path)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    return key


def _create_key(path: Path) -> None:
    """Write a new key whole under a temporary name, then link it into place:
    another process sees no file or a whole one, and the first link wins."""
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink()


async def escalate(db: Database, ids: IdGenerator, actor: Actor, report_id: int, reason: str) -> store.Escalation:
    if actor.role not in ("admin", "moderator"):
        raise CaseFileError(403, N_("Only moderators and admins may escalate a report."))
    if not reason.strip():
        raise CaseFileError(422, N_("Say why the report goes to the authorities."))
    if await reports.get_report(db, report_id) is None:
        raise CaseFileError(404, N_("No such report."))
    async with db.write() as w:
        if not await store.escalate(w, ids.next_id(), report_id, actor.account_id, reason.strip()[:2000]):
            raise CaseFileError(409, N_("This report was already escalated."))
        await audit.append(w, audit.Entry(actor.acct, "report.escalate", "report", str(report_id),
                                          {"reason": reason.strip()[:2000]}))
    found = await store.escalation_of(db, report_id)
    assert found is not None
    return found


def _entry(row: AuditRow) -> dict[str, Any]:
    return {"id": row.id, "at": row.at, "actor": row.actor, "action": row.action, "target_type": row.target_type,
            "target_id": row.target_id, "details": json.loads(row.details_json or "{}"),
            "prev_hash": row.prev_hash, "hash": row.hash}


async def case_contents(db: Database, report_id: int) -> dict[str, Any]:
    """The report and everything about it, as the case file's case.json holds it."""
    report = await reports.get_report(db, report_id)
    escalation = await store.escalation_of(db, report_id)
    if report is None or escalation is None:
        raise CaseFileError(404 if report is None else 409,
                            N_("No such report.") if report is None else N_("Escalate the report before exporting it."))
    ids = report.status_id_list
    target = await accounts.get_account(db, report.target_account_id)
    return {
        "report": asdict(report), "escalation": asdict(escalation),
        "target_account": {"id": target.id, "acct": target.acct(), "uri": target.uri} if target else None,
        "statuses": [{"id": s.id, "uri": s.uri, "url": s.url, "created_at": s.created_at, "text": s.text,
                      "content": s.content, "spoiler_text": s.spoiler_text, "state": s.state,
                      "deleted_at": s.deleted_at} for s in await statuses.get_statuses(db, ids)],
        "screening": await reports.screening_items_for(db, report.target_account_id, ids),
        "actions": [asdict(s) for s in await sanctions.sanctions_of(db, report.target_account_id)],
        "notes": [asdict(n) for n in await reports.notes_of(db, report_id)],
        "audit_trail": [_entry(r) for r in await store.trail(db, report_id, report.target_account_id, ids)],
    }


async def _identity(db: Database, keys: IdentityKeys, ids: IdGenerator, actor: Actor, report_id: int,
                    target_id: int, request_id: int) -> dict[str, Any]:
    request = await reveal_requests.get_request(db, request_id)
    if request is None or request.account_id != target_id or request.report_id != report_id:
        raise CaseFileError(422, N_("That reveal request is not for this report's account and this report."))
    try:
        found = await perform_reveal(db, keys, ids, actor, request_id)
    except RevealRefusedError as exc:
        raise CaseFileError(exc.status, exc.message) from None
    return {"account_id": found.account_id, "authority": found.authority, "kind": found.kind,
            "verified_at": found.verified_at, "name": found.name, "id_number": found.id_number,
            "reveal_request_id": request_id}


async def export_case(config: Config, db: Database, keys: IdentityKeys, ids: IdGenerator, actor: Actor,
                      report_id: int, *, request_id: int | None = None) -> Export:
    """The signed archive; the export (and any reveal it used) is audited."""
    if not actor.staff:
        raise CaseFileError(403, N_("Only staff may export a case file."))
    contents = await case_contents(db, report_id)
    files = {"case.json": json.dumps(contents, ensure_ascii=False, indent=2, default=str).encode("utf-8")}
    if request_id is not None:
        identity = await _identity(db, keys, ids, actor, report_id, contents["report"]["target_account_id"],
                                   request_id)
        files["identity.json"] = json.dumps(identity, ensure_ascii=False, indent=2).encode("utf-8")
    header = {"node": config.node.domain, "report_id": str(report_id), "created_at": now_iso(),
              "exported_by": actor.acct, "with_identity": request_id is not None}
    data, digest = pack(signing_key(config), files, header)
    async with db.write() as w:
        await store.record_export(w, ids.next_id(), report_id, actor.acct, request_id is not None, digest)
        await audit.append(w, audit.Entry(actor.acct, "case.export", "report", str(report_id), {
            "report_id": report_id, "with_identity": request_id is not None, "manifest_sha256": digest,
            "reveal_request_id": request_id}))
    return Export(data, digest, request_id is not None)
