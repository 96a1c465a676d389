"""Client benchmarks: the local store and sync engine against a real `keel server` on SQLite.

    uv run python -m bench.sync [--n 100000] [--dataset FILE] [--quick] [--only propagation|push]

Prints one JSON line of figures, the targets and a `met` map. Every figure is measured here,
against a uvicorn `keel server` process on a free loopback port (see bench/server.py):

- `bootstrap_s`: a fresh client process signs in and pulls N tasks until the board is queryable
  (the engine's progress says done: rows written, board indexes built); `search_ready_s` is when
  the trigram search index, built after that, is ready too (`search_after_board_s`: the time
  between the two). `client_peak_rss_mb` is that
  process's peak RSS: VmHWM of /proc/self/status as it ends (getrusage RUSAGE_CHILDREN is shown
  too, but Linux folds the parent's RSS at fork into it, and the parent holds the dataset).
- `board_query_p95_ms`: `Store.board()` on the bootstrapped cache, about 500 cards (split over
  the project's statuses) out of N; `local_write_p50_ms` and `_p99_ms`: `Store.update_task` (a
  title: optimistic change plus outbox row, one transaction) on 1,000 random cards of that cache.
- `push_1000_s`: those 1,000 offline writes reach the server: `engine.sync()` until the outbox is
  empty (two pushes of 500, then the one pull that acknowledges both).
- `propagation_*_ms`: 10 clients (10 users, one project) each run `SyncEngine.run()` with an
  event stream; client A (its own process) edits a card, and the clock stops when client B's
  store subscription (this process) reports the card with A's title: A's action, push, poke,
  B's pull and apply (or, since the stream carries rows, B applying the poke's rows:
  `propagation_b_pulls` counts the pulls B still made). A, B and the other 8 clients live in three
  processes; CLOCK_MONOTONIC is shared between them.

Tasks are generated (about 590 bytes of JSON each: a 40-character Chinese title, a description of
about 300 characters, status, assignee, priority, due date and 0-3 labels) or read with
`--dataset` from JSON lines (`id`, `project_id`, `title`, `description`, `status` todo/doing/done,
`assignee`, `priority`, `due_date`, `labels`); its ids and names map to ours through uuid5.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson

from bench.server import insert_tasks, server

TARGETS: dict[str, float] = {
    "bootstrap_s": 2.5,
    "search_after_board_s": 6.0,
    "client_peak_rss_mb": 80.0,
    "propagation_p50_ms": 9.0,
    "propagation_p99_ms": 25.0,
    "push_1000_s": 0.5,
    "local_write_p50_ms": 0.1,
    "local_write_p99_ms": 1.0,
    "board_query_p95_ms": 3.0,
}
PASSWORD = "bench-password"
NS = uuid.UUID("6b8d3c7e-2f0a-4c55-9a51-3b1f0d6a2e90")
STATUSES = (("待办", "todo"), ("进行中", "doing"), ("已完成", "done"))
PRIORITIES = ("urgent", "high", "medium", "low", "none")
LABELS = ("前端", "后端", "设计", "大促", "埋点", "性能", "bug", "ios", "android", "运营")
BOARD_CARDS = 500
PROPAGATION_CLIENTS = 10
ROOT = Path(__file__).resolve().parent.parent


# Titles and descriptions are drawn from a vocabulary, like real text (random characters would give
# the trigram index an unrealistic number of distinct trigrams).
def _vocabulary(text: str) -> list[str]:
    return text.split()


_HAN = _vocabulary(
    "需求 评审 优化 首屏 加载 埋点 活动页 会场 支付 失败 重试 离线 同步 看板 卡片 通知 评论 搜索 用户 反馈 "
    "修复 登录 闪退 推荐 算法 订单 购物车 优惠券 直播间 商品详情 接口 超时 灰度 发布 回滚 监控 告警 "
    "数据 报表 权限 审批 海报 文案 素材 客服 物流 退款 会员 积分 大促 预售 秒杀 分享 裂变 拉新 留存"
)
_WORDS = _vocabulary(
    "the checkout page times out when the promotion banner loads before the cart so we retry with "
    "backoff and log the latency QA to verify on iOS and Android builds acceptance p95 under 800 ms "
    "on 4G no duplicate orders metrics in the dashboard owner to confirm copy with design and legal "
    "rollout behind a flag for 5% of users then 50% watch crash rate and conversion funnel"
)


# --- the tasks ------------------------------------------------------------------------------------


def generate_tasks(n: int, seed: int = 7) -> Iterator[dict[str, Any]]:
    """N tasks in one project, as dataset lines (about 590 bytes of JSON each)."""
    rnd = random.Random(seed)
    people = [f"user{i}" for i in range(8)]
    start = datetime(2025, 11, 1)
    for i in range(n):
        title = f"#{i} "
        while len(title) < 40:
            title += rnd.choice(_HAN)
        description = "".join(rnd.choice(_HAN) for _ in range(6))
        while len(description) < 285:
            description += " " + rnd.choice(_WORDS)
        yield {
            "id": f"t{i}",
            "project_id": "campaign",
            "title": title,
            "description": description,
            "status": rnd.choice(("todo", "todo", "doing", "done")),
            "assignee": rnd.choice(people),
            "priority": rnd.choice(PRIORITIES),
            "due_date": (start + timedelta(days=rnd.randrange(90))).date().isoformat(),
            "labels": rnd.sample(LABELS, rnd.randrange(4)),
        }


def read_dataset(path: str) -> Iterator[dict[str, Any]]:
    with open(path, "rb") as fh:
        for line in fh:
            if line.strip():
                yield orjson.loads(line)


def _uid(kind: str, name: object) -> str:
    return str(uuid.uuid5(NS, f"{kind}:{name}"))


def _due(value: object) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


# --- the server side ------------------------------------------------------------------------------


def register(http: httpx.Client, email: str) -> str:
    r = http.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD, "display_name": email})
    r.raise_for_status()
    return str(r.json()["user"]["id"])


def token(http: httpx.Client, email: str) -> dict[str, str]:
    body = http.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD}).json()
    return {"Authorization": f"Bearer {body['access_token']}"}


def load_dataset(db_url: str, owner_id: str, people: dict[str, str], tasks: list[dict[str, Any]]) -> dict[str, Any]:
    """Writes the tasks straight into the server's tables and feed (like bench.server.load_tasks):
    a project per dataset project, statuses todo/doing/done, members for the owner and assignees."""
    from fractional_indexing import generate_n_keys_between

    from server.db import Database
    from server.feed import Tx, utcnow
    from server.tables import members as members_t
    from server.tables import projects as projects_t
    from server.tables import statuses as statuses_t

    db = Database(db_url)
    by_project: dict[str, list[dict[str, Any]]] = {}
    for t in tasks:
        by_project.setdefault(str(t["project_id"]), []).append(t)
    now = utcnow()
    largest = ""
    with db.write() as conn:
        tx = Tx(conn)
        rows: list[dict[str, Any]] = []
        for n, (name, items) in enumerate(sorted(by_project.items())):
            pid = _uid("project", name)
            if not largest or len(items) > len(by_project[largest]):
                largest = name
            project = {
                "id": pid,
                "name": f"项目 {name}"[:200],
                "key": f"P{n + 1}",
                "kind": "campaign",
                "description": "",
                "archived": False,
                "calendar": "cn",
                "next_number": len(items) + 1,
                "deleted": False,
            }
            conn.execute(projects_t.insert().values(**project))
            tx.emit("project", project)
            for user_id in {owner_id} | {people[str(t["assignee"])] for t in items if t.get("assignee")}:
                role = "owner" if user_id == owner_id else "member"
                member = {"id": str(uuid.uuid4()), "project_id": pid, "user_id": user_id, "role": role}
                conn.execute(members_t.insert().values(**member, deleted=False))
                tx.emit("member", {**member, "deleted": False})
            status_ids = {}
            for position, (label, category) in zip(("a0", "a1", "a2"), STATUSES, strict=True):
                status: dict[str, Any] = {"id": _uid("status", f"{name}:{category}"), "project_id": pid, "name": label}
                status |= {"category": category, "position": position, "pauses_sla": False, "deleted": False}
                conn.execute(statuses_t.insert().values(**status))
                tx.emit("status", status)
                status_ids[category] = status["id"]
            columns: dict[str, list[dict[str, Any]]] = {}
            for t in items:
                columns.setdefault(str(t.get("status") or "todo"), []).append(t)
            for category, cards in columns.items():
                keys = generate_n_keys_between(None, None, len(cards))
                for key, t in zip(keys, cards, strict=True):
                    number = len(rows) + 1
                    row = {
                        "id": _uid("task", f"{name}:{t['id']}"),
                        "project_id": pid,
                        "number": number,
                        "title": str(t["title"])[:500],
                        "description": str(t.get("description") or ""),
                        "status_id": status_ids.get(category, status_ids["todo"]),
                        "assignee_id": people.get(str(t.get("assignee"))),
                        "reporter_id": owner_id,
                        "priority": t.get("priority") if t.get("priority") in PRIORITIES else "none",
                        "type": "task",
                        "labels": orjson.dumps([str(x) for x in t.get("labels") or []]).decode(),
                        "parent_id": None,
                        "position": key,
                        "start_at": None,
                        "due_at": _due(t.get("due_date")),
                        "estimate": None,
                        "created_at": now,
                        "updated_at": now,
                        "deleted": False,
                        "iteration_id": None,
                    }
                    rows.append(row)
        feed_rows = insert_tasks(conn, tx, rows)
        tx.finish()
    db.dispose()
    body_bytes = sum(len(r["body"]) for r in feed_rows)
    return {
        "project_id": _uid("project", largest),
        "task_ids": [r["id"] for r in rows],
        "feed_row_bytes": round(body_bytes / max(1, len(feed_rows))),
    }


# --- child processes ------------------------------------------------------------------------------


def _peak_rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def _bootstrap_child(url: str, email: str, path: str) -> dict[str, Any]:
    """A fresh client: sign in, then pull everything; times the board and the search index."""
    from sync.engine import Progress, Remote, SyncEngine
    from sync.store import Store
    from sync.tokens import MemoryTokenStore

    async with Remote(url, MemoryTokenStore()) as remote:
        user = await remote.login(email, PASSWORD)
        store = Store.open(path)
        store.set_account(url, str(user["id"]), email)
        http_s = 0.0
        fetch = remote.pull_body  # a bootstrap's pages (`pull` too goes through it)

        async def timed_pull(*args: Any, **kw: Any) -> bytes:
            nonlocal http_s
            t0 = time.perf_counter()
            try:
                return await fetch(*args, **kw)
            finally:
                http_s += time.perf_counter() - t0

        remote.pull_body = timed_pull  # type: ignore[method-assign]
        engine = SyncEngine(store, remote)
        marks: dict[str, float] = {}
        pages = 0

        def on_progress(progress: Progress) -> None:
            nonlocal pages
            pages += 1
            if progress.done and "board" not in marks:
                marks["board"] = time.perf_counter()
                marks["board_cpu"] = time.process_time()

        start, start_cpu = time.perf_counter(), time.process_time()
        report = await engine.sync(on_progress=on_progress)
        synced = time.perf_counter()
        if not store.search_ready:
            store.build_search()
        search = time.perf_counter()
        tasks = store.conn.execute("SELECT count(*) FROM task").fetchone()[0]
        store.close()
    return {
        "bootstrap_s": marks.get("board", synced) - start,
        "bootstrap_cpu_s": marks.get("board_cpu", start_cpu) - start_cpu,
        "search_ready_s": search - start,
        "rows": report.pulled_rows,
        "pages": pages,
        "http_s": http_s,
        "tasks": tasks,
        "vm_hwm_mb": _peak_rss_mb(),
    }


async def _device_child(url: str, emails: list[str], tmp: str, actor_task: str | None) -> None:
    """Runs one engine per account until stdin closes; an actor edits `actor_task` on each
    `go N` line of stdin and answers with the CLOCK_MONOTONIC time its action started."""
    from sync.engine import Backoff, Remote, SyncEngine
    from sync.store import Store
    from sync.tokens import MemoryTokenStore

    stop = asyncio.Event()
    stores, remotes, runs = [], [], []
    for email in emails:
        remote = Remote(url, MemoryTokenStore())
        user = await remote.login(email, PASSWORD)
        store = Store.open(os.path.join(tmp, f"{email}.db"))
        store.set_account(url, str(user["id"]), email)
        engine = SyncEngine(store, remote, backoff=Backoff(base=0.05, cap=1.0))
        await engine.sync()
        stores.append(store)
        remotes.append(remote)
        runs.append(asyncio.create_task(engine.run(stop)))
    await asyncio.sleep(0.5)
    print("ready", flush=True)
    while True:
        line = await asyncio.to_thread(sys.stdin.readline)
        if not line.strip():
            break
        if actor_task is not None and line.startswith("go "):
            started = time.monotonic()
            stores[0].update_task(actor_task, title=f"传播测试 {line.split()[1]}")
            print(f"at {started!r}", flush=True)
    stop.set()
    await asyncio.gather(*runs, return_exceptions=True)
    for remote in remotes:
        await remote.aclose()
    for store in stores:
        store.close()


# --- the measures ---------------------------------------------------------------------------------


def cache_bytecode() -> None:
    """Child processes (server, clients) cache their bytecode, in a folder of their own, as an
    installed app has it: neither the figures nor the peak RSS count compiling sources."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ.setdefault("PYTHONPYCACHEPREFIX", os.path.join(tempfile.gettempdir(), "keel-bench-pycache"))


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))]


def measure_bootstrap(url: str, email: str, path: str) -> dict[str, Any]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # The child imports the engine before this module (whose httpx import is the parent's): as a
    # client starts, without httpx's command-line client (`sync.engine` keeps it out).
    child = "import sync.engine, runpy; runpy.run_module('bench.sync', run_name='__main__', alter_sys=True)"
    done = subprocess.run(
        [sys.executable, "-c", child, "--role", "bootstrap", "--url", url, "--email", email, "--path", path],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the bootstrapping client failed:\n{done.stderr}")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # Linux carries the parent's high-water mark at fork into the child's ru_maxrss (kept across
    # exec), and this process holds the whole dataset: so the child's own VmHWM is the figure.
    figures["client_peak_rss_mb"] = figures["vm_hwm_mb"]
    figures["client_rusage_maxrss_mb"] = (after if after > before else 0) / 1024
    return figures


def measure_local(path: str, url: str, email: str, project_id: str, task_ids: list[str], quick: bool) -> dict[str, Any]:
    """Board queries and local writes on the bootstrapped cache, then pushing those writes."""
    from sync.engine import Remote, SyncEngine
    from sync.store import Store
    from sync.tokens import MemoryTokenStore

    store = Store.open(path)
    statuses = store.statuses(project_id)
    per_column = -(-BOARD_CARDS // max(1, len(statuses)))
    cards = sum(len(c.tasks) for c in store.board(project_id, limit=per_column))
    board_ms = []
    for _ in range(60 if quick else 300):
        t0 = time.perf_counter()
        store.board(project_id, limit=per_column)
        board_ms.append((time.perf_counter() - t0) * 1000)
    writes = min(1000, len(task_ids))
    rnd = random.Random(11)
    write_ms = []
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for i, task_id in enumerate(rnd.sample(task_ids, writes)):
        t0 = time.perf_counter()
        store.update_task(task_id, title=f"离线修改 {i}：活动页首屏加载优化与埋点补齐")
        write_ms.append((time.perf_counter() - t0) * 1000)
    pending = store.pending_count()

    http_s = [0.0]

    async def push() -> tuple[float, int]:
        async with Remote(url, MemoryTokenStore()) as remote:
            await remote.login(email, PASSWORD)
            send, fetch = remote.push, remote.pull

            async def timed_push(*args: Any) -> dict[str, Any]:
                t0 = time.perf_counter()
                try:
                    return await send(*args)
                finally:
                    http_s[0] += time.perf_counter() - t0

            async def timed_pull(*args: Any) -> dict[str, Any]:
                t0 = time.perf_counter()
                try:
                    return await fetch(*args)
                finally:
                    http_s[0] += time.perf_counter() - t0

            remote.push, remote.pull = timed_push, timed_pull  # type: ignore[method-assign,assignment]
            engine = SyncEngine(store, remote)
            t0 = time.perf_counter()
            report = await engine.sync()
            return time.perf_counter() - t0, report.pushed

    push_s, pushed = asyncio.run(push())
    left = len(store.outbox())
    store.close()
    return {
        "board_query_p50_ms": statistics.median(board_ms),
        "board_query_p95_ms": _percentile(board_ms, 95),
        "board_cards": cards,
        "local_write_p50_ms": statistics.median(write_ms),
        "local_write_p99_ms": _percentile(write_ms, 99),
        "push_mutations": pending,
        "push_1000_s": push_s,
        "push_1000_http_s": http_s[0],  # waiting on the server (pushes and the pulls that acknowledge)
        "pushed": pushed,
        "outbox_after_push": left,
    }


def measure_propagation(url: str, tmp: str, samples: int) -> dict[str, Any]:
    """10 clients on one project; A (a process) edits, B (here) sees it through its engine."""
    from sync.engine import Remote, SyncEngine
    from sync.store import Changes, Store
    from sync.tokens import MemoryTokenStore

    emails = [f"device{i}@bench.keel" for i in range(PROPAGATION_CLIENTS)]
    with httpx.Client(base_url=url, timeout=60) as http:
        ids = [register(http, e) for e in emails]
        headers = token(http, emails[0])
        pid, client = str(uuid.uuid4()), str(uuid.uuid4())
        tasks = [str(uuid.uuid4()) for _ in range(200)]
        batch: list[dict[str, Any]] = [
            {"name": "project.create", "args": {"id": pid, "name": "传播", "key": "PROP"}},
            *({"name": "member.put", "args": {"project_id": pid, "user_id": u, "role": "member"}} for u in ids[1:]),
            *(
                {"name": "task.create", "args": {"id": t, "project_id": pid, "title": f"卡片 {n}"}}
                for n, t in enumerate(tasks)
            ),
        ]
        mutations = [{"mutation_id": n, **m} for n, m in enumerate(batch, start=1)]
        r = http.post("/api/v1/sync/push", headers=headers, json={"client_id": client, "mutations": mutations})
        r.raise_for_status()
        assert all(x["status"] == "applied" for x in r.json()["results"]), r.text
    target = tasks[0]

    def spawn(accounts: list[str], actor: bool) -> subprocess.Popen[str]:
        cmd = [sys.executable, "-m", "bench.sync", "--role", "device", "--url", url, "--path", tmp]
        cmd += ["--email", ",".join(accounts)] + (["--task", target] if actor else [])
        return subprocess.Popen(cmd, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    pulls_ms: list[float] = []  # B's pull round trips, to tell the server's share from the client's
    actor = spawn(emails[:1], True)
    others = spawn(emails[2:], False)
    for proc in (actor, others):
        assert proc.stdout is not None
        if proc.stdout.readline().strip() != "ready":
            raise RuntimeError("a benchmark device did not start")

    async def observe() -> list[float]:
        async with Remote(url, MemoryTokenStore()) as remote:
            user = await remote.login(emails[1], PASSWORD)
            store = Store.open(os.path.join(tmp, "b.db"))
            store.set_account(url, str(user["id"]), emails[1])
            engine = SyncEngine(store, remote)
            await engine.sync()
            seen: dict[str, float] = {}
            pull = remote.pull

            async def timed_pull(*args: Any, **kw: Any) -> dict[str, Any]:
                t0 = time.perf_counter()
                try:
                    return await pull(*args, **kw)
                finally:
                    pulls_ms.append((time.perf_counter() - t0) * 1000)

            remote.pull = timed_pull  # type: ignore[method-assign]

            def on_change(changes: Changes) -> None:
                if target in changes.rows.get("task", ()):
                    now = time.monotonic()
                    row = store.task(target)
                    if row is not None:
                        seen.setdefault(row["title"], now)

            store.subscribe(on_change)
            stop = asyncio.Event()
            run = asyncio.create_task(engine.run(stop))
            await asyncio.sleep(1.0)
            latencies = []
            assert actor.stdin is not None and actor.stdout is not None
            for i in range(samples + 5):
                actor.stdin.write(f"go {i}\n")
                actor.stdin.flush()
                answer = await asyncio.to_thread(actor.stdout.readline)
                started = float(answer.split()[1])
                title = f"传播测试 {i}"
                deadline = time.monotonic() + 10
                while title not in seen and time.monotonic() < deadline:
                    await asyncio.sleep(0.001)
                if title not in seen:
                    raise RuntimeError(f"client B never saw change {i}")
                if i >= 5:  # warm-up
                    latencies.append((seen[title] - started) * 1000)
                await asyncio.sleep(0.03)
            stop.set()
            await run
            store.close()
            return latencies

    try:
        latencies = asyncio.run(observe())
    finally:
        for proc in (actor, others):
            assert proc.stdin is not None
            proc.stdin.close()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
    return {
        "propagation_clients": PROPAGATION_CLIENTS,
        "propagation_samples": len(latencies),
        "propagation_p50_ms": statistics.median(latencies),
        "propagation_p99_ms": _percentile(latencies, 99),
        "propagation_b_pull_http_p50_ms": statistics.median(pulls_ms) if pulls_ms else None,
        "propagation_b_pulls": len(pulls_ms),  # B's pulls while measuring: none when pokes carry the rows
    }


# --- main -----------------------------------------------------------------------------------------


def run_propagation(quick: bool) -> dict[str, Any]:
    """Only the propagation figures, on a server of their own (`--only propagation`)."""
    with tempfile.TemporaryDirectory() as tmp, server(f"sqlite:///{os.path.join(tmp, 'propagation.db')}") as url:
        return {"quick": quick, **measure_propagation(url, tmp, 20 if quick else 100)}


def run_all(n: int, dataset: str | None, quick: bool, only: str | None = None) -> dict[str, Any]:
    tasks = list(read_dataset(dataset) if dataset else generate_tasks(n))
    line_bytes = sum(len(orjson.dumps(t)) for t in tasks) / max(1, len(tasks))
    figures: dict[str, Any] = {"n": len(tasks), "dataset": dataset or "generated", "quick": quick}
    figures["task_json_bytes"] = round(line_bytes)
    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite:///{os.path.join(tmp, 'big.db')}"
        with server(db_url) as url:
            email = "owner@bench.keel"
            with httpx.Client(base_url=url, timeout=120) as http:
                owner_id = register(http, email)
                names = sorted({str(t["assignee"]) for t in tasks if t.get("assignee")})
                people = {name: register(http, f"{_uid('user', name)}@bench.keel") for name in names}
            t0 = time.perf_counter()
            loaded = load_dataset(db_url, owner_id, people, tasks)
            figures["server_load_s"] = time.perf_counter() - t0
            figures["feed_row_bytes"] = loaded["feed_row_bytes"]
            del tasks
            path = os.path.join(tmp, "client.db")
            boot = measure_bootstrap(url, email, path)
            figures.update({k: boot[k] for k in ("bootstrap_s", "search_ready_s", "client_peak_rss_mb")})
            figures["search_after_board_s"] = boot["search_ready_s"] - boot["bootstrap_s"]
            figures["bootstrap_client_cpu_s"] = boot["bootstrap_cpu_s"]  # the client's own threads
            figures.update(client_vm_hwm_mb=boot["vm_hwm_mb"], bootstrap_rows=boot["rows"])
            figures.update(bootstrap_pages=boot["pages"], cached_tasks=boot["tasks"])
            figures["bootstrap_http_s"] = boot["http_s"]  # waiting on the server's pull pages
            if only == "bootstrap":
                return figures
            figures.update(measure_local(path, url, email, loaded["project_id"], loaded["task_ids"], quick))
            if only == "push":
                return figures
        with server(f"sqlite:///{os.path.join(tmp, 'propagation.db')}") as url:
            figures.update(measure_propagation(url, tmp, 20 if quick else 100))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, help="tasks to generate (default 100000, or 2000 with --quick)")
    parser.add_argument("--dataset", help="JSON-lines file of tasks to load instead of generating them")
    parser.add_argument("--quick", action="store_true", help="fewer samples and, unless --n is given, 2,000 tasks")
    parser.add_argument("--bootstrap-only", action="store_true", help="measure the bootstrap alone")
    parser.add_argument(
        "--only",
        choices=("propagation", "push"),
        help="measure only this part (push: the bootstrap, board queries, local writes and their push; no propagation)",
    )
    parser.add_argument("--role", choices=("bootstrap", "device"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--email", help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    parser.add_argument("--task", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.role == "bootstrap":
        print(json.dumps(asyncio.run(_bootstrap_child(args.url, args.email, args.path))))
        return
    if args.role == "device":
        asyncio.run(_device_child(args.url, args.email.split(","), args.path, args.task))
        return
    n = args.n if args.n is not None else 2000 if args.quick else 100_000
    cache_bytecode()
    if args.only == "propagation":
        figures = run_propagation(args.quick)
    else:
        figures = run_all(n, args.dataset, args.quick, "bootstrap" if args.bootstrap_only else args.only)
    met = {}
    for key, target in TARGETS.items():
        if key in figures:
            met[key] = bool(figures[key] <= target)
    rounded = {k: round(v, 4) if isinstance(v, float) else v for k, v in figures.items()}
    print(json.dumps({"bench": "sync", **rounded, "targets": TARGETS, "met": met}, ensure_ascii=False))


if __name__ == "__main__":
    main()
