"""The task detail's rules: a parent chosen by search (never the task or one of its descendants),
dates from the pickers, and the @mentions a posted comment highlights."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from app.state.detail import field_update, parent_candidates, picked_date, picked_day, picked_time
from app.state.mentions import MENTION_LINK, Mention, find, highlight, mentioned_ids
from sync.store import Store
from tests.app.moments import SHANGHAI, iso, sh, tid
from tests.sync import factories as f

PID, OPS = "0190a000-0000-7000-8000-0000000000a1", "0190a000-0000-7000-8000-0000000000a2"
TODO = "0190a000-0000-7000-8000-0000000000b1"
OPS_TODO = "0190a000-0000-7000-8000-0000000000b2"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """APP-1 <- APP-2 <- APP-3 (a chain of subtasks), APP-4 and APP-10 beside them, OPS-1 elsewhere."""
    s = Store.open(tmp_path / "s.db")
    s.set_account("http://keel.test", f.ME, "wangwei@example.com")
    s.apply_pull(
        f.page(
            f.user(),
            f.project(PID, "APP", "产品迭代"),
            f.project(OPS, "OPS", "运维值班"),
            f.member(PID),
            f.member(OPS),
            f.status(PID, TODO, "待办", "todo", "a0"),
            f.status(OPS, OPS_TODO, "待办", "todo", "a0"),
            f.task(PID, TODO, tid(1), number=1, title="首页信息流改版", position="a1"),
            f.task(PID, TODO, tid(2), number=2, title="信息流推荐接口", parent_id=tid(1), position="a2"),
            f.task(PID, TODO, tid(3), number=3, title="推荐接口压测", parent_id=tid(2), position="a3"),
            f.task(PID, TODO, tid(4), number=4, title="Dark mode 深色模式", position="a4"),
            f.task(PID, TODO, tid(10), number=10, title="埋点方案", description="首页信息流的埋点", position="a5"),
            f.task(OPS, OPS_TODO, tid(11), number=1, title="首页证书续期", position="a6"),
        )
    )
    yield s
    s.close()


def keys(store: Store, n: int, query: str) -> list[str | None]:
    task = store.task(tid(n))
    assert task is not None
    return [c.key for c in parent_candidates(store, task, query)]


def test_parent_candidates_exclude_the_task_and_its_descendants(store: Store) -> None:
    assert keys(store, 1, "") == ["APP-4", "APP-10"]  # not APP-1 itself, nor APP-2 or its child APP-3
    assert keys(store, 2, "") == ["APP-4", "APP-10"]  # not APP-1 either: it is the parent already
    assert keys(store, 3, "") == ["APP-1", "APP-4", "APP-10"]
    assert keys(store, 4, "推荐") == ["APP-2", "APP-3"]


def test_parent_candidates_match_key_or_title_in_any_script(store: Store) -> None:
    assert keys(store, 4, "信息流") == ["APP-1", "APP-2"]  # a title, in Chinese; not APP-10's description
    assert keys(store, 3, "dark") == ["APP-4"]  # any case
    assert keys(store, 4, "推荐 压测") == ["APP-3"]  # every term
    assert keys(store, 4, "首页") == ["APP-1"]  # the same project only
    assert keys(store, 4, "app-1") == ["APP-1", "APP-10"]  # the exact key first, then keys that start so
    assert keys(store, 10, "APP-1") == ["APP-1"]
    assert keys(store, 4, "没有这个") == []
    choice = parent_candidates(store, store.task(tid(4)) or {}, "APP-10")[0]
    assert (choice.id, choice.label) == (tid(10), "APP-10 埋点方案")


def test_a_chosen_parent_saves_and_clears(store: Store) -> None:
    task = store.task(tid(4))
    assert task is not None
    choice = parent_candidates(store, task, "首页")[0]
    assert field_update(task, "parent", choice.key, store) == {"parent_id": tid(1)}
    assert field_update({**task, "parent_id": tid(1)}, "parent", "", store) == {"parent_id": None}


def test_a_picked_day_keeps_the_time_of_day_or_means_18_00() -> None:
    none: dict[str, Any] = {"due_at": None}
    assert picked_date(none, "due_at", date(2026, 12, 15), SHANGHAI) == {"due_at": sh(12, 15, 18)}
    at_nine = {"due_at": iso(sh(12, 1, 9, 30))}
    assert picked_date(at_nine, "due_at", date(2026, 12, 15), SHANGHAI) == {"due_at": sh(12, 15, 9, 30)}
    assert picked_date(at_nine, "due_at", date(2026, 12, 1), SHANGHAI) == {}  # the same day: nothing to save
    assert picked_date({"start_at": None}, "start_at", date(2026, 3, 2), SHANGHAI) == {"start_at": sh(3, 2, 18)}


def test_a_picked_time_keeps_the_day_or_takes_today() -> None:
    at_six = {"due_at": iso(sh(12, 15, 18))}
    assert picked_time(at_six, "due_at", time(9, 5), SHANGHAI) == {"due_at": sh(12, 15, 9, 5)}
    assert picked_time(at_six, "due_at", time(18, 0), SHANGHAI) == {}
    today = date(2026, 12, 6)
    assert picked_time({"due_at": None}, "due_at", time(15, 30), SHANGHAI, today) == {"due_at": sh(12, 6, 15, 30)}


@pytest.mark.parametrize(
    ("sent", "day"),
    [
        (datetime(2026, 12, 14, 16, 0, tzinfo=UTC), date(2026, 12, 15)),  # the 15th chosen in Shanghai
        (datetime(2026, 12, 15, 5, 0, tzinfo=UTC), date(2026, 12, 15)),  # ... in New York
        (datetime(2026, 12, 15, 0, 0, tzinfo=UTC), date(2026, 12, 15)),  # ... in London
        (datetime(2026, 12, 14, 11, 0, tzinfo=UTC), date(2026, 12, 15)),  # ... in Auckland's summer (UTC+13)
        (datetime(2026, 12, 15, 10, 0, tzinfo=UTC), date(2026, 12, 15)),  # ... in Honolulu (UTC-10)
        (datetime(2026, 12, 15, 8, 0, tzinfo=timezone(timedelta(hours=8))), date(2026, 12, 15)),
        (datetime(2026, 12, 15), date(2026, 12, 15)),  # a client that sends the day as it is
        (date(2026, 12, 15), date(2026, 12, 15)),
        (None, None),
    ],
)
def test_the_day_a_date_picker_answers(sent: Any, day: date | None) -> None:
    assert picked_day(sent, UTC) == day


def test_the_apps_own_zone_decides_when_the_client_shares_it() -> None:
    kiribati = ZoneInfo("Pacific/Kiritimati")  # UTC+14: beyond the guess for an unknown browser zone
    sent = datetime(2026, 12, 14, 10, 0, tzinfo=UTC)  # midnight of the 15th there
    assert picked_day(sent, kiribati) == date(2026, 12, 15)
    assert picked_day(sent, UTC) == date(2026, 12, 14)  # a browser elsewhere: the guess takes Hawaii's day


PEOPLE = [
    {"id": "u1", "display_name": "王伟", "email": "wangwei@demo.keel"},
    {"id": "u2", "display_name": "李娜", "email": "lina@demo.keel"},
    {"id": "u3", "display_name": "Zhang Qiang", "email": "zhangqiang@demo.keel"},
]


def test_mentions_are_found_where_they_are_written() -> None:
    body = "请@王伟看一下，@lina 也看看 @ZhangQiang, mail wangwei@demo.keel @李四"
    found = find(body, PEOPLE)
    assert [(body[m.start : m.end], m.user_id) for m in found] == [
        ("@王伟", "u1"),  # no space after a Chinese name
        ("@lina", "u2"),  # the local part of the email, as the protocol allows
        ("@ZhangQiang", "u3"),
    ]
    assert found[0] == Mention(1, 4, "u1")
    assert find("@linah 不是 lina", PEOPLE) == []  # a Latin handle ends where the word does
    assert mentioned_ids(body, PEOPLE) == ["u1", "u2", "u3"]


def test_a_posted_comment_highlights_its_mentions() -> None:
    link = MENTION_LINK
    assert highlight("请@王伟看一下", PEOPLE) == f"请[@王伟]({link}u1)看一下"
    assert highlight("@lina **急**", PEOPLE) == f"[@lina]({link}u2) **急**"
    # In code the text stays as typed; other markdown is left alone; a stranger is plain text.
    assert highlight("`@王伟` 和 ```\n@李娜\n```", PEOPLE) == "`@王伟` 和 ```\n@李娜\n```"
    assert highlight("@李四 不在项目里", PEOPLE) == "@李四 不在项目里"
    people = [{"id": "u9", "display_name": "a_b", "email": "ab@x"}]
    assert highlight("hi @a_b", people) == f"hi [@a\\_b]({link}u9)"  # markdown in a name is escaped
