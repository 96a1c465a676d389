"""My notifications and my notification preferences (Keel's `notification_pref` extension): the
optimistic applies of `notification.read` and `notification_pref.update`, the defaults of a user
without a preferences row, the server's merge rules, the rules of the update's args that the
protocol model cannot express (so the store refuses them before they reach the outbox), and the
queries and actions of both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from sync.rules import every_kind, known_zone, merged_kinds, merged_muted, sorted_leads, zone_names
from sync.store._family import Apply, Check, Ctx, Family
from sync.store._rows import Row
from sync.wire import (
    DEFAULT_DIGEST_AT,
    DEFAULT_LEADS_MIN,
    MAX_MUTED_PROJECTS,
    NOTIFICATION_KINDS,
    member_id,
    notification_pref_id,
)

_TIMES = ("quiet_start", "quiet_end", "time_zone", "digest_at")  # `set` fields that are copied as they are


def default_prefs(user_id: str) -> Row:
    """The row a user without one has (the server makes none until a change): every kind on, nothing
    muted, no quiet hours, the server's zone, reminders 24 h and 1 h ahead, the digest at 09:00."""
    return {
        "id": notification_pref_id(user_id),
        "seq": None,
        "user_id": user_id,
        "kinds": dict.fromkeys(NOTIFICATION_KINDS, True),
        "muted_projects": [],
        "quiet_start": None,
        "quiet_end": None,
        "time_zone": None,
        "due_soon_leads": list(DEFAULT_LEADS_MIN),
        "digest_at": DEFAULT_DIGEST_AT,
        "updated_at": None,
    }


def merged(row: Row, args: Row) -> Row:
    """`row` after a (validated) `notification_pref.update`, as the server stores it: only the fields
    in `set` change, `kinds` merges kind by kind and holds every kind, muted projects are removed
    then added (a project in both ends up muted) and kept sorted, leads sorted longest first."""
    values = args.get("set") or {}
    out = {**row, **{name: values[name] for name in _TIMES if name in values}}
    out["kinds"] = merged_kinds(row["kinds"], values.get("kinds"))
    if values.get("due_soon_leads"):
        out["due_soon_leads"] = sorted_leads(values["due_soon_leads"])
    add, remove = args.get("mute_add") or (), args.get("mute_remove") or ()
    out["muted_projects"] = merged_muted(row["muted_projects"], map(str, add), map(str, remove))
    return out


def effective(row: Row | None, user_id: str | None) -> Row:
    """What applies to the user: their row (or the defaults), with every kind present."""
    prefs = default_prefs(user_id or "") if row is None else dict(row)
    if user_id is None:
        prefs["id"] = prefs["user_id"] = None
    prefs["kinds"] = every_kind(prefs.get("kinds"))
    prefs["pending"] = bool(prefs.get("pending", False))
    return prefs


def update_problem(args: Row) -> str | None:
    """Why the server would refuse these (model-valid) args, or None. One rule is the protocol's
    rather than the server's (which checks the resulting row): quiet_start and quiet_end are set
    together, so half a window set on one device never meets a clear made on another."""
    values = args.get("set") or {}
    if ("quiet_start" in values) != ("quiet_end" in values):
        return "quiet_start and quiet_end are set together"
    start, end = values.get("quiet_start"), values.get("quiet_end")
    if (start is None) != (end is None):
        return "quiet_start and quiet_end are both times or both null"
    if start is not None and start == end:
        return "quiet hours must start and end at different times"
    for name in ("kinds", "due_soon_leads"):
        if name in values and values[name] is None:
            return f"{name} cannot be null"
    zone = values.get("time_zone")
    # A device without a zone database accepts any name (the server decides).
    if zone is not None and zone_names() and not known_zone(zone):
        return f"unknown time zone {zone!r}"
    return None


def _notification_read(c: Ctx, a: Row) -> None:
    if a.get("all"):
        c.read_range("unread", c.me)
        rows = c.conn.execute("SELECT id FROM notification WHERE user_id = ? AND read_at IS NULL", (c.me,)).fetchall()
        ids = [r["id"] for r in rows]
    else:
        ids = [str(a["id"])] if a.get("id") else []
    for row_id in ids:
        row = c.get("notification", row_id)
        if row is not None and row["read_at"] is None and row["user_id"] == c.me:
            c.put("notification", {**row, "read_at": c.now})


def _notification_pref_update(c: Ctx, a: Row) -> None:
    # The server rejects the whole update (not_found) when a project to mute is not one of ours.
    if any(c.get("member", member_id(pid, c.me)) is None for pid in a.get("mute_add") or ()):
        return
    old = c.get("notification_pref", notification_pref_id(c.me)) or default_prefs(c.me)
    new = merged(old, a)
    # Like the server: no write when nothing changes (so no row for someone keeping the defaults),
    # and a rejection when more projects would be muted than allowed.
    if new == old or len(new["muted_projects"]) > MAX_MUTED_PROJECTS:
        return
    c.put("notification_pref", {**new, "updated_at": c.now})


class Notifications(Family):
    APPLY: ClassVar[Mapping[str, Apply]] = {
        "notification.read": _notification_read,
        "notification_pref.update": _notification_pref_update,
    }
    CHECKS: ClassVar[Mapping[str, Check]] = {"notification_pref.update": update_problem}

    # --- queries ----------------------------------------------------------------------------

    def unread_count(self) -> int:
        row = self.conn.execute(
            "SELECT count(*) FROM notification WHERE read_at IS NULL "
            "AND user_id = (SELECT value FROM meta WHERE key = 'user_id')"
        ).fetchone()
        return int(row[0])

    def notifications(self, *, unread_only: bool = False, limit: int = 100) -> list[Row]:
        """My notifications, newest first."""
        unread = " AND read_at IS NULL" if unread_only else ""
        return self._rows(
            "notification",
            "SELECT * FROM notification WHERE user_id = (SELECT value FROM meta WHERE key = 'user_id')"
            f"{unread} ORDER BY created_at DESC, id DESC LIMIT ?",
            (limit,),
        )

    def notification_comment(self, note: Row) -> Row | None:
        """The comment a `mentioned` or `commented` notification is about: its actor's comment on the
        task written (or edited) in the same server transaction, one that mentions me first for a
        mention, else their latest one before it."""
        if not note.get("task_id") or not note.get("actor_id"):
            return None
        at, me = note["created_at"], f'"{note["user_id"]}"'
        return self._row(
            "comment",
            "SELECT * FROM comment WHERE task_id = ? AND author_id = ? AND created_at <= ? "
            "ORDER BY (created_at = ? OR edited_at = ?) DESC, (? AND instr(mentions, ?) > 0) DESC, "
            "created_at DESC, id DESC LIMIT 1",
            (note["task_id"], note["actor_id"], at, at, at, note["kind"] == "mentioned", me),
        )

    def notification_prefs(self) -> Row:
        """My notification preferences as they apply now (pending changes included): my row, or the
        defaults when I have none (`seq` and `updated_at` None); `kinds` always holds every kind."""
        me = self.conn.execute("SELECT value FROM meta WHERE key = 'user_id'").fetchone()
        user_id = None if me is None or me[0] is None else str(me[0])
        row = self._row("notification_pref", "SELECT * FROM notification_pref WHERE user_id = ?", (user_id,))
        return effective(row, user_id)

    # --- actions ----------------------------------------------------------------------------

    def read_notification(self, notification_id: str) -> None:
        self.mutate("notification.read", {"id": notification_id})

    def read_all_notifications(self) -> None:
        self.mutate("notification.read", {"all": True})

    def update_notification_prefs(
        self, set: Mapping[str, Any] | None = None, *, mute_add: Iterable[str] = (), mute_remove: Iterable[str] = ()
    ) -> None:
        """Changes my notification preferences: the fields in `set` (kinds, quiet_start and quiet_end
        together, time_zone, due_soon_leads, digest_at; `kinds` merges kind by kind), and mutes or
        unmutes projects by id. Raises InvalidMutation for args the server would refuse."""
        args: dict[str, Any] = {}
        if set:
            args["set"] = dict(set)
        for name, ids in (("mute_add", list(mute_add)), ("mute_remove", list(mute_remove))):
            if ids:
                args[name] = ids
        self.mutate("notification_pref.update", args)
