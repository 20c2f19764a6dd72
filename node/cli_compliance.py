"""`python -m node compliance report | case-file | verify-case | case-key`.

`report [--since DATE] [--format html|json|pdf] [--out FILE] [--locale L]`:
the report of `node.compliance`, the same as `/admin/compliance`, from the
database and config.toml (the node need not be running). Exit 0 with the
report on stdout or in --out; 2 for a bad date or format; 1 when the PDF
cannot be made on this machine.

`case-file --report ID --actor USER [--request N] --out FILE` exports an
escalated report's signed case file (article 7(8), `node.case_files`),
audited as USER's; `verify-case FILE [--key PEM]` checks one (exit 1 if
it does not verify); `case-key` prints the node's public case-file key.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from node import i18n
from node.case_files import CaseFileError, Export, export_case, signing_key
from node.cli import CommandError, add_config, node_database, run_async
from node.compliance import FORMATS, PeriodError, document_html, make_report, period_since, to_json
from node.compliance_pdf import PdfUnavailableError, to_pdf
from node.config import Config, ConfigError
from node.identity_runtime import load_identity_keys
from policy.case_files import check, public_pem
from policy.identity.duties import actor_of
from storage import accounts
from storage.clock import now
from storage.ids import IdGenerator


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("compliance", help="the compliance report (articles 6 to 15)")
    add_config(p)
    c = p.add_subparsers(dest="compliance_command", required=True)
    r = c.add_parser("report", help="every binding article: control, configuration, figures, tests")
    add_config(r)
    r.add_argument("--since", help="start of the period, YYYY-MM-DD (default: 30 days ago)")
    r.add_argument("--format", choices=FORMATS, default="html")
    r.add_argument("--out", help="write to this file instead of standard output")
    r.add_argument("--locale", choices=i18n.LOCALES, help="language of the html and pdf (default: the node's)")
    r.set_defaults(func=cmd_report)
    f = c.add_parser("case-file", help="export an escalated report's signed case file (audited)")
    add_config(f)
    f.add_argument("--report", type=int, required=True)
    f.add_argument("--actor", required=True, help="the staff member exporting (a local username)")
    f.add_argument("--request", type=int, help="an approved reveal request for this report: include the identity")
    f.add_argument("--out", required=True)
    f.set_defaults(func=cmd_case_file)
    v = c.add_parser("verify-case", help="check a case file's hashes and signature")
    add_config(v)
    v.add_argument("file")
    v.add_argument("--key", help="the node's public key (PEM); default: this node's own")
    v.set_defaults(func=cmd_verify_case)
    k = c.add_parser("case-key", help="print the node's public case-file key (PEM)")
    add_config(k)
    k.set_defaults(func=cmd_case_key)


def render(config: Config, args: argparse.Namespace) -> bytes:
    moment = now()
    try:
        period = period_since(args.since, moment)
    except PeriodError as exc:
        raise ConfigError(Path("(arguments)"), "--since", str(exc)) from None

    async def go() -> bytes:
        async with node_database(config) as db:
            report = await make_report(config, db, period, now=moment)
        if args.format == "json":
            return to_json(report).encode("utf-8")
        with i18n.using(args.locale or config.node.default_locale):
            document = document_html(report)
        return document.encode("utf-8") if args.format == "html" else to_pdf(document)

    try:
        return run_async(go())
    except PdfUnavailableError as exc:
        raise CommandError(str(exc)) from None


def cmd_report(config: Config, args: argparse.Namespace) -> int:
    data = render(config, args)
    if args.out:
        Path(args.out).write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    return 0


def cmd_case_file(config: Config, args: argparse.Namespace) -> int:
    async def go() -> Export:
        async with node_database(config) as db:
            account = await accounts.find_local_account(db, args.actor)
            actor = await actor_of(db, account.id) if account else None
            if actor is None:
                raise CommandError(f"--actor: no local account {args.actor!r}")
            keys = await load_identity_keys(config, db)
            try:
                return await export_case(config, db, keys, IdGenerator(), actor, args.report,
                                         request_id=args.request)
            except CaseFileError as exc:
                raise CommandError(exc.message) from None

    export = run_async(go())
    Path(args.out).write_bytes(export.data)
    print(f"case file of report {args.report} written to {args.out}; manifest sha256 {export.manifest_sha256}")
    return 0


def cmd_verify_case(config: Config, args: argparse.Namespace) -> int:
    try:
        data = Path(args.file).read_bytes()
        pem = Path(args.key).read_bytes() if args.key else public_pem(signing_key(config))
        key = serialization.load_pem_public_key(pem)
    except (OSError, ValueError) as exc:
        raise CommandError(str(exc)) from None
    if not isinstance(key, Ed25519PublicKey):
        raise CommandError("--key is not an Ed25519 public key")
    result = check(data, key)
    if not result.ok:
        raise CommandError(f"case file does not verify: {result.problem}")
    files = result.manifest.get("files", {})
    print(f"case file verified: report {result.manifest.get('report_id')} of {result.manifest.get('node')},"
          f" {len(files)} file(s), exported by {result.manifest.get('exported_by')}")
    return 0


def cmd_case_key(config: Config, args: argparse.Namespace) -> int:
    sys.stdout.write(public_pem(signing_key(config)).decode())
    return 0
