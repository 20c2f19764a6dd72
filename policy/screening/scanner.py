"""`screen`: the pure decision over the text fields of one piece of content.

The hot path per field is: normalise (C-speed primitives only), one
automaton pass, one regex-set pass. Everything else (the offset map,
jieba, exemptions) runs only for a field with a candidate hit, which a
clean post never has.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from policy.screening.decision import Decision, Hit, make_decision
from policy.screening.engine import Policy, Rule
from policy.screening.words import WordChecker

# Enough reasons for a moderator; a post repeating a term a thousand times
# does not need a thousand hits in the audit log.
MAX_HITS_PER_FIELD = 50

Fields = Mapping[str, str] | Sequence[tuple[str, str]]


def screen(policy: Policy, fields: Fields) -> Decision:
    """Decide on content given as (field name, text) pairs.

    Field names say where a text came from: "status", "spoiler_text",
    "poll_option[0]", "display_name", "note", "field[0].name", ...
    """
    pairs: Iterable[tuple[str, str]] = \
        fields.items() if isinstance(fields, (dict, Mapping)) else fields
    fast = policy.fast
    if fast is not None:  # the fast path proves most fields clean on its own
        is_clean = fast.is_clean
        pairs = [(name, text) for name, text in pairs if text and not is_clean(text)]
        if not pairs:
            return policy.clean  # frozen, so one instance serves every clean post
    return _exact(policy, pairs)


def _exact(policy: Policy, pairs: Iterable[tuple[str, str]]) -> Decision:
    """The exact path, the only judge: normalise, match, confirm each candidate."""
    normalize = policy.normalizer.normalize
    find_literals = policy.matcher.iter_matches
    find_regexes = policy.regexes.iter_matches if len(policy.regexes) else None
    hits: list[Hit] = []
    shadow: list[Hit] = []
    for name, text in pairs:
        if not text:
            continue
        norm = normalize(text)
        literal = find_literals(norm)
        regex = find_regexes(norm) if find_regexes is not None else []
        if literal or regex:
            _collect(policy, name, text, norm, literal, regex, hits, shadow)
    if not hits and not shadow:
        return policy.clean
    return make_decision(hits, shadow, policy.version)


def _collect(policy: Policy, name: str, text: str, norm: str,
             literal: list[tuple[int, int, int]], regex: list[tuple[int, int, int]],
             hits: list[Hit], shadow: list[Hit]) -> None:
    """Confirm candidate matches in one field and turn them into hits."""
    mapped = policy.normalizer.mapped(text)
    if mapped.text != norm:  # cannot happen by construction; stay correct if it does
        norm = mapped.text
        literal = policy.matcher.iter_matches(norm)
        regex = policy.regexes.iter_matches(norm) if len(policy.regexes) else []
    candidates: list[tuple[int, int, Rule]] = [
        (start, end, rule) for start, end, index in literal
        for rule in policy.rules.of_pattern(index)]
    candidates += [(start, end, policy.regex_rules[index]) for start, end, index in regex]
    candidates.sort(key=lambda c: (c[0], c[1], c[2].id))
    words = WordChecker(norm, mapped.cuts)
    found = 0
    for start, end, rule in candidates:
        if rule.kind == "word" and not words.is_word(start, end):
            continue
        if _exempt(policy.exemptions.get(rule.category, ()), norm, start, end):
            continue
        orig_start, orig_end = mapped.span(start, end)
        hit = Hit(rule_id=rule.id, category=rule.category, term=rule.term, kind=rule.kind,
                  field=name, start=orig_start, end=orig_end, norm_start=start, norm_end=end,
                  action=rule.action, mode=rule.mode, matched=text[orig_start:orig_end])
        (shadow if rule.mode == "shadow" else hits).append(hit)
        found += 1
        if found >= MAX_HITS_PER_FIELD:
            break


def _exempt(phrases: tuple[str, ...], text: str, start: int, end: int) -> bool:
    """True when an exemption phrase occurs over the whole of [start, end)."""
    for phrase in phrases:
        # An occurrence covering the hit starts in [end - len, start].
        if len(phrase) >= end - start and \
                text.find(phrase, max(0, end - len(phrase)), start + len(phrase)) >= 0:
            return True
    return False
