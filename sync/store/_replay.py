"""Rebuilding the view: reset rows to the server's base, replay pending mutations on top, purge projects.

Invariant: every row of the view equals its base row with the outbox's mutations applied in order.
A row no outbox entry touched is its base row. So resetting the rows some entries touched and
replaying every entry still in the outbox restores the invariant exactly: that is both a rollback
(after a rejection) and a rebase (after a pull).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

import orjson

from sync.store._optimistic import Touched, apply_mutation
from sync.store._schema import COLUMNS, ENTITIES

_CHUNK = 500


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def by_entity(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for entity, row_id in pairs:
        out.setdefault(entity, []).append(row_id)
    return out


def reset_to_base(conn: sqlite3.Connection, pairs: Iterable[tuple[str, str]]) -> None:
    """Makes each row of the view its base row again (or absent, when the server has none)."""
    for entity, ids in by_entity(pairs).items():
        columns = ", ".join(COLUMNS[entity])
        for chunk in _chunks(sorted(set(ids))):
            marks = ",".join("?" * len(chunk))
            conn.execute(f"DELETE FROM {entity} WHERE id IN ({marks})", chunk)
            conn.execute(
                f"INSERT INTO {entity} ({columns}, pending) "
                f"SELECT {columns}, 0 FROM base_{entity} WHERE id IN ({marks})",
                chunk,
            )


def touched_of(raw: str) -> Touched:
    return {(str(e), str(i)) for e, i in orjson.loads(raw)}


def replay(conn: sqlite3.Connection, me: str, reset: Touched) -> Touched:
    """Resets `reset` and every row the outbox touched to base, then replays the outbox in order.

    Returns every row whose view may have changed.
    """
    entries = conn.execute(
        "SELECT mutation_id, name, args, created_at, touched FROM outbox ORDER BY mutation_id"
    ).fetchall()
    changed = set(reset)
    for entry in entries:
        changed |= touched_of(entry["touched"])
    reset_to_base(conn, changed)
    for entry in entries:
        touched = apply_mutation(conn, me, entry["name"], orjson.loads(entry["args"]), entry["created_at"])
        changed |= touched
        encoded = orjson.dumps(sorted(touched)).decode()
        if encoded != entry["touched"]:
            conn.execute("UPDATE outbox SET touched = ? WHERE mutation_id = ?", (encoded, entry["mutation_id"]))
    return changed


def purge_project(conn: sqlite3.Connection, project_id: str) -> Touched:
    """Deletes every cached row of a project, base and view; returns the view rows that went."""
    gone: Touched = set()
    for prefix in ("base_", ""):
        watch_ids = conn.execute(
            f"SELECT w.id FROM {prefix}watch AS w JOIN {prefix}task AS t ON t.id = w.task_id WHERE t.project_id = ?",
            (project_id,),
        ).fetchall()
        doomed = [("watch", r["id"]) for r in watch_ids]
        for entity in ("member", "status", "task", "comment", "notification"):
            rows = conn.execute(f"SELECT id FROM {prefix}{entity} WHERE project_id = ?", (project_id,)).fetchall()
            doomed += [(entity, r["id"]) for r in rows]
        doomed.append(("project", project_id))
        for entity, ids in by_entity(doomed).items():
            for chunk in _chunks(ids):
                conn.execute(f"DELETE FROM {prefix}{entity} WHERE id IN ({','.join('?' * len(chunk))})", chunk)
        if not prefix:
            gone |= set(doomed)
    return gone


def clear_cache(conn: sqlite3.Connection) -> None:
    """Empties every cached row, base and view (the outbox, rejections and meta stay)."""
    for entity in ENTITIES:
        conn.execute(f"DELETE FROM base_{entity}")
        conn.execute(f"DELETE FROM {entity}")
