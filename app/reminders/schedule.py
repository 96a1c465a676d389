"""When each reminder goes off: pure functions of the cached tasks, the person's settings, what already
went out (`History`, read from the log) and `now`. No clock, no I/O: the runner asks, then acts.

The rules, in one place:

- Only my tasks remind: assigned to me, with a due time, not in a `done` status (deleted ones are
  not in the cache). Unassigned tasks and other people's never do, nor tasks of a project the
  person muted; with the `due_soon` kind switched off no "due soon" reminder goes off, with
  `overdue` off no digest (the synced notification preferences, `settings_from_prefs`).
- "Due soon" goes off `lead` before the due time, for each lead in the settings, in real time: a
  24 h lead across a daylight-saving change is 24 real hours, not "the same wall-clock time".
- Once per (task, due time, lead): changing the due time re-arms every lead; a due time seen before
  never reminds again for a lead that already went out (the log survives restarts).
- Leads whose moment passed while the app was not running go out at once as one catch-up reminder,
  as long as the task is not due yet; after that the overdue digest speaks for the task.
- Quiet hours hold a reminder until they end (never drop it): one that falls inside goes off at the
  end, even when that is after the due time (it then says when the task was due).
- The overdue digest goes off once a local day at the chosen time, listing my tasks that were
  overdue at that time. A digest missed while the app was closed goes out late on its own day, outside
  quiet hours; otherwise the next day's takes over.
- A snooze replaces the reminder it snoozes and every lead that would go off before it; it goes off
  whatever the due time (the person asked for it), quiet hours still applying.
- Deduplication with the server. Its `due_soon` row names the task but not the due time: it is
  taken to be about the task's cached due time when it was made in [due - server lead - MATCH,
  due + MATCH) (the server makes it in [due - lead, due); outside that it was about an earlier due
  time). Then, both ways, keyed by (task, due time):
  server first: it counts as the local reminder of every lead whose moment had come when the server
  made it (`server_covers`), so the local 24 h one does not go off; a shorter lead (1 h) still does.
  device first: the app does not announce the server's row when a local reminder for that due time
  went out no earlier than MATCH before the server's own moment (due - server lead, or when it made
  the row if that was earlier): `ReminderRunner.repeats_local(row)`.
  With the default 24 h on both sides, whichever of the two comes first is the only one shown.
  The server's `overdue` is not deduplicated: it is a one-off event, the digest a daily list.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from app.reminders.settings import ReminderSettings

Task = Mapping[str, Any]

KINDS = ("due_soon", "overdue_digest", "snoozed")
# A reminder whose time came less than this long ago is "on time" (the runner wakes a little late,
# a laptop wakes from sleep); later than that it was missed while the app was not running.
LATE = timedelta(hours=1)
# The server's reminder and a local one at the same moment are the same reminder: the server looks
# every minute (`reminder_interval_s`) and either clock may be a few minutes off.
MATCH = timedelta(minutes=15)
SERVER_LEAD = timedelta(hours=24)  # the server's KEEL_DUE_SOON_LEAD_S default
CAP = 3  # "due soon" reminders due at once beyond this become one summary (a first sync brings many)


@dataclass(frozen=True)
class Reminder:
    """One reminder to show at `fire_at` (UTC).

    task_id/due_at: the task and the due time it is about; for the digest task_id is None, due_at is
        the digest's slot (that day's digest time) and `tasks` lists the overdue tasks, most overdue first.
    lead: the lead time of a "due soon" reminder (the shortest, when it stands for several).
    covers: the leads it stands for, recorded as fired when it goes out (a catch-up stands for every
        lead it caught up on; a snooze for every lead it put off).
    day: the digest's local date (the log keeps one digest a day).
    """

    task_id: str | None
    due_at: datetime
    lead: timedelta | None
    fire_at: datetime
    kind: str
    covers: tuple[timedelta, ...] = ()
    tasks: tuple[str, ...] = ()
    day: date | None = None

    @property
    def ident(self) -> tuple[object, ...]:
        """What stays the same for one reminder while its `fire_at` moves (quiet hours)."""
        return (self.kind, self.task_id, time_key(self.due_at), self.covers, self.day)


@dataclass(frozen=True)
class History:
    """What the log knows, as plain values.

    fired: (task_id, due_at key, lead seconds) of leads that went out on this device.
    snoozes: (task_id, due_at key) -> until, for snoozes still to go off.
    digests: local dates (ISO) whose digest went out.
    server: (task_id, due_at key) -> when the server made its `due_soon` for that due time.
    """

    fired: frozenset[tuple[str, str, int]] = frozenset()
    snoozes: Mapping[tuple[str, str], datetime] = field(default_factory=dict)
    digests: frozenset[str] = frozenset()
    server: Mapping[tuple[str, str], datetime] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    """Every armed reminder, soonest first, as seen at `now`."""

    now: datetime
    reminders: tuple[Reminder, ...]

    @property
    def due(self) -> tuple[Reminder, ...]:
        return tuple(r for r in self.reminders if r.fire_at <= self.now)

    @property
    def upcoming(self) -> tuple[Reminder, ...]:
        return tuple(r for r in self.reminders if r.fire_at > self.now)

    @property
    def next_at(self) -> datetime | None:
        return min((r.fire_at for r in self.upcoming), default=None)


# --- times ---------------------------------------------------------------------------------------


def aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: give every time with its zone")
    return moment.astimezone(UTC)


def parse_time(value: object) -> datetime | None:
    """A stored time as aware UTC (a time without offset is UTC, as the protocol says)."""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, str) and value:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def time_key(moment: datetime) -> str:
    """One spelling per instant ('2026-03-08T14:00:00.000000Z'), so the log's keys compare."""
    return aware(moment).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def lead_key(lead: timedelta) -> int:
    return int(lead.total_seconds())


def local_at(day: date, at: time, zone: tzinfo, *, fold: int = 0) -> datetime:
    """The instant (UTC) the clocks in `zone` show `at` on `day`. In a spring-forward gap that is the
    time as read with the offset before the change (02:30 that does not exist becomes 03:30); in a
    fall-back hour, the first of the two (fold=1: the second)."""
    return datetime.combine(day, at.replace(fold=fold), tzinfo=zone).astimezone(UTC)


def quiet_end(moment: datetime, settings: ReminderSettings, zone: tzinfo) -> datetime | None:
    """When the quiet hours that `moment` falls in end; None when it falls outside them."""
    if settings.quiet is None:
        return None
    start, end = settings.quiet
    if start == end:
        return None
    local = aware(moment).astimezone(zone)
    wall, today = local.time().replace(tzinfo=None, fold=0), local.date()
    if start < end:
        inside, end_day = start <= wall < end, today
    else:  # crosses midnight: 22:00-08:00
        inside, end_day = wall >= start or wall < end, today + timedelta(days=1) if wall >= start else today
    if not inside:
        return None
    for fold in (0, 1):  # the second pass through a fall-back hour ends at the second `end`
        finish = local_at(end_day, end, zone, fold=fold)
        if finish > moment:
            return finish
    return None


def defer(moment: datetime, settings: ReminderSettings, zone: tzinfo) -> datetime:
    """`moment`, or the end of the quiet hours it falls in."""
    return quiet_end(moment, settings, zone) or aware(moment)


def held(fire_at: datetime, now: datetime, settings: ReminderSettings, zone: tzinfo) -> datetime:
    """When a reminder due at `fire_at` really goes off: then, or (its time has come and now is
    quiet) at the end of these quiet hours."""
    if fire_at > now:
        return fire_at
    return quiet_end(now, settings, zone) or fire_at


# --- whose tasks ---------------------------------------------------------------------------------


def reminds(task: Task, user_id: str | None) -> bool:
    """Whether `task` reminds `user_id` at all: assigned to them, due some time, not done, not deleted."""
    return (
        user_id is not None
        and task.get("assignee_id") == user_id
        and task.get("status_category") != "done"
        and not task.get("deleted")
        and parse_time(task.get("due_at")) is not None
    )


# --- the plan ------------------------------------------------------------------------------------


def plan(
    tasks: Iterable[Task],
    *,
    user_id: str | None,
    settings: ReminderSettings,
    history: History,
    now: datetime,
    zone: tzinfo | None = None,
    server_lead: timedelta = SERVER_LEAD,
) -> Plan:
    """The reminders armed at `now` for `user_id`'s tasks.

    `tasks` are task rows with `id`, `due_at` (ISO, UTC), `assignee_id` and `status_category`
    (the category of the task's status: 'todo', 'doing' or 'done'); `zone` overrides the settings';
    `server_lead` is how long before a due time the server makes its `due_soon` for this person.
    """
    now = aware(now)
    if not settings.enabled or user_id is None:
        return Plan(now, ())
    zone = zone or settings.tz()
    mine = [task for task in tasks if reminds(task, user_id) and str(task.get("project_id")) not in settings.muted]
    out: list[Reminder] = []
    for task in mine if settings.due_soon else ():
        out += due_soon(task, settings=settings, history=history, now=now, zone=zone, server_lead=server_lead)
    digest = overdue_digest(mine, settings=settings, history=history, now=now, zone=zone)
    if digest is not None:
        out.append(digest)
    out.sort(key=lambda r: (r.fire_at, KINDS.index(r.kind), r.task_id or ""))
    return Plan(now, tuple(out))


def server_covers(
    created_at: datetime, due_at: datetime, leads: Iterable[timedelta], *, server_lead: timedelta = SERVER_LEAD
) -> tuple[timedelta, ...] | None:
    """The leads that the server's `due_soon` made at `created_at` stands for, or None when it cannot
    be about `due_at` (the server makes it in [due - server_lead, due); one made outside that, with
    MATCH to spare for clocks, was about an earlier due time of the task).

    It stands for every lead whose moment had come when the server made it: those are the same
    reminder (with 24 h on both sides, exactly the local 24 h one). A shorter lead, whose moment is
    still ahead, is a reminder the server does not give, and still goes off.
    """
    created_at, due_at = aware(created_at), aware(due_at)
    if not (due_at - server_lead - MATCH <= created_at < due_at + MATCH):
        return None
    return tuple(lead for lead in leads if due_at - lead <= created_at + MATCH)


def due_soon(
    task: Task,
    *,
    settings: ReminderSettings,
    history: History,
    now: datetime,
    zone: tzinfo,
    server_lead: timedelta = SERVER_LEAD,
) -> list[Reminder]:
    """The "due soon" (and snoozed) reminders of one of my tasks."""
    due = parse_time(task.get("due_at"))
    if due is None:
        return []
    task_id, key = str(task["id"]), time_key(due)
    covered: tuple[timedelta, ...] = ()
    if (task_id, key) in history.server:
        covered = server_covers(history.server[(task_id, key)], due, settings.leads, server_lead=server_lead) or ()
    pending = [
        lead for lead in settings.leads if (task_id, key, lead_key(lead)) not in history.fired and lead not in covered
    ]
    out: list[Reminder] = []
    until = history.snoozes.get((task_id, key))
    if until is not None:
        snooze_at = defer(until, settings, zone)
        put_off = tuple(lead for lead in pending if defer(due - lead, settings, zone) <= snooze_at)
        pending = [lead for lead in pending if lead not in put_off]
        fire = held(snooze_at, now, settings, zone)
        out.append(Reminder(task_id, due, None, fire, "snoozed", covers=put_off))
    groups: dict[datetime, list[timedelta]] = {}  # leads that go off at one time: one reminder
    missed: list[timedelta] = []
    for lead in pending:
        fire = defer(due - lead, settings, zone)
        if fire > now:
            groups.setdefault(fire, []).append(lead)
        elif now < due or now < fire + LATE:
            missed.append(lead)
        # else: missed, and the task is due now: the digest speaks for it
    if missed:  # caught up on at once, or (quiet now) with whatever else goes off when they end
        fire = held(max(defer(due - lead, settings, zone) for lead in missed), now, settings, zone)
        groups.setdefault(fire, []).extend(missed)
    for fire, leads in sorted(groups.items()):
        covers = tuple(sorted(leads, reverse=True))
        out.append(Reminder(task_id, due, covers[-1], fire, "due_soon", covers=covers))
    return out


def digest_slots(now: datetime, at: time, zone: tzinfo) -> tuple[datetime, datetime]:
    """The last digest time at or before `now` and the next one after it (UTC), at `at` local."""
    today = aware(now).astimezone(zone).date()
    slot = local_at(today, at, zone)
    if slot <= now:
        return slot, local_at(today + timedelta(days=1), at, zone)
    return local_at(today - timedelta(days=1), at, zone), slot


def overdue_digest(
    mine: Iterable[Task], *, settings: ReminderSettings, history: History, now: datetime, zone: tzinfo
) -> Reminder | None:
    """The next daily digest of my overdue tasks, or None (off, or nothing would be overdue)."""
    if settings.digest_at is None:
        return None
    dues = sorted(
        ((due, str(task["id"])) for task in mine if (due := parse_time(task.get("due_at"))) is not None),
    )
    for slot in digest_slots(now, settings.digest_at, zone):
        day = slot.astimezone(zone).date()
        if day.isoformat() in history.digests:
            continue
        overdue = tuple(task_id for due, task_id in dues if due <= slot)
        if not overdue:
            continue
        fire = defer(slot, settings, zone)
        if fire + LATE <= now and (now.astimezone(zone).date() != day or quiet_end(now, settings, zone)):
            continue  # missed while the app was closed, and too late now: the next day's takes over
        return Reminder(None, slot, None, held(fire, now, settings, zone), "overdue_digest", tasks=overdue, day=day)
    return None


# --- snoozing ------------------------------------------------------------------------------------

SNOOZE_CHOICES = ("hour", "tomorrow")


def snooze_until(
    choice: str | datetime, *, now: datetime, settings: ReminderSettings, zone: tzinfo | None = None
) -> datetime:
    """When a snooze ends: 'hour' (an hour from now), 'tomorrow' (tomorrow at the settings' morning
    time, local), or a time the person picked (aware, in the future). Quiet hours still apply when
    it goes off."""
    now = aware(now)
    if isinstance(choice, datetime):
        until = aware(choice)
        if until <= now:
            raise ValueError("a snooze ends in the future")
        return until
    if choice == "hour":
        return now + timedelta(hours=1)
    if choice == "tomorrow":
        zone = zone or settings.tz()
        return local_at(now.astimezone(zone).date() + timedelta(days=1), settings.morning, zone)
    raise ValueError(f"unknown snooze {choice!r}; choose one of {', '.join(SNOOZE_CHOICES)} or a time")


def batches(due: Sequence[Reminder], cap: int = CAP) -> list[list[Reminder]]:
    """How due reminders are shown: each on its own, but more than `cap` "due soon" ones at once
    become one summary. A digest is always its own."""
    digests = [[r] for r in due if r.kind == "overdue_digest"]
    others = [r for r in due if r.kind != "overdue_digest"]
    if len(others) > cap:
        return [*digests, others]
    return [*digests, *([r] for r in others)]
