"""The reminder runner against a real store and a real log file, with a clock the test moves: what goes
out when, once per task, due time and lead (restarts included), with the server's due_soon arriving
by pull, snoozes, deleted and finished tasks, and the loop waking on store changes. Nothing sleeps."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.notify import NullNotifier
from app.reminders import (
    RETRY_AFTER,
    DeviceReminders,
    Fanout,
    MobileNotifier,
    OsLocalNotifier,
    ReminderLog,
    ReminderRunner,
    ReminderSettings,
    ToastNotifier,
)
from sync.store import Store
from tests.app.moments import iso, sh, tid
from tests.sync import factories as f

pytestmark = pytest.mark.usefixtures("chinese")

H = timedelta(hours=1)
PID = "0190a000-0000-7000-8000-0000000000a1"
TODO, DONE = "0190a000-0000-7000-8000-0000000000b1", "0190a000-0000-7000-8000-0000000000b3"
SETTINGS = ReminderSettings(zone="Asia/Shanghai")


DUE = sh(11, 20, 18)


class Clock:
    """The runner's clock, moved by the test. `sleep` waits until the test moves the time past it."""

    def __init__(self, now: datetime) -> None:
        self._now = now
        self.naps = 0
        self.asked: list[float] = []
        self._sleepers: list[tuple[datetime, asyncio.Future[None]]] = []
        self._napped = asyncio.Event()

    def now(self) -> datetime:
        return self._now

    def set(self, moment: datetime) -> None:
        self._now = moment
        for deadline, waiting in self._sleepers:
            if deadline <= moment and not waiting.done():
                waiting.set_result(None)

    async def sleep(self, seconds: float) -> None:
        waiting: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (self._now + timedelta(seconds=seconds), waiting)
        self._sleepers.append(entry)
        self.asked.append(seconds)
        self.naps += 1
        self._napped.set()
        try:
            await waiting
        finally:
            self._sleepers.remove(entry)

    async def napped(self, after: int) -> None:
        """Returns once the runner has gone to sleep more than `after` times (a pass has finished)."""
        async with asyncio.timeout(10):  # a guard against a hang, not a timing assertion
            while self.naps <= after:
                self._napped.clear()
                await self._napped.wait()


class Shown:
    """Where reminders go in these tests: what a person would see, in order."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str, str | None]] = []
        self.accept = True

    async def show(self, title: str, body: str, *, task_id: str | None) -> bool:
        if self.accept:
            self.items.append((title, body, task_id))
        return self.accept

    def take(self) -> list[tuple[str, str, str | None]]:
        items, self.items = self.items, []
        return items


def my_task(n: int, due: datetime | None = DUE, **fields: Any) -> dict[str, Any]:
    fields.setdefault("assignee_id", f.ME)
    fields.setdefault("title", f"任务{n}")
    return f.task(PID, fields.pop("status_id", TODO), tid(n), number=n, due_at=iso(due) if due else None, **fields)


def server_due_soon(n: int, made: datetime, **fields: Any) -> dict[str, Any]:
    """The server's reminder row, as a pull brings it."""
    return f.notification(PID, tid(n), kind="due_soon", actor_id=None, title=f"任务{n}", created_at=iso(made), **fields)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "store.db")
    s.set_account("http://keel.test", f.ME, "wangwei@example.com")
    s.apply_pull(
        f.page(
            f.user(),
            f.user(f.OTHER, "李娜", "lina@example.com"),
            f.project(PID),
            f.member(PID),
            f.member(PID, f.OTHER, "member"),
            f.status(PID, TODO, "待办", "todo", "a0"),
            f.status(PID, DONE, "已完成", "done", "a2"),
            my_task(1, title="修复登录页闪退"),
        )
    )
    yield s
    s.close()


@pytest.fixture
def shown() -> Shown:
    return Shown()


@pytest.fixture
async def runner(store: Store, tmp_path: Path, shown: Shown) -> AsyncIterator[ReminderRunner]:
    r = ReminderRunner(store, tmp_path, shown, SETTINGS, Clock(sh(11, 19, 12)))
    yield r
    await r.stop()


def at(runner: ReminderRunner, moment: datetime) -> ReminderRunner:
    assert isinstance(runner.clock, Clock)
    runner.clock.set(moment)
    return runner


# --- one pass at a time --------------------------------------------------------------------------


async def test_due_soon_goes_out_at_its_time_once_and_says_when(runner: ReminderRunner, shown: Shown) -> None:
    assert await at(runner, sh(11, 19, 12)).tick() == sh(11, 19, 18)  # nothing yet; look again at 18:00
    assert shown.take() == []
    assert await at(runner, sh(11, 19, 18)).tick() == sh(11, 20, 17)
    assert shown.take() == [("任务即将到期", "APP-1 修复登录页闪退，明天 18:00 到期", tid(1))]
    await at(runner, sh(11, 19, 18, 1)).tick()
    assert shown.take() == []  # once
    await at(runner, sh(11, 20, 17)).tick()
    assert shown.take() == [("任务即将到期", "APP-1 修复登录页闪退，今天 18:00 到期", tid(1))]


async def test_a_restart_never_shows_the_same_reminder_again(
    store: Store, tmp_path: Path, runner: ReminderRunner, shown: Shown
) -> None:
    await at(runner, sh(11, 19, 18)).tick()
    assert len(shown.take()) == 1
    await runner.stop()
    again = ReminderRunner(store, tmp_path, shown, SETTINGS, Clock(sh(11, 19, 18, 30)))
    try:
        assert await again.tick() == sh(11, 20, 17)
        assert shown.take() == []
    finally:
        await again.stop()


async def test_a_new_due_time_arms_again_and_the_old_one_never_fires_twice(
    store: Store, runner: ReminderRunner, shown: Shown
) -> None:
    await at(runner, sh(11, 19, 18)).tick()
    assert len(shown.take()) == 1
    store.update_task(tid(1), due_at=sh(11, 21, 18))  # offline edit: the cache changes at once
    assert await at(runner, sh(11, 19, 18, 1)).tick() == sh(11, 20, 18)
    await at(runner, sh(11, 20, 18)).tick()
    assert [body for _, body, _ in shown.take()] == ["APP-1 修复登录页闪退，明天 18:00 到期"]
    store.update_task(tid(1), due_at=DUE)  # back to the first due time: its 24 h lead went out already
    await at(runner, sh(11, 20, 10)).tick()
    assert shown.take() == []
    await at(runner, sh(11, 20, 17)).tick()
    assert len(shown.take()) == 1  # its 1 h lead had not


async def test_finished_deleted_and_other_peoples_tasks_never_remind(
    store: Store, runner: ReminderRunner, shown: Shown
) -> None:
    store.apply_pull(
        f.page(
            my_task(2, assignee_id=f.OTHER),
            my_task(3, assignee_id=None),
            my_task(4, status_id=DONE),
            my_task(5),
            my_task(6),
        )
    )
    store.move_task(tid(5), DONE)  # finished here, not yet synced
    store.apply_pull(f.page(f.tombstone(my_task(6))))  # deleted elsewhere
    store.delete_task(tid(1))  # deleted here
    assert await at(runner, sh(11, 19, 18)).tick() is None
    assert shown.take() == []
    assert runner.plan().reminders == ()


async def test_the_servers_due_soon_first_silences_the_local_24h_one(
    store: Store, runner: ReminderRunner, shown: Shown
) -> None:
    runner.listen()  # follows the store, as its loop does
    row = server_due_soon(1, made=DUE - 24 * H + timedelta(minutes=1))
    store.apply_pull(f.page(row))
    assert not runner.repeats_local(row["row"])  # nothing local went out: the announcer shows the server's
    await at(runner, sh(11, 19, 18, 5)).tick()
    assert shown.take() == []
    await at(runner, sh(11, 20, 17)).tick()
    assert [body for _, body, _ in shown.take()] == [
        "APP-1 修复登录页闪退，今天 18:00 到期"
    ]  # 1 h: the server has none


async def test_a_local_reminder_first_makes_the_servers_a_repeat(
    store: Store, runner: ReminderRunner, shown: Shown
) -> None:
    await at(runner, sh(11, 19, 18)).tick()
    assert len(shown.take()) == 1
    assert runner.already_reminded(tid(1), iso(DUE))
    row = server_due_soon(1, made=DUE - 24 * H + timedelta(seconds=40))["row"]
    assert runner.repeats_local(row)  # the announcer stays quiet about it
    # Not a repeat: someone else's, another kind, or about an earlier due time of the task.
    assert not runner.repeats_local(row | {"user_id": f.OTHER})
    assert not runner.repeats_local(row | {"kind": "overdue"})
    assert not runner.repeats_local(row | {"created_at": iso(DUE - 30 * H)})
    store.update_task(tid(1), due_at=sh(11, 22, 18))
    assert not runner.repeats_local(row)  # the task's due time moved: the server reminds of the new one


async def test_with_synced_preferences_the_servers_due_soon_comes_at_my_longest_lead(
    store: Store, tmp_path: Path, shown: Shown
) -> None:
    """Once I have a preferences row the server reminds at my longest lead (48 h here), so its row
    made 48 h before stands for the local 48 h reminder: one reminder, not two."""
    from sync.protocol import notification_pref_id

    r = ReminderRunner(store, tmp_path, shown, clock=Clock(sh(11, 18, 17)))
    try:
        pref = {"id": notification_pref_id(f.ME), "user_id": f.ME, "kinds": {}, "muted_projects": []}
        pref |= {"quiet_start": None, "quiet_end": None, "time_zone": "Asia/Shanghai", "digest_at": None}
        store.apply_pull(f.page(f.change("notification_pref", **pref, due_soon_leads=[2880, 60], updated_at=iso(DUE))))
        assert r.servers_lead() == 48 * H
        r.listen()
        store.apply_pull(f.page(server_due_soon(1, made=DUE - 48 * H + timedelta(minutes=1))))
        await at(r, sh(11, 18, 18, 5)).tick()
        assert shown.take() == []  # the server's stood for it
        await at(r, sh(11, 20, 17)).tick()
        assert [body for _, body, _ in shown.take()] == ["APP-1 修复登录页闪退，今天 18:00 到期"]  # the 1 h one
    finally:
        await r.stop()


async def test_a_server_reminder_made_late_still_repeats_the_local_one(runner: ReminderRunner, shown: Shown) -> None:
    await at(runner, sh(11, 19, 18)).tick()
    late = server_due_soon(1, made=DUE - 21 * H)["row"]  # the server was down for three hours
    assert runner.repeats_local(late)


async def test_a_reminder_nobody_could_show_is_tried_again_later(runner: ReminderRunner, shown: Shown) -> None:
    shown.accept = False
    assert await at(runner, sh(11, 19, 18)).tick() == sh(11, 19, 18) + RETRY_AFTER
    assert not runner.already_reminded(tid(1), DUE)
    shown.accept = True
    await at(runner, sh(11, 19, 18, 2)).tick()
    assert shown.take() == []  # not before the retry
    await at(runner, sh(11, 19, 18) + RETRY_AFTER).tick()
    assert len(shown.take()) == 1
    assert runner.already_reminded(tid(1), DUE)


async def test_many_due_at_once_become_one_summary(store: Store, runner: ReminderRunner, shown: Shown) -> None:
    store.apply_pull(f.page(*(my_task(n, due=sh(11, 19, 20) + n * timedelta(minutes=1)) for n in range(2, 6))))
    await at(runner, sh(11, 19, 18)).tick()  # five leads missed at once (a first sync, say)
    [(title, body, task_id)] = shown.take()
    assert title == "5 项任务即将到期"
    assert body == "APP-2 任务2、APP-3 任务3、APP-4 任务4，还有 2 项"  # soonest due first
    assert task_id is None  # a click opens the inbox
    await at(runner, sh(11, 19, 18, 1)).tick()
    assert shown.take() == []


async def test_snooze_an_hour_and_the_lead_it_covers_waits(store: Store, runner: ReminderRunner, shown: Shown) -> None:
    await at(runner, sh(11, 20, 17)).tick()  # the 24 h lead was missed: it catches up, with the 1 h one
    assert len(shown.take()) == 1
    until = runner.snooze(tid(1), "hour")
    assert until == sh(11, 20, 18)
    assert await at(runner, sh(11, 20, 17, 30)).tick() == sh(11, 20, 18)
    await at(runner, sh(11, 20, 18)).tick()
    assert shown.take() == [("稍后提醒：任务到期", "APP-1 修复登录页闪退，已于今天 18:00 到期", tid(1))]
    await at(runner, sh(11, 20, 18, 1)).tick()
    assert shown.take() == []
    with pytest.raises(ValueError, match="due time"):
        runner.snooze(tid(99), "hour")


async def test_snooze_until_tomorrow_morning_leaves_the_1h_lead_after_it(runner: ReminderRunner, shown: Shown) -> None:
    await at(runner, sh(11, 19, 18)).tick()
    assert len(shown.take()) == 1
    assert runner.snooze(tid(1), "tomorrow") == sh(11, 20, 9)
    assert await at(runner, sh(11, 20, 9)).tick() == sh(11, 20, 17)
    assert [title for title, _, _ in shown.take()] == ["稍后提醒：任务到期"]
    await at(runner, sh(11, 20, 17)).tick()
    assert [title for title, _, _ in shown.take()] == ["任务即将到期"]


async def test_a_snooze_past_a_lead_puts_that_lead_off(runner: ReminderRunner, shown: Shown) -> None:
    await at(runner, sh(11, 19, 18)).tick()
    assert len(shown.take()) == 1
    runner.snooze(tid(1), sh(11, 20, 17, 30))  # a picked time, after the 1 h lead's 17:00
    assert await at(runner, sh(11, 19, 18, 1)).tick() == sh(11, 20, 17, 30)
    await at(runner, sh(11, 20, 17)).tick()
    assert shown.take() == []
    await at(runner, sh(11, 20, 17, 30)).tick()
    assert [title for title, _, _ in shown.take()] == ["稍后提醒：任务到期"]
    assert await at(runner, sh(11, 20, 17, 31)).tick() == sh(11, 21, 9)  # next: tomorrow's digest
    assert shown.take() == []


async def test_the_overdue_digest_at_nine(store: Store, runner: ReminderRunner, shown: Shown) -> None:
    store.apply_pull(f.page(my_task(2, due=sh(11, 18, 18)), my_task(3, due=sh(11, 17, 18))))
    assert await at(runner, sh(11, 19, 8)).tick() == sh(11, 19, 9)
    await at(runner, sh(11, 19, 9)).tick()
    assert shown.take() == [("你有 2 项任务已逾期", "APP-3 任务3、APP-2 任务2", None)]
    await at(runner, sh(11, 19, 10)).tick()
    assert shown.take() == []


async def test_nothing_goes_out_while_the_first_sync_fills_the_cache(
    store: Store, tmp_path: Path, shown: Shown
) -> None:
    filling = {"on": True}
    r = ReminderRunner(store, tmp_path, shown, SETTINGS, Clock(sh(11, 19, 18)), hold=lambda: filling["on"])
    try:
        assert await r.tick() is not None
        assert shown.take() == []
        filling["on"] = False
        await r.tick()
        assert len(shown.take()) == 1
    finally:
        await r.stop()


async def test_settings_are_the_signed_in_persons(store: Store, tmp_path: Path, shown: Shown) -> None:
    r = ReminderRunner(store, tmp_path, shown, clock=Clock(sh(11, 19, 12)))
    try:
        # Nothing chosen yet: the synced defaults (24 h and 1 h, a digest at 09:00, no quiet hours).
        assert r.settings == ReminderSettings(quiet=None)
        mine = ReminderSettings(zone="Asia/Shanghai", leads=(2 * H,), quiet=None)
        r.set_settings(mine)
        assert r.settings == mine
        assert [rem.lead for rem in r.plan().reminders] == [2 * H]
        # They are the person's synced preferences: saved as one store action, pending until pushed.
        prefs = store.notification_prefs()
        assert (prefs["due_soon_leads"], prefs["time_zone"], prefs["quiet_start"]) == ([120], "Asia/Shanghai", None)
        assert [m.name for m in store.outbox()][-1] == "notification_pref.update"
    finally:
        await r.stop()


async def test_synced_preferences_mute_a_project_and_switch_kinds_off(
    store: Store, tmp_path: Path, shown: Shown
) -> None:
    """Preferences another device set arrive as a row; the runner plans from them at once."""
    r = ReminderRunner(store, tmp_path, shown, clock=Clock(sh(11, 19, 12)))
    try:
        assert {rem.kind for rem in r.plan().reminders} == {"due_soon"}
        store.update_notification_prefs(mute_add=[PID])
        assert r.plan().reminders == ()
        store.update_notification_prefs(mute_remove=[PID], set={"kinds": {"due_soon": False}})
        assert r.plan().reminders == ()
        store.update_notification_prefs(set={"kinds": {"due_soon": True}, "due_soon_leads": [30]})
        assert [rem.lead for rem in r.plan().reminders] == [timedelta(minutes=30)]
        # The overdue digest follows the `overdue` kind: off, no digest even with a time chosen.
        late = sh(11, 21, 8)
        assert [rem.kind for rem in r.plan(late).reminders] == ["overdue_digest"]
        store.update_notification_prefs(set={"kinds": {"overdue": False}})
        assert r.plan(late).reminders == ()
    finally:
        await r.stop()


# --- the loop ------------------------------------------------------------------------------------


async def test_the_loop_sleeps_until_the_next_reminder_and_wakes_on_a_store_change(
    store: Store, runner: ReminderRunner, shown: Shown
) -> None:
    clock = runner.clock
    assert isinstance(clock, Clock)
    runner.start()
    await clock.napped(0)
    assert 0 < clock.asked[-1] <= 300  # it looks again within five minutes whatever happens
    clock.set(sh(11, 19, 18))  # the time comes: the nap ends and the reminder goes out
    await clock.napped(clock.naps)
    assert [body for _, body, _ in shown.take()] == ["APP-1 修复登录页闪退，明天 18:00 到期"]
    naps = clock.naps
    created = store.create_task(PID, "发布说明", assignee_id=f.ME, due_at=sh(11, 19, 18, 30))  # due in 30 min
    await clock.napped(naps)  # woken by the change, without the clock moving
    assert shown.take() == [("任务即将到期", "发布说明，今天 18:30 到期", created)]  # a new task has no key yet


async def test_an_app_process_shows_reminders_as_toasts_where_there_is_no_notification_centre(
    store: Store, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    store.apply_pull(f.page(my_task(7, due=now + 30 * timedelta(minutes=1))))
    log = ReminderLog.open(tmp_path / "device")  # whatever the hour where this runs: no quiet hours, no digest
    log.save_settings(f.ME, ReminderSettings(quiet=None, digest_at=None))
    log.close()
    reminders = await DeviceReminders.start(store, tmp_path / "device", desktop=False)
    arrived: asyncio.Queue[str] = asyncio.Queue()
    ran: list[str] = []

    def run_task(handler: Any, *args: Any) -> object:  # Flet's page.run_task, in a session of its own
        ran.append(handler.__name__)
        return asyncio.ensure_future(handler(*args))

    detach = reminders.attach(arrived.put_nowait, run_task=run_task)
    try:
        async with asyncio.timeout(10):
            line = await arrived.get()
            while "APP-7" not in line:
                line = await arrived.get()
        assert line.startswith("任务即将到期：APP-7 任务7，")
        assert ran and reminders.already_reminded(tid(7), iso(now + 30 * timedelta(minutes=1)))
    finally:
        detach()
        await reminders.close()


# --- notifiers -----------------------------------------------------------------------------------


async def test_the_notifiers_say_whether_anyone_saw_it() -> None:
    os_local = OsLocalNotifier(NullNotifier())
    assert not os_local.available
    assert not await os_local.show("标题", "正文", task_id=None)
    toasts = ToastNotifier()
    assert not await toasts.show("标题", "正文", task_id=None)
    lines: list[str] = []

    def broken(_: str) -> None:
        raise RuntimeError("the window closed")

    toasts.attach(broken)
    detach = toasts.attach(lines.append)
    assert await Fanout(os_local, toasts).show("任务即将到期", "APP-1 修复", task_id=tid(1))
    assert lines == ["任务即将到期：APP-1 修复"]
    detach()
    assert not await Fanout(os_local).show("标题", "正文", task_id=None)


async def test_the_mobile_notifier_is_a_placeholder_until_flet_build_fills_it() -> None:
    assert not MobileNotifier().available
    assert not await MobileNotifier().show("标题", "正文", task_id=None)
    sent: list[tuple[str, str, str | None]] = []

    async def send(title: str, body: str, task_id: str | None) -> None:
        sent.append((title, body, task_id))

    assert await MobileNotifier(send).show("标题", "正文", task_id=tid(1))
    assert sent == [("标题", "正文", tid(1))]

    async def never(title: str, body: str, task_id: str | None) -> None:
        await asyncio.get_running_loop().create_future()  # the stock web client: show() never returns

    assert not await MobileNotifier(never, timeout=0).show("标题", "正文", task_id=None)
