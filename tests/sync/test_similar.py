"""Similar tickets and 高频问题 clusters (sync.similar) on a labelled fixture of paraphrases.

tests/fixtures/similar_tickets.json holds short app-user feedback written for this test, in groups
that report one problem each in other words. Top-3 recall (docs/similar.md): the share of tickets
whose three most similar others (the rest of the fixture indexed) hold at least one of the same group.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sync.similar import SimilarIndex, Tokenizer, frequent_problems, tokenize, tokenize_plain

ROOT = Path(__file__).resolve().parent.parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "similar_tickets.json"
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def _tickets() -> list[dict[str, Any]]:
    return list(json.loads(FIXTURE.read_text(encoding="utf-8"))["tickets"])


def top3_recall(tickets: list[dict[str, Any]], tokenizer: Tokenizer) -> float:
    group = {t["id"]: t["group"] for t in tickets}
    index = SimilarIndex.build(((t["id"], t["title"], t["text"]) for t in tickets), tokenizer)
    found = 0
    for ticket in tickets:
        top = index.similar(f"{ticket['title']} {ticket['text']}", k=3, exclude=ticket["id"])
        found += any(group[other] == ticket["group"] for other, _ in top)
    return found / len(tickets)


def test_the_fixture_is_groups_of_paraphrases_not_copies() -> None:
    tickets = _tickets()
    sizes = Counter(t["group"] for t in tickets)
    assert len(tickets) >= 200 and len(sizes) >= 40
    assert all(4 <= size <= 6 for size in sizes.values()), sizes
    assert len({t["id"] for t in tickets}) == len(tickets)
    assert len({t["title"] + t["text"] for t in tickets}) == len(tickets)
    # Paraphrases, not copies: no ticket shares more than half of its terms with any of its group.
    terms = {t["id"]: set(tokenize_plain(f"{t['title']} {t['text']}")) for t in tickets}
    for ticket in tickets:
        for other in tickets:
            if other["group"] == ticket["group"] and other["id"] != ticket["id"]:
                a, b = terms[ticket["id"]], terms[other["id"]]
                assert len(a & b) / len(a | b) <= 0.5, (ticket, other)


def test_top3_recall_is_at_least_0_8() -> None:
    tickets = _tickets()
    recall = top3_recall(tickets, tokenize)
    baseline = top3_recall(tickets, tokenize_plain)
    print(f"top-3 recall {recall:.3f} (without the synonym table {baseline:.3f}) on {len(tickets)} tickets")
    assert recall >= 0.8
    assert baseline >= 0.8


def test_similar_ranks_excludes_and_limits() -> None:
    tickets = _tickets()
    index = SimilarIndex.build((t["id"], t["title"], t["text"]) for t in tickets)
    assert len(index) == len(tickets)
    found = index.similar("更新后一打开app就闪退", k=3)
    assert len(found) == 3
    assert [score for _, score in found] == sorted((score for _, score in found), reverse=True)
    assert all(0 < score <= 1 for _, score in found)
    crash = {t["id"] for t in tickets if t["group"] == "crash_on_launch"}
    assert found[0][0] in crash
    first = found[0][0]
    assert first not in dict(index.similar("更新后一打开app就闪退", k=3, exclude=first))
    assert not set(dict(index.similar("更新后一打开app就闪退", k=10, exclude=crash))) & crash
    assert len(index.similar("闪退", k=1)) == 1
    assert index.similar_to(first, k=3)[0][0] != first
    # The same ticket text finds itself first, with a similarity of 1.
    ticket = tickets[0]
    assert index.similar(f"{ticket['title']} {ticket['title']} {ticket['text']}", k=1) == [(ticket["id"], 1.0)]


def test_add_remove_and_edit_keep_the_index_exact() -> None:
    tickets = _tickets()
    index = SimilarIndex.build((t["id"], t["title"], t["text"]) for t in tickets)
    index.add("NEW", "夜间模式下看不清", "深色模式的时候文字颜色太暗")
    assert index.similar("夜间模式文字太暗看不清", k=1)[0][0] == "NEW"
    index.add("NEW", "退款没到账", "退款申请好久了钱还没退回来")  # edited: indexed again under its id
    assert "NEW" not in dict(index.similar("夜间模式文字太暗看不清", k=5))
    assert "NEW" in dict(index.similar("退款迟迟不到账", k=5))
    index.remove("NEW")
    index.remove("NEVER-THERE")
    assert "NEW" not in index and len(index) == len(tickets)
    # After the changes the scores are those of an index built from scratch.
    fresh = SimilarIndex.build((t["id"], t["title"], t["text"]) for t in tickets)
    assert index.similar("退款迟迟不到账", k=5) == fresh.similar("退款迟迟不到账", k=5)


@pytest.mark.parametrize("text", ["", "   ", "😭😭👍🔥", "！！？？。。。", "的了吗呢"])
def test_text_without_terms_finds_nothing(text: str) -> None:
    index = SimilarIndex.build((t["id"], t["title"], t["text"]) for t in _tickets())
    assert tokenize(text) == []
    assert index.similar(text) == []
    index.add("EMPTY", text, text)
    assert "EMPTY" in index and index.similar_to("EMPTY") == []
    assert "EMPTY" not in dict(index.similar("登录失败 密码错误", k=20))


def test_emoji_mixed_scripts_digits_and_full_width() -> None:
    assert tokenize("闪退了😭😭") == tokenize("闪退了") == ["闪退"]
    assert tokenize("iPhone 15 升级 iOS 18.2 后 crash 了") == ["iphone", "15", "升级", "ios", "18.2", "闪退"]
    assert tokenize("ＩＯＳ１８ 闪退！") == tokenize("iOS18 闪退!")
    assert tokenize("订单号202612060001付款失败") == ["订单号", "202612060001", "支付"]
    assert "ios" in tokenize_plain("iOS 闪退") and "闪退" in tokenize_plain("iOS 闪退")


def test_english_only_tickets() -> None:
    index = SimilarIndex.build(
        [
            ("E1", "App crashes on start", "The app crashes every time I open it"),
            ("E2", "Cannot reset password", "The reset email never arrives"),
            ("E3", "Dark mode", "Text is unreadable in dark mode"),
            ("Z1", "登录失败", "密码正确但登录不了"),
        ]
    )
    assert index.similar("crash when opening the app", k=1)[0][0] == "E1"
    assert index.similar("password reset email not received", k=1)[0][0] == "E2"
    assert index.similar("dark mode text unreadable", k=1)[0][0] == "E3"
    # Mixed: an English word with a Chinese synonym meets the Chinese ticket.
    assert index.similar("login 失败, wrong 密码", k=1)[0][0] == "Z1"


def test_the_dictionary_cache_goes_where_the_app_says(tmp_path: Path) -> None:
    """A phone keeps the app's data directory between launches, not always its temporary one. A fresh
    process, warnings as errors: loading jieba says nothing on stderr and warns about nothing."""
    code = (
        "import sys; from sync import similar; similar.set_cache_dir(sys.argv[1]); print(similar.tokenize('登录失败'))"
    )
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", code, str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['登录']" and done.stderr == ""
    assert [p.name for p in tmp_path.iterdir()] == ["jieba.cache"]


def test_an_empty_index_answers_nothing() -> None:
    assert SimilarIndex().similar("登录失败") == []
    assert frequent_problems([], now=NOW) == []


# --- 高频问题 ---------------------------------------------------------------------------------------------

PAYMENT = [  # planted in the recent half of a 30-day window (5 of 6)
    ("支付失败", "微信付款的时候一直提示支付失败"),
    ("付款不成功", "用支付宝付钱总是失败，换了银行卡也不行"),
    ("无法支付", "下单后点支付没有反应，付不了款"),
    ("支付不了", "付款页面一直转圈，最后提示支付失败"),
    ("付款失败", "提交订单付款时报错，支付没成功"),
    ("扣款失败", "绑定的银行卡支付失败，余额是够的"),
]
DARK = [  # planted in the earlier half
    ("夜间模式看不清", "夜间模式下文字太暗看不清"),
    ("深色模式字看不见", "切换深色模式后文字和背景颜色一样"),
    ("暗黑模式显示问题", "开了暗黑模式，好多文字看不清楚"),
    ("夜间模式文字颜色", "夜间模式的文字颜色太深，看不清"),
]


def _desk(rng: random.Random) -> list[tuple[str, str, str, datetime]]:
    """The planted tickets, one ticket of each of twenty unrelated fixture groups spread over the window,
    and six payment tickets from before it (which must not count)."""
    desk = [(f"PAY-{i}", t, x, NOW - timedelta(days=2 + 2 * i if i < 5 else 20)) for i, (t, x) in enumerate(PAYMENT)]
    desk += [(f"DARK-{i}", t, x, NOW - timedelta(days=16 + 3 * i)) for i, (t, x) in enumerate(DARK)]
    noise = {}
    for ticket in _tickets():
        if ticket["group"] not in ("paid_but_unpaid", "dark_mode_unreadable", "price_mismatch"):
            noise.setdefault(ticket["group"], ticket)
    for n, ticket in enumerate(list(noise.values())[:20]):
        desk.append((ticket["id"], ticket["title"], ticket["text"], NOW - timedelta(days=1 + n * 1.4)))
    desk += [(f"OLD-{i}", t, x, NOW - timedelta(days=50 + i)) for i, (t, x) in enumerate(PAYMENT)]
    rng.shuffle(desk)
    return desk


def test_two_planted_clusters_are_found_with_size_trend_examples_and_keywords() -> None:
    desk = _desk(random.Random(1))
    clusters = frequent_problems(desk, now=NOW, days=30)
    assert [set(c.ids) for c in clusters] == [{f"PAY-{i}" for i in range(6)}, {f"DARK-{i}" for i in range(4)}]
    payment, dark = clusters
    assert (payment.size, payment.recent, payment.earlier, payment.trend) == (6, 5, 1, 4)
    assert (dark.size, dark.recent, dark.earlier, dark.trend) == (4, 0, 4, -4)
    assert len(payment.examples) == 3 and set(payment.examples) <= set(payment.ids)
    assert payment.keywords[0] == "支付"
    assert "深色模式" in dark.keywords[:2] and "文字" in dark.keywords
    assert all(len(c.keywords) == 5 for c in clusters)
    # 90 days: the six old payment tickets join their cluster, all in the earlier half.
    wider = frequent_problems(desk, now=NOW, days=90)
    assert wider[0].size == 12 and {d for d in wider[0].ids if str(d).startswith("OLD-")} == {
        f"OLD-{i}" for i in range(6)
    }
    assert wider[0].recent == 6 and wider[0].earlier == 6


def test_clusters_are_deterministic() -> None:
    desk = _desk(random.Random(2))
    first = frequent_problems(desk, now=NOW, days=30)
    assert frequent_problems(list(desk), now=NOW, days=30) == first
    for seed in range(3):
        shuffled = _desk(random.Random(seed + 10))
        again = frequent_problems(shuffled, now=NOW, days=30)
        assert [(set(c.ids), c.keywords, c.recent) for c in again] == [
            (set(c.ids), c.keywords, c.recent) for c in first
        ]


def test_min_size_and_limit() -> None:
    desk = _desk(random.Random(3))
    assert [c.size for c in frequent_problems(desk, now=NOW, days=30, min_size=5)] == [6]
    assert len(frequent_problems(desk, now=NOW, days=30, limit=1)) == 1
    assert frequent_problems(desk, now=NOW, days=30, min_size=7) == []
