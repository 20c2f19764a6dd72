"""`python -m node compliance report [--since DATE] [--format html|json|pdf] [--out FILE] [--locale L]`.

The report of `node.compliance`, the same as `/admin/compliance`, from
the database and config.toml (the node need not be running). Exit 0 with
the report on stdout or in --out; 2 for a bad date or format; 1 when the
PDF cannot be made on this machine.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from node import i18n
from node.cli import CommandError, add_config, run_async
from node.compliance import FORMATS, PeriodError, document_html, make_report, period_since, to_json
from node.compliance_pdf import PdfUnavailableError, to_pdf
from node.config import Config, ConfigError
from storage.clock import now
from storage.database import open_database


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


def render(config: Config, args: argparse.Namespace) -> bytes:
    moment = now()
    try:
        period = period_since(args.since, moment)
    except PeriodError as exc:
        raise ConfigError(Path("(arguments)"), "--since", str(exc)) from None

    async def go() -> bytes:
        async with open_database(config.storage.path) as db:
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
