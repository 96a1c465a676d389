"""What gets announced, when, and in which words: the Announcer's decisions in plain pytest, then fed
from a real store's change subscription."""

from __future__ import annotations

import json
import string
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.i18n import LOCALES, set_locale
from app.notify import (
    Announcement,
    Announcer,
    NotifySettings,
    NullNotifier,
    Subject,
    arrived,
    deliver,
    fresh,
    raises_os,
    store_lookup,
    text_of,
)
from app.notify.decide import Row
from sync.store import Changes, Store
from tests.sync import factories as f

pytestmark = pytest.mark.usefixtures("chinese")

START = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
PID = "0190a000-0000-7000-8000-0000000000a1"
TODO = "0190a000-0000-7000-8000-0000000000b1"
TASK = "0190a000-0000-7000-8000-0000000000c1"
ON = NotifySettings()
I18N = Path(__file__).resolve().parents[2] / "app" / "i18n"


def at(seconds: float) -> datetime:
    return START + timedelta(seconds=seconds)


def note(created: datetime = START, *, task_id: str = TASK, **fields: Any) -> dict[str, Any]:
    """A notification row as the store returns it, made by the server at `created`."""
    fields.setdefault("created_at", created.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    return f.notification(PID, task_id, **fields)["row"]


NAMES = {f.OTHER: "李娜"}


def lookup(row: Row) -> Subject:
    return Subject(actor=NAMES.get(row.get("actor_id") or ""), task_key="APP-1", task_title="首页信息流改版")


def announcer(**kw: Any) -> Announcer:
    return Announcer(lookup, user_id=f.ME, started_at=START, **kw)


def take(a: Announcer, rows: list[dict[str, Any]], now: datetime, **kw: Any) -> list[Announcement]:
    kw.setdefault("focused", False)
    kw.setdefault("settings", ON)
    return a.take(rows, user_id=kw.pop("user_id", f.ME), now=now, **kw)


# --- what is news -------------------------------------------------------------------------------


def test_a_new_notification_is_announced_once_with_its_words() -> None:
    a = announcer()
    row = note(at(60))
    [one] = take(a, [row], at(61))
    assert one == Announcement("李娜 把任务分配给了你", "APP-1 首页信息流改版", TASK, (row["id"],), os=True)
    assert one.line == "李娜 把任务分配给了你：APP-1 首页信息流改版"  # for a one-line toast
    assert take(a, [row], at(62)) == []  # the same row again (another pull, a reset re-pull): silent
    assert row["id"] in a.seen


def test_read_notifications_and_other_peoples_are_never_announced() -> None:
    a = announcer()
    read = note(at(60), read_at=at(61).isoformat())
    theirs = note(at(60), user_id=f.OTHER)
    assert take(a, [read, theirs], at(62)) == []
    assert read["id"] in a.seen and theirs["id"] not in a.seen
    assert take(a, [note(at(60))], at(62), user_id=None) == []  # signed out: nothing is anyone's


def test_only_what_was_made_after_the_app_started_allowing_for_clock_skew() -> None:
    a = announcer()
    while_closed = note(START - timedelta(hours=3))  # made while the app was closed: the inbox has it
    just_before = note(START - timedelta(minutes=4))  # within the grace: this device's clock may be fast
    assert [x.ids for x in take(a, [while_closed, just_before], at(1))] == [(just_before["id"],)]
    assert while_closed["id"] in a.seen  # passed over for good, not reconsidered later


def test_nothing_older_than_the_last_one_announced() -> None:
    a = announcer()
    assert len(take(a, [note(at(3600))], at(3601))) == 1
    # A re-pull after a reset brings an old one this run never saw: not news any more.
    assert take(a, [note(at(600))], at(3700)) == []
    # One made a moment before the last (two commits racing on the server) still is.
    assert len(take(a, [note(at(3590))], at(3702))) == 1


def test_fresh_keeps_the_signed_in_users_unread_unseen_rows_oldest_first() -> None:
    rows = [note(at(30)), note(at(10)), note(at(20), read_at="x"), note(at(40), user_id=f.OTHER), note(at(-99))]
    out = fresh(rows, user_id=f.ME, seen={rows[0]["id"]}, since=START)
    assert out == [rows[1]]
    unreadable_time = note(at(5), created_at="yesterday")
    assert fresh([unreadable_time], user_id=f.ME, seen=set(), since=START) == [unreadable_time]


# --- bootstrap and sign-in ------------------------------------------------------------------------


def test_a_bootstrap_announces_nothing_and_its_rows_stay_silent() -> None:
    a = Announcer(lookup, user_id=None, started_at=START)
    history = [note(at(10 + i)) for i in range(40)]  # made after the app started, during sign-in
    assert take(a, history[:20], at(60), bootstrap=True) == []
    assert take(a, history[20:], at(61), bootstrap=True) == []
    assert take(a, history, at(62)) == []  # the same rows again after the bootstrap: still silent
    later = note(at(120))
    assert [x.ids for x in take(a, [later], at(121))] == [(later["id"],)]


def test_another_account_signing_in_starts_from_then() -> None:
    a = announcer()
    assert len(take(a, [note(at(60))], at(61))) == 1
    # The other account's history arrives (here without the bootstrap flag): made before it signed in.
    theirs = [note(at(100 + i), user_id=f.OTHER) for i in range(5)]
    assert take(a, theirs, at(10_000), user_id=f.OTHER) == []
    new = note(at(10_100), user_id=f.OTHER)
    assert [x.ids for x in take(a, [new], at(10_101), user_id=f.OTHER)] == [(new["id"],)]


# --- toast and OS notification ---------------------------------------------------------------------


def test_os_notification_only_when_the_window_is_not_focused_and_the_person_wants_them() -> None:
    assert raises_os(focused=False, settings=ON) is True
    assert raises_os(focused=True, settings=ON) is False  # the toast already says it
    assert raises_os(focused=False, settings=NotifySettings(os_notifications=False)) is False
    a = announcer()
    [focused] = take(a, [note(at(1))], at(1), focused=True)
    [off] = take(a, [note(at(2))], at(2), settings=NotifySettings(os_notifications=False))
    [away] = take(a, [note(at(3))], at(3))
    assert (focused.os, off.os, away.os) == (False, False, True)


async def test_deliver_always_toasts_and_raises_an_os_notification_only_when_asked() -> None:
    class Recording:
        """An OsNotifier that records (the real one's call is tested under dbus-run-session)."""

        available, reason = True, None

        def __init__(self) -> None:
            self.shown: list[tuple[str, str, str | None]] = []

        async def show(self, title: str, body: str, *, task_id: str | None, on_click: object) -> bool:
            self.shown.append((title, body, task_id))
            return True

        async def close(self) -> None:
            return None

    toasts: list[Announcement] = []
    os = Recording()
    away = Announcement("t", "b", TASK, ("n1",), os=True)
    here = Announcement("t2", "b2", TASK, ("n2",), os=False)
    assert await deliver(away, toast=toasts.append, os_notifier=os, on_click=print) is True
    assert await deliver(here, toast=toasts.append, os_notifier=os, on_click=print) is False
    assert await deliver(away, toast=toasts.append, os_notifier=NullNotifier(), on_click=print) is False
    assert toasts == [away, here, away]
    assert os.shown == [("t", "b", TASK)]


# --- many at once ------------------------------------------------------------------------------------


def test_forty_at_once_become_one_summary() -> None:
    a = announcer()
    rows = [note(at(100 + i), task_id=f"task-{i % 7}") for i in range(40)]
    [summary] = take(a, list(reversed(rows)), at(200))
    assert summary.summary and summary.os
    assert summary.title == "40 条新通知"
    assert summary.body == "最新一条：李娜 把任务分配给了你 · APP-1 首页信息流改版"
    assert summary.task_id is None  # several tasks: a click opens the inbox
    assert summary.ids == tuple(r["id"] for r in rows)  # every one of them, oldest first


def test_a_summary_about_one_task_opens_that_task() -> None:
    [summary] = take(announcer(), [note(at(i)) for i in range(5)], at(10))
    assert summary.summary and summary.task_id == TASK


def test_up_to_the_cap_each_shows_on_its_own_and_one_more_makes_a_summary() -> None:
    three = take(announcer(), [note(at(i)) for i in range(3)], at(10))
    assert [x.summary for x in three] == [False, False, False]
    assert [x.title for x in take(announcer(), [note(at(i)) for i in range(4)], at(10))] == ["4 条新通知"]


def test_pop_ups_are_rate_limited_over_a_short_window() -> None:
    a = announcer(cap=3, window=timedelta(seconds=10))
    assert len(take(a, [note(at(1)), note(at(2))], at(10))) == 2
    # One more second later: one left in the budget, two arrive: a summary instead of two pop-ups.
    [summary] = take(a, [note(at(3)), note(at(4))], at(11))
    assert summary.title == "2 条新通知"
    # The budget is spent, but a single arrival still shows as itself (never "1 new notification").
    [single] = take(a, [note(at(5))], at(12))
    assert not single.summary and single.title == "李娜 把任务分配给了你"
    # Once the window has passed, the budget is back.
    assert [x.summary for x in take(a, [note(at(6)), note(at(7)), note(at(8))], at(23))] == [False] * 3


# --- words -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "zh", "en"),
    [
        ("assigned", "李娜 把任务分配给了你", "李娜 assigned a task to you"),
        ("mentioned", "李娜 在评论中提到了你", "李娜 mentioned you in a comment"),
        ("commented", "李娜 评论了任务", "李娜 commented on a task"),
        ("status_changed", "李娜 更新了任务状态", "李娜 changed a task's status"),
        ("due_soon", "任务快到期了", "A task is due soon"),
        ("overdue", "任务已逾期", "A task is overdue"),
        ("archived", "李娜 更新了任务", "李娜 updated a task"),  # a kind from a newer server
    ],
)
def test_each_kind_has_a_title_line_in_both_languages(kind: str, zh: str, en: str) -> None:
    actor = None if kind in ("due_soon", "overdue") else f.OTHER
    row = note(kind=kind, actor_id=actor)
    assert text_of(row, lookup) == (zh, "APP-1 首页信息流改版")
    set_locale("en")
    assert text_of(row, lookup)[0] == en


def test_names_fall_back_when_the_cache_does_not_know_them() -> None:
    row = note(actor_id="0190a000-0000-7000-8000-00000000dead", title="通知里的标题")
    assert text_of(row, lambda _: Subject()) == ("有人 把任务分配给了你", "通知里的标题")
    unnumbered = Subject(actor="李娜", task_key=None, task_title="离线新建的任务")
    assert text_of(row, lambda _: unnumbered) == ("李娜 把任务分配给了你", "离线新建的任务")
    set_locale("en")
    assert text_of(row, lambda _: Subject())[0] == "Someone assigned a task to you"


def test_both_catalogues_have_the_same_keys_and_fields() -> None:
    catalogues = {code: json.loads((I18N / code / "notify.json").read_text(encoding="utf-8")) for code in LOCALES}
    zh, en = catalogues["zh-CN"], catalogues["en"]
    assert zh.keys() == en.keys()
    assert all(key.startswith("notify.") for key in zh)

    def fields(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}

    assert {k: fields(v) for k, v in zh.items()} == {k: fields(v) for k, v in en.items()}


# --- fed from a real store -----------------------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "cache.db")
    s.set_account("http://keel.test", f.ME, "wangwei@example.com")
    yield s
    s.close()


def test_fed_from_the_store_a_pull_after_the_bootstrap_is_announced_with_cached_names(store: Store) -> None:
    a = Announcer(store_lookup(store), user_id=store.user_id, started_at=START)
    heard: list[list[Announcement]] = []
    bootstrapping = True

    def on_change(changes: Changes) -> None:
        rows = arrived(changes, store)
        heard.append(
            a.take(rows, user_id=store.user_id, focused=False, settings=ON, bootstrap=bootstrapping, now=at(300))
        )

    store.subscribe(on_change)
    old = f.notification(PID, TASK, created_at="2025-03-01T08:01:00.000000Z")  # after START, yet history
    store.apply_pull(
        f.page(
            f.user(),
            f.user(f.OTHER, "李娜", "lina@example.com"),
            f.project(PID),
            f.member(PID),
            f.member(PID, f.OTHER, "member"),
            f.status(PID, TODO, "待办", "todo", "a0"),
            f.task(PID, TODO, TASK, number=7, title="支付页改版"),
            old,
        )
    )
    bootstrapping = False
    new = f.notification(PID, TASK, kind="mentioned", created_at="2025-03-01T08:04:00.000000Z")
    store.apply_pull(f.page(new))
    assert heard == [
        [],
        [Announcement("李娜 在评论中提到了你", "APP-7 支付页改版", TASK, (new["row"]["id"],), os=True)],
    ]
    store.read_notification(new["row"]["id"])  # a local change to a notification: never news
    store.apply_pull(f.page(f.notification(PID, TASK, read_at="2025-03-01T08:05:00.000000Z")))  # read elsewhere
    assert heard[2:] == [[], []]


def test_arrived_is_only_what_a_pull_wrote_and_is_still_unread(store: Store) -> None:
    first, second = f.notification(PID, TASK), f.notification(PID, TASK)
    store.apply_pull(f.page(first, second))
    ids = frozenset({first["row"]["id"]})
    assert [r["id"] for r in arrived(Changes({"notification": ids}, source="pull"), store)] == [first["row"]["id"]]
    assert arrived(Changes({"notification": ids}, source="local"), store) == []
    assert arrived(Changes({"task": frozenset({TASK})}, source="pull"), store) == []
    store.read_notification(first["row"]["id"])
    assert arrived(Changes({"notification": ids}, source="pull"), store) == []
