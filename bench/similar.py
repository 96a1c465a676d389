"""Similar-tickets benchmark: sync.similar on a desk of N open tickets, in one process as on a phone.

    uv run python -m bench.similar [--n 5000] [--quick]

Prints one JSON line of figures, the targets and a `met` map:

- `load_s`: jieba's dictionary loaded (its cache file from an earlier run, as on a second launch);
  `peak_rss_mb` is this process's peak RSS at the end (VmHWM), with the index and the clusters built.
- `build_s`: `SimilarIndex.build` over the N tickets (segmentation included).
- `query_p50_ms`, `query_p95_ms`: `index.similar(text, k=3, exclude=id)` for new feedback as typed
  (a title and a description), over `--queries` texts not in the index.
- `query_after_add_ms`: the median of a query right after a ticket is added (the norms are worked
  out again after a change).
- `clusters_30d_s`: `frequent_problems` over the N tickets, all created in the last 30 days.

Tickets are made from the paraphrases of tests/fixtures/similar_tickets.json, each with a random
extra phrase or two (a phone model, an app version, an order number, a time), so a desk of N holds
many near-duplicates and long postings for the common words, as a real desk does.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sync.similar import SimilarIndex, frequent_problems, preload

TARGETS = {"query_p95_ms": 100.0, "query_after_add_ms": 100.0, "build_s": 10.0, "clusters_30d_s": 30.0}
TARGET_TEXT = {
    "query_p95_ms": "<= 100 (three similar tickets while someone types, 5,000 open tickets)",
    "query_after_add_ms": "<= 100 (the first query after a new ticket arrives)",
    "build_s": "<= 10 (the desk's index, built once when the desk opens)",
    "clusters_30d_s": "<= 30 (高频问题 of 30 days, computed in the background for the dashboard)",
}
FIXTURE = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "similar_tickets.json"
EXTRAS = (
    "小米14", "华为Mate 60", "iPhone 15 Pro", "OPPO Find X7", "vivo X100", "安卓14", "iOS 18.1", "鸿蒙4.2",
    "版本3.2.1", "版本3.3.0", "昨天晚上开始的", "今天早上", "好几天了", "很着急", "麻烦尽快处理",
    "WiFi和4G都试过", "重启手机也没用", "卸载重装也一样", "家里人的手机也这样", "上周还好好的",
)  # fmt: skip


def tickets(n: int, rng: random.Random) -> list[tuple[str, str, str]]:
    base = json.loads(FIXTURE.read_text(encoding="utf-8"))["tickets"]
    made = []
    for number in range(n):
        ticket = rng.choice(base)
        extras = rng.sample(EXTRAS, rng.randint(0, 2))
        order = f"订单号{rng.randrange(10**11, 10**12)}" if rng.random() < 0.2 else ""
        text = "，".join([ticket["text"], *extras, order]).strip("，")
        made.append((f"FB-{number + 1}", ticket["title"], text))
    return made


def _peak_rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def measure(n: int, queries: int, seed: int = 7) -> dict[str, Any]:
    rng = random.Random(seed)
    desk = tickets(n, rng)
    started = time.perf_counter()
    preload()
    load_s = time.perf_counter() - started

    started = time.perf_counter()
    index = SimilarIndex.build(desk)
    build_s = time.perf_counter() - started

    typed = tickets(queries, rng)
    samples = []
    for number, (_, title, text) in enumerate(typed):
        started = time.perf_counter()
        found = index.similar(f"{title} {text}", k=3, exclude=desk[number % n][0])
        samples.append((time.perf_counter() - started) * 1000)
        assert len(found) == 3
    after_add = []
    for number, (_, title, text) in enumerate(typed[:20]):
        index.add(f"NEW-{number}", title, text)
        started = time.perf_counter()
        index.similar(f"{title} {text}", k=3, exclude=f"NEW-{number}")
        after_add.append((time.perf_counter() - started) * 1000)

    now = datetime(2026, 12, 6, 12, tzinfo=UTC)
    dated = [(i, t, x, now - timedelta(minutes=rng.randrange(30 * 24 * 60))) for i, t, x in desk]
    started = time.perf_counter()
    clusters = frequent_problems(dated, now=now, days=30)
    clusters_s = time.perf_counter() - started
    samples.sort()
    return {
        "n": n,
        "load_s": load_s,
        "build_s": build_s,
        "query_p50_ms": statistics.median(samples),
        "query_p95_ms": samples[int(0.95 * (len(samples) - 1))],
        "query_after_add_ms": statistics.median(after_add),
        "clusters_30d_s": clusters_s,
        "clusters_found": len(clusters),
        "peak_rss_mb": _peak_rss_mb(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, help="open tickets (default 5000, or 500 with --quick)")
    parser.add_argument("--queries", type=int, help="typed texts to look up (default 200, or 50 with --quick)")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n = args.n or (500 if args.quick else 5000)
    figures = measure(n, args.queries or (50 if args.quick else 200))
    met = {key: bool(figures[key] <= target) for key, target in TARGETS.items()}
    rounded = {k: round(v, 3) if isinstance(v, float) else v for k, v in figures.items()}
    print(json.dumps({"bench": "similar", **rounded, "targets": TARGET_TEXT, "met": met}, ensure_ascii=False))


if __name__ == "__main__":
    main()
