"""Loading a screening policy: list files in, one immutable `Policy` out.

`load_policy` reads every list file, normalises every term the way texts
are normalised, and builds one automaton over all literal terms of all
categories plus one linear-time set of the regex terms. Any bad input
raises `PolicyError` naming the file and line, before anything is
swapped in, so a running node keeps its previous policy.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from policy.screening import regexes
from policy.screening.charsets import is_cjk
from policy.screening.config import CategoryConfig
from policy.screening.decision import Decision
from policy.screening.errors import PolicyError
from policy.screening.fastpath import FastPath, FastPathParts, compile_fast_path
from policy.screening.lists import ListTerm, check_list_file, read_list_file
from policy.screening.matchers import Matcher, build_matcher, choose_engine
from policy.screening.normalize import Normalizer, get_normalizer
from policy.screening.regexes import RegexSet
from policy.screening.rules import Rule, RuleTable, RuleTableBuilder
from policy.screening.words import get_tokenizer

__all__ = ["Policy", "PolicyParts", "Rule", "assemble_policy", "check_policy", "load_policy",
           "prepare_policy"]

logger = logging.getLogger(__name__)

# Bump when normalisation or matching semantics change: same lists, new
# behaviour, so a new version in the audit trail.
SEMANTICS = "screening/1"


@dataclass(frozen=True, slots=True, eq=False)
class Policy:
    """Everything `screen` needs, built once per policy version and shared.

    Immutable, so a reload builds a new Policy and swaps the reference;
    requests in flight finish on the one they started with.
    """

    version: str  # content hash of categories, list files and options
    loaded_at: str
    categories: tuple[CategoryConfig, ...]
    rules: RuleTable = field(repr=False)  # also: the rules of each automaton pattern
    fold_traditional: bool
    engine: str  # the automaton backend in use
    regex_engine: str
    normalizer: Normalizer = field(repr=False)
    matcher: Matcher = field(repr=False)
    regexes: RegexSet = field(repr=False)
    regex_rules: tuple[Rule, ...] = field(repr=False)  # by regex index
    exemptions: dict[str, tuple[str, ...]] = field(repr=False)  # normalised, by category
    clean: Decision = field(repr=False)  # the shared accept decision for clean content
    # Proves most clean texts clean before normalising (engine "fastpath");
    # None: every text takes the exact path.
    fast: FastPath | None = field(default=None, repr=False)

    def describe_rules(self) -> list[dict[str, Any]]:
        return self.rules.describe()


class _Builder:
    """Accumulates rules while files are read; `parts` makes the PolicyParts."""

    def __init__(self, categories: Sequence[CategoryConfig], fold_traditional: bool) -> None:
        self.normalizer = get_normalizer(fold_traditional)
        self.digest = hashlib.sha256(f"{SEMANTICS}\0{fold_traditional}\0".encode())
        self.rules = RuleTableBuilder(categories)
        self.chinese_words = False  # any word term that jieba must confirm?

    def add_category(self, category: CategoryConfig) -> None:
        self.digest.update(repr((category.name, category.action, category.mode,
                                 category.exemptions)).encode())
        for path in category.lists:
            data, terms = read_list_file(path)
            self.digest.update(f"\0{path.name}\0".encode() + hashlib.sha256(data).digest())
            for term in terms:
                self.add_term(term, category)

    def add_term(self, term: ListTerm, category: CategoryConfig) -> None:
        pattern = term_pattern(term, self.normalizer)
        if self.rules.add(term, category.name, pattern) and term.kind == "word" and \
                not self.chinese_words:
            self.chinese_words = any(map(is_cjk, pattern))

    def parts(self, categories: Sequence[CategoryConfig], engine: str | None) -> PolicyParts:
        try:
            chosen = choose_engine(engine)
        except ValueError as exc:
            raise PolicyError(f"screening.engine: {exc}") from None
        fast = None
        if chosen == "fastpath":
            fast = compile_fast_path(self.normalizer.fold_traditional, self.rules.patterns(),
                                     self.rules.regexes())
        return PolicyParts(
            version=self.digest.hexdigest()[:16],
            loaded_at=dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            categories=tuple(categories), rules=self.rules.finish(),
            fold_traditional=self.normalizer.fold_traditional, engine=chosen,
            exemptions={c.name: normalize_exemptions(c, self.normalizer) for c in categories},
            chinese_words=self.chinese_words, fast=fast)


@dataclass(frozen=True, slots=True)
class PolicyParts:
    """A policy before its automata exist: plain data a child process can send.

    Reading and normalising 100,000 terms is a second of Python, which in
    a thread of the serving process slows every request (they wait for
    the GIL); in a child process it costs the server nothing. The rules
    are columns (rules.py), so sending them is a few buffers, not 100,000
    objects to unpickle.
    """

    version: str
    loaded_at: str
    categories: tuple[CategoryConfig, ...]
    rules: RuleTable  # with the automaton's patterns and the regexes
    fold_traditional: bool
    engine: str
    exemptions: dict[str, tuple[str, ...]]
    chinese_words: bool  # some word term needs jieba
    fast: FastPathParts | None


def assemble_policy(parts: PolicyParts) -> Policy:
    """Build the automata over prepared parts: the short, C-heavy step."""
    rules = parts.rules
    matcher = build_matcher(rules.patterns, parts.engine)
    regex_rules = rules.regex_rules()
    if parts.chinese_words:
        # Load jieba's dictionary (about a second, once per process) now,
        # not inside the first request that hits a Chinese word term.
        get_tokenizer()
    return Policy(
        version=parts.version, loaded_at=parts.loaded_at, categories=parts.categories,
        rules=rules, fold_traditional=parts.fold_traditional, engine=matcher.name,
        regex_engine=regexes.engine_name(), normalizer=get_normalizer(parts.fold_traditional),
        matcher=matcher, regexes=RegexSet(list(rules.regexes)), regex_rules=regex_rules,
        exemptions=parts.exemptions, clean=Decision("accept", policy_version=parts.version),
        fast=FastPath(parts.fast) if parts.fast is not None else None)


def term_pattern(term: ListTerm, normalizer: Normalizer) -> str:
    """What one list line matches; PolicyError (file, line) when it cannot match."""
    if term.kind == "re":
        try:
            regexes.compile_pattern(term.term)
        except ValueError as exc:
            raise PolicyError(str(exc), file=term.file, line=term.line) from None
        return term.term
    pattern = normalizer.normalize(term.term)
    if not pattern.strip():
        raise PolicyError(f"term {term.term!r} is empty once normalised",
                          file=term.file, line=term.line)
    return pattern


def normalize_exemptions(category: CategoryConfig, normalizer: Normalizer) -> tuple[str, ...]:
    phrases = tuple(normalizer.normalize(p) for p in category.exemptions)
    if any(not p.strip() for p in phrases):
        raise PolicyError(f"screening.categories[{category.name}].exemptions: "
                          "a phrase is empty once normalised")
    return phrases


def prepare_policy(categories: Sequence[CategoryConfig], *, fold_traditional: bool = False,
                   engine: str | None = None) -> PolicyParts:
    """Read and check every list file: all a build does before its automata."""
    builder = _Builder(categories, fold_traditional)
    for category in categories:
        builder.add_category(category)
    return builder.parts(categories, engine)


def load_policy(categories: Sequence[CategoryConfig], *, fold_traditional: bool = False,
                engine: str | None = None) -> Policy:
    """Read the categories' list files and build a ready Policy.

    `engine` forces a backend ("fastpath", "ahocorasick_rs" or
    "pyahocorasick"); None or "" takes the fastest installed.
    """
    policy = assemble_policy(prepare_policy(categories, fold_traditional=fold_traditional,
                                            engine=engine))
    logger.info("screening policy %s: %d rules in %d categories (%s, regex %s)",
                policy.version, len(policy.rules), len(categories), policy.engine,
                policy.regex_engine)
    return policy


def check_policy(categories: Sequence[CategoryConfig], *, fold_traditional: bool = False,
                 engine: str | None = None) -> list[str]:
    """Every problem a load would hit, one message each (empty when fine)."""
    normalizer = get_normalizer(fold_traditional)
    problems: list[PolicyError] = []
    for category in categories:
        for path in category.lists:
            terms, found = check_list_file(path)
            for term in terms:
                try:
                    term_pattern(term, normalizer)
                except PolicyError as exc:
                    found.append(exc)
            problems.extend(sorted(found, key=lambda p: p.line or 0))
    if not problems:
        try:
            prepare_policy(categories, fold_traditional=fold_traditional, engine=engine)
        except PolicyError as exc:
            problems.append(exc)
    return [str(problem) for problem in problems]
