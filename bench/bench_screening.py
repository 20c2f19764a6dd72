"""Screening throughput and automaton build cost (issue 4).

    python bench/bench_screening.py [--quick]

Random 2-4 character Chinese terms (plus some English ones) at 10,000 and
100,000 terms; 500-character mixed Chinese/English posts that hit no
term. Prints posts/s for `screen` (normalisation included) with each
installed backend side by side (hyperscan: its fast path in front of the
exact automaton), against two naive baselines timed on a small sample
and extrapolated: (a) one regex alternation of every term, (b) a loop of
`term in text`. Figures, not assertions: compare ratios within one run.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import re
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from pathlib import Path

import ahocorasick
import jieba

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from policy.screening import (Policy, available_engines, load_policy,  # noqa: E402
                              parse_categories, screen)
from policy.screening.charsets import traditional_table  # noqa: E402
from policy.screening.normalize import get_normalizer  # noqa: E402

ENGLISH = ("the quick brown fox jumps over lazy dog hello world server follow timeline post "
           "release notes update photo weekend coffee music travel friends today great").split()
PUNCTUATION = "，。！？、；：“”"


def chinese_vocabulary() -> tuple[list[str], list[str]]:
    """Common simplified words and characters, from jieba's own dictionary."""
    traditional = {chr(cp) for cp in traditional_table()}
    words = []
    path = Path(jieba.__file__).parent / "dict.txt"
    for line in path.read_text("utf-8").splitlines():
        word, freq, _tag = line.split(" ")
        if int(freq) >= 300 and all("\u4e00" <= c <= "\u9fff" and c not in traditional
                                    for c in word):
            words.append(word)
    chars = sorted({c for w in words for c in w})
    return words, chars


def make_posts(rng: random.Random, words: list[str], count: int) -> list[str]:
    posts = []
    for _ in range(count):
        parts: list[str] = []
        size = 0
        while size < 500:
            if rng.random() < 0.25:
                part = " " + " ".join(rng.choices(ENGLISH, k=rng.randint(2, 6))) + " "
            else:
                part = "".join(rng.choices(words, k=rng.randint(2, 6))) + rng.choice(PUNCTUATION)
            parts.append(part)
            size += len(part)
        posts.append("".join(parts)[:500])
    return posts


def make_terms(rng: random.Random, chars: list[str], count: int) -> list[str]:
    terms: set[str] = set()
    while len(terms) < count:
        if rng.random() < 0.9:
            terms.add("".join(rng.choices(chars, k=rng.randint(2, 4))))
        else:
            letters = "abcdefghijklmnopqrstuvwxyz"
            terms.add("".join(rng.choices(letters, k=rng.randint(5, 9))))
    return sorted(terms)


def drop_terms_that_hit(terms: list[str], posts: list[str]) -> list[str]:
    """Keep the posts clean: remove terms that occur in any normalised post."""
    normalizer = get_normalizer(True)
    automaton = ahocorasick.Automaton()
    for term in terms:
        automaton.add_word(normalizer.normalize(term), term)
    automaton.make_automaton()
    hit = {term for post in posts for _end, term in automaton.iter(normalizer.normalize(post))}
    return [t for t in terms if t not in hit]


def write_policy_files(folder: Path, terms: Sequence[str]) -> list[dict[str, object]]:
    categories: list[dict[str, object]] = []
    names = ("gambling", "invoices", "followers", "fraud")
    for index, name in enumerate(names):
        chunk = terms[index::len(names)]
        (folder / f"{name}.txt").write_text("\n".join(chunk) + "\n", "utf-8")
        categories.append({"name": name, "action": ("reject", "review", "sensitive", "flag")[index],
                           "lists": [f"{name}.txt"]})
    return categories


def rate(func: Callable[[str], object], posts: Sequence[str], budget: float) -> float:
    """Posts per second, running `func` over `posts` for about `budget` seconds."""
    done, start = 0, time.perf_counter()
    while True:
        for post in posts:
            func(post)
        done += len(posts)
        elapsed = time.perf_counter() - start
        if elapsed >= budget:
            return done / elapsed


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def build_cost(categories: list[dict[str, object]], folder: Path,
               engine: str) -> tuple[str, Policy]:
    configs = parse_categories(categories, folder)
    gc.collect()
    before = rss_bytes()
    start = time.perf_counter()
    policy = load_policy(configs, fold_traditional=True, engine=engine)
    seconds = time.perf_counter() - start
    gc.collect()
    grown = rss_bytes() - before
    tracemalloc.start()
    again = load_policy(configs, fold_traditional=True, engine=engine)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del again
    return (f"build {seconds:5.2f} s   RSS +{grown / 2**20:6.1f} MiB   "
            f"Python peak {peak / 2**20:6.1f} MiB"), policy


def run_size(size: int, chars: list[str], posts: list[str], args: argparse.Namespace) -> None:
    rng = random.Random(size)
    terms = drop_terms_that_hit(make_terms(rng, chars, size), posts)
    print(f"\n--- {len(terms):,} terms ({size - len(terms)} dropped to keep posts clean), "
          f"{len(posts)} distinct posts of 500 chars ---")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        categories = write_policy_files(folder, terms)
        ours = {}
        for engine in available_engines():
            cost, policy = build_cost(categories, folder, engine)
            print(f"{engine:15s} {cost}", flush=True)
            assert all(screen(policy, {"status": p}).accepted for p in posts[:200])
            ours[engine] = rate(lambda p: screen(policy, {"status": p}), posts, args.budget)
            parts = part_rates(policy, posts, args)
            print(f"{engine:15s} screen {ours[engine]:10,.0f} posts/s ({parts})", flush=True)
    normalize = get_normalizer(True).normalize
    print(f"{'normalise only':15s}        {rate(normalize, posts, args.budget / 2):10,.0f} posts/s")
    if size <= args.baseline_max:
        baselines(terms, posts, ours, args)


def part_rates(policy: Policy, posts: list[str], args: argparse.Namespace) -> str:
    """Where the time goes: the exact automaton alone, or the fast path alone."""
    if policy.fast is not None:
        fast = policy.fast.is_clean
        proved = sum(map(fast, posts)) / len(posts)
        return (f"fast path alone {rate(fast, posts, args.budget / 2):10,.0f}/s, "
                f"proved {proved:.0%} clean")
    normalized = [policy.normalizer.normalize(p) for p in posts]
    automaton = rate(policy.matcher.iter_matches, normalized, args.budget / 2)
    return f"automaton alone {automaton:10,.0f}/s"


def baselines(terms: list[str], posts: list[str], ours: dict[str, float],
              args: argparse.Namespace) -> None:
    normalize = get_normalizer(True).normalize
    norm_terms = [normalize(t) for t in terms]
    sample = [normalize(p) for p in posts[:args.sample]]
    start = time.perf_counter()
    alternation = re.compile("|".join(map(re.escape, norm_terms)))
    compile_s = time.perf_counter() - start
    alt = rate(alternation.search, sample, args.budget / 2)
    loop = rate(lambda text: any(t in text for t in norm_terms), sample, args.budget / 2)
    print(f"(a) regex alternation  {alt:10,.1f} posts/s (compile {compile_s:.1f} s; "
          f"{len(sample)} pre-normalised posts)")
    print(f"(b) `term in text` loop {loop:9,.1f} posts/s ({len(sample)} pre-normalised posts)")
    for engine, value in ours.items():
        print(f"ratio {engine} / alternation: {value / alt:,.0f}x;  / loop: {value / loop:,.0f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer posts, shorter timings")
    args = parser.parse_args()
    args.budget = 0.5 if args.quick else 2.0
    args.sample = 5 if args.quick else 20
    args.baseline_max = 100_000
    print(f"python {sys.version.split()[0]}, engines: {', '.join(available_engines())}")
    words, chars = chinese_vocabulary()
    posts = make_posts(random.Random(1), words, 300 if args.quick else 1000)
    print(f"vocabulary: {len(words):,} words, {len(chars):,} characters; "
          f"sample post: {posts[0][:60]!r}...")
    for size in (10_000, 100_000):
        run_size(size, chars, posts, args)


if __name__ == "__main__":
    main()
