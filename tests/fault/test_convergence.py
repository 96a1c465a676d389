"""Convergence under network faults: a hypothesis state machine of 3-8 clients, each with its own
SQLite store, editing shared projects through a `FaultyTransport` in front of the real server
(uvicorn on a loopback port, SQLite database). Once the faults stop and every client has synced,
every client equals the server within its permissions, every mutation was applied at most once,
and every outbox entry ended applied or rejected.

The machine
- `setup` draws the number of clients (3-8) and users (3-5; a user may have two devices), registers
  the users, and builds two projects with the faults paused: A, owned by user 0 and shared with
  every other user under drawn roles (at least one viewer), and B, owned by user 1 and shared with
  user 0 only, so that users see different slices of the server.
- Actions are store actions, as the UI calls them: create (with labels, parent, assignee), update,
  move and delete tasks, add and remove labels, comment (with @mentions), edit and delete comments,
  read notifications, and (by a project's owner) grant, change and revoke roles. They go to the
  outbox whatever the network does; a device can be "offline" (`toggle_offline`), when it never
  talks to the server.
- `sync` runs one `SyncEngine.sync()` with the faults on. `live` runs `SyncEngine.run()` on some
  clients at once for a moment (the event stream, pokes, reconnects: where SSE disconnects happen)
  while one client makes a change. `restart` starts a sync, cancels it after a few milliseconds
  (mid-flight: the push may or may not have reached the server), closes the store and the remote,
  and reopens the client from its file.
- `teardown` pauses every transport, brings every client online, syncs each one until its outbox
  is empty, then syncs each once more (a final pull at the server's cursor), and checks the
  invariants (`check_converged`).

Faults: every transport draws from its own seeded plan, so a run is repeatable up to the order in
which concurrent requests arrive. CI runs a fixed number of examples (derandomized) and asserts
that every fault type, and the restart rule, actually happened across the run.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import random
import sqlite3
import uuid
from collections import Counter
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test

from sync.engine import Remote, SyncEngine
from sync.errors import NotSignedIn, SyncError
from sync.store import Rejection, Store
from sync.store._rows import encode
from sync.store._schema import COLUMNS, ENTITIES
from sync.tokens import MemoryTokenStore
from tests.factories import unique_key
from tests.faults import Fault, FaultPlan, FaultyTransport
from tests.live_server import live_server
from tests.sync.devices import FAST, PASSWORD, register

T = TypeVar("T")

# CI's budget: about a minute on 2 cores. KEEL_CONVERGENCE_EXAMPLES / _STEPS raise it for a soak run.
MAX_EXAMPLES = int(os.environ.get("KEEL_CONVERGENCE_EXAMPLES", "10"))
STEPS = int(os.environ.get("KEEL_CONVERGENCE_STEPS", "30"))

AUTH_PREFIX = "/api/v1/auth/"
CALL_CHANCES = {
    Fault.DROP: 0.05,
    Fault.LOSE_RESPONSE: 0.06,
    Fault.DUPLICATE: 0.06,
    Fault.DELAY: 0.08,
    Fault.SERVER_ERROR: 0.05,
    Fault.EXPIRE_TOKEN: 0.04,
}
STREAM_CHANCES = {
    Fault.DROP: 0.08,
    Fault.DELAY: 0.08,
    Fault.SERVER_ERROR: 0.08,
    Fault.EXPIRE_TOKEN: 0.08,
    Fault.SSE_DISCONNECT: 0.5,
}
CREATES = ("task.create", "comment.create")
# Set to 1 to fail on rejections lost with a push's answer (a server limitation; see `_check`).
RESTART = "restart"  # the machine's own fault, counted with the transports'

CLIENT = st.integers(0, 7)  # modulo the number of clients
PICK = st.integers(0, 1 << 16)  # modulo whatever list it picks from
ROLES = ("admin", "member", "viewer")
LABELS = ("bug", "ios", "android", "后端", "设计")
PRIORITIES = ("urgent", "high", "medium", "low", "none")
TITLES = ("首页信息流改版", "修复登录页闪退", "Q3 campaign brief", "客服工单：无法导出", "需求评审")
BODIES = ("看一下", "LGTM", "这个需求下周排期", "repro on iOS 17")
DUE = ("2031-01-15T09:00:00+08:00", "2032-06-01T00:00:00Z", None)  # far off: no due_soon reminders


def faults_apply(request: httpx.Request) -> bool:
    """Which requests the plan may fault: everything but the auth endpoints.

    A refresh token is single-use, and the server takes a spent one presented again as theft and
    revokes the whole session (token family). So a lost or duplicated `POST /auth/refresh` signs
    the device out for good: the server's correct answer to theft, not a sync fault to survive.
    EXPIRE_TOKEN still forces refreshes; only the refresh call itself travels unharmed.
    """
    return not request.url.path.startswith(AUTH_PREFIX)


@dataclass
class RunStats:
    """Aggregated over every example of a run: the test asserts on it afterwards."""

    fired: Counter[str] = field(default_factory=Counter)
    events: Counter[str] = field(default_factory=Counter)  # what happened besides faults (for the report)
    examples: int = 0


STATS = RunStats()
_examples = itertools.count(1)


class RecordingStore(Store):
    """A Store that also notes what the server answered to each create it pushed (for the checks)."""

    answers: dict[str, list[str]]

    def record_push(self, response: dict[str, Any]) -> list[Rejection]:
        for result in response.get("results", []):
            row = self.conn.execute(
                "SELECT name, args FROM outbox WHERE mutation_id = ?", (result["mutation_id"],)
            ).fetchone()
            if row is not None and row["name"] in CREATES:
                self.answers.setdefault(str(orjson.loads(row["args"])["id"]), []).append(str(result["status"]))
        return super().record_push(response)


@dataclass
class Device:
    """One client: a user, a store file, and (while open) a store, a faulty transport and an engine."""

    n: int
    user: int
    email: str
    user_id: str
    path: Path
    seed: str
    tokens: MemoryTokenStore = field(default_factory=MemoryTokenStore)
    offline: bool = False
    generation: int = 0
    client_ids: set[str] = field(default_factory=set)
    created_tasks: set[str] = field(default_factory=set)
    created_comments: set[str] = field(default_factory=set)
    answers: dict[str, list[str]] = field(default_factory=dict)  # created id -> the push answers it got
    store: RecordingStore | None = None
    transport: FaultyTransport | None = None
    remote: Remote | None = None
    engine: SyncEngine | None = None

    @property
    def s(self) -> RecordingStore:
        assert self.store is not None
        return self.store

    @property
    def e(self) -> SyncEngine:
        assert self.engine is not None
        return self.engine

    @property
    def r(self) -> Remote:
        assert self.remote is not None
        return self.remote

    def __hash__(self) -> int:
        return self.n


class Convergence(RuleBasedStateMachine):
    url: str = ""
    db_path: Path = Path()
    workdir: Path = Path()

    def __init__(self) -> None:
        super().__init__()
        self.runner = asyncio.Runner()
        self.example = next(_examples)
        self.dir = self.workdir / f"example-{self.example}"
        self.dir.mkdir(parents=True)
        self.devices: list[Device] = []
        self.users: list[str] = []  # user ids by user number
        self.emails: list[str] = []
        self.projects: dict[str, int] = {}  # project id -> the user number of its owner
        self.faults_on = False
        self.fired: Counter[str] = Counter()
        self.events: Counter[str] = Counter()
        self.serial = itertools.count(1)

    # --- plumbing ---------------------------------------------------------------------------

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.runner.run(coro)

    def dev(self, i: int) -> Device:
        return self.devices[i % len(self.devices)]

    def plan(self, d: Device) -> FaultPlan:
        return FaultPlan(
            random.Random(f"{d.seed}:{d.generation}"),
            CALL_CHANCES,
            stream_probabilities=STREAM_CHANCES,
            applies_to=faults_apply,
            max_delay_s=0.03,
            max_events_before_cut=2,
        )

    async def open(self, d: Device, *, login: bool) -> None:
        """Opens (or reopens, after a restart) the device from its store file."""
        d.generation += 1
        d.transport = FaultyTransport(httpx.AsyncHTTPTransport(), self.plan(d))
        if not self.faults_on:
            d.transport.pause()
        d.remote = Remote(self.url, d.tokens, account=d.email, transport=d.transport)
        d.store = RecordingStore.open(d.path)
        d.store.answers = d.answers
        if login:
            user = await d.remote.login(d.email, PASSWORD)
            d.store.set_account(self.url, str(user["id"]), d.email)
        store = d.store
        d.engine = SyncEngine(store, d.remote, backoff=FAST, max_attempts=4)
        store.subscribe(lambda _changes: d.client_ids.add(store.client_id))
        d.client_ids.add(store.client_id)

    async def close(self, d: Device) -> None:
        if d.transport is not None:
            self.fired.update(str(f) for f in d.transport.fired.elements())
        if d.remote is not None:
            await d.remote.aclose()
        if d.store is not None:
            d.store.close()
        d.store = d.transport = d.remote = d.engine = None

    async def relogin_if_signed_out(self, d: Device) -> None:
        """After NotSignedIn: a device whose sign-in ended signs in again (the same user keeps the cache)."""
        if d.tokens.load_refresh_token(d.r.base_url, d.email) is None:
            self.events["signed in again"] += 1
            user = await d.r.login(d.email, PASSWORD)
            d.s.set_account(self.url, str(user["id"]), d.email)

    async def sync(self, d: Device) -> None:
        """One sync with whatever faults the plan brings; failing after its retries is fine."""
        try:
            await d.e.sync()
        except NotSignedIn:
            self.events["NotSignedIn"] += 1
            await self.relogin_if_signed_out(d)
        except SyncError as exc:
            self.events[f"sync failed: {type(exc).__name__}"] += 1

    # --- setup ------------------------------------------------------------------------------

    @initialize(data=st.data())
    def setup(self, data: st.DataObject) -> None:
        n_clients = data.draw(st.integers(3, 8), label="clients")
        n_users = data.draw(st.integers(3, min(5, n_clients)), label="users")
        roles = data.draw(st.lists(st.sampled_from(ROLES), min_size=n_users - 1, max_size=n_users - 1), label="roles")
        if "viewer" not in roles:
            roles[-1] = "viewer"
        b_role = data.draw(st.sampled_from(ROLES), label="user 0 in project B")
        self.run(self._setup(n_clients, n_users, roles, b_role))
        self.faults_on = True
        for d in self.devices:
            assert d.transport is not None
            d.transport.resume()

    async def _setup(self, n_clients: int, n_users: int, roles: list[str], b_role: str) -> None:
        for k in range(n_users):
            email = f"e{self.example}u{k}x{uuid.uuid4().hex[:6]}@example.com"
            self.emails.append(await register(self.url, f"用户{k}", email))
        for n in range(n_clients):
            k = n % n_users
            d = Device(n, k, self.emails[k], "", self.dir / f"client-{n}.db", seed=f"{self.example}:{n}")
            await self.open(d, login=True)
            d.user_id = d.s.user_id or ""
            if n < n_users:
                self.users.append(d.user_id)
            self.devices.append(d)
        a, b = self.devices[0], self.devices[1]
        await a.e.sync()
        await b.e.sync()
        project_a = a.s.create_project("产品迭代", unique_key("CA"), kind="product")
        for k, role in enumerate(roles, start=1):
            a.s.put_member(project_a, self.users[k], role)
        project_b = b.s.create_project("双十一活动", unique_key("CB"), kind="campaign")
        b.s.put_member(project_b, self.users[0], b_role)
        self.projects = {project_a: 0, project_b: 1}
        for d in (a, b, *self.devices):
            report = await d.e.sync()
            assert report.rejected == [], report.rejected

    # --- what people do ---------------------------------------------------------------------

    def _tasks(self, d: Device) -> list[dict[str, Any]]:
        return sorted(d.s.tasks(limit=100_000), key=lambda t: t["id"])

    def _task(self, d: Device, pick: int) -> dict[str, Any] | None:
        tasks = self._tasks(d)
        return tasks[pick % len(tasks)] if tasks else None

    def _create_task(self, d: Device, pick: int, title: str, **fields: Any) -> str | None:
        projects = d.s.projects()
        if not projects:
            return None
        project_id = projects[pick % len(projects)]["id"]
        task_id = d.s.create_task(project_id, f"{title} #{next(self.serial)}", **fields)
        d.created_tasks.add(task_id)
        return task_id

    @rule(
        i=CLIENT,
        pick=PICK,
        title=st.sampled_from(TITLES),
        priority=st.sampled_from(PRIORITIES),
        labels=st.lists(st.sampled_from(LABELS), max_size=2, unique=True),
        parent=st.none() | PICK,
        assignee=st.none() | PICK,
    )
    def create_task(
        self, i: int, pick: int, title: str, priority: str, labels: list[str], parent: int | None, assignee: int | None
    ) -> None:
        d = self.dev(i)
        fields: dict[str, Any] = {"priority": priority}
        if labels:
            fields["labels"] = labels
        projects = d.s.projects()
        if projects:
            project_id = projects[pick % len(projects)]["id"]
            if parent is not None:
                siblings = [t for t in self._tasks(d) if t["project_id"] == project_id]
                if siblings:
                    fields["parent_id"] = siblings[parent % len(siblings)]["id"]
            if assignee is not None:
                members = d.s.members(project_id)
                fields["assignee_id"] = members[assignee % len(members)]["user_id"] if members else None
        self._create_task(d, pick, title, **fields)

    @rule(
        i=CLIENT,
        pick=PICK,
        what=st.sampled_from(["title", "priority", "assignee", "unassign", "due", "description"]),
        value=PICK,
    )
    def update_task(self, i: int, pick: int, what: str, value: int) -> None:
        d = self.dev(i)
        task = self._task(d, pick)
        if task is None:
            return
        if what == "title":
            d.s.update_task(task["id"], title=f"{TITLES[value % len(TITLES)]} (改 {next(self.serial)})")
        elif what == "priority":
            d.s.update_task(task["id"], priority=PRIORITIES[value % len(PRIORITIES)])
        elif what == "assignee":
            members = d.s.members(task["project_id"])
            if members:
                d.s.update_task(task["id"], assignee_id=members[value % len(members)]["user_id"])
        elif what == "unassign":
            d.s.update_task(task["id"], assignee_id=None)
        elif what == "due":
            d.s.update_task(task["id"], due_at=DUE[value % len(DUE)])
        else:
            d.s.update_task(task["id"], description=f"描述 {next(self.serial)}：**markdown**")

    @rule(i=CLIENT, pick=PICK, status=PICK)
    def move_task(self, i: int, pick: int, status: int) -> None:
        d = self.dev(i)
        task = self._task(d, pick)
        if task is not None:
            statuses = d.s.statuses(task["project_id"])
            if statuses:
                d.s.move_task(task["id"], statuses[status % len(statuses)]["id"])

    @rule(i=CLIENT, pick=PICK)
    def delete_task(self, i: int, pick: int) -> None:
        d = self.dev(i)
        task = self._task(d, pick)
        if task is not None:
            d.s.delete_task(task["id"])

    @rule(i=CLIENT, pick=PICK, label=st.sampled_from(LABELS), add=st.booleans())
    def label(self, i: int, pick: int, label: str, add: bool) -> None:
        d = self.dev(i)
        task = self._task(d, pick)
        if task is not None:
            if add:
                d.s.update_task(task["id"], labels_add=[label])
            else:
                d.s.update_task(task["id"], labels_remove=[label])

    @rule(i=CLIENT, pick=PICK, body=st.sampled_from(BODIES), mention=st.none() | PICK)
    def comment(self, i: int, pick: int, body: str, mention: int | None) -> None:
        d = self.dev(i)
        task = self._task(d, pick)
        if task is None:
            return
        if mention is not None:
            members = d.s.members(task["project_id"])
            if members:
                user_id = members[mention % len(members)]["user_id"]
                if user_id in self.users:
                    body = f"@{self.emails[self.users.index(user_id)].split('@')[0]} {body}"
        d.created_comments.add(d.s.create_comment(task["id"], body))

    @rule(i=CLIENT, pick=PICK, delete=st.booleans())
    def edit_comment(self, i: int, pick: int, delete: bool) -> None:
        """Edits or deletes a comment: one's own is allowed, anyone else's is rejected."""
        d = self.dev(i)
        comments = sorted(r["id"] for r in d.s.conn.execute("SELECT id FROM comment"))
        if not comments:
            return
        comment_id = comments[pick % len(comments)]
        if delete:
            d.s.delete_comment(comment_id)
        else:
            d.s.update_comment(comment_id, f"改过的评论 {next(self.serial)}")

    @rule(i=CLIENT, pick=st.none() | PICK)
    def read_notifications(self, i: int, pick: int | None) -> None:
        d = self.dev(i)
        if pick is None:
            d.s.read_all_notifications()
            return
        unread = d.s.notifications(unread_only=True)
        if unread:
            d.s.read_notification(unread[pick % len(unread)]["id"])

    @rule(project=PICK, device=PICK, whom=PICK, role=st.sampled_from((*ROLES, None)))
    def set_role(self, project: int, device: int, whom: int, role: str | None) -> None:
        """A project's owner grants, changes or revokes another user's role (None: removes them)."""
        project_id, owner = sorted(self.projects.items())[project % len(self.projects)]
        owners = [d for d in self.devices if d.user == owner]
        d = owners[device % len(owners)]
        others = [u for k, u in enumerate(self.users) if k != owner]
        user_id = others[whom % len(others)]
        if role is None:
            d.s.remove_member(project_id, user_id)
        else:
            d.s.put_member(project_id, user_id, role)

    @rule(i=CLIENT)
    def toggle_offline(self, i: int) -> None:
        d = self.dev(i)
        d.offline = not d.offline

    # --- the network ------------------------------------------------------------------------

    @rule(i=CLIENT)
    def sync_one(self, i: int) -> None:
        d = self.dev(i)
        if not d.offline:
            self.run(self.sync(d))

    @rule(mask=st.integers(1, 255), window=st.sampled_from([0.15, 0.3, 0.5]), actor=CLIENT, pick=PICK)
    def live(self, mask: int, window: float, actor: int, pick: int) -> None:
        """Runs the engines of some online clients (event streams included) while one makes a change."""
        chosen = [d for d in self.devices if mask >> d.n & 1 and not d.offline]
        if chosen:
            self.run(self._live(chosen, window, self.dev(actor), pick))

    async def _live(self, chosen: list[Device], window: float, actor: Device, pick: int) -> None:
        stop = asyncio.Event()
        runners = {d: asyncio.create_task(d.e.run(stop)) for d in chosen}
        await asyncio.sleep(window / 2)
        self._create_task(actor, pick, "实时同步")
        await asyncio.sleep(window / 2)
        stop.set()
        for d, runner in runners.items():
            try:
                await runner
            except NotSignedIn:
                self.events["NotSignedIn (run)"] += 1
                await self.relogin_if_signed_out(d)

    @rule(i=CLIENT, delay=st.sampled_from([0.0, 0.002, 0.01, 0.03, 0.08]), act=st.none() | PICK)
    def restart(self, i: int, delay: float, act: int | None) -> None:
        """Kills a client mid-sync (cancels it at whatever await it reached) and reopens it from its file."""
        d = self.dev(i)
        if act is not None:  # something to push, so the cut may fall inside a push
            self._create_task(d, act, "重启之前")
        self.run(self._restart(d, delay))
        self.fired[RESTART] += 1

    async def _restart(self, d: Device, delay: float) -> None:
        if not d.offline:
            inflight = asyncio.create_task(d.e.sync())
            await asyncio.sleep(delay)
            inflight.cancel()
            try:
                await inflight
            except asyncio.CancelledError:
                self.events["restart cut a sync"] += 1
            except SyncError:
                pass
        await self.close(d)
        await self.open(d, login=False)

    # --- the end ----------------------------------------------------------------------------

    def teardown(self) -> None:
        try:
            if self.devices and all(d.store is not None for d in self.devices):
                self.run(self._settle())
                self.run(self.check_converged())
        finally:
            try:
                for d in self.devices:
                    self.run(self.close(d))
            finally:
                self.runner.close()
                STATS.fired.update(self.fired)
                STATS.events.update(self.events)
                STATS.examples += 1

    async def _settle(self) -> None:
        """Faults off, everyone online; each client syncs until its outbox is empty, then pulls once more."""
        self.faults_on = False
        for d in self.devices:
            assert d.transport is not None
            d.transport.pause()
            d.offline = False
        for _ in range(2):  # the second round pulls what the others pushed in the first
            for d in self.devices:
                for _attempt in range(5):
                    try:
                        await d.e.sync()
                    except NotSignedIn:
                        await self.relogin_if_signed_out(d)
                        continue
                    if not d.s.outbox():
                        break
                assert d.s.outbox() == [], (d.n, d.s.outbox())

    async def fresh_pull(self, d: Device) -> dict[str, dict[str, tuple[Any, ...]]]:
        """Everything the user may see, pulled from 0 under a throwaway client_id, as cache columns."""
        client_id, cursor = str(uuid.uuid4()), 0
        latest: dict[tuple[str, str], dict[str, Any]] = {}
        while True:
            page = await d.r.pull(cursor, client_id, 5000)
            for change in page["changes"]:
                latest[(change["entity"], change["row"]["id"])] = change["row"]
            cursor = page["cursor"]
            if not page["has_more"]:
                break
        expected: dict[str, dict[str, tuple[Any, ...]]] = {e: {} for e in ENTITIES}
        for (entity, row_id), row in latest.items():
            if entity in expected and not row.get("deleted"):
                expected[entity][row_id] = encode(entity, row)
        return expected

    async def check_converged(self) -> None:
        db = sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True)
        try:
            await self._check(db)
        finally:
            db.close()

    async def _check(self, db: sqlite3.Connection) -> None:
        server_seq = db.execute("SELECT value FROM counters WHERE name = 'seq'").fetchone()[0]
        every_task = {r[0] for r in db.execute("SELECT id FROM tasks")}  # tombstones included
        every_comment = {r[0] for r in db.execute("SELECT id FROM comments")}

        # Every mutation applied at most once: numbers are dense per project (a task created twice,
        # or a create applied and then rolled back, would leave a gap or a second number).
        for project_id, count, low, high, next_number in db.execute(
            "SELECT t.project_id, count(*), min(t.number), max(t.number), p.next_number "
            "FROM tasks AS t JOIN projects AS p ON p.id = t.project_id GROUP BY t.project_id, p.next_number"
        ):
            assert (low, high, next_number) == (1, count, count + 1), (project_id, count, low, high, next_number)

        for d in self.devices:
            store = d.s
            where = f"client {d.n} (user {d.user})"
            # Every outbox entry ended applied or rejected; nothing in the view is still optimistic.
            assert store.outbox() == [] and store.pending_count() == 0, where
            assert store.cursor == server_seq, (where, store.cursor, server_seq)

            # Equal to the server within its permissions: a fresh pull from 0, view and base alike.
            expected = await self.fresh_pull(d)
            for entity in ENTITIES:
                columns = ", ".join(COLUMNS[entity])
                for table in (entity, f"base_{entity}"):
                    cached = {r[0]: tuple(r) for r in store.conn.execute(f"SELECT {columns} FROM {table}")}
                    assert cached == expected[entity], _diff(where, table, cached, expected[entity])
            assert not store.conn.execute(
                " UNION ALL ".join(f"SELECT id FROM {e} WHERE pending = 1" for e in ENTITIES)
            ).fetchall(), where

            # ...and the server's pull agrees with its own tables filtered by membership.
            visible = {
                r[0]
                for r in db.execute(
                    "SELECT m.project_id FROM members AS m JOIN projects AS p ON p.id = m.project_id "
                    "WHERE m.user_id = ? AND m.deleted = 0 AND p.deleted = 0",
                    (d.user_id,),
                )
            }
            assert set(expected["project"]) == visible, where
            tasks = {r[0] for r in db.execute("SELECT id, project_id FROM tasks WHERE deleted = 0") if r[1] in visible}
            assert set(expected["task"]) == tasks, where
            notifications = "SELECT id FROM notifications WHERE user_id = ? AND deleted = 0"
            mine = {r[0] for r in db.execute(notifications, (d.user_id,))}
            assert set(expected["notification"]) == mine, where

            # Each mutation answered once: no rejection twice, and a create is applied xor rejected.
            rejections = store.rejections(include_dismissed=True)
            seen = [(r.name, orjson.dumps(r.args, option=orjson.OPT_SORT_KEYS), r.created_at) for r in rejections]
            assert len(seen) == len(set(seen)), (where, Counter(seen).most_common(3))
            for name, created, on_server in (
                ("task.create", d.created_tasks, every_task),
                ("comment.create", d.created_comments, every_comment),
            ):
                refused = {str(r.args["id"]) for r in rejections if r.name == name}
                both = (created & refused) & on_server
                neither = created - refused - on_server
                assert not both, (where, name, "applied and rejected", both)
                # Every created row ends on the server or in the rejection log. A rejection whose
                # answer was lost comes back on the resend: the server answers `duplicate` with the
                # original error (docs/protocol.md), and the store records it.
                assert not neither, (
                    where,
                    name,
                    "neither applied nor rejected",
                    {i: d.answers.get(i) for i in neither},
                )
            self.events["rejections"] += len(rejections)

            # The server's clients table agrees with the device about its current client_id.
            row = db.execute(
                "SELECT last_mutation_id FROM clients WHERE user_id = ? AND client_id = ?",
                (d.user_id, store.client_id),
            ).fetchone()
            server_lmid = row[0] if row else 0
            assert server_lmid == store.last_issued == store.last_mutation_id, (
                where,
                server_lmid,
                store.last_issued,
                store.last_mutation_id,
            )
            self.events["new client_ids taken"] += len(d.client_ids) - 1


def _diff(where: str, table: str, cached: dict[str, Any], expected: dict[str, Any]) -> str:
    extra = {k: cached[k] for k in cached.keys() - expected.keys()}
    missing = {k: expected[k] for k in expected.keys() - cached.keys()}
    changed = {k: (cached[k], expected[k]) for k in cached.keys() & expected.keys() if cached[k] != expected[k]}
    return f"{where} {table}: extra {extra}, missing {missing}, differing (cache, server) {changed}"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, Path]]:
    root = tmp_path_factory.mktemp("convergence")
    db_path = root / "server.db"
    # Pings every 0.2 s give a cut "after n events" something to count while a `live` rule runs.
    with live_server(f"sqlite:///{db_path}", ping_interval_s=0.2) as url:
        yield url, db_path, root


def test_clients_converge_under_faults(server: tuple[str, Path, Path]) -> None:
    url, db_path, root = server

    class Machine(Convergence):
        pass

    Machine.url, Machine.db_path, Machine.workdir = url, db_path, root
    STATS.fired.clear()
    STATS.events.clear()
    STATS.examples = 0
    run_state_machine_as_test(
        Machine,
        settings=settings(
            max_examples=MAX_EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            derandomize=True,
            database=None,
            phases=[Phase.explicit, Phase.generate],  # no shrinking: every step talks to a real server
            suppress_health_check=list(HealthCheck),
        ),
    )
    print(f"\nconvergence: {STATS.examples} examples; fired {dict(STATS.fired)}; {dict(STATS.events)}")
    expected = {str(f) for f in Fault} | {RESTART}
    missing = sorted(expected - {name for name, count in STATS.fired.items() if count})
    assert not missing, f"these faults never fired: {missing} (fired: {dict(STATS.fired)})"
