"""A policy's rules, kept as columns and made into `Rule` values on demand.

A 100,000-term policy held as 100,000 frozen `Rule`s, each with its own
id, term, pattern and file name strings, took about 45 MB and, sent from
the child process that builds it, half a second of unpickling in the
serving process. Here the terms and patterns are each one string with
end offsets (`Strings`), the rest small arrays: a few MB, and pickled as
a handful of buffers. A `Rule` is made when asked for: for a hit, and
for the admin's rule list.
"""

from __future__ import annotations

import hashlib
import logging
from array import array
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any, overload

from policy.screening.config import CategoryConfig
from policy.screening.lists import KINDS, ListTerm

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Rule:
    """One term of one category, as the admin API lists it."""

    id: str  # "<category>:<hash of kind and normalised term>", stable across edits
    category: str
    term: str
    kind: str
    file: str
    line: int
    pattern: str  # what is matched: the normalised term, or the regex
    action: str
    mode: str

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "category": self.category, "term": self.term,
                "kind": self.kind, "file": self.file, "line": self.line,
                "action": self.action, "mode": self.mode}


_KIND_NUMBERS = {kind: number for number, kind in enumerate(KINDS)}
_RE = _KIND_NUMBERS["re"]


def rule_id(category: str, kind: str, pattern: str) -> str:
    digest = hashlib.sha256(f"{kind}\0{pattern}".encode()).hexdigest()
    return f"{category}:{digest[:10]}"


@dataclass(frozen=True, slots=True)
class Strings(Sequence[str]):
    """Many short strings as one str and the end offset of each."""

    text: str
    ends: array  # type: ignore[type-arg]  # array("I")

    @classmethod
    def of(cls, items: Collection[str]) -> Strings:
        return cls("".join(items), array("I", accumulate(map(len, items))))

    def __len__(self) -> int:
        return len(self.ends)

    def __iter__(self) -> Iterator[str]:
        return _cut(self.text, self.ends, 0)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                return [self[i] for i in range(start, stop, step)]
            return list(_cut(self.text, self.ends[start:stop], self.ends[start - 1] if start else 0))
        if index < 0:
            index += len(self.ends)
        return self.text[self.ends[index - 1] if index else 0:self.ends[index]]


def _cut(text: str, ends: Iterable[int], start: int) -> Iterator[str]:
    for end in ends:
        yield text[start:end]
        start = end


@dataclass(frozen=True, slots=True)
class RuleTable(Sequence[Rule]):
    """Every rule of a policy, in list order; `table[i]` makes the i-th `Rule`."""

    categories: tuple[tuple[str, str, str], ...]  # name, action, mode
    files: tuple[str, ...]
    terms: Strings  # as written, kind prefix removed
    kinds: bytes  # index into lists.KINDS
    category_of: array  # type: ignore[type-arg]  # array("H"), index into categories
    file_of: array  # type: ignore[type-arg]  # array("H"), index into files
    lines: array  # type: ignore[type-arg]  # array("I")
    pattern_of: array  # type: ignore[type-arg]  # array("I"): into patterns, or regexes for "re"
    patterns: Strings  # the automaton's patterns (normalised terms), in index order
    regexes: tuple[str, ...]  # the regex set's patterns, in index order
    # The rule numbers of pattern p: pattern_rules[pattern_rule_ends[p - 1]:pattern_rule_ends[p]]
    pattern_rule_ends: array  # type: ignore[type-arg]  # array("I")
    pattern_rules: array  # type: ignore[type-arg]  # array("I")

    def __len__(self) -> int:
        return len(self.kinds)

    @overload
    def __getitem__(self, index: int) -> Rule: ...

    @overload
    def __getitem__(self, index: slice) -> list[Rule]: ...

    def __getitem__(self, index: int | slice) -> Rule | list[Rule]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        kind = KINDS[self.kinds[index]]
        name, action, mode = self.categories[self.category_of[index]]
        pattern = (self.regexes if kind == "re" else self.patterns)[self.pattern_of[index]]
        return Rule(id=rule_id(name, kind, pattern), category=name, term=self.terms[index],
                    kind=kind, file=self.files[self.file_of[index]], line=self.lines[index],
                    pattern=pattern, action=action, mode=mode)

    def __iter__(self) -> Iterator[Rule]:
        return (self[i] for i in range(len(self)))

    def of_pattern(self, index: int) -> tuple[Rule, ...]:
        """The rules whose pattern is automaton pattern `index` (usually one)."""
        start = self.pattern_rule_ends[index - 1] if index else 0
        return tuple(map(self.__getitem__, self.pattern_rules[start:self.pattern_rule_ends[index]]))

    def describe(self) -> list[dict[str, Any]]:
        """`Rule.to_dict()` of every rule, straight from the columns.

        Making 100,000 `Rule`s first took 0.4 s in the serving process;
        this takes about a quarter of that.
        """
        patterns, regexes, regex = self.patterns, self.regexes, _RE
        return [
            {"id": rule_id(name, KINDS[kind], (regexes if kind == regex else patterns)[index]),
             "category": name, "term": term, "kind": KINDS[kind], "file": self.files[file],
             "line": line, "action": action, "mode": mode}
            for term, kind, (name, action, mode), file, line, index in zip(
                self.terms, self.kinds, map(self.categories.__getitem__, self.category_of),
                self.file_of, self.lines, self.pattern_of)]

    def regex_rules(self) -> tuple[Rule, ...]:
        """The rules of the regex set, by regex index (they were added in that order)."""
        return tuple(self[i] for i, kind in enumerate(self.kinds) if kind == _RE)


class RuleTableBuilder:
    """Collects rules as list files are read; a repeat of a rule is skipped."""

    def __init__(self, categories: Sequence[CategoryConfig]) -> None:
        self._categories = {c.name: i for i, c in enumerate(categories)}
        self._category_info = tuple((c.name, c.action, c.mode) for c in categories)
        self._files: dict[str, int] = {}
        self._terms: list[str] = []
        self._kinds = bytearray()
        self._category_of, self._file_of = array("H"), array("H")
        self._lines, self._pattern_of = array("I"), array("I")
        self._patterns: dict[str, int] = {}  # pattern -> its index
        self._first_rule = array("I")  # by pattern index
        self._more_rules: dict[int, list[int]] = {}  # pattern index -> its other rules
        self._regexes: dict[tuple[int, str], int] = {}  # (category, regex) -> rule number

    def add(self, term: ListTerm, category: str, pattern: str) -> bool:
        """Add one list line's rule; False (logged) when it repeats an earlier one."""
        cat, kind, number = self._categories[category], _KIND_NUMBERS[term.kind], len(self._kinds)
        if kind == _RE:
            index = len(self._regexes)
            first = self._regexes.setdefault((cat, pattern), number)
        elif (index := self._patterns.setdefault(pattern, len(self._patterns))) == len(self._first_rule):
            self._first_rule.append(first := number)
        else:
            same = [self._first_rule[index], *self._more_rules.get(index, ())]
            first = next((n for n in same if self._category_of[n] == cat and
                          self._kinds[n] == kind), number)
            if first == number:
                self._more_rules.setdefault(index, []).append(number)
        if first != number:
            logger.info("%s:%d repeats %s (%s:%d)", term.file, term.line,
                        rule_id(category, term.kind, pattern),
                        tuple(self._files)[self._file_of[first]], self._lines[first])
            return False
        self._terms.append(term.term)
        self._kinds.append(kind)
        self._category_of.append(cat)
        self._file_of.append(self._files.setdefault(str(term.file), len(self._files)))
        self._lines.append(term.line)
        self._pattern_of.append(index)
        return True

    def patterns(self) -> list[str]:
        return list(self._patterns)

    def regexes(self) -> list[str]:
        return [regex for _cat, regex in self._regexes]

    def finish(self) -> RuleTable:
        ends, rules = array("I"), array("I")
        for index, first in enumerate(self._first_rule):
            rules.append(first)
            rules.extend(self._more_rules.get(index, ()))
            ends.append(len(rules))
        return RuleTable(
            categories=self._category_info, files=tuple(self._files),
            terms=Strings.of(self._terms), kinds=bytes(self._kinds),
            category_of=self._category_of, file_of=self._file_of, lines=self._lines,
            pattern_of=self._pattern_of, patterns=Strings.of(self._patterns),
            regexes=tuple(self.regexes()), pattern_rule_ends=ends, pattern_rules=rules)
