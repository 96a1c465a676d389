"""`notification_pref.update`: a person changes their own notification preferences (Keel's extension)."""

from __future__ import annotations

from typing import Any

from server.errors import MutationRejected
from server.mutations.context import Ctx
from server.notification_prefs import NotificationPrefs, prefs_table
from sync import protocol as p
from sync.rules import known_zone, merged_muted


def _invalid(loc: list[str], kind: str, message: str) -> MutationRejected:
    return MutationRejected("validation_error", message, [{"loc": loc, "type": kind, "message": message}])


def _set_fields(a: p.NotificationPrefSet) -> dict[str, Any]:
    """The fields `set` names (only those change), checked one by one."""
    fields = {name: getattr(a, name) for name in a.model_fields_set}
    for name in ("kinds", "due_soon_leads"):
        if name in fields and fields[name] is None:
            raise _invalid(["set", name], "value_error", f"{name} cannot be null; give a value.")
    zone = fields.get("time_zone")
    if zone is not None and not known_zone(zone):
        raise _invalid(["set", "time_zone"], "value_error", f"{zone!r} is not a known IANA time zone.")
    return fields


def _check_quiet_hours(prefs: NotificationPrefs) -> None:
    start, end = prefs.quiet_start, prefs.quiet_end
    if (start is None) != (end is None):
        missing = "quiet_start" if start is None else "quiet_end"
        raise _invalid(["set", missing], "missing", "quiet_start and quiet_end go together: both times, or both null.")
    if start is not None and start == end:
        raise _invalid(["set", "quiet_end"], "value_error", "Quiet hours must end at another time than they start.")


def _muted(ctx: Ctx, old: NotificationPrefs, a: p.NotificationPrefUpdate) -> list[str]:
    """Removals first, then additions, so a project in both ends up muted (as labels do on tasks)."""
    adding = list(dict.fromkeys(str(pid) for pid in a.mute_add))
    for project_id in adding:
        # Any role, archived or not; unknown and invisible projects answer alike.
        ctx.project_for(project_id, "viewer", allow_archived=True)
    muted = merged_muted(old.muted_projects, adding, (str(pid) for pid in a.mute_remove))
    if len(muted) > p.MAX_MUTED_PROJECTS:
        raise _invalid(["mute_add"], "too_long", f"At most {p.MAX_MUTED_PROJECTS} projects can be muted.")
    return muted


def notification_pref_update(ctx: Ctx, a: p.NotificationPrefUpdate) -> None:
    pref_id = p.notification_pref_id(ctx.actor)
    old_row = ctx.get(prefs_table, pref_id)
    old = NotificationPrefs.from_row(old_row) if old_row else NotificationPrefs.defaults(ctx.actor)
    fields = _set_fields(a.set)
    new = old.changed(muted_projects=_muted(ctx, old, a), **fields)
    _check_quiet_hours(new)
    if new == old:
        return  # nothing changes: no write, no seq (and no row for someone who keeps the defaults)
    columns = {**new.columns(), "updated_at": ctx.now}
    if old_row is None:
        ctx.insert("notification_pref", prefs_table, {"id": pref_id, **columns})
    else:
        ctx.update("notification_pref", prefs_table, old_row, columns)
