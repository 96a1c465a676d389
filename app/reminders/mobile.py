"""Reminders on phones: the OS's own scheduler holds the upcoming ones, so they go off while the app is
suspended, killed or offline (a phone stops the app's Python in the background, and the runner with it).

    pure      os_id, os_slots (what to leave with the OS), reconcile (what to change there), ask_now
              (whether to ask for the notification permission now), permission_answer
    state     MobileScheduler: what was handed over and what the OS answered about the permission, in
              STATE_FILE in the data directory, so a restart neither schedules twice nor shows again
    adapter   app.reminders.flet_mobile: FletNotificationsScheduler over flet-notifications (and
              flet-permission-handler), which only `flet build apk|aab|ipa` compiles in;
              `mobile_scheduler(page, ...)` makes it there and answers None on the web and desktop

With the runner (`ReminderRunner(..., os_scheduler=...)`): after each pass it hands `os_slots(plan)` to
`MobileScheduler.sync`; before planning it claims, without showing them, the reminders of handed-over
slots whose time has passed (`MobileScheduler.shown`): the OS showed those, and the app coming back to
the foreground must not repeat them. Reminders that are due at once (a catch-up) or beyond the OS's
limit are the runner's to show, as everywhere else.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import zlib
from collections.abc import Awaitable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, tzinfo
from itertools import groupby
from pathlib import Path
from typing import Any, Protocol

from app.reminders.notifiers import MOBILE_TIMEOUT_S, MobileNotifier, MobileSend
from app.reminders.schedule import CAP, Plan, Reminder, batches, lead_key, parse_time, time_key
from app.reminders.texts import summary_of, text_of

log = logging.getLogger("keel.app.reminders")

Task = Mapping[str, Any]

# iOS keeps only an app's 64 soonest pending local notifications and drops the rest without a word.
OS_PENDING_LIMIT = 60
STATE_FILE = "os-reminders.json"
STATE_VERSION = 1
# Scheduled notifications take ids 1 .. 2^30-1, shown-at-once ones 2^30 .. 2^31-1: the same id
# replaces a notification, so neither kind may take the other's (Android ids are Java ints).
ID_SPACE = 1 << 30
ASK_TIMEOUT_S = 300.0  # the OS's question waits for the person

GRANTED, DENIED, PERMANENTLY_DENIED, UNAVAILABLE = "granted", "denied", "permanently_denied", "unavailable"


# --- what to leave with the OS (pure) --------------------------------------------------------------


def reminder_key(reminder: Reminder) -> str:
    """`Reminder.ident` spelt the same on every run (Python's hash of a tuple of str is not)."""
    covers = ",".join(str(lead_key(lead)) for lead in reminder.covers)
    day = reminder.day.isoformat() if reminder.day else ""
    return "|".join((reminder.kind, reminder.task_id or "", time_key(reminder.due_at), covers, day))


def _id_of(text: str) -> int:
    return zlib.crc32(text.encode()) % (ID_SPACE - 1) + 1


def os_id(reminder: Reminder) -> int:
    """The OS notification id of `reminder`: the same while its moment moves (quiet hours), never 0."""
    return _id_of(reminder_key(reminder))


@dataclass(frozen=True)
class Slot:
    """One notification left with the OS: at `fire_at` it shows `title` and `body`; a tap opens
    `task_id` (None: the inbox). `reminders` are what it stands for, claimed once it has gone off."""

    id: int
    fire_at: datetime
    title: str
    body: str
    task_id: str | None
    reminders: tuple[Reminder, ...]
    zone: str | None = None  # the IANA zone the person reads times in, when known


def notification_of(
    batch: Sequence[Reminder], tasks: Mapping[str, Task], *, at: datetime, zone: tzinfo
) -> tuple[str, str, str | None]:
    """(title, body, task to open) of one notification for `batch` shown at `at`, worded as the
    runner words it: one reminder's own text, or a summary of several "due soon" ones."""
    single: tuple[str | None, ...]
    if len(batch) == 1:
        title, body = text_of(batch[0], tasks, now=at, zone=zone)
        single = batch[0].tasks if batch[0].kind == "overdue_digest" else (batch[0].task_id,)
    else:
        title, body = summary_of(batch, tasks)
        single = tuple({r.task_id for r in batch})
    return title, body, single[0] if len(single) == 1 else None


def os_slots(
    current: Plan, tasks: Mapping[str, Task], *, zone: tzinfo, limit: int = OS_PENDING_LIMIT, cap: int = CAP
) -> list[Slot]:
    """The notifications to leave with the OS: `current`'s upcoming reminders, soonest first, at most
    `limit`. Each says what the runner would show at that moment (`text_of` then, in `zone`); more than
    `cap` "due soon" ones at one moment become one summary, as `batches` shows them when they are due.
    Later reminders follow as the earlier ones go off (each pass hands over the soonest again)."""
    groups: list[list[Reminder]] = []
    for _, same in groupby(current.upcoming, key=lambda r: r.fire_at):
        groups += batches(list(same), cap)
        if len(groups) >= limit:
            break
    name = getattr(zone, "key", None)  # a ZoneInfo's IANA name; a fixed offset has none
    slots: list[Slot] = []
    used: set[int] = set()
    for group in groups[:limit]:
        title, body, task_id = notification_of(group, tasks, at=group[0].fire_at, zone=zone)
        slot_id = _id_of("+".join(reminder_key(r) for r in group))
        while slot_id in used:  # two keys on one crc: the later takes the next free id
            slot_id = slot_id % (ID_SPACE - 1) + 1
        used.add(slot_id)
        slots.append(Slot(slot_id, group[0].fire_at, title, body, task_id, tuple(group), name))
    return slots


def reconcile(wanted: Iterable[Slot], scheduled: Iterable[Slot]) -> tuple[list[int], list[Slot]]:
    """What to change so that the OS holds `wanted`: the ids to cancel (no longer wanted, or changed)
    and the slots to schedule (new, or changed); what the OS already holds as wanted is left alone."""
    want = {slot.id: slot for slot in wanted}
    have = {slot.id: slot for slot in scheduled}
    cancel = sorted(slot_id for slot_id, slot in have.items() if want.get(slot_id) != slot)
    return cancel, [slot for slot in want.values() if have.get(slot.id) != slot]


# --- asking for the permission (pure) ---------------------------------------------------------------


@dataclass(frozen=True)
class PermissionState:
    """status: what the OS last said (GRANTED, DENIED, PERMANENTLY_DENIED, UNAVAILABLE; None: never
    looked). asked: the app has put the OS's question to the person before (on this install)."""

    status: str | None = None
    asked: bool = False


def ask_now(state: PermissionState, *, wanted: int, launching: bool, explicit: bool = False) -> bool:
    """Whether to put the OS's notification question to the person now.

    Never once granted, nor when permanently denied (the OS would not show it; the settings screen
    offers the system settings instead). When the person turns reminders on in Settings (`explicit`):
    yes. Otherwise only when there is something to hand to the OS (`wanted`), never on the first such
    pass of a launch (nor during a sign-in's first sync: the runner holds still then), and only if the
    app never asked before: a denial is remembered, so the app does not ask again on every start.
    """
    if state.status in (GRANTED, PERMANENTLY_DENIED):
        return False
    if explicit:
        return True
    return not state.asked and wanted > 0 and not launching


def permission_answer(status: object) -> str:
    """flet-permission-handler's PermissionStatus (or its value) as GRANTED, DENIED, ... ."""
    value = getattr(status, "value", status)
    if value in ("granted", "limited", "provisional"):  # provisional: quietly, in the notification centre
        return GRANTED
    if value == "denied":
        return DENIED
    if value in ("permanentlyDenied", "restricted"):
        return PERMANENTLY_DENIED
    return UNAVAILABLE


# --- what was handed over ---------------------------------------------------------------------------


class OsScheduler(Protocol):
    async def schedule(self, slot: Slot) -> None: ...

    async def cancel(self, id: int) -> None: ...


class OsPermission(Protocol):
    async def status(self) -> str: ...  # without asking

    async def request(self) -> str: ...  # the OS's question, where it still asks

    async def open_settings(self) -> bool: ...


class MobileScheduler:
    """Leaves the upcoming reminders with the phone's OS (`sync`), and remembers in STATE_FILE what it
    left there and what the OS said about the notification permission.

    Without `permission` (tests, a platform that does not ask) handing over is always allowed. `send`
    shows a reminder at once (the runner's catch-ups), through `notifier`.
    """

    def __init__(
        self,
        data_dir: str | Path,
        os_scheduler: OsScheduler,
        *,
        permission: OsPermission | None = None,
        send: MobileSend | None = None,
        timeout: float = MOBILE_TIMEOUT_S,
    ) -> None:
        self.path = Path(data_dir) / STATE_FILE
        self.os = os_scheduler
        self.permission = permission
        self.notifier = MobileNotifier(send, timeout=timeout)
        self.timeout = timeout
        self._handed, self._permission = self._load()
        self._armed = False  # a pass of this process has had something to hand over

    @property
    def handed(self) -> Mapping[int, Slot]:
        return dict(self._handed)

    @property
    def permission_state(self) -> PermissionState:
        return self._permission

    def shown(self, *, now: datetime) -> list[tuple[Reminder, datetime]]:
        """The reminders of handed-over slots whose time has come, with that time: the OS showed them."""
        return [(r, slot.fire_at) for slot in self._handed.values() if slot.fire_at <= now for r in slot.reminders]

    async def sync(self, wanted: Sequence[Slot], *, now: datetime) -> None:
        """Makes the OS hold `wanted` (soonest first, within its limit), asking for the permission the
        first time there is something to hold. Slots whose time has passed went off: they are forgotten,
        never cancelled (on Android a cancel also takes a shown notification off the screen)."""
        wanted = list(wanted)
        launching = bool(wanted) and not self._armed
        self._armed = self._armed or bool(wanted)
        before = dict(self._handed)
        self._handed = {slot_id: slot for slot_id, slot in self._handed.items() if slot.fire_at > now}
        if wanted and not await self._permitted(wanted=len(wanted), launching=launching):
            wanted = []  # the OS would not show them: the runner shows them itself while the app runs
        cancel, add = reconcile(wanted, self._handed.values())
        try:
            for slot_id in cancel:
                if (await self._call(self.os.cancel(slot_id), "cancelling a reminder"))[0]:
                    del self._handed[slot_id]
            for slot in add:
                if slot.id in self._handed:
                    continue  # its old version could not be cancelled: next pass
                if (await self._call(self.os.schedule(slot), "scheduling a reminder"))[0]:
                    self._handed[slot.id] = slot
        finally:
            if self._handed != before:
                self._save()

    async def ensure_permission(self) -> str:
        """For the settings screen when the person turns reminders on: asks the OS unless it already
        answered for good. GRANTED, DENIED, PERMANENTLY_DENIED (offer `open_settings`) or UNAVAILABLE."""
        return (await self._decide(wanted=0, launching=False, explicit=True)).status or UNAVAILABLE

    async def open_settings(self) -> bool:
        """Opens the app's page in the system settings (where a permanent denial can be undone)."""
        if self.permission is None:
            return False
        done, opened = await self._call(self.permission.open_settings(), "opening the system settings")
        return done and bool(opened)

    async def _permitted(self, *, wanted: int, launching: bool) -> bool:
        if self.permission is None:
            return True
        return (await self._decide(wanted=wanted, launching=launching)).status == GRANTED

    async def _decide(self, *, wanted: int, launching: bool, explicit: bool = False) -> PermissionState:
        """Looks at the permission again (the person may have changed it in the system settings): at
        launch, from Settings, and while it is not granted; then asks when `ask_now` says so."""
        if self.permission is None:
            return PermissionState(UNAVAILABLE)
        state = self._permission
        if launching or explicit or state.status != GRANTED:
            state = replace(state, status=await self._answer(self.permission.status(), self.timeout))
        if ask_now(state, wanted=wanted, launching=launching, explicit=explicit):
            status = await self._answer(self.permission.request(), ASK_TIMEOUT_S)
            state = PermissionState(status, asked=state.asked or status != UNAVAILABLE)
        if state != self._permission:
            self._permission = state
            self._save()
        return state

    async def _answer(self, call: Awaitable[str], timeout: float) -> str:
        _, answer = await self._call(call, "asking about the notification permission", timeout)
        return answer if answer in (GRANTED, DENIED, PERMANENTLY_DENIED) else UNAVAILABLE

    async def _call(self, call: Awaitable[Any], what: str, timeout: float | None = None) -> tuple[bool, Any]:
        """(whether the OS did it, its answer); a failure or no answer in time is logged."""
        try:
            async with asyncio.timeout(timeout or self.timeout):  # not wait_for: on 3.11 it can swallow a cancel
                return True, await call
        except Exception:
            log.warning("%s failed", what, exc_info=True)
            return False, None

    # --- the file ------------------------------------------------------------------------------------

    def _load(self) -> tuple[dict[int, Slot], PermissionState]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            slots = [_slot_from(item) for item in data["slots"]]
            permission = PermissionState(data["permission"]["status"], bool(data["permission"]["asked"]))
        except FileNotFoundError:
            return {}, PermissionState()
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("%s is unreadable (%s): starting afresh", self.path, exc)
            return {}, PermissionState()
        return {slot.id: slot for slot in slots}, permission

    def _save(self) -> None:
        data = {
            "version": STATE_VERSION,
            "permission": {"status": self._permission.status, "asked": self._permission.asked},
            "slots": [_slot_json(slot) for slot in self._handed.values()],
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_name(self.path.name + ".partial")
        partial.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(partial, self.path)  # a crash leaves the old file or the new one, never half of one


def _slot_json(slot: Slot) -> dict[str, Any]:
    return {
        "id": slot.id,
        "fire_at": time_key(slot.fire_at),
        "title": slot.title,
        "body": slot.body,
        "task_id": slot.task_id,
        "zone": slot.zone,
        "reminders": [_reminder_json(r) for r in slot.reminders],
    }


def _reminder_json(reminder: Reminder) -> dict[str, Any]:
    return {
        "kind": reminder.kind,
        "task_id": reminder.task_id,
        "due_at": time_key(reminder.due_at),
        "lead_s": lead_key(reminder.lead) if reminder.lead is not None else None,
        "fire_at": time_key(reminder.fire_at),
        "covers_s": [lead_key(lead) for lead in reminder.covers],
        "tasks": list(reminder.tasks),
        "day": reminder.day.isoformat() if reminder.day else None,
    }


def _moment(value: object) -> datetime:
    moment = parse_time(value)
    if moment is None:
        raise ValueError(f"not a time: {value!r}")
    return moment


def _slot_from(item: dict[str, Any]) -> Slot:
    reminders = tuple(
        Reminder(
            r["task_id"],
            _moment(r["due_at"]),
            None if r["lead_s"] is None else timedelta(seconds=int(r["lead_s"])),
            _moment(r["fire_at"]),
            str(r["kind"]),
            covers=tuple(timedelta(seconds=int(s)) for s in r["covers_s"]),
            tasks=tuple(r["tasks"]),
            day=datetime.fromisoformat(r["day"]).date() if r["day"] else None,
        )
        for r in item["reminders"]
    )
    return Slot(
        int(item["id"]), _moment(item["fire_at"]), item["title"], item["body"], item["task_id"], reminders, item["zone"]
    )
