"""Decisions: strictest wins, shadow mode, exemptions, word kind, offsets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from policy.screening import (ACTIONS, Decision, Policy, available_engines, load_policy,
                              parse_categories, screen)


def make_policy(tmp_path: Path, lists: dict[str, str], categories: list[dict[str, Any]],
                **options: Any) -> Policy:
    for name, text in lists.items():
        (tmp_path / name).write_text(text, "utf-8")
    return load_policy(parse_categories(categories, tmp_path), **options)


@pytest.fixture
def policy(tmp_path: Path) -> Policy:
    return make_policy(tmp_path, {
        "gambling.txt": "博彩\nword:casino\n",
        "invoices.txt": "代开发票\n",
        "followers.txt": "买粉\n",
        "spam.txt": "word:click here\n",
        "trial.txt": "限时秒杀\n",
    }, [
        {"name": "gambling", "action": "reject", "lists": ["gambling.txt"],
         "exemptions": ["博彩业监管", "casino royale"]},
        {"name": "invoices", "action": "review", "lists": ["invoices.txt"]},
        {"name": "followers", "action": "sensitive", "lists": ["followers.txt"]},
        {"name": "spam", "action": "flag", "lists": ["spam.txt"]},
        {"name": "trial", "action": "reject", "lists": ["trial.txt"], "mode": "shadow"},
    ])


def test_clean_text_is_accepted(policy: Policy) -> None:
    decision = screen(policy, {"status": "今天天气很好 nice weather"})
    assert decision == Decision("accept", (), (), policy.version)
    assert decision.category is None and decision.accepted


@pytest.mark.parametrize(("text", "action", "category"), [
    ("买粉", "sensitive", "followers"),
    ("click here 买粉", "sensitive", "followers"),
    ("买粉 代开发票 click here", "review", "invoices"),
    ("click here 代开发票 博彩 买粉", "reject", "gambling"),
])
def test_strictest_enforced_hit_wins(policy: Policy, text: str, action: str,
                                     category: str) -> None:
    decision = screen(policy, [("status", text)])
    assert (decision.action, decision.category) == (action, category)
    ranks = [ACTIONS.index(hit.action) for hit in decision.hits]
    assert ranks == sorted(ranks, reverse=True)


def test_hits_come_from_every_field_with_field_names(policy: Policy) -> None:
    decision = screen(policy, [("spoiler_text", "买粉"), ("status", "ok"),
                               ("poll_option[1]", "代 开 发 票")])
    assert decision.action == "review"
    assert {(h.field, h.category) for h in decision.hits} == {
        ("spoiler_text", "followers"), ("poll_option[1]", "invoices")}


def test_shadow_hits_never_change_the_action(policy: Policy) -> None:
    decision = screen(policy, {"status": "限时秒杀 买粉"})
    assert decision.action == "sensitive"
    assert [h.category for h in decision.hits] == ["followers"]
    assert [(h.category, h.mode, h.action) for h in decision.shadow_hits] == [
        ("trial", "shadow", "reject")]


def test_exemption_covering_the_hit_cancels_it(policy: Policy) -> None:
    assert screen(policy, {"status": "加强博彩业监管"}).action == "accept"
    assert screen(policy, {"status": "We loved CASINO ROYALE"}).action == "accept"
    # An exemption elsewhere in the text does not cover another hit.
    decision = screen(policy, {"status": "博彩业监管之外还有博彩"})
    assert [h.start for h in decision.hits] == [9]


def test_word_kind_needs_boundaries(policy: Policy) -> None:
    assert screen(policy, {"status": "casinos and occasinos"}).action == "accept"
    assert screen(policy, {"status": "double-click here"}).action == "flag"
    assert screen(policy, {"status": "doubleclick here"}).action == "accept"
    assert screen(policy, {"status": "去casino玩"}).action == "reject"


def test_offsets_slice_the_original_text_to_the_evasion(tmp_path: Path) -> None:
    policy = make_policy(tmp_path, {"i.txt": "代开发票\n"},
                         [{"name": "i", "action": "review", "lists": ["i.txt"]}],
                         fold_traditional=True)
    text = "Ｈｉ！来看看：代\u200b開 - 發*票，ok"
    (hit,) = screen(policy, {"note": text}).hits
    assert text[hit.start:hit.end] == hit.matched == "代\u200b開 - 發*票"
    assert (hit.norm_start, hit.norm_end) == (6, 10)  # in "hi!来看看代开发票,ok"


def test_offsets_with_expanding_and_astral_characters(tmp_path: Path) -> None:
    policy = make_policy(tmp_path, {"a.txt": "strasse\ncasino\n"},
                         [{"name": "a", "action": "flag", "lists": ["a.txt"]}])
    text = "🎲🎲 STRAẞE and 𝐜𝐚𝐬𝐢𝐧𝐨!"
    spans = {h.matched for h in screen(policy, {"status": text}).hits}
    assert spans == {"STRAẞE", "𝐜𝐚𝐬𝐢𝐧𝐨"}


def test_traditional_folding_is_an_option(tmp_path: Path) -> None:
    lists = {"g.txt": "赌场\n"}
    cats = [{"name": "g", "action": "reject", "lists": ["g.txt"]}]
    folded = make_policy(tmp_path, lists, cats, fold_traditional=True)
    plain = make_policy(tmp_path, lists, cats, fold_traditional=False)
    assert screen(folded, {"status": "賭場"}).action == "reject"
    assert screen(plain, {"status": "賭場"}).action == "accept"
    assert folded.version != plain.version


def test_decision_to_dict_is_json(policy: Policy) -> None:
    decision = screen(policy, {"status": "博 彩", "note": "限时秒杀"})
    data = json.loads(json.dumps(decision.to_dict(), ensure_ascii=False))
    assert data["action"] == "reject" and data["category"] == "gambling"
    assert data["hits"][0]["matched"] == "博 彩" and data["hits"][0]["field"] == "status"
    assert data["shadow_hits"][0]["category"] == "trial"
    assert data["policy_version"] == policy.version


@pytest.mark.parametrize("engine", available_engines())
def test_every_engine_gives_the_same_decisions(tmp_path: Path, engine: str) -> None:
    lists = {"t.txt": "博彩\n彩票\n票据\nab\nabc\nbc\n𫝈\n"}
    cats = [{"name": "t", "action": "flag", "lists": ["t.txt"]}]
    policy = make_policy(tmp_path, lists, cats, engine=engine)
    assert policy.engine == engine
    decision = screen(policy, {"status": "x博彩票据 abcd 𫝈", "note": "\ud800"})
    assert sorted(h.matched for h in decision.hits) == sorted(
        ["博彩", "彩票", "票据", "ab", "abc", "bc", "𫝈"])


def test_policy_lists_its_rules_and_version_follows_content(tmp_path: Path) -> None:
    cats = [{"name": "g", "action": "reject", "lists": ["g.txt"]}]
    first = make_policy(tmp_path, {"g.txt": "# c\n博彩\nword:casino\n"}, cats)
    rules = first.describe_rules()
    assert [(r["term"], r["kind"], r["line"]) for r in rules] == [
        ("博彩", "substring", 2), ("casino", "word", 3)]
    assert all(r["id"].startswith("g:") and r["file"].endswith("g.txt") for r in rules)
    again = make_policy(tmp_path, {"g.txt": "# c\n博彩\nword:casino\n"}, cats)
    changed = make_policy(tmp_path, {"g.txt": "博彩\n"}, cats)
    assert again.version == first.version != changed.version
    # Rule ids survive edits elsewhere in the file.
    assert changed.rules[0].id == first.rules[0].id
