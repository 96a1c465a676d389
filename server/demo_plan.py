"""The demo's cast and frame: its people, projects, fixed ids, the seeding clock and the plan that
collects every step with its time (server/demo.py writes the content, server/demo_timeline.py and
server/demo_desk.py date it)."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from server.demo_runner import Op
from server.mutations.tickets import DESK_STATUSES

DEMO_PASSWORD = "keel-demo"  # every demo user's password
DEMO_DOMAIN = "demo.keel"
DEMO_EMAIL = f"wangwei@{DEMO_DOMAIN}"  # the sign-in `keel demo` prints: owner of APP, in all three projects
SEED = 20241111  # a fixed seed, not a date: the same cards in every demo
BEIJING = timedelta(hours=8)  # the demo company's clock (no DST)

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://keel.invalid/demo")


def demo_id(*parts: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, ":".join(parts)))


def user_id(handle: str) -> str:
    return demo_id("user", handle)


def project_id(key: str) -> str:
    return demo_id("project", key)


def task_id(ref: str) -> str:
    """The id of a demo card by its key, e.g. `task_id("APP-1")`."""
    return demo_id("task", ref)


@dataclass(frozen=True)
class Person:
    handle: str  # the local part of the email, also an @mention handle
    name: str
    job: str

    @property
    def email(self) -> str:
        return f"{self.handle}@{DEMO_DOMAIN}"

    @property
    def id(self) -> str:
        return user_id(self.handle)


PEOPLE = (
    Person("wangwei", "王伟", "产品经理"),
    Person("lina", "李娜", "交互设计师"),
    Person("zhangqiang", "张强", "后端工程师"),
    Person("liuyang", "刘洋", "测试工程师"),
    Person("chenjing", "陈静", "市场运营经理"),
    Person("zhaomin", "赵敏", "客服主管"),
)
BY_HANDLE = {p.handle: p for p in PEOPLE}

# Who does which kind of work: the letter on a subtask picks its assignee.
WORKERS = {"p": "wangwei", "d": "lina", "b": "zhangqiang", "q": "liuyang", "m": "chenjing", "s": "zhaomin"}


@dataclass(frozen=True)
class ProjectSpec:
    key: str
    name: str  # "{year}" stands for the seeding year (Beijing time), so the campaign matches its dates
    kind: str
    owner: str
    description: str
    statuses: tuple[tuple[str, str], ...]
    roles: dict[str, str]  # handle -> role, besides the owner


PROJECTS = (
    ProjectSpec(
        "APP",
        "星河 App 产品迭代",
        "product",
        "wangwei",
        "星河 App（iOS / Android / 小程序）的双周迭代看板。\n\n"
        "- 需求先进 **需求池**，评审通过后进入设计和开发\n"
        "- 每个需求拆成设计、开发、测试子任务，负责人明确到人\n"
        "- 上线后在版本说明里关联对应卡片",
        (("需求池", "todo"), ("设计中", "doing"), ("开发中", "doing"), ("测试中", "doing"), ("已上线", "done")),
        {"lina": "admin", "zhangqiang": "member", "liuyang": "member", "chenjing": "viewer"},
    ),
    ProjectSpec(
        "DOUBLE",
        "{year} 双十一大促",
        "campaign",
        "chenjing",
        "双十一跨部门大促项目：市场、产品、设计、技术、客服共同推进。\n\n"
        "**目标**：GMV 同比增长 30%，新客 20 万。\n\n"
        "| 阶段 | 时间 |\n|---|---|\n| 预热期 | 10 月 20 日 – 10 月 31 日 |\n"
        "| 爆发期 | 11 月 1 日 – 11 月 11 日 |\n| 返场期 | 11 月 12 日 – 11 月 15 日 |",
        (("待启动", "todo"), ("筹备中", "doing"), ("执行中", "doing"), ("已完成", "done")),
        {"wangwei": "admin", "lina": "member", "zhangqiang": "member", "zhaomin": "member"},
    ),
    ProjectSpec(
        "FB",
        "用户反馈工单",
        "service_desk",
        "zhaomin",
        "来自 App 内反馈、应用商店评论、客服热线和社交媒体的用户问题，统一在这里闭环。\n\n"
        "1. 24 小时内首次响应\n2. 确认是缺陷的，转为 bug 并指派研发\n3. 解决后回访用户，再关单",
        tuple((name, category) for name, category, _ in DESK_STATUSES),
        {"wangwei": "admin", "zhangqiang": "member", "liuyang": "member", "lina": "viewer"},
    ),
)
SPECS = {s.key: s for s in PROJECTS}

PAUSING = {name for name, _, pauses in DESK_STATUSES if pauses}  # a desk status that pauses the SLA clock


def local(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """A Beijing wall-clock time on `day`, as aware UTC."""
    return datetime.combine(day, time(hour, minute), tzinfo=UTC) - BEIJING


def local_day(at: datetime) -> date:
    return (at + BEIJING).date()


@dataclass
class Card:
    ref: str
    project: str
    reporter: str
    assignee: str | None
    status: int  # the final status, an index into the project's statuses
    args: dict[str, Any]  # the `task.create`, without its time
    worker: str = ""  # the letter of the kind of work (d, b, q, ...)
    parent: str | None = None
    created: datetime | None = None  # set when the card is dated
    settled: datetime | None = None  # when its last move happened (comments come before it, mostly)

    @property
    def born(self) -> datetime:
        assert self.created is not None, f"{self.ref} is not dated yet"
        return self.created


@dataclass
class Plan:
    """The demo as steps with times, built from a seeded random and the seeding time only."""

    now: datetime
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))
    ops: list[Op] = field(default_factory=list)
    cards: list[Card] = field(default_factory=list)
    numbers: dict[str, int] = field(default_factory=dict)

    @property
    def today(self) -> date:
        return local_day(self.now)

    def add(self, handle: str, name: str, args: dict[str, Any], at: datetime) -> None:
        self.ops.append(Op(user_id(handle) if handle else "", name, args, at))

    def status_id(self, key: str, index: int) -> str:
        return demo_id("status", key, SPECS[key].statuses[index][0])

    def members(self, key: str, *, writers_only: bool = False) -> list[str]:
        spec = SPECS[key]
        people = [spec.owner, *spec.roles]
        if writers_only:
            people = [h for h in people if spec.roles.get(h) != "viewer"]
        return people

    def next_ref(self, key: str) -> str:
        number = self.numbers.get(key, 0) + 1
        self.numbers[key] = number
        return f"{key}-{number}"

    def card(self, key: str, reporter: str, title: str, description: str, **kw: Any) -> Card:
        """A card to be created and moved later (its dates come from the timeline)."""
        ref = self.next_ref(key)
        args: dict[str, Any] = {
            "id": task_id(ref),
            "project_id": project_id(key),
            "title": title,
            "description": description,
            "status_id": self.status_id(key, 0),
            "priority": kw["priority"],
            "type": kw["type_"],
            "labels": kw["labels"],
        }
        if kw.get("assignee"):
            args["assignee_id"] = user_id(kw["assignee"])
        if kw.get("parent"):
            args["parent_id"] = task_id(kw["parent"])
        if kw.get("estimate") is not None:
            args["estimate"] = kw["estimate"]
        card = Card(ref, key, reporter, kw.get("assignee"), kw["status"], args, kw.get("worker", ""), kw.get("parent"))
        self.cards.append(card)
        return card

    def create(self, card: Card, at: datetime, **extra: Any) -> None:
        card.created = at
        card.settled = at
        self.add(card.reporter, "task.create", {**card.args, **extra}, at)

    def move(self, card: Card, status: int, at: datetime, actor: str | None = None) -> None:
        assert card.created is not None and at > card.created, card.ref
        args = {"id": card.args["id"], "set": {"status_id": self.status_id(card.project, status)}}
        self.add(actor or card.assignee or card.reporter, "task.update", args, at)
        card.settled = max(card.settled or at, at)

    def update(self, card: Card, values: dict[str, Any], at: datetime, actor: str) -> None:
        self.add(actor, "task.update", {"id": card.args["id"], "set": values}, at)

    def renumber(self, key: str) -> None:
        """Gives a project's cards the keys (and ids) the server numbers them by: in creation order."""
        cards = [c for c in self.cards if c.project == key and c.created is not None]
        order = sorted(enumerate(cards), key=lambda pair: (pair[1].created, pair[0]))
        refs = {card.ref: f"{key}-{n}" for n, (_, card) in enumerate(order, 1)}
        ids = {task_id(old): task_id(new) for old, new in refs.items()}
        for card in cards:
            card.ref, card.args = refs[card.ref], _swap(card.args, ids)
            card.parent = None if card.parent is None else refs[card.parent]
        self.ops = [replace(op, args=_swap(op.args, ids)) for op in self.ops]


def _swap(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return ids.get(value, value)
    if isinstance(value, dict):
        return {k: _swap(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_swap(v, ids) for v in value]
    return value
