"""The fast path never misses what the exact path catches.

A seeded generator (hypothesis is not a project dependency) builds texts
from terms with evasions: separators between Han characters, full-width
and styled letters, zero-width and bidi controls, mixed case,
traditional characters, exemption phrases, noise. Every text is screened
with the fast path on and forced off; the decisions must be identical.
"""

from __future__ import annotations

import dataclasses
import random
import threading
from pathlib import Path

import pytest

from policy.screening import (
    Policy,
    available_engines,
    fastpath,
    load_policy,
    matchers,
    parse_categories,
    screen,
)
from policy.screening.charsets import traditional_table
from policy.screening import skeleton as skeletons
from policy.screening.skeleton import get_skeleton

TERMS = ["博彩", "赌场", "网上赌博", "代开发票", "刷单", "买粉", "online casino", "casino",
         "bet", "click here", "fake invoice", "发票", "百家乐", "加微信领红包"]
LISTS = {
    "g.txt": "博彩\n赌场\n网上赌博\nword:casino\nonline casino\nword:bet\n百家乐\n",
    "f.txt": "word:刷单\nre:日赚\\s*\\d{3,}\\s*元\nre:(?:qq|vx)[:：]?\\d{5,12}\n",
    "i.txt": "代开发票\nfake invoice\n发票代开\n",
    "s.txt": "买粉\nword:click here\n加微信领红包\n",
}
CATEGORIES = [
    {"name": "g", "action": "reject", "lists": ["g.txt"],
     "exemptions": ["casino royale", "禁止赌场广告", "博彩业监管"]},
    {"name": "f", "action": "reject", "lists": ["f.txt"]},
    {"name": "i", "action": "review", "lists": ["i.txt"]},
    {"name": "s", "action": "flag", "lists": ["s.txt"], "mode": "shadow"},
]
FILLER = ["今天天气很好", "我们去吃饭", "周末愉快", "hello world", "nice photo", "服务器更新",
          "发", "票", "博", "赌", "单", "casi", "no", "的", "了", "timeline", "赚", "日", "800",
          "元", "qq", "12345678"]
SEPARATORS = [" ", "*", ".", "-", "，", "。", "、", "！", "“", "”", "\u3000", "\u200b", "\u200d",
              "\u202e", "\ufeff", "🎲", "\u0301", "…", "·", "♥", "\t", "\n", "_", "【", "》"]
NOISE = ["é", "Ｃ", "ａ", "𝐜", "ß", "ẞ", "Σ", "ς", "⼈", "™", "①", "\u00a0", "😀", "İ", "ﬁ"]
TO_TRADITIONAL = {s: chr(t) for t, s in traditional_table().items()}


def make_policy(tmp_path: Path, engine: str, fold: bool = True) -> Policy:
    for name, text in LISTS.items():
        (tmp_path / name).write_text(text, "utf-8")
    return load_policy(parse_categories(CATEGORIES, tmp_path), fold_traditional=fold,
                       engine=engine)


def evade(rng: random.Random, term: str) -> str:
    """`term` as an evader might write it."""
    out = []
    for ch in term:
        roll = rng.random()
        if roll < 0.2 and ch in TO_TRADITIONAL:
            ch = TO_TRADITIONAL[ch]
        elif roll < 0.3 and ch.isascii() and ch.isalpha():
            ch = chr(ord(ch.lower()) - 0x61 + 0xFF41)  # full-width
        elif roll < 0.5:
            ch = ch.upper()
        out.append(ch)
        if rng.random() < 0.3:
            out.append("".join(rng.choices(SEPARATORS, k=rng.randint(1, 3))))
    return "".join(out)


def random_text(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(1, 8)):
        roll = rng.random()
        if roll < 0.45:
            parts.append(rng.choice(FILLER))
        elif roll < 0.6:
            parts.append(evade(rng, rng.choice(TERMS)))
        elif roll < 0.7:
            parts.append(rng.choice(["casino royale", "禁止赌场广告", "加强博彩业监管",
                                     "日赚 900 元", "VX:1234567", "double-click here"]))
        elif roll < 0.8:
            parts.append(rng.choice(NOISE))
        else:
            parts.append(rng.choice(SEPARATORS))
    if rng.random() < 0.01:
        parts.append("\ud800")
    return "".join(parts)


@pytest.mark.parametrize(("fold", "sharded", "rs"), [
    (True, False, True), (False, False, True), (True, True, True), (True, True, False)])
def test_fast_path_agrees_with_exact_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                          fold: bool, sharded: bool, rs: bool) -> None:
    # Given the same policy with the fast path on and forced off (the exact
    # automaton in one shard, or in many as big policies have it)
    monkeypatch.setattr(fastpath, "SHARD_SIZE", 3 if sharded else 25_000)
    if not rs:  # pyahocorasick behind the fast path
        monkeypatch.setattr(matchers, "_rs", None)
    fast = make_policy(tmp_path, "fastpath", fold)
    assert fast.fast is not None
    exact = dataclasses.replace(fast, fast=None)
    rng = random.Random(20261123 + fold)
    proved = 0
    for _ in range(6000):
        fields = [("status", random_text(rng)), ("spoiler_text", random_text(rng))]
        # When both screen it, Then they decide identically, hits and offsets included
        assert screen(fast, fields) == screen(exact, fields), fields
        proved += sum(fast.fast.is_clean(text) for _, text in fields)
    # And the fast path did prove a fair share of the fields clean on its own
    assert proved > 1500


HAN_POOL = "".join(chr(cp) for cp in range(0x4E00, 0x4E00 + 1500)) + "".join(set("".join(TERMS)))


def big_lists(tmp_path: Path, rng: random.Random, count: int) -> list[str]:
    """`count` seeded terms in four lists, and the plain ones, for planting in texts."""
    terms: set[str] = set()
    while len(terms) < count:
        if rng.random() < 0.9:
            terms.add("".join(rng.choices(HAN_POOL, k=rng.randint(2, 4))))
        else:
            terms.add("".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randint(3, 9))))
    ordered = sorted(terms)
    kinds = ["", "", "", "word:"]
    for index, name in enumerate(["g.txt", "f.txt", "i.txt", "s.txt"]):
        lines = [kinds[(index + i) % 4] + term for i, term in enumerate(ordered[index::4])]
        extra = LISTS[name]  # the evasion-prone terms, regexes and word terms above
        (tmp_path / name).write_text(extra + "\n".join(lines) + "\n", "utf-8")
    return ordered


def test_fast_path_agrees_with_exact_path_at_100k_terms(tmp_path: Path) -> None:
    # Given a policy of 100,000 terms (substring and word, Chinese and
    # English, plus the regexes and exemptions above), fast path on and off
    rng = random.Random(100_000)
    planted = big_lists(tmp_path, rng, 100_000)
    fast = load_policy(parse_categories(CATEGORIES, tmp_path), fold_traditional=True,
                       engine="fastpath")
    assert fast.fast is not None and len(fast.rules) > 100_000
    exact = dataclasses.replace(fast, fast=None)
    decided = {"hit": 0, "clean": 0}
    proved = 0
    for _ in range(3000):
        # When a text mixes filler, evasions of the big lists' terms and noise
        text = random_text(rng)
        if rng.random() < 0.5:
            text += evade(rng, rng.choice(planted)) + random_text(rng)
        fields = [("status", text)]
        decision = screen(fast, fields)
        # Then both paths decide identically, hits and offsets included
        assert decision == screen(exact, fields), fields
        decided["hit" if decision.hits or decision.shadow_hits else "clean"] += 1
        proved += fast.fast.is_clean(text)
    # And both outcomes were common, and the fast path proved texts clean on its own
    assert min(decided.values()) > 300 and proved > 100, (decided, proved)


def test_fast_path_proves_plain_text_clean_and_sends_the_rest_on(tmp_path: Path) -> None:
    fast = make_policy(tmp_path, "fastpath").fast
    assert fast is not None
    for text in ["今天天气很好，我们去吃饭！", "Hello World, nice photo :)", "hello 🎲 world",
                 "《三体》【书评】“好看”", ""]:
        assert fast.is_clean(text), text
    assert fast.is_clean("臺灣的天氣")  # traditional, no term: still the fast path
    for text in ["賭場", "赌 场", "赌\u200b场", "ＣＡＳＩＮＯ", "博🎲彩", "Online-Casino",
                 "日赚 800元", "café", "\ud800", "ÉCOLE", "博\u0301彩", "vx123456"]:
        assert not fast.is_clean(text), text


def test_regex_literals_are_necessary_parts() -> None:
    skeleton = get_skeleton(True)
    assert skeleton.regex_literals(r"日赚\s*\d{3,}\s*元") == ["日赚"]
    assert skeleton.regex_literals(r"(?:QQ|vx)[:：]?\d{5,12}") == ["qq", "vx"]
    assert skeleton.regex_literals(r"Free(Bet)s?") == ["freebet"]
    assert skeleton.regex_literals(r"ab|c\d") == ["ab", "c"]
    assert skeleton.regex_literals(r"ab|\d+") is None  # a branch without one: no set
    assert skeleton.regex_literals(r"\d{11}") is None


def test_fast_path_is_off_when_a_term_has_no_skeleton(tmp_path: Path) -> None:
    (tmp_path / "g.txt").write_text("博彩\n$$$\n", "utf-8")
    configs = parse_categories([{"name": "g", "action": "flag", "lists": ["g.txt"]}], tmp_path)
    policy = load_policy(configs, engine="fastpath")
    assert policy.engine == "fastpath" and policy.fast is None
    assert screen(policy, {"status": "cost: $$$"}).action == "flag"


def test_fast_path_scans_from_many_threads(tmp_path: Path) -> None:
    policy = make_policy(tmp_path, "fastpath")
    results: list[bool] = []

    def work() -> None:
        for _ in range(300):
            results.append(screen(policy, {"status": "今天天气很好 博 彩"}).action == "reject")

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [True] * 1200


def test_everything_works_with_pyahocorasick_alone(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a machine without the "fast" extra or a C compiler
    monkeypatch.setattr(skeletons, "_native", None)
    monkeypatch.setattr(matchers, "_rs", None)
    assert available_engines() == ("pyahocorasick",)
    # Then the default policy uses pyahocorasick, without a fast path, and screens
    policy = make_policy(tmp_path, "")
    assert (policy.engine, policy.fast) == ("pyahocorasick", None)
    assert screen(policy, {"status": "網上賭場"}).action == "reject"
    with pytest.raises(ValueError, match="not installed"):
        matchers.build_matcher(["x"], "fastpath")


def random_unicode(rng: random.Random) -> str:
    """Text from every part of Unicode the skeleton treats differently."""
    pools = [(0x20, 0x7F), (0x80, 0x2FF), (0x300, 0x36F), (0x2000, 0x206F), (0x3000, 0x303F),
             (0x4E00, 0x4E80), (0x2E80, 0x2FDF), (0xF900, 0xFAFF), (0xFF00, 0xFFEF),
             (0xD800, 0xDFFF), (0x1D400, 0x1D7FF), (0x1F300, 0x1F64F), (0x20000, 0x20100),
             (0x2F800, 0x2FA1F), (0xE0000, 0xE01EF), (0xF0000, 0xF0010)]
    out = []
    for _ in range(rng.randint(0, 40)):
        a, b = rng.choice(pools)
        out.append(chr(rng.randint(a, b)))
    return "".join(out)


@pytest.mark.parametrize("fold", [True, False])
def test_c_skeleton_matches_its_python_definition(fold: bool) -> None:
    skeleton = get_skeleton(fold)
    rng = random.Random(fold)
    texts = [random_unicode(rng) for _ in range(20_000)] + [random_text(rng) for _ in range(2000)]
    for text in texts:
        assert skeleton.text(text) == skeletons.skeleton_reference(text, skeleton.table), text


def test_the_c_skeleton_is_built_by_the_install() -> None:
    # Without it screening stays correct but loses its fast path, which is
    # most of its speed: an install on a machine with a compiler builds it.
    assert skeletons.native_available()


def test_skeleton_folds_variants_and_knows_what_it_cannot_tell() -> None:
    skeleton = get_skeleton(True)
    assert skeleton.text("賭場 Casino，今天") == "赌场casino今天".encode()
    assert skeleton.text("赌 场") == "赌场".encode()  # ASCII space: deleted
    assert skeleton.text("hello 🎲 world") == "hello🎲world".encode()
    for unknown in ["赌🎲场", "赌\u200b场", "ＣＡＳＩＮＯ", "café", "\ud800", "\U000e0041"]:
        assert skeleton.text(unknown) is None, unknown


def test_a_policy_without_terms_still_screens(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "empty.txt").write_text("", "utf-8")
    configs = parse_categories([{"name": "g", "action": "flag", "lists": ["empty.txt"]}], tmp_path)
    policy = load_policy(configs, engine="fastpath")
    assert policy.fast is not None and "fast path off" not in caplog.text
    assert screen(policy, {"status": "hello ＣＡＳＩＮＯ 博彩"}).accepted
