"""The smaller view-state rules: home's groups, shortcuts, mentions, the palette, task detail, formatting."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from app.i18n import current_locale, set_locale
from app.state.detail import Activity, FieldError, activity, can_edit, field_update, tick_status
from app.state.fmt import (
    due_label,
    initials,
    local_date_text,
    local_zone,
    parse_local_date,
    relative_time,
)
from app.state.home import GROUPS, group_of, my_projects, my_task_groups
from app.state.mentions import Suggestion, complete, handle_of, mentioned_ids, open_mention, suggest
from app.state.palette import Entry, entries
from app.state.shortcuts import Context, Key, decide
from sync.store import Store
from tests.app.moments import SHANGHAI, tid
from tests.sync import factories as f

NEW_YORK = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 10, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
PID = "0190a000-0000-7000-8000-0000000000a1"
OPS = "0190a000-0000-7000-8000-0000000000a2"
OLD = "0190a000-0000-7000-8000-0000000000a3"
TODO, DOING, DONE = (f"0190a000-0000-7000-8000-0000000000b{n}" for n in (1, 2, 3))
OPS_DOING, OPS_DONE = "0190a000-0000-7000-8000-0000000000b4", "0190a000-0000-7000-8000-0000000000b5"


def utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def at(**delta: float) -> str:
    return utc(NOW + timedelta(**delta))


@pytest.fixture
def locale() -> Iterator[Any]:
    """Sets the locale for a test and puts the previous one back."""
    previous = current_locale()
    yield set_locale
    set_locale(previous)


# --- home -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "now", "zone", "expected"),
    [
        (None, NOW, SHANGHAI, "no_date"),
        (at(seconds=-1), NOW, SHANGHAI, "overdue"),
        (at(), NOW, SHANGHAI, "today"),  # due this very moment: not overdue yet
        (at(hours=11, minutes=59), NOW, SHANGHAI, "today"),  # 23:59 in Shanghai
        (at(hours=12), NOW, SHANGHAI, "tomorrow"),  # midnight in Shanghai
        (at(days=6, hours=11), NOW, SHANGHAI, "week"),
        (at(days=6, hours=12), NOW, SHANGHAI, "later"),  # the seventh day after today
        # 00:30 on the 11th in Shanghai is still the 10th in UTC: the device's zone decides.
        ("2026-11-11T15:30:00.000000Z", datetime(2026, 11, 10, 16, 30, tzinfo=UTC), SHANGHAI, "today"),
        ("2026-11-11T15:30:00.000000Z", datetime(2026, 11, 10, 16, 30, tzinfo=UTC), UTC, "tomorrow"),
        ("2026-11-10T16:30:00.000000Z", datetime(2026, 11, 10, 15, 30, tzinfo=UTC), SHANGHAI, "tomorrow"),
        ("2026-11-10T16:30:00.000000Z", datetime(2026, 11, 10, 15, 30, tzinfo=UTC), UTC, "today"),
        # New York springs forward on 8 March 2026: 23:30 on the 7th to 23:30 on the 8th is 23 hours.
        (
            utc(datetime(2026, 3, 8, 23, 30, tzinfo=NEW_YORK)),
            datetime(2026, 3, 7, 23, 30, tzinfo=NEW_YORK),
            NEW_YORK,
            "tomorrow",
        ),
        (
            utc(datetime(2026, 3, 13, 23, 30, tzinfo=NEW_YORK)),
            datetime(2026, 3, 7, 23, 30, tzinfo=NEW_YORK),
            NEW_YORK,
            "week",
        ),
        (
            utc(datetime(2026, 3, 14, 0, 30, tzinfo=NEW_YORK)),
            datetime(2026, 3, 7, 23, 30, tzinfo=NEW_YORK),
            NEW_YORK,
            "later",
        ),
        # ...and falls back on 1 November 2026: 00:30 to 23:30 that day is 24 hours, and still today.
        (
            utc(datetime(2026, 11, 1, 23, 30, tzinfo=NEW_YORK)),
            datetime(2026, 11, 1, 0, 30, tzinfo=NEW_YORK),
            NEW_YORK,
            "today",
        ),
    ],
)
def test_group_of(due: str | None, now: datetime, zone: Any, expected: str) -> None:
    assert group_of(due, now, zone) == expected


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """Two projects I belong to (APP as owner, OPS as viewer) and an archived one, with tasks."""
    s = Store.open(tmp_path / "s.db")
    s.set_account("http://keel.test", f.ME, "wangwei@example.com")
    old = f.project(OLD, "OLD", "旧项目")
    old["row"]["archived"] = True
    s.apply_pull(
        f.page(
            f.user(),
            f.user(f.OTHER, "李娜", "lina@example.com"),
            f.project(PID, "APP", "产品迭代"),
            f.project(OPS, "OPS", "运维值班"),
            old,
            f.member(PID),
            f.member(PID, f.OTHER, "member"),
            f.member(OPS, role="viewer"),
            f.member(OLD),
            f.status(PID, DONE, "已完成", "done", "a2"),
            f.status(PID, DOING, "进行中", "doing", "a1"),
            f.status(PID, TODO, "待办", "todo", "a0"),
            f.status(OPS, OPS_DONE, "完成", "done", "a1"),
            f.status(OPS, OPS_DOING, "处理中", "doing", "a0"),
            # Mine, open, one per group (two overdue ones, the later one first in the page).
            f.task(PID, TODO, tid(1), number=1, title="修复登录页闪退", assignee_id=f.ME, due_at=at(hours=-2)),
            f.task(
                PID,
                TODO,
                tid(2),
                number=2,
                title="首页信息流改版",
                assignee_id=f.ME,
                due_at=at(hours=6),
                parent_id=tid(1),
            ),
            f.task(PID, DOING, tid(3), number=3, title="接口联调", assignee_id=f.ME, due_at=at(days=1)),
            f.task(
                PID, TODO, tid(4), number=4, title="埋点方案", assignee_id=f.ME, due_at=at(days=3), parent_id=tid(2)
            ),
            f.task(PID, TODO, tid(5), number=5, title="季度复盘", assignee_id=f.ME, due_at=at(days=30)),
            f.task(PID, TODO, tid(6), number=6, title="整理需求池", assignee_id=f.ME),
            f.task(OPS, OPS_DOING, tid(7), number=1, title="证书续期", assignee_id=f.ME, due_at=at(days=-3)),
            # Not on my home: done, or someone else's.
            f.task(PID, DONE, tid(8), number=8, title="已上线的功能", assignee_id=f.ME, due_at=at(days=-5)),
            f.task(PID, TODO, tid(9), number=9, title="李娜的任务", assignee_id=f.OTHER, due_at=at(hours=-1)),
        )
    )
    yield s
    s.close()


def test_my_task_groups_in_order_without_done_or_others(store: Store) -> None:
    groups = my_task_groups(store, NOW, SHANGHAI)
    assert [(g.name, [c.title for c in g.cards]) for g in groups] == [
        ("overdue", ["证书续期", "修复登录页闪退"]),  # soonest due first
        ("today", ["首页信息流改版"]),
        ("tomorrow", ["接口联调"]),
        ("week", ["埋点方案"]),
        ("later", ["季度复盘"]),
        ("no_date", ["整理需求池"]),
    ]
    assert [g.overdue for g in groups] == [True, False, False, False, False, False]
    assert tuple(g.name for g in groups) == GROUPS
    first = groups[0].cards[1]
    assert (first.key, first.overdue, first.subtasks_total, first.subtasks_done) == ("APP-1", True, 1, 0)


def test_empty_groups_are_left_out(store: Store) -> None:
    store.move_task(tid(3), DONE)  # the only task due tomorrow is done now
    store.update_task(tid(6), due_at=at(days=1))
    groups = my_task_groups(store, NOW, SHANGHAI)
    assert [g.name for g in groups] == ["overdue", "today", "tomorrow", "week", "later"]
    assert [c.title for c in groups[2].cards] == ["整理需求池"]
    assert groups[2].cards[0].pending


def test_my_projects_with_my_role_archived_last(store: Store) -> None:
    assert [(p["key"], p["role"], p["archived"]) for p in my_projects(store)] == [
        ("APP", "owner", False),
        ("OPS", "viewer", False),
        ("OLD", "owner", True),
    ]


# --- shortcuts --------------------------------------------------------------------------------------

BOARD = Context("board")


@pytest.mark.parametrize(
    ("key", "ctx", "expected"),
    [
        (Key("N"), BOARD, "new_task"),
        (Key("n"), Context("home"), "new_task"),
        (Key("N", shift=True), BOARD, None),
        (Key("/"), BOARD, "search"),
        (Key("Slash"), Context("inbox"), "search"),
        (Key("K", ctrl=True), BOARD, "palette"),
        (Key("K", meta=True), Context("settings"), "palette"),  # Cmd+K on a Mac
        (Key("K", ctrl=True, alt=True), BOARD, None),
        (Key("K"), BOARD, None),
        (Key("K", ctrl=True), Context("board", palette_open=True), "close"),  # the same keys close it
        (Key("K", ctrl=True), Context("board", typing=True), "palette"),  # works from a text field
        # Nothing fires while the person types, or with a modifier held.
        (Key("N"), Context("board", typing=True), None),
        (Key("/"), Context("board", typing=True), None),
        (Key("N", ctrl=True), BOARD, None),
        (Key("N", meta=True), BOARD, None),
        (Key("N", alt=True), BOARD, None),
        # With something open on top, letters do nothing and Esc closes it.
        (Key("N"), Context("board", dialog_open=True), None),
        (Key("/"), Context("board", palette_open=True), None),
        (Key("Escape"), Context("board", dialog_open=True), "close"),
        (Key("Escape"), Context("board", palette_open=True, dialog_open=True), "close"),
        (Key("Escape"), Context("board", palette_open=True, typing=True), "close"),
        (Key("Esc"), Context("board", typing=True), "close"),
        (Key("Escape"), BOARD, None),  # nothing open: nothing to close
        # Never on a phone, never before signing in.
        (Key("N"), Context("board", phone=True), None),
        (Key("K", ctrl=True), Context("board", phone=True), None),
        (Key("Escape"), Context("board", phone=True, dialog_open=True), None),
        (Key("N"), Context("signin"), None),
        (Key("K", meta=True), Context("signin"), None),
        (Key("A"), BOARD, None),
    ],
)
def test_shortcuts(key: Key, ctx: Context, expected: str | None) -> None:
    assert decide(key, ctx) == expected


# --- mentions ---------------------------------------------------------------------------------------

PEOPLE = [
    {"id": "u1", "display_name": "王伟", "email": "wangwei@demo.keel"},
    {"id": "u2", "display_name": "李娜", "email": "lina@demo.keel"},
    {"id": "u3", "display_name": "Li Na", "email": "li.na@example.com"},
    {"id": "u4", "display_name": "王伟东", "email": "wangweidong@example.com"},
    {"id": "u5", "display_name": "", "email": "ops-bot@example.com"},
]


def test_handles_and_the_open_mention() -> None:
    assert [handle_of(p) for p in PEOPLE] == ["王伟", "李娜", "LiNa", "王伟东", "ops-bot"]
    assert open_mention("请 @王") == "王"
    assert open_mention("请@wa") == "wa"  # Chinese text puts no space before '@'
    assert open_mention("@") == ""
    assert open_mention("请 @王伟 看一下") is None  # the mention is finished
    assert open_mention("没有提到任何人") is None


def test_suggestions_start_with_then_contain() -> None:
    assert [s.user_id for s in suggest("请 @王", PEOPLE)] == ["u1", "u4"]
    assert [s.user_id for s in suggest("@wang", PEOPLE)] == ["u1", "u4"]  # by e-mail
    assert [s.user_id for s in suggest("@li", PEOPLE)] == ["u2", "u3"]
    assert [s.user_id for s in suggest("@NA", PEOPLE)] == ["u2", "u3"]  # contains, any case
    assert [s.user_id for s in suggest("@伟东", PEOPLE)] == ["u4"]
    assert suggest("@", PEOPLE, limit=3) == suggest("@", PEOPLE)[:3] and len(suggest("@", PEOPLE)) == 5
    assert suggest("@zzz", PEOPLE) == [] and suggest("no mention", PEOPLE) == []
    bot = suggest("@ops", PEOPLE)[0]
    assert bot == Suggestion("u5", "ops-bot", "ops-bot@example.com", "ops-bot")


def test_complete_replaces_the_partial_mention() -> None:
    wang = suggest("@wa", PEOPLE)[0]
    assert complete("请 @wa", wang) == "请 @王伟 "
    assert complete("好的@王", wang) == "好的@王伟 "
    li = suggest("@li", PEOPLE)[1]
    assert complete("cc @li", li) == "cc @LiNa "


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("@王伟 请看一下", ["u1"]),
        ("@王伟看一下", ["u1"]),  # no space after the name
        ("@王伟东 和 @王伟 一起", ["u4", "u1"]),  # the longest handle wins, in order of appearance
        ("@王伟东 @王伟东 再提醒一次", ["u4"]),  # once each, and not 王伟 for the second 王伟东
        ("@王伟@李娜 请确认", ["u1", "u2"]),  # two mentions back to back
        ("thanks @LiNa, and @ops-bot.", ["u3", "u5"]),
        ("mail wangwei@demo.keel", []),
        ("@李四 不在项目里", []),
        ("", []),
    ],
)
def test_mentioned_ids(body: str, expected: list[str]) -> None:
    assert mentioned_ids(body, PEOPLE) == expected


# --- palette ----------------------------------------------------------------------------------------


def test_palette_lists_open_projects_without_a_query(store: Store) -> None:
    assert entries(store, "  ") == [
        Entry("project", PID, "APP · 产品迭代", PID),
        Entry("project", OPS, "OPS · 运维值班", OPS),
    ]


def test_palette_projects_first_then_tasks(store: Store) -> None:
    found = entries(store, "运维")
    assert found[0] == Entry("project", OPS, "OPS · 运维值班", OPS)
    assert [e.kind for e in entries(store, "app")][:1] == ["project"]
    tasks = entries(store, "闪退")
    assert tasks == [Entry("task", tid(1), "APP-1 修复登录页闪退", PID)]


@pytest.mark.parametrize("query", ["APP-3", "app-3", " APP-3 "])
def test_palette_exact_key_comes_first(store: Store, query: str) -> None:
    found = entries(store, query)
    assert found[0] == Entry("task", tid(3), "APP-3 接口联调", PID)
    assert [e.id for e in found].count(tid(3)) == 1


def test_palette_unnumbered_task_and_limit(store: Store) -> None:
    new = store.create_task(PID, "离线新建的任务")
    assert entries(store, "离线新建") == [Entry("task", new, "离线新建的任务", PID)]
    assert entries(store, new)[0].id == new  # by id, until the server numbers it
    for n in range(15):
        store.create_task(PID, f"批量任务 {n}")
    assert len(entries(store, "批量任务")) == 12 and len(entries(store, "批量任务", limit=3)) == 3


# --- task detail ------------------------------------------------------------------------------------


def task(store: Store, n: int) -> dict[str, Any]:
    row = store.task(tid(n))
    assert row is not None
    return row


def test_title_and_description(store: Store) -> None:
    t1 = task(store, 1)
    assert field_update(t1, "title", "  新标题  ") == {"title": "新标题"}
    assert field_update(t1, "title", "修复登录页闪退 ") == {}
    for blank in ("", "   ", None):
        with pytest.raises(FieldError) as raised:
            field_update(t1, "title", blank)
        assert raised.value.key == "detail.error.title_empty"
    with pytest.raises(FieldError) as too_long:
        field_update(t1, "title", "长" * 501)
    assert too_long.value.key == "detail.error.title_long"
    assert field_update(t1, "title", "长" * 500) == {"title": "长" * 500}
    assert field_update(t1, "description", "") == {}
    assert field_update(t1, "description", "步骤：\n1. 打开 App") == {"description": "步骤：\n1. 打开 App"}
    assert field_update({**t1, "description": "x"}, "description", None) == {"description": ""}


def test_dates(store: Store) -> None:
    zone = local_zone()
    t6 = task(store, 6)  # no dates yet
    end_of_day = datetime(2026, 11, 30, 18, 0, tzinfo=zone)
    assert field_update(t6, "due_at", "2026-11-30") == {"due_at": end_of_day}
    assert field_update(t6, "start_at", "2026/11/30") == {"start_at": end_of_day}
    assert field_update(t6, "due_at", "") == {} and field_update(t6, "due_at", None) == {}
    dated = {**t6, "due_at": utc(datetime(2026, 11, 30, 9, 15, tzinfo=zone))}
    assert field_update(dated, "due_at", "2026-11-30") == {}  # the same day keeps its time
    assert field_update(dated, "due_at", "2026-12-01") == {"due_at": datetime(2026, 12, 1, 18, 0, tzinfo=zone)}
    assert field_update(dated, "due_at", " ") == {"due_at": None}
    for bad in ("2026-02-30", "明天", "30", "2026-11-30-1"):
        with pytest.raises(FieldError) as raised:
            field_update(t6, "due_at", bad)
        assert raised.value.key == "detail.error.date"


def test_estimate(store: Store) -> None:
    t6 = task(store, 6)
    assert field_update(t6, "estimate", "3") == {"estimate": 3}
    assert isinstance(field_update(t6, "estimate", "3.0")["estimate"], int)
    assert field_update(t6, "estimate", " 2.5 ") == {"estimate": 2.5}
    assert field_update(t6, "estimate", "0") == {"estimate": 0}
    assert field_update(t6, "estimate", "10000") == {"estimate": 10_000}
    assert field_update(t6, "estimate", "") == {}
    assert field_update({**t6, "estimate": 3}, "estimate", "3.0") == {}
    assert field_update({**t6, "estimate": 3}, "estimate", "") == {"estimate": None}
    for bad in ("-1", "10000.5", "1e9", "abc", "nan", "inf", "三"):
        with pytest.raises(FieldError) as raised:
            field_update(t6, "estimate", bad)
        assert raised.value.key == "detail.error.estimate", bad


def test_parent(store: Store) -> None:
    # APP-1 <- APP-2 <- APP-4 is a chain of subtasks; OPS-1 is in another project.
    assert field_update(task(store, 5), "parent", "APP-1", store) == {"parent_id": tid(1)}
    assert field_update(task(store, 5), "parent", " app-1 ", store) == {"parent_id": tid(1)}
    assert field_update(task(store, 4), "parent", "APP-2", store) == {}
    assert field_update(task(store, 4), "parent", "", store) == {"parent_id": None}
    assert field_update(task(store, 5), "parent", "", store) == {}
    cases = [
        (1, "APP-1", "detail.error.parent"),  # itself
        (5, "OPS-1", "detail.error.parent"),  # another project
        (5, "APP-99", "detail.error.parent"),  # no such task
        (1, "APP-4", "detail.error.parent_cycle"),  # its own grandchild
        (2, "APP-4", "detail.error.parent_cycle"),  # its own child
    ]
    for n, key, error in cases:
        with pytest.raises(FieldError) as raised:
            field_update(task(store, n), "parent", key, store)
        assert raised.value.key == error, (n, key)
    with pytest.raises(FieldError) as no_store:
        field_update(task(store, 5), "parent", "APP-1")  # no store to look it up in
    assert no_store.value.key == "detail.error.parent"


def test_choices_and_unknown_fields(store: Store) -> None:
    t1 = task(store, 1)
    assert field_update(t1, "status_id", DOING) == {"status_id": DOING}
    assert field_update(t1, "status_id", TODO) == {}
    assert field_update(t1, "assignee_id", f.OTHER) == {"assignee_id": f.OTHER}
    assert field_update(t1, "assignee_id", "") == {"assignee_id": None}
    assert field_update(task(store, 9), "assignee_id", f.OTHER) == {}
    assert field_update(t1, "priority", "urgent") == {"priority": "urgent"}
    assert field_update(t1, "priority", "") == {} and field_update(t1, "type", None) == {}
    assert field_update(t1, "type", "bug") == {"type": "bug"}
    with pytest.raises(ValueError, match="unknown field"):
        field_update(t1, "number", "3")


def test_tick_status_and_can_edit(store: Store) -> None:
    assert tick_status(store, PID, True) == DONE
    assert tick_status(store, PID, False) == TODO
    assert tick_status(store, OPS, True) == OPS_DONE
    assert tick_status(store, OPS, False) is None  # OPS has no to-do column
    assert [can_edit(role) for role in ("owner", "admin", "member", "viewer", None, "")] == [
        True,
        True,
        True,
        False,
        False,
        False,
    ]
    assert can_edit(store.role(PID)) and not can_edit(store.role(OPS))


def test_activity_newest_first(store: Store) -> None:
    t0 = "2025-03-01T08:00:00.000000Z"
    times = [f"2025-03-0{d}T08:00:00.000000Z" for d in range(2, 8)]
    c1, c2 = f.comment(tid(1), PID, "先看日志"), f.comment(tid(1), PID, "已复现")
    c1["row"]["created_at"], c2["row"]["created_at"] = times[1], times[3]
    store.apply_pull(
        f.page(
            f.task(PID, TODO, tid(1), number=1, title="修复登录页闪退", updated_at=times[4]),
            c1,
            c2,
            f.comment(tid(2), PID, "别的任务"),
            f.notification(PID, tid(1), kind="assigned", created_at=times[0]),
            f.notification(PID, tid(1), kind="status_changed", created_at=times[5], title="修复登录页闪退"),
            f.notification(PID, tid(1), kind="mentioned", created_at=times[2]),  # the comment says it
            f.notification(PID, tid(2), kind="status_changed", created_at=times[5]),  # another task
        )
    )
    assert activity(store, tid(1)) == [
        Activity(times[5], "status_changed", f.OTHER, "修复登录页闪退"),
        Activity(times[4], "updated", None),
        Activity(times[3], "commented", f.OTHER, "已复现"),
        Activity(times[1], "commented", f.OTHER, "先看日志"),
        Activity(times[0], "assigned", f.OTHER, "任务"),
        Activity(t0, "created", f.ME),
    ]
    assert activity(store, tid(6)) == [Activity(t0, "created", f.ME)]  # never updated since
    assert activity(store, "0190a000-0000-7000-8000-0000000009ff") == []


# --- formatting -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("王伟", "王伟"),
        ("欧阳娜娜", "娜娜"),
        ("王", "王"),
        ("Li Na", "LN"),
        ("li na", "LN"),
        ("Mary Ann Lee", "ML"),
        ("li.na", "LN"),
        ("zhang_qiang", "ZQ"),
        ("wangwei", "WA"),
        ("x", "X"),
        ("  ", "?"),
        (None, "?"),
    ],
)
def test_initials(name: str | None, expected: str) -> None:
    assert initials(name) == expected


def test_due_labels(locale: Any) -> None:
    locale("zh-CN")
    cases = {
        at(days=-3): ("逾期 3 天", True),
        at(hours=-1): ("今天已逾期", True),
        at(hours=1): ("今天到期", False),
        at(days=1): ("明天到期", False),
        at(days=2): ("11月12日", False),
        at(days=60): ("2027年1月9日", False),
    }
    for due, expected in cases.items():
        assert due_label(due, NOW, SHANGHAI) == expected, due
    assert due_label(None, NOW, SHANGHAI) is None
    # 01:00 on the 11th in Shanghai: tomorrow there, but still today in UTC.
    soon = "2026-11-10T17:00:00.000000Z"
    assert due_label(soon, NOW, SHANGHAI) == ("明天到期", False)
    assert due_label(soon, NOW, UTC) == ("今天到期", False)
    locale("en")
    assert due_label(at(days=-3), NOW, SHANGHAI) == ("3d overdue", True)
    assert due_label(at(days=2), NOW, SHANGHAI) == ("11/12", False)
    assert due_label(at(days=60), NOW, SHANGHAI) == ("2027-01-09", False)


@pytest.mark.parametrize(
    "text", ["2026-11-30", "2026/11/30", "2026.11.30", "2026年11月30日", " 2026-11-30 ", "2026-11-30年"]
)
def test_parse_local_date_full(text: str) -> None:
    assert parse_local_date(text, SHANGHAI) == datetime(2026, 11, 30, 18, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize("text", ["11-30", "11/30", "11月30日", "11.30"])
def test_parse_local_date_this_year(text: str) -> None:
    this_year = datetime.now(SHANGHAI).year
    assert parse_local_date(text, SHANGHAI) == datetime(this_year, 11, 30, 18, 0, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    "text", ["2026-02-30", "13-01", "30", "tomorrow", "2026-11-30-1", "99999999999-1-1", "026-12-06 08:48", "26-12-06"]
)
def test_parse_local_date_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="not a date"):
        parse_local_date(text, SHANGHAI)


def test_parse_local_date_empty_and_round_trip() -> None:
    assert parse_local_date("", SHANGHAI) is None and parse_local_date("   ") is None
    moment = parse_local_date("2026-11-30", SHANGHAI)
    assert moment is not None
    assert local_date_text(utc(moment), SHANGHAI) == "2026-11-30"
    assert local_date_text(utc(moment), ZoneInfo("America/Los_Angeles")) == "2026-11-30 02:00"
    assert local_date_text("2026-11-30T17:00:00.000000Z", SHANGHAI) == "2026-12-01 01:00"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-30 15:30", (2026, 11, 30, 15, 30)),
        ("2026/11/30 9:05", (2026, 11, 30, 9, 5)),
        ("2026年11月30日 08：00", (2026, 11, 30, 8, 0)),
        ("2026-11-30T23:59", (2026, 11, 30, 23, 59)),
    ],
)
def test_parse_local_date_with_a_time(text: str, expected: tuple[int, ...]) -> None:
    moment = parse_local_date(text, SHANGHAI)
    assert moment == datetime(*expected, tzinfo=SHANGHAI)
    assert (
        local_date_text(utc(moment), SHANGHAI)
        == f"{expected[0]}-{expected[1]:02d}-{expected[2]:02d} {expected[3]:02d}:{expected[4]:02d}"
    )


@pytest.mark.parametrize("text", ["2026-11-30 24:00", "2026-11-30 12:60", "2026-11-30 noon"])
def test_parse_local_date_refuses_a_bad_time(text: str) -> None:
    with pytest.raises(ValueError, match="not a date"):
        parse_local_date(text, SHANGHAI)
    assert local_date_text(None) == ""


def test_relative_time(locale: Any) -> None:
    locale("zh-CN")
    assert relative_time(at(seconds=-30), NOW) == "刚刚"
    assert relative_time(at(seconds=30), NOW) == "刚刚"  # a clock a little ahead
    assert relative_time(at(minutes=-5), NOW) == "5 分钟前"
    assert relative_time(at(hours=-3, minutes=-59), NOW) == "3 小时前"
    assert relative_time(at(days=-2), NOW) == "2 天前"
    assert relative_time(at(days=-6, hours=-23), NOW) == "6 天前"
    # A week or more: the date, in the device's zone (no zone shares one date for a UTC moment).
    day = datetime(2026, 10, 1, 12, tzinfo=UTC).astimezone(local_zone())
    assert relative_time("2026-10-01T12:00:00.000000Z", NOW) == f"{day.month}月{day.day}日"
    assert relative_time("2025-10-01T12:00:00.000000Z", NOW) == f"2025年{day.month}月{day.day}日"
    assert relative_time(None, NOW) == "" and relative_time("", NOW) == ""
    locale("en")
    assert relative_time(at(minutes=-5), NOW) == "5 min ago"
    assert relative_time("2026-10-01T12:00:00.000000Z", NOW) == f"{day.month}/{day.day}"
