"""The compliance report as PDF, by WeasyPrint from the report's HTML document.

WeasyPrint lays the page out with pango, which finds the CJK glyphs in
the fonts `make fonts` installs (Debian's fonts-noto-cjk). Without pango
the node still starts and serves; only the PDF answers that it cannot.
"""

from __future__ import annotations

import importlib
import logging
from types import ModuleType


class PdfUnavailableError(RuntimeError):
    """This machine lacks what WeasyPrint needs (run `make fonts`)."""


def _weasyprint() -> ModuleType:
    # Imported when a PDF is asked for, not at start: it costs most of a second
    # and tens of MB, which every process and command would pay otherwise.
    try:
        return importlib.import_module("weasyprint")
    except OSError as exc:  # pango or its fonts missing: `make fonts`
        raise PdfUnavailableError(f"PDF needs pango (run `make fonts`): {exc}") from None


def to_pdf(document: str) -> bytes:
    """A4 PDF bytes of an HTML document (no external resources are fetched)."""
    weasyprint = _weasyprint()
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)  # one line per page otherwise
    return weasyprint.HTML(string=document, url_fetcher=_no_fetch).write_pdf()


def _no_fetch(url: str, *args: object, **kwargs: object) -> dict[str, object]:
    # The document is self-contained; a URL in it is never fetched.
    raise ValueError(f"not fetched: {url}")
