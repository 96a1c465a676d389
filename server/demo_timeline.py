"""When the product and campaign cards happened: APP's ten weeks of two-week iterations (four closed
with their spillover rolled over, one active with scope added in its middle), its 设计 → 开发 → 测试 →
发布 chains into an at-risk 版本发布 milestone, a reopened task for the performance page; and the
双十一 campaign's four weeks of start and due dates.

Each card draws from its own seeded random (`_rng`), so the same cards end the same way whatever the
seeding day; only the calendar (which day is a Monday) moves with it.
"""

from __future__ import annotations

import itertools
import random
from datetime import date, datetime, timedelta

from server.demo_plan import SEED, SPECS, Card, Plan, demo_id, local, project_id, task_id

ITERATIONS = 5  # four closed and the active one
ITERATION_GOALS = (
    "5.1.0：新用户引导与搜索体验",
    "5.1.x：稳定性与支付改版准备",
    "5.2.0：支付改版与账号安全",
    "5.2.x：性能优化与缺陷修复",
    "5.3.0：首页改版、会员体系与版本发布",
)
MILESTONE = "星河 App 5.3.0 版本发布"
# The statuses a kind of work passes through on APP's board before 已上线 (4).
PATHS = {"requirement": (1, 2, 3), "bug": (2, 3), "d": (1,), "b": (2,), "q": (3,), "p": (), "m": ()}


def _rng(card: Card) -> random.Random:
    return random.Random(f"{SEED}:{card.ref}")


def iteration_id(n: int) -> str:
    return demo_id("iteration", "APP", str(n))


def iteration_starts(plan: Plan) -> list[date]:
    """Mondays, two weeks apart; the last (active) one began one or two weeks before today."""
    monday = plan.today - timedelta(days=plan.today.weekday())
    active = monday - timedelta(days=7)
    return [active - timedelta(days=14 * (ITERATIONS - 1 - k)) for k in range(ITERATIONS)]


def app_born(plan: Plan) -> datetime:
    return local(iteration_starts(plan)[0] - timedelta(days=10), 9)


def campaign_start(plan: Plan) -> date:
    return plan.today - timedelta(days=16)


def campaign_born(plan: Plan) -> datetime:
    return local(campaign_start(plan) - timedelta(days=12), 9)


def _at(rng: random.Random, day: date) -> datetime:
    return local(day, rng.randint(10, 17), rng.choice((0, 15, 30, 45)))


def _workdays(first: date, last: date) -> list[date]:
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return [d for d in days if d.weekday() < 5] or [first]


def _spread(plan: Plan, card: Card, steps: list[int], start: datetime, end: datetime) -> None:
    """Moves `card` through `steps` at evenly spread times after `start`, the last at `end`."""
    for n, status in enumerate(steps, 1):
        at = end if n == len(steps) else start + (end - start) * n / (len(steps) + 0.5)
        plan.move(card, status, at)


def _iterations(plan: Plan, starts: list[date]) -> None:
    for k, start in enumerate(starts):
        args = {"id": iteration_id(k), "project_id": project_id("APP"), "name": f"第 {21 + k} 迭代",
                "start_on": start.isoformat(), "end_on": (start + timedelta(days=13)).isoformat(),
                "goal": ITERATION_GOALS[k]}  # fmt: skip
        plan.add("wangwei", "iteration.create", args, local(start - timedelta(days=3), 16))
        if k:  # the previous one closes; its unfinished work rolls over into this one
            close = {"id": iteration_id(k - 1), "move_open_to": iteration_id(k)}
            plan.add("wangwei", "iteration.close", close, local(start, 9, 30))
        plan.add(
            "wangwei", "iteration.update", {"id": iteration_id(k), "set": {"state": "active"}}, local(start, 9, 40)
        )


def _date_card(plan: Plan, card: Card, starts: list[date], born: datetime, parents: dict[str, Card]) -> None:
    rng, now, today = _rng(card), plan.now, plan.today
    category = SPECS["APP"].statuses[card.status][1]
    done_at: datetime | None = None
    if category == "done":
        j = rng.choice((0, 1, 2, 2, 3, 3, 4, 4, 4))
        done_at = min(_at(rng, rng.choice(_workdays(starts[j], min(starts[j] + timedelta(days=11), today)))),
                      now - timedelta(hours=1))  # fmt: skip
        home: int | None = j - 1 if j and rng.random() < 0.25 else j  # a quarter spilled over from before
    elif category == "doing":
        home = 3 if rng.random() < 0.3 else 4
    else:
        home = 4 if rng.random() < 0.2 else None
    mid = home is not None and rng.random() < 0.2
    if card.args["type"] == "requirement":  # written first, in their order (APP-1 is the first)
        created = born + timedelta(hours=3 * int(card.ref.split("-")[1]))
    elif home is None:
        created = _at(rng, born.date() + timedelta(days=rng.randint(8, max(9, (today - born.date()).days - 2))))
    elif mid:  # scope added after the iteration began
        created = _at(rng, starts[home] + timedelta(days=rng.randint(2, 4)))
    else:
        created = _at(rng, starts[home] - timedelta(days=rng.randint(1, 9)))
    if card.parent:
        created = max(created, parents[card.parent].born + timedelta(hours=1))
    if done_at is not None and done_at < created + timedelta(hours=6):
        done_at = min(created + timedelta(hours=rng.randint(6, 30)), now - timedelta(minutes=30))
    extra: dict[str, str] = {}
    if home is not None:
        extra["start_at"] = local(starts[home], 9).isoformat()
        extra["due_at"] = local(starts[home] + timedelta(days=11), 18).isoformat()
        if category != "done" and rng.random() < 0.35:  # due this week, some of it tomorrow
            extra["due_at"] = local(today + timedelta(days=rng.randint(0, 3)), 18).isoformat()
    elif rng.random() < 0.4:
        extra["due_at"] = local(today + timedelta(days=rng.randint(10, 40)), 18).isoformat()
    plan.create(card, created, **extra)
    start = created
    if home is not None:
        planned = max(local(starts[home], 10, rng.randint(0, 59)), created + timedelta(minutes=30))
        plan.update(card, {"iteration_id": iteration_id(home)}, planned, "wangwei")
        start = planned
    path = PATHS.get(card.args["type"], PATHS.get(card.worker, ()))
    if done_at is not None and done_at < start + timedelta(hours=2):
        done_at = min(start + timedelta(hours=rng.randint(2, 30)), now - timedelta(minutes=10))
    if done_at is not None:
        _spread(plan, card, [*path, card.status], start + timedelta(minutes=20), done_at)
    elif card.status:
        steps = [s for s in path if s < card.status] + [card.status]
        _spread(plan, card, steps, start + timedelta(minutes=20), start + (now - start) * rng.uniform(0.3, 0.8))


def _reopen(plan: Plan, cards: list[Card]) -> None:
    """One of 张强's finished tasks comes back from testing and is finished again (his reopened task)."""
    for card in cards:
        if card.assignee == "zhangqiang" and card.status == 4 and card.settled is not None:
            back, again = card.settled + timedelta(days=1), card.settled + timedelta(days=2, hours=3)
            if again < plan.now - timedelta(days=3):
                plan.move(card, 3, back, "liuyang")
                plan.move(card, 4, again, "zhangqiang")
                return


def _chains(plan: Plan, cards: list[Card], starts: list[date]) -> None:
    """The 5.3.0 release milestone, and 设计 → 开发 → 测试 → 发布 `blocks` chains of the open requirements."""
    active = starts[-1]
    milestone = plan.card("APP", "wangwei", MILESTONE, "5.3.0 版本提交应用商店审核并全量发布。", status=0,
                          assignee="wangwei", type_="milestone", priority="urgent", labels=["发版"])  # fmt: skip
    plan.create(milestone, local(active - timedelta(days=4), 11),
                due_at=local(active + timedelta(days=11), 18).isoformat())  # fmt: skip
    talk = (
        ("liuyang", "@王伟 回归测试还有 40 多条用例没跑完，按现在的进度 5.3.0 可能赶不上周五。", 5),
        ("zhangqiang", "支付和会员两块的开发还差一些，今晚加个班，明天提测。", 2),
    )
    for n, (who, body, hours) in enumerate(talk, 1):
        args = {"id": demo_id("comment", "release", str(n)), "task_id": task_id(milestone.ref), "body": body}
        plan.add(who, "comment.create", args, plan.now - timedelta(hours=hours))
    at = local(active, 11)
    for parent in cards:
        if parent.args["type"] != "requirement" or not 1 <= parent.status <= 3:
            continue
        subs = [c for c in cards if c.parent == parent.ref]
        stages = [[c for c in subs if c.worker == w] for w in ("d", "b", "q")]
        stages = [s for s in stages if s]
        for before, after in itertools.pairwise(stages):
            for a in before:
                for b in after:
                    at += timedelta(minutes=2)
                    when = max(at, a.born + timedelta(minutes=5), b.born + timedelta(minutes=5))
                    plan.add("wangwei", "task_link.put", {"from_id": a.args["id"], "to_id": b.args["id"],
                                                          "kind": "blocks"}, when)  # fmt: skip
        for leaf in stages[-1] if stages else []:
            at += timedelta(minutes=2)
            when = max(at, leaf.born + timedelta(minutes=5))
            plan.add("wangwei", "task_link.put", {"from_id": leaf.args["id"], "to_id": task_id(milestone.ref),
                                                  "kind": "blocks"}, when)  # fmt: skip


def date_product(plan: Plan) -> None:
    starts = iteration_starts(plan)
    born = app_born(plan)
    _iterations(plan, starts)
    cards = [c for c in plan.cards if c.project == "APP"]
    parents = {c.ref: c for c in cards}
    for card in cards:
        _date_card(plan, card, starts, born, parents)
    _reopen(plan, cards)
    _chains(plan, cards, starts)
    plan.renumber("APP")


def date_campaign(plan: Plan) -> None:
    """Four weeks of 双十一 work, from two weeks before today to two weeks after: a track spans its tasks."""
    first, today = campaign_start(plan), plan.today
    last = first + timedelta(days=27)
    cards = [c for c in plan.cards if c.project == "DOUBLE"]
    spans: dict[str, tuple[date, date]] = {}
    for card in cards:
        rng = _rng(card)
        if card.status == 3:
            start = first + timedelta(days=rng.randint(0, 6))
            due = min(start + timedelta(days=rng.randint(3, 7)), today - timedelta(days=1))
        elif card.status:
            start = first + timedelta(days=rng.randint(2, 12))
            due = min(today + timedelta(days=rng.randint(-2, 10)), last)
        else:
            start = today + timedelta(days=rng.randint(1, 6))
            due = min(start + timedelta(days=rng.randint(2, 6)), last)
        spans[card.ref] = (start, max(due, start + timedelta(days=1)))
    for card in cards:  # a track starts with its first task and ends with its last
        kids = [spans[c.ref] for c in cards if c.parent == card.ref]
        if kids:
            own = spans[card.ref]
            spans[card.ref] = (min([own[0], *(k[0] for k in kids)]), max([own[1], *(k[1] for k in kids)]))
    for card in cards:
        rng = _rng(card)
        start, due = spans[card.ref]
        created = local(first - timedelta(days=10 if card.parent is None else 7 - rng.randint(0, 2)))
        created += timedelta(minutes=10 * int(card.ref.split("-")[1]))  # the tracks first, in their order
        plan.create(card, created, start_at=local(start, 9).isoformat(), due_at=local(due, 18).isoformat())
        began = local(start, 10)
        if card.status == 3:
            _spread(plan, card, [1, 2, 3], began, min(local(due, 17), plan.now - timedelta(hours=1)))
        elif card.status:
            end = min(began + timedelta(days=1, hours=3), plan.now - timedelta(hours=1))
            _spread(plan, card, list(range(1, card.status + 1)), began, end)
    plan.renumber("DOUBLE")
