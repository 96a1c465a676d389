"""Phones: the upcoming reminders are left with the OS's scheduler, so they go off while the app is
suspended, killed or offline, and the app coming back never shows them again. The decisions (which
notifications, which ids, what changes, when to ask for the permission) run here in plain pytest, with
the real runner, store and files; the OS is a recording stand-in (the real one needs a phone)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from app.reminders import (
    OS_PENDING_LIMIT,
    DeviceReminders,
    MobileScheduler,
    PermissionState,
    Reminder,
    ReminderRunner,
    Slot,
    ask_now,
    mobile_scheduler,
    os_id,
    os_slots,
    reconcile,
)
from app.reminders.mobile import (
    DENIED,
    GRANTED,
    ID_SPACE,
    PERMANENTLY_DENIED,
    STATE_FILE,
    UNAVAILABLE,
    permission_answer,
)
from sync.store import Store
from tests.app.moments import SHANGHAI, sh, tid
from tests.app.test_reminders_runner import (  # the runner's own fixtures and helpers
    DUE,
    SETTINGS,
    Clock,
    H,
    Shown,
    at,
    my_task,
    store,  # noqa: F401  (asked for by `cache`)
)
from tests.sync import factories as f

pytestmark = pytest.mark.usefixtures("chinese")  # reminders speak Chinese here


class PhoneOs:
    """The OS's scheduler as the app sees it: what it holds, and every call it took."""

    def __init__(self) -> None:
        self.pending: dict[int, Slot] = {}
        self.calls: list[tuple[str, int]] = []
        self.refuse = False
        self.scheduled = asyncio.Event()

    async def schedule(self, slot: Slot) -> None:
        if self.refuse:
            raise RuntimeError("error:schedule_failed:exact_alarms_not_permitted")
        self.calls.append(("schedule", slot.id))
        self.pending[slot.id] = slot
        self.scheduled.set()

    async def cancel(self, id: int) -> None:
        self.calls.append(("cancel", id))
        self.pending.pop(id, None)

    def take(self) -> list[tuple[str, int]]:
        calls, self.calls = self.calls, []
        return calls

    def shows(self) -> list[tuple[datetime, str, str, str | None]]:
        return sorted((s.fire_at, s.title, s.body, s.task_id) for s in self.pending.values())


class Question:
    """The OS's notification question: `status` answers without asking; `request` asks (Android asks
    twice at most: a second "no" is permanent)."""

    def __init__(self, status: str = DENIED, answers: tuple[str, ...] = (GRANTED,)) -> None:
        self.current, self.answers, self.asked, self.opened = status, list(answers), 0, 0

    async def status(self) -> str:
        return self.current

    async def request(self) -> str:
        if self.current not in (GRANTED, PERMANENTLY_DENIED):
            self.asked += 1
            self.current = self.answers.pop(0)
        return self.current

    async def open_settings(self) -> bool:
        self.opened += 1
        return True


@pytest.fixture
def cache(request: pytest.FixtureRequest) -> Store:
    """The runner tests' offline store: me, a project, and task 1 due at DUE (their `store`)."""
    offline: Store = request.getfixturevalue("store")
    return offline


@pytest.fixture
def phone() -> PhoneOs:
    return PhoneOs()


@pytest.fixture
def shown() -> Shown:
    return Shown()


def scheduler(tmp_path: Path, phone: PhoneOs, question: Question | None = None) -> MobileScheduler:
    return MobileScheduler(tmp_path, phone, permission=question)


@pytest.fixture
async def runner(cache: Store, tmp_path: Path, shown: Shown, phone: PhoneOs) -> AsyncIterator[ReminderRunner]:
    r = ReminderRunner(cache, tmp_path, shown, SETTINGS, Clock(sh(11, 19, 12)), os_scheduler=scheduler(tmp_path, phone))
    yield r
    await r.stop()


def due_soon(n: int, lead: timedelta, due: datetime = DUE) -> Reminder:
    return Reminder(tid(n), due.astimezone(UTC), lead, (due - lead).astimezone(UTC), "due_soon", covers=(lead,))


# --- ids ---------------------------------------------------------------------------------------------


def test_an_os_id_is_stable_positive_and_follows_the_reminder_not_its_moment() -> None:
    reminder = due_soon(1, 24 * H)
    assert os_id(reminder) == 84998755  # the same on every run and every Python: it names the OS's copy
    held_by_quiet_hours = Reminder(
        reminder.task_id, reminder.due_at, reminder.lead, sh(11, 20, 8), "due_soon", covers=reminder.covers
    )
    assert os_id(held_by_quiet_hours) == os_id(reminder)
    others = [
        due_soon(1, H),
        due_soon(2, 24 * H),
        due_soon(1, 24 * H, due=sh(11, 21, 18)),
        Reminder(tid(1), DUE.astimezone(UTC), None, sh(11, 20, 9), "snoozed"),
    ]
    assert len({os_id(r) for r in [reminder, *others]}) == 5
    many = [due_soon(n, lead, due=DUE + n * timedelta(minutes=7)) for n in range(2000) for lead in (H, 24 * H)]
    ids = {os_id(r) for r in many}
    assert len(ids) == len(many) and all(0 < i < ID_SPACE for i in ids)


# --- what is left with the OS ---------------------------------------------------------------------------


async def test_slots_are_the_upcoming_reminders_soonest_first_in_the_runners_words(
    cache: Store, tmp_path: Path, shown: Shown
) -> None:
    cache.apply_pull(f.page(my_task(2, due=sh(11, 19, 22)), my_task(3, due=sh(11, 17, 18))))  # 3 is overdue
    plain = ReminderRunner(cache, tmp_path, shown, SETTINGS, Clock(sh(11, 19, 12)))
    try:
        await plain.tick()  # what is due now the runner shows itself: 2's missed 24 h lead, today's digest
        assert len(shown.take()) == 2
        slots = os_slots(plain.plan(), plain.tasks(), zone=SHANGHAI)
        assert [(s.fire_at, s.task_id, len(s.reminders)) for s in slots] == [
            (sh(11, 19, 18), tid(1), 1),  # 24 h before task 1
            (sh(11, 19, 21), tid(2), 1),  # 1 h before task 2
            (sh(11, 20, 9), None, 1),  # tomorrow's digest lists 3 and 2: a tap opens the inbox
            (sh(11, 20, 17), tid(1), 1),  # 1 h before task 1
        ]
        assert all(s.zone == "Asia/Shanghai" for s in slots)
        for slot in slots:  # each says what the runner shows at that moment
            await at(plain, slot.fire_at).tick()
            assert shown.take() == [(slot.title, slot.body, slot.task_id)]
    finally:
        await plain.stop()


async def test_more_than_cap_at_one_moment_become_one_summary_and_the_os_gets_at_most_its_limit(
    cache: Store, tmp_path: Path, shown: Shown
) -> None:
    cache.apply_pull(f.page(*(my_task(n, due=sh(11, 21, 18)) for n in range(2, 7))))  # five due at once
    cache.apply_pull(f.page(*(my_task(n, due=sh(11, 22, 9) + n * H) for n in range(10, 90))))
    plain = ReminderRunner(cache, tmp_path, shown, SETTINGS, Clock(sh(11, 19, 12)))
    try:
        current = plain.plan()
        slots = os_slots(current, plain.tasks(), zone=SHANGHAI)
    finally:
        await plain.stop()
    assert len(slots) == OS_PENDING_LIMIT  # iOS keeps only 64
    assert [s.fire_at for s in slots] == sorted(s.fire_at for s in slots)
    left = [r.fire_at for r in current.upcoming if not any(r in s.reminders for s in slots)]
    assert left and min(left) >= slots[-1].fire_at  # what waits is later than all that was handed over
    [summary] = [s for s in slots if len(s.reminders) > 1 and s.fire_at == sh(11, 20, 18)]
    assert (summary.title, summary.task_id) == ("5 项任务即将到期", None)  # a tap opens the inbox
    assert len({s.id for s in slots}) == len(slots)


def test_reconcile_touches_only_what_changed() -> None:
    def slot(n: int, hour: int, body: str = "正文") -> Slot:
        r = due_soon(n, H)
        return Slot(os_id(r), sh(11, 20, hour), "任务即将到期", body, tid(n), (r,), "Asia/Shanghai")

    kept, moved, gone, new = slot(1, 17), slot(2, 17), slot(3, 17), slot(4, 17)
    renamed = slot(5, 17)
    cancel, schedule = reconcile(
        [kept, slot(2, 18), new, slot(5, 17, body="新标题")],
        [kept, moved, gone, renamed],
    )
    assert sorted(cancel) == sorted([moved.id, gone.id, renamed.id])
    assert schedule == [slot(2, 18), new, slot(5, 17, body="新标题")]
    assert reconcile([kept], [kept]) == ([], [])
    assert reconcile([], []) == ([], [])


# --- MobileScheduler ---------------------------------------------------------------------------------------


async def test_what_was_handed_over_survives_a_restart_and_nothing_is_scheduled_twice(
    cache: Store, tmp_path: Path, shown: Shown, phone: PhoneOs
) -> None:
    plain = ReminderRunner(cache, tmp_path, shown, SETTINGS, Clock(sh(11, 19, 12)))
    slots = os_slots(plain.plan(), plain.tasks(), zone=SHANGHAI)
    await plain.stop()
    first = scheduler(tmp_path, phone)
    await first.sync(slots, now=sh(11, 19, 12))
    assert phone.take() == [("schedule", s.id) for s in slots]
    await first.sync(slots, now=sh(11, 19, 13))
    assert phone.take() == []
    again = scheduler(tmp_path, phone)  # the app was killed and started again
    assert again.handed == first.handed
    await again.sync(slots, now=sh(11, 19, 14))
    assert phone.take() == []
    # The first went off at 18:00: the OS showed it; forgotten, never cancelled (that would take it
    # off the screen), and its reminders count as shown.
    assert again.shown(now=sh(11, 19, 18)) == [(r, sh(11, 19, 18)) for r in slots[0].reminders]
    await again.sync(slots[1:], now=sh(11, 19, 18))
    assert phone.take() == [] and list(again.handed) == [s.id for s in slots[1:]]


async def test_a_call_the_os_refuses_is_tried_again_and_a_broken_file_starts_afresh(
    tmp_path: Path, phone: PhoneOs
) -> None:
    r = due_soon(1, H)
    slot = Slot(os_id(r), r.fire_at, "任务即将到期", "正文", tid(1), (r,))
    phone.refuse = True
    mobile = scheduler(tmp_path, phone)
    await mobile.sync([slot], now=sh(11, 19, 12))
    assert mobile.handed == {}  # not recorded: it would otherwise count as shown by the OS
    phone.refuse = False
    await mobile.sync([slot], now=sh(11, 19, 13))
    assert mobile.handed == {slot.id: slot}

    class Silent(PhoneOs):
        async def schedule(self, slot: Slot) -> None:
            await asyncio.get_running_loop().create_future()  # a client without the extension: never answers

    silent = MobileScheduler(tmp_path / "other", Silent(), timeout=0)
    await silent.sync([slot], now=sh(11, 19, 12))
    assert silent.handed == {}
    (tmp_path / STATE_FILE).write_text("{not json", encoding="utf-8")
    assert scheduler(tmp_path, phone).handed == {}


# --- the runner on a phone ---------------------------------------------------------------------------------


async def test_after_a_pass_the_os_holds_the_upcoming_reminders(runner: ReminderRunner, phone: PhoneOs) -> None:
    assert await runner.tick() == sh(11, 19, 18)
    assert phone.shows() == [
        (sh(11, 19, 18), "任务即将到期", "APP-1 修复登录页闪退，明天 18:00 到期", tid(1)),
        (sh(11, 20, 17), "任务即将到期", "APP-1 修复登录页闪退，今天 18:00 到期", tid(1)),
    ]
    assert [call for call, _ in phone.take()] == ["schedule", "schedule"]
    await at(runner, sh(11, 19, 12, 5)).tick()
    assert phone.take() == []  # nothing changed: the OS is left alone


async def test_a_new_due_time_cancels_and_reschedules(cache: Store, runner: ReminderRunner, phone: PhoneOs) -> None:
    await runner.tick()
    old = set(phone.pending)
    phone.take()
    cache.update_task(tid(1), due_at=sh(11, 21, 18))  # an offline edit
    await at(runner, sh(11, 19, 12, 1)).tick()
    calls = phone.take()
    assert sorted(i for call, i in calls if call == "cancel") == sorted(old)
    assert [call for call, _ in calls] == ["cancel", "cancel", "schedule", "schedule"]
    assert [(when, body) for when, _, body, _ in phone.shows()] == [
        (sh(11, 20, 18), "APP-1 修复登录页闪退，明天 18:00 到期"),
        (sh(11, 21, 17), "APP-1 修复登录页闪退，今天 18:00 到期"),
    ]


async def test_an_offline_phone_still_fires_the_due_soon_reminder_and_the_app_never_repeats_it(
    cache: Store, tmp_path: Path, shown: Shown, phone: PhoneOs
) -> None:
    """No server anywhere: the store is offline-only. The app hands the reminders over, is killed; the
    OS shows both leads; the app starts again after both moments and shows nothing, yet knows."""
    first = ReminderRunner(
        cache, tmp_path, shown, SETTINGS, Clock(sh(11, 19, 12)), os_scheduler=scheduler(tmp_path, phone)
    )
    await first.tick()
    await first.stop()
    assert [when for when, *_ in phone.shows()] == [sh(11, 19, 18), sh(11, 20, 17)]  # the OS fires these
    phone.take()
    later = sh(11, 20, 17, 30)  # both moments passed while the app was not running
    again = ReminderRunner(cache, tmp_path, shown, SETTINGS, Clock(later), os_scheduler=scheduler(tmp_path, phone))
    try:
        assert await again.tick() is not None
        assert shown.take() == []  # not the catch-up that both missed leads would otherwise make
        assert again.already_reminded(tid(1), DUE)
        assert [r.kind for r in again.plan().reminders] == ["overdue_digest"]  # both leads went out
        assert [call for call, _ in phone.take()] == ["schedule"]  # that digest; no cancel, which would
        # take what the OS showed off the screen
    finally:
        await again.stop()


async def test_in_the_foreground_the_runner_leaves_a_handed_over_reminder_to_the_os(
    runner: ReminderRunner, shown: Shown
) -> None:
    await runner.tick()
    await at(runner, sh(11, 19, 18)).tick()
    assert shown.take() == []  # the OS shows it at 18:00, exactly once
    assert runner.already_reminded(tid(1), DUE)


async def test_what_the_os_did_not_get_the_runner_still_shows(
    cache: Store, tmp_path: Path, shown: Shown, phone: PhoneOs
) -> None:
    question = Question(DENIED, answers=(DENIED,))
    r = ReminderRunner(
        cache, tmp_path, shown, SETTINGS, Clock(sh(11, 19, 12)), os_scheduler=scheduler(tmp_path, phone, question)
    )
    try:
        await r.tick()  # the first pass of a launch: never asks
        await at(r, sh(11, 19, 12, 1)).tick()  # asks: "no"
        assert question.asked == 1 and phone.pending == {}
        await at(r, sh(11, 19, 18)).tick()
        assert [title for title, _, _ in shown.take()] == ["任务即将到期"]  # the app shows it while it runs
    finally:
        await r.stop()


async def test_signing_out_or_turning_reminders_off_takes_them_back_from_the_os(
    cache: Store, runner: ReminderRunner, phone: PhoneOs
) -> None:
    await runner.tick()
    assert len(phone.pending) == 2
    runner.set_settings(SETTINGS.with_changes(enabled=False))
    await at(runner, sh(11, 19, 12, 1)).tick()
    assert phone.pending == {}
    runner.set_settings(SETTINGS)
    await at(runner, sh(11, 19, 12, 2)).tick()
    assert len(phone.pending) == 2
    cache.sign_out()
    await at(runner, sh(11, 19, 12, 3)).tick()
    assert phone.pending == {}


# --- the notification permission ----------------------------------------------------------------------


def test_when_to_ask_for_the_notification_permission() -> None:
    never = PermissionState()
    assert not ask_now(never, wanted=0, launching=False)  # nothing to remind about yet
    assert not ask_now(never, wanted=2, launching=True)  # not at launch (nor during a sign-in)
    assert ask_now(never, wanted=2, launching=False)  # the first time there is something to hand over
    denied = PermissionState(DENIED, asked=True)
    assert not ask_now(denied, wanted=2, launching=False)  # a "no" is remembered: no nagging
    assert ask_now(denied, wanted=0, launching=False, explicit=True)  # turned on in Settings: ask again
    assert not ask_now(PermissionState(DENIED), wanted=2, launching=True)
    for final in (GRANTED, PERMANENTLY_DENIED):
        assert not ask_now(PermissionState(final, asked=True), wanted=2, launching=False, explicit=True)


def test_permission_handler_answers() -> None:
    assert [permission_answer(v) for v in ("granted", "provisional", "limited")] == [GRANTED] * 3
    assert permission_answer("denied") == DENIED
    assert permission_answer("permanentlyDenied") == permission_answer("restricted") == PERMANENTLY_DENIED
    assert permission_answer(None) == UNAVAILABLE
    assert permission_answer(SimpleNamespace(value="granted")) == GRANTED  # the extension's enum


async def test_the_question_comes_once_and_a_denial_is_remembered_across_restarts(
    tmp_path: Path, phone: PhoneOs
) -> None:
    r = due_soon(1, H)
    slots = [Slot(os_id(r), r.fire_at, "任务即将到期", "正文", tid(1), (r,))]
    question = Question(DENIED, answers=(DENIED, PERMANENTLY_DENIED))
    mobile = scheduler(tmp_path, phone, question)
    await mobile.sync([], now=sh(11, 19, 12))
    await mobile.sync(slots, now=sh(11, 19, 12))  # launching
    assert question.asked == 0
    await mobile.sync(slots, now=sh(11, 19, 13))
    assert question.asked == 1 and mobile.permission_state == PermissionState(DENIED, asked=True)
    again = scheduler(tmp_path, phone, question)
    for minute in range(3):
        await again.sync(slots, now=sh(11, 19, 14, minute))
    assert question.asked == 1 and phone.pending == {}
    # The person turns reminders on in Settings: Android asks once more; a second "no" is final.
    assert await again.ensure_permission() == PERMANENTLY_DENIED
    assert question.asked == 2
    assert await again.ensure_permission() == PERMANENTLY_DENIED
    assert question.asked == 2  # the OS would not show it: the screen offers the system settings
    assert await again.open_settings() and question.opened == 1
    question.current = GRANTED  # allowed there
    await again.sync(slots, now=sh(11, 19, 15))
    assert list(phone.pending) == [slots[0].id]
    saved = json.loads((tmp_path / STATE_FILE).read_text(encoding="utf-8"))
    assert saved["permission"] == {"status": GRANTED, "asked": True}


async def test_granted_in_settings_first_hands_over_at_once(tmp_path: Path, phone: PhoneOs) -> None:
    r = due_soon(1, H)
    slots = [Slot(os_id(r), r.fire_at, "任务即将到期", "正文", tid(1), (r,))]
    question = Question(DENIED, answers=(GRANTED,))
    mobile = scheduler(tmp_path, phone, question)
    assert await mobile.ensure_permission() == GRANTED
    await mobile.sync(slots, now=sh(11, 19, 12))  # launching, but nothing to ask: already granted
    assert question.asked == 1 and list(phone.pending) == [slots[0].id]
    assert await MobileScheduler(tmp_path / "x", phone).ensure_permission() == UNAVAILABLE  # nobody to ask


# --- the web, the desktop and the process ----------------------------------------------------------------


def test_only_a_packaged_phone_app_gets_an_os_scheduler(tmp_path: Path) -> None:
    import importlib.util

    import flet as ft

    def page(platform: ft.PagePlatform | None, *, web: bool = False) -> SimpleNamespace:
        return SimpleNamespace(web=web, platform=platform)

    assert mobile_scheduler(page(ft.PagePlatform.ANDROID, web=True), tmp_path, print) is None  # a phone's browser
    assert mobile_scheduler(page(ft.PagePlatform.LINUX), tmp_path, print) is None
    assert mobile_scheduler(page(None), tmp_path, print) is None
    if importlib.util.find_spec("flet_notifications") is None:  # as in every environment but `flet build`
        assert mobile_scheduler(page(ft.PagePlatform.ANDROID), tmp_path, print) is None
        assert mobile_scheduler(page(ft.PagePlatform.IOS), tmp_path, print) is None


async def test_the_app_process_hands_reminders_to_the_phones_os(cache: Store, tmp_path: Path, phone: PhoneOs) -> None:
    now = datetime.now(UTC)
    cache.apply_pull(f.page(my_task(7, due=now + 30 * H)))
    mobile = MobileScheduler(tmp_path / "device", phone)
    reminders = await DeviceReminders.start(cache, tmp_path / "device", desktop=False, os_scheduler=mobile)
    try:
        async with asyncio.timeout(10):
            while not any(slot.task_id == tid(7) for slot in phone.pending.values()):
                phone.scheduled.clear()
                await phone.scheduled.wait()
        assert reminders.runner.os_scheduler is mobile
        assert await reminders.ensure_permission() == UNAVAILABLE  # this stand-in has no question to ask
        assert not await reminders.open_notification_settings()
    finally:
        await reminders.close()
    plain = await DeviceReminders.start(cache, tmp_path / "desktop", desktop=False)
    try:
        assert await plain.ensure_permission() == UNAVAILABLE
    finally:
        await plain.close()
