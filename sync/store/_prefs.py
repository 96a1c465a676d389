"""Notification preferences (Keel's `notification_pref` extension): the defaults of a user without a
row, the server's merge rules for `notification_pref.update`, and the rules of its args that the
protocol model cannot express (so the store refuses them before they reach the outbox).
"""

from __future__ import annotations

from sync.protocol import DEFAULT_DIGEST_AT, DEFAULT_LEADS_MIN, NOTIFICATION_KINDS, notification_pref_id
from sync.rules import every_kind, known_zone, merged_kinds, merged_muted, sorted_leads, zone_names
from sync.store._rows import Row

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
