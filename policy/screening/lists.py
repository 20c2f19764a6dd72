"""Term list files: UTF-8, one term a line.

    # comment lines and blank lines are ignored
    博彩                  a substring (the default kind)
    substring:fake:id     say the kind to keep a colon in a term
    word:casino           only on word boundaries
    re:日赚\\d{3,}元       a regular expression (see regexes.py)

A line that starts with a lowercase word and a colon names its kind; an
unknown kind is an error rather than a term, so a typo ("wrod:") cannot
quietly turn into a substring nobody writes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from policy.screening.errors import PolicyError

KINDS = ("substring", "word", "re")
_PREFIX = re.compile(r"([a-z][a-z0-9_-]*):")


@dataclass(frozen=True, slots=True)
class ListTerm:
    term: str  # as written, kind prefix removed
    kind: str
    file: Path
    line: int


def read_list_file(path: Path) -> tuple[bytes, tuple[ListTerm, ...]]:
    """The file's bytes (for the policy version) and its terms."""
    data = _read_bytes(path)
    terms, problems = parse_list_bytes(data, path)
    if problems:
        raise problems[0]
    return data, terms


def check_list_file(path: Path) -> tuple[tuple[ListTerm, ...], list[PolicyError]]:
    """The good terms and every problem in one file, for `check_policy`."""
    try:
        return parse_list_bytes(_read_bytes(path), path)
    except PolicyError as exc:
        return (), [exc]


def parse_list_bytes(data: bytes, path: Path) -> tuple[tuple[ListTerm, ...], list[PolicyError]]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad_line = data[:exc.start].count(b"\n") + 1
        return (), [PolicyError("not valid UTF-8", file=path, line=bad_line)]
    text = text.removeprefix("\ufeff")  # editors on Windows add a BOM
    terms: list[ListTerm] = []
    problems: list[PolicyError] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        kind, term = "substring", line
        prefix = _PREFIX.match(line) if ":" in line else None  # most lines have none
        if prefix:
            kind, term = prefix.group(1), line[prefix.end():].strip()
            if kind not in KINDS:
                problems.append(PolicyError(
                    f"unknown match kind {kind!r} (expected {', '.join(KINDS)}; write "
                    f"'substring:{line}' for a term with a colon)", file=path, line=number))
                continue
        if not term:
            problems.append(PolicyError(f"empty {kind} term", file=path, line=number))
            continue
        terms.append(ListTerm(term=term, kind=kind, file=path, line=number))
    return tuple(terms), problems


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise PolicyError(f"cannot read list file: {exc.strerror or exc}", file=path) from None
