"""App benchmark: a project with 10,000 cards scrolls smoothly and opens almost as fast as one with 10.

    python -m bench.app [--n 10000] [--quick]

Prints one JSON line of figures, the targets and a `met` map. A `keel server` database is seeded
with the demo (what `keel server --demo` does, with cheap password hashes) and copied twice; the APP
project's first column (需求池) gets 10 extra cards in one copy and N in the other, appended after
its cards and written straight into the tables and the pull feed (`bench.server.insert_tasks`).
For each copy, `keel server --demo` serves it and a real `keel app --web` with a fresh data
directory is driven by headless Chromium at 1440x900 (tests/e2e/browser.py): "Try the demo", wait
for the home screen and the first sync ("已同步"; `signin_sync_s_*`), then

- `board_open_ms_*`: click the board tab until the column's first card is on screen (median of
  five opens, going home in between; `--quick`: one); `open_ratio` is N's over 10's. Both sizes
  stay up side by side and their opens alternate, so a drifting machine load weighs on both alike;
  `board_open_sent_ms_*` is the part until the app's last websocket message before the card showed,
  and `board_open_cpu_ms_*` the CPU time the app's process used from the click until the card
  showed (from /proc: on this shared machine it moves far less with the load than the wall times);
  issue 14's targets: sent <= 300 ms and click to card <= 600 ms, for both sizes;
- `cards_rendered_*`: how many distinct cards of that column the app sent to the browser while the
  board opened (their keys counted in the websocket frames: what Flet built and sent, which is what
  windowing bounds), `board_open_kb_*` the bytes sent, and `cards_in_semantics_*` how many of the
  column's card buttons the browser's semantics tree then held (it keeps a scroll view's off-screen
  children, so it shows the window too);
- `scroll_*_n`: a brisk steady wheel over the N column (100 px notches every 40 ms, dispatched in
  the page) while every frame records how much of the column's viewport cards cover;
  `scroll_blank_frames_pct_n` is the share of frames less than half covered (the window lagging
  behind the scroll shows as empty spacer);
- `far_scroll_ms_n`: then one mouse-wheel jump to the end of the column, until its last card (by
  position) is on screen: every card in the window is replaced, the worst case for windowing.
- `phone_switch_column_ms`: a new tab of the 10-card app at 390x844 with touch: a tap on a status
  tab until that column's top card is on screen (median of nine, see `bench.phone`).

`--root DIR` runs `keel server` and `keel app` from another checkout (the benchmark, its browser
and its clock stay this one's), for a before/after comparison.

Times are taken in this process around the Playwright action and an in-page check polled on every
animation frame, so each includes a few milliseconds of Playwright round trip, for both sizes alike.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import random
import re
import shutil
import signal
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from bench.phone import TARGET_TEXT as PHONE_TARGET_TEXT
from bench.phone import TARGETS as PHONE_TARGETS
from bench.phone import phone_switch

TARGETS: dict[str, float] = {
    "board_open_sent_ms_10": 300.0,
    "board_open_sent_ms_n": 300.0,
    "board_open_ms_10": 600.0,
    "board_open_ms_n": 600.0,
    "open_ratio": 1.5,
    "far_scroll_ms_n": 1000.0,
    "scroll_blank_frames_pct_n": 2.0,
    **PHONE_TARGETS,
}
TARGET_TEXT = {
    "board_open_sent_ms_10": "<= 300 (issue 14: Python builds and sends the board)",
    "board_open_sent_ms_n": "<= 300 (the same with the 10,000-card column)",
    "board_open_ms_10": "<= 600 (issue 14: click to cards in Chromium)",
    "board_open_ms_n": "<= 600 (the same with the 10,000-card column)",
    "open_ratio": "<= 1.5 (opens almost as fast as 10 cards)",
    "far_scroll_ms_n": "<= 1000 (a jump to the end of the column shows its last card within a second)",
    "scroll_blank_frames_pct_n": "<= 2 (a brisk wheel scroll never shows an empty column)",
    **PHONE_TARGET_TEXT,
}
SMALL = 10  # extra cards in the project it is compared with
FAST_HASHES = {"KEEL_ARGON2_TIME_COST": "1", "KEEL_ARGON2_MEMORY_KIB": "1024"}
PROJECT_KEY = "APP"
OPEN_SAMPLES = 5  # board opens per size (home, board, home, board...); the median is the figure
TIMEOUT_MS = 60_000
CARD_PX = 120  # app.state.board.CARD_HEIGHT: a card and its gap


def _words(text: str) -> list[str]:
    return text.split()


_WORDS = _words(
    "首页 改版 商品详情 购物车 结算页 优惠券 会员 积分 搜索 推荐 消息 推送 评价 晒单 直播间 "
    "支付 退款 物流 客服 埋点 性能 首屏 加载 崩溃 适配 深色模式 小程序 灰度 回归 文案 弹窗 "
    "入口 统一 优化 接入 上线 修复 重构 配置 后台 报表 实验 分享 海报 秒杀 预售 订单 地址"
)
_LABELS = ("iOS", "Android", "体验优化", "性能", "会员", "搜索", "支付", "消息", "增长", "缺陷", "小程序")
_PRIORITIES = ("urgent", "high", "medium", "medium", "low", "none")


# --- the data -------------------------------------------------------------------------------------


def seed_demo_database(path: Path) -> None:
    """A fresh SQLite file with the demo, seeded the way `keel server --demo` does (fast hashes)."""
    from server.db import Database, migrate
    from server.demo import seed_demo
    from server.security import Passwords

    db = Database(f"sqlite:///{path}")
    try:
        migrate(db.engine)
        if not seed_demo(db, passwords=Passwords(1, 1024)):
            raise RuntimeError(f"{path} was not empty")
    finally:
        db.dispose()


def _title(rnd: random.Random) -> str:
    title = ""
    while len(title) < 18:
        title += rnd.choice(_WORDS)
    return title


def add_cards(path: Path, n: int, seed: int = 11) -> dict[str, Any]:
    """Appends `n` cards to the end of APP's first column, with their feed rows; returns the
    column's name and the keys of its cards in board order (position, id)."""
    import orjson
    import sqlalchemy as sa
    from fractional_indexing import generate_n_keys_between

    from bench.server import insert_tasks
    from server.db import Database
    from server.feed import Tx, utcnow
    from server.tables import members, projects, statuses, tasks

    rnd = random.Random(seed)
    db = Database(f"sqlite:///{path}")
    try:
        with db.write() as conn:
            project = conn.execute(sa.select(projects).where(projects.c.key == PROJECT_KEY)).mappings().one()
            pid = project["id"]
            first, column_name = conn.execute(
                sa.select(statuses.c.id, statuses.c.name)
                .where(statuses.c.project_id == pid, statuses.c.deleted.is_(False))
                .order_by(statuses.c.position, statuses.c.id)
                .limit(1)
            ).one()
            roles = conn.execute(
                sa.select(members.c.user_id, members.c.role).where(
                    members.c.project_id == pid, members.c.deleted.is_(False)
                )
            ).all()
            owner = next(user for user, role in roles if role == "owner")
            people = sorted(user for user, role in roles if role != "viewer")
            column = sorted(
                conn.execute(
                    sa.select(tasks.c.number, tasks.c.position, tasks.c.id).where(
                        tasks.c.project_id == pid, tasks.c.status_id == first, tasks.c.deleted.is_(False)
                    )
                ).all(),
                key=lambda r: (r.position, r.id),  # the board's order (byte order, as SQLite sorts text)
            )
            last = column[-1].position if column else None
            number = int(project["next_number"])
            now = utcnow()
            today = now.replace(hour=10, minute=0, second=0, microsecond=0)
            rows = []
            for position in generate_n_keys_between(last, None, n):
                due = today + timedelta(days=rnd.randint(-5, 60)) if rnd.random() < 0.6 else None
                rows.append(
                    {
                        "id": str(uuid.UUID(int=rnd.getrandbits(128), version=4)),
                        "project_id": pid,
                        "number": number,
                        "title": _title(rnd),
                        "description": "背景：" + "，".join(rnd.choice(_WORDS) for _ in range(30)),
                        "status_id": first,
                        "assignee_id": rnd.choice(people) if rnd.random() < 0.85 else None,
                        "reporter_id": owner,
                        "priority": rnd.choice(_PRIORITIES),
                        "type": "task",
                        "labels": orjson.dumps(rnd.sample(_LABELS, rnd.randrange(4))).decode(),
                        "parent_id": None,
                        "position": position,
                        "start_at": None,
                        "due_at": due,
                        "estimate": None,
                        "created_at": now,
                        "updated_at": now,
                        "deleted": False,
                    }
                )
                number += 1
            conn.execute(projects.update().where(projects.c.id == pid).values(next_number=number))
            tx = Tx(conn)
            insert_tasks(conn, tx, rows)
            tx.finish()
    finally:
        db.dispose()
    keys = [f"{PROJECT_KEY}-{r.number}" for r in column] + [f"{PROJECT_KEY}-{r['number']}" for r in rows]
    return {"column": str(column_name), "keys": keys}


# --- the browser ----------------------------------------------------------------------------------

# Runs in the page. Flutter's semantics tree puts a card's texts into one button node ("中\nAPP-12
# 标题\n..."); a column is found by its header node (text exactly the status name) and its cards by
# sharing the header's left edge. Nodes outside a scroll view's viewport stay in the tree with their
# real rectangles, so "on screen" is measured against the viewport: the nearest ancestor node whose
# content is taller than itself (its `overflow` flips between hidden and scroll with Flutter's mode).
_PAGE_HELPERS = r"""
() => {
  window.__bench = {
    key: /(?:^|\n)([A-Z][A-Z0-9]*-\d+) /,
    header(name) {
      for (const el of document.querySelectorAll('flt-semantics')) {
        if (el.textContent === name) return el.getBoundingClientRect();
      }
      return null;
    },
    cardNodes(name) {
      const head = this.header(name);
      if (!head || head.height === 0) return [];
      const out = [];
      for (const el of document.querySelectorAll('flt-semantics[role="button"]')) {
        const r = el.getBoundingClientRect();
        const m = Math.abs(r.left - head.left) <= 4 && this.key.exec(el.textContent || '');
        if (m) out.push([m[1], el, r]);
      }
      return out;
    },
    viewport(name) {
      for (const [, el] of this.cardNodes(name)) {
        for (let p = el.parentElement; p; p = p.parentElement) {
          if (p.scrollHeight > p.clientHeight + 1) return p.getBoundingClientRect();
        }
        return el.parentElement.getBoundingClientRect();
      }
      return null;
    },
    visible(r, vp) {
      return Math.max(0, Math.min(r.bottom, vp.bottom, innerHeight) - Math.max(r.top, vp.top));
    },
    cards(name) {
      const vp = this.viewport(name);
      return this.cardNodes(name).map(([key, , r]) => [key, !!vp && this.visible(r, vp) > 0]);
    },
    shown(name, key) {
      return this.cards(name).some(([k, shown]) => k === key && shown);
    },
    center(name, key) {
      const hit = this.cardNodes(name).find(([k]) => k === key);
      return hit ? [hit[2].left + hit[2].width / 2, hit[2].top + hit[2].height / 2] : null;
    },
    synced() {
      for (const el of document.querySelectorAll('flt-semantics[role="button"]')) {
        if (/^已同步(\s+已同步)*$/.test((el.textContent || '').trim())) return true;
      }
      return false;
    },
    // Every animation frame while sampling: the share of the column's viewport that cards cover
    // (a card is 112 of its 120 pixels, so a fully drawn column is about 0.93).
    sample(name) {
      const vp = this.viewport(name);
      this.frames = [];
      this.sampling = true;
      const tick = (t) => {
        if (!this.sampling) return;
        let covered = 0;
        for (const [, , r] of this.cardNodes(name)) covered += this.visible(r, vp);
        this.frames.push([t, covered / vp.height]);
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    },
    stop() {
      this.sampling = false;
      return this.frames;
    },
  };
}
"""


class Frames:
    """The app's websocket messages to the browser, kept while `recording` with the clock at their
    arrival (Flet sends every control it builds, so a card's key in them means the app rendered that
    card). Playwright's sync API hands events over while it waits, as it does during `_until`."""

    def __init__(self) -> None:
        self.recording = False
        self.received: list[tuple[float, bytes]] = []

    def attach(self, page: Any) -> None:
        page.on("websocket", lambda ws: ws.on("framereceived", self._received))

    def _received(self, payload: str | bytes) -> None:
        if self.recording:
            data = payload if isinstance(payload, bytes) else payload.encode()
            self.received.append((time.perf_counter(), data))

    def start(self) -> None:
        self.received = []
        self.recording = True

    def stop(self) -> None:
        self.recording = False

    def kilobytes(self) -> float:
        return sum(len(data) for _, data in self.received) / 1024

    def last_before(self, clock: float) -> float | None:
        """When the last message before `clock` arrived."""
        return max((t for t, _ in self.received if t <= clock), default=None)

    def keys(self, among: set[str]) -> set[str]:
        """The card keys of `among` that appear in what was recorded."""
        pattern = re.compile(PROJECT_KEY.encode() + rb"-(\d+)")  # msgpack puts a length byte before it
        found = {f"{PROJECT_KEY}-{int(m.group(1))}" for _, data in self.received for m in pattern.finditer(data)}
        return found & among


def _open_page(chromium: Any, url: str, frames: Frames) -> Any:
    """Like tests.e2e.browser.open_app, with the websocket listener attached before the page loads."""
    page = chromium.new_page(viewport={"width": 1440, "height": 900})
    frames.attach(page)
    page.goto(url)
    page.wait_for_selector("#loading", state="detached", timeout=TIMEOUT_MS)
    page.locator("flt-semantics-placeholder").dispatch_event("click")
    page.evaluate(_PAGE_HELPERS)
    return page


def _click(page: Any, name: str) -> float:
    """Clicks the button named `name` (a regular expression) with the bare mouse, and returns the
    clock at the click: Playwright's actionability checks happen before it, not inside the timing."""
    target = page.get_by_role("button", name=re.compile(name)).first
    target.wait_for(timeout=TIMEOUT_MS)
    box = target.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    started = time.perf_counter()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    return started


def _until(page: Any, check: str, arg: Any = None) -> float:
    """Waits until the page-side `check` holds (tested on every animation frame); returns the clock."""
    from playwright.sync_api import Error

    try:
        page.wait_for_function(check, arg=arg, polling="raf", timeout=TIMEOUT_MS)
    except Error as exc:
        raise RuntimeError(f"not true within {TIMEOUT_MS} ms: {check} {arg}; the page shows {_texts(page)}") from exc
    return time.perf_counter()


def _texts(page: Any) -> list[str]:
    """The last short texts of the semantics tree: what a failure message shows of the page."""
    texts: list[str] = page.evaluate(
        "() => [...document.querySelectorAll('flt-semantics')].map(e => (e.textContent || '').split('\\n')[0])"
        ".filter(t => t && t.length < 40).slice(-30)"
    )
    return texts


SIGN_IN_TRIES = 3
SIGN_IN_TRY_MS = 45_000


def sign_in(page: Any, log: Path) -> float:
    """Presses "Try the demo" and waits until the home screen shows and the first sync is done.

    A click that lands while Flutter is still wiring the freshly enabled semantics tree can be lost
    (seen once in CI on a loaded machine): while the button is still there and enabled after a
    while, it is pressed again (it is disabled as soon as a sign-in starts, so this never signs in
    twice). A sign-in that never finishes fails with what the page shows and the app's log."""
    from playwright.sync_api import Error

    home = page.get_by_text("你好，王伟").first
    started = _click(page, "一键体验演示")
    for attempt in range(1, SIGN_IN_TRIES + 1):
        try:
            home.wait_for(timeout=SIGN_IN_TRY_MS)
            break
        except Error:
            demo = page.get_by_role("button", name=re.compile("一键体验演示")).first
            if attempt < SIGN_IN_TRIES and demo.is_visible() and demo.is_enabled():
                started = _click(page, "一键体验演示")
    else:
        tail = log.read_text(encoding="utf-8", errors="replace")[-3000:] if log.exists() else "(no log)"
        raise RuntimeError(f"the demo sign-in did not reach home; the page shows {_texts(page)}; app log:\n{tail}")
    done = _until(page, "() => window.__bench.synced()")
    return done - started


def open_board(page: Any, column: str, first_key: str) -> tuple[float, float]:
    """From the home screen: the board tab, until the first card of the first column is on screen;
    returns the clock at the click and when the card showed."""
    started = _click(page, "看板 Tab")
    return started, _until(page, "([c, k]) => window.__bench.shown(c, k)", [column, first_key])


def go_home(page: Any) -> None:
    _click(page, "首页 Tab")
    page.get_by_text("你好，王伟").first.wait_for(timeout=TIMEOUT_MS)
    page.wait_for_timeout(500)  # let the home screen settle before the next open


def hover(page: Any, column: str, key: str) -> tuple[float, float]:
    """Puts the mouse over a card of the column (a wheel scrolls what is under the pointer)."""
    x, y = page.evaluate("([c, k]) => window.__bench.center(c, k)", [column, key])
    page.mouse.move(x, y, steps=3)
    page.wait_for_timeout(300)
    return x, y


# Wheel events at a steady pace, dispatched in the page where the pointer is (Flutter reads the DOM
# event), so the pace is the browser's and not that of a round trip per event through Playwright.
_WHEEL = """([x, y, notches, px, every]) => new Promise(resolve => {
  let sent = 0;
  const t0 = performance.now();
  const id = setInterval(() => {
    document.elementFromPoint(x, y).dispatchEvent(new WheelEvent('wheel', {
      deltaY: px, deltaMode: 0, clientX: x, clientY: y, bubbles: true, cancelable: true, composed: true}));
    if (++sent >= notches) { clearInterval(id); resolve(performance.now() - t0); }
  }, every);
})"""


def steady_scroll(
    page: Any, column: str, at: tuple[float, float], notches: int = 60, step_px: int = 100, every_ms: int = 40
) -> dict[str, Any]:
    """A brisk, steady wheel (100 px notches every 40 ms: 2,500 px/s if the page keeps up; 60 notches
    pass several window shifts) while the page samples, every frame, how much of the column's
    viewport cards cover. A frame under half covered counts as blank."""
    page.evaluate("(c) => window.__bench.sample(c)", column)
    elapsed_ms = page.evaluate(_WHEEL, [at[0], at[1], notches, step_px, every_ms])
    page.wait_for_timeout(500)
    frames = page.evaluate("() => window.__bench.stop()")
    coverage = [c for _, c in frames]
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(frames)]
    return {
        "scroll_px_per_s": notches * step_px / (elapsed_ms / 1000),
        "scroll_frames": len(frames),
        "scroll_blank_frames_pct": 100 * sum(c < 0.5 for c in coverage) / max(1, len(coverage)),
        "scroll_min_coverage": min(coverage, default=0.0),
        "scroll_frame_p95_ms": _percentile(gaps, 95),
    }


def far_scroll(page: Any, column: str, last_key: str, cards: int) -> float:
    """One wheel jump over the column past its end, until its last card is on screen."""
    started = time.perf_counter()
    page.mouse.wheel(0, cards * CARD_PX + 20_000)
    shown = _until(page, "([c, k]) => window.__bench.shown(c, k)", [column, last_key])
    return (shown - started) * 1000


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))] if ordered else 0.0


@dataclass
class Client:
    """One size: its server and app (already started), a signed-in page, and what was measured."""

    page: Any
    frames: Frames
    keys: list[str]  # the first column's cards, in board order
    column: str
    url: str = ""  # the app, for another tab (the phone's)
    opens: list[float] = field(default_factory=list)
    sent: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    pid: int | None = None  # the app's process, for its CPU time
    figures: dict[str, Any] = field(default_factory=dict)

    def open_board(self) -> None:
        """One board open from the home screen (the first one straight after sign-in)."""
        if self.opens:
            go_home(self.page)
        self.frames.start()
        cpu = app_cpu_ms(self.pid)
        started, shown = open_board(self.page, self.column, self.keys[0])
        self.cpu.append(app_cpu_ms(self.pid) - cpu)
        self.page.wait_for_timeout(800)  # everything the open sends has arrived
        self.frames.stop()
        self.opens.append((shown - started) * 1000)
        # Click until the app's last message before the card showed: the app's share (the event's
        # trip, Python building and sending the board); the rest is the browser drawing it.
        self.sent.append(((self.frames.last_before(shown) or shown) - started) * 1000)
        if len(self.opens) == 1:
            self.figures["cards_rendered"] = len(self.frames.keys(set(self.keys)))
            self.figures["board_open_kb"] = self.frames.kilobytes()
            cards = self.page.evaluate("(c) => window.__bench.cards(c)", self.column)
            self.figures["cards_in_semantics"] = len(cards)

    def scroll(self, notches: int) -> None:
        """The steady wheel, then the jump to the end (from the top of a freshly opened board)."""
        at = hover(self.page, self.column, self.keys[0])
        self.figures.update(steady_scroll(self.page, self.column, at, notches=notches))
        self.frames.start()
        self.figures["far_scroll_ms"] = far_scroll(self.page, self.column, self.keys[-1], len(self.keys))
        self.page.wait_for_timeout(800)
        self.frames.stop()
        self.figures["far_scroll_cards_sent"] = len(self.frames.keys(set(self.keys)))

    def results(self) -> dict[str, Any]:
        return {
            "column_cards": len(self.keys),
            **self.figures,
            "board_open_ms": statistics.median(self.opens),
            "board_open_samples_ms": [round(x) for x in self.opens],
            "board_open_sent_ms": statistics.median(self.sent),
            "board_open_cpu_ms": statistics.median(self.cpu),
        }


def app_pid(url: str) -> int | None:
    """The process of the `keel app --web` serving `url` (found by its port on its command line)."""
    port = url.rstrip("/").rsplit(":", 1)[-1]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                argv = (entry / "cmdline").read_bytes().split(b"\0")
                if b"keel_cli" in argv and b"app" in argv and port.encode() in argv:
                    return int(entry.name)
    return None


def app_cpu_ms(pid: int | None) -> float:
    """The CPU time (user and system) the process has used so far; 0 where /proc cannot tell."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) * 1000 / os.sysconf("SC_CLK_TCK")


def start_client(stack: contextlib.ExitStack, chromium: Any, tmp: Path, column: dict[str, Any]) -> Client:
    """`keel server --demo` on `tmp`/server.db, a fresh `keel app --web`, and a page signed in with
    the demo; they stay up until `stack` closes."""
    from tests.e2e.browser import app_server, demo_server

    handles: dict[str, Any] = {}
    server_url = stack.enter_context(demo_server(tmp, handles))
    app_url = stack.enter_context(app_server(tmp, server_url))
    frames = Frames()
    client = Client(_open_page(chromium, app_url, frames), frames, column["keys"], column["column"], app_url)
    client.pid = app_pid(app_url)
    try:
        client.figures["signin_sync_s"] = sign_in(client.page, tmp / "app.log")
    except RuntimeError as exc:
        raise RuntimeError(f"{exc}\n{stacks(tmp, client.pid, handles['server_process'].pid)}") from exc
    return client


def stacks(tmp: Path, app: int | None, server: int) -> str:
    """Every thread's stack of the app and the server (`keel` prints them on SIGUSR1), from their logs."""
    for pid in (app, server):
        if pid is not None:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGUSR1)
    time.sleep(2)
    logs = {name: tmp / f"{name}.log" for name in ("app", "server")}
    return "\n".join(
        f"--- {name}.log (tail) ---\n" + path.read_text(encoding="utf-8", errors="replace")[-12000:]
        for name, path in logs.items()
        if path.exists()
    )


# --- main -----------------------------------------------------------------------------------------


def run(n: int, quick: bool = False) -> dict[str, Any]:
    """Both sizes stay up side by side and their board opens alternate (10, N, N, 10, 10, N, ...), so
    the load of this shared machine, which drifts over minutes, weighs on both alike."""
    from tests.e2e.browser import browser

    os.environ.update(FAST_HASHES)  # the servers started below hash (and check) passwords cheaply
    os.environ["KEEL_APP_LOG_LEVEL"] = "INFO"  # the apps log a sign-in's steps: a stuck one says where
    figures: dict[str, Any] = {"n": n, "quick": quick}
    with tempfile.TemporaryDirectory(prefix="keel-bench-app-") as tmp_name, contextlib.ExitStack() as stack:
        tmp = Path(tmp_name)
        t0 = time.perf_counter()
        seed_demo_database(tmp / "demo.db")
        columns = {}
        for label, extra in (("10", SMALL), ("n", n)):
            (tmp / label).mkdir()
            shutil.copyfile(tmp / "demo.db", tmp / label / "server.db")
            columns[label] = add_cards(tmp / label / "server.db", extra)
            shutil.copyfile(tmp / label / "server.db", tmp / f"{label}.db")  # for a restart (below)
        figures["seed_s"] = time.perf_counter() - t0
        chromium = stack.enter_context(browser())
        clients = {}
        for label, column in columns.items():
            try:
                clients[label] = start_client(stack, chromium, tmp / label, column)
            except RuntimeError as exc:
                # A first sync that never left "connecting" was seen once in CI (2026-12-06, not yet
                # understood; docs/benchmarks.md): said on stderr and in the figures, then a fresh
                # server and app on a copy of the same database, once.
                print(f"bench.app: {label} restarted after a stuck sign-in: {exc}", file=sys.stderr)
                figures["signin_restarts"] = figures.get("signin_restarts", 0) + 1
                again = tmp / f"{label}-again"
                again.mkdir()
                shutil.copyfile(tmp / f"{label}.db", again / "server.db")
                clients[label] = start_client(stack, chromium, again, column)
        for client in clients.values():
            client.page.wait_for_timeout(1000)  # the home screen's first renders, the engine's next pull
        for sample in range(1 if quick else OPEN_SAMPLES):
            for label in ("10", "n") if sample % 2 == 0 else ("n", "10"):
                clients[label].open_board()
        clients["n"].scroll(notches=30 if quick else 60)
        figures.update(phone_switch(chromium, clients["10"].url, switches=3 if quick else 9))
        for label, client in clients.items():
            figures.update({f"{key}_{label}": value for key, value in client.results().items()})
    figures["open_ratio"] = figures["board_open_ms_n"] / figures["board_open_ms_10"]
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000, help="extra cards in the large project (default 10000)")
    parser.add_argument("--quick", action="store_true", help="one board open per size and a shorter scroll")
    parser.add_argument("--root", type=Path, help="run the app (and server) of another checkout, e.g. a before/after")
    args = parser.parse_args()
    from tests.e2e.browser import chromium_missing

    reason = chromium_missing()
    if reason:
        sys.exit(f"bench.app needs a browser: {reason}")
    if args.root:
        import tests.e2e.browser

        tests.e2e.browser.ROOT = args.root.resolve()  # where `keel app` and `keel server` start
    figures = run(args.n, args.quick)
    met = {key: bool(figures[key] <= target) for key, target in TARGETS.items()}
    rounded = {k: round(v, 3) if isinstance(v, float) else v for k, v in figures.items()}
    print(json.dumps({"bench": "app", **rounded, "targets": TARGET_TEXT, "met": met}, ensure_ascii=False))


if __name__ == "__main__":
    main()
