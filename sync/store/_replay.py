"""Rebuilding the view: reset rows to the server's base, replay pending mutations on top, purge projects.

Invariant: every row of the view equals its base row with the outbox's mutations applied in order.
A row no outbox entry touched is its base row. So resetting the rows some entries touched and
replaying every entry still in the outbox restores the invariant exactly: that is both a rollback
(after a rejection) and a rebase (after a pull).

Replaying every entry costs about a millisecond per entry, on every pull page; `rebase` replays
only the entries the change can reach. Each outbox entry records what its effect depended on
(`_family.Ctx`, through `_optimistic.apply_recorded`): the rows it wrote or read by id, and the
ranges it read or wrote.
Starting from the changed rows and ranges, an entry is replayed when it shares a row with the
scope, reads a range the scope writes, or writes a range that an earlier replayed entry reads;
its own rows and ranges then join the scope, until nothing more joins. Every other entry read
and wrote nothing in the scope, so its effect on the view is what a full replay would give.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Iterable

import orjson

from sync.entities import PROJECT_ROWS, RANGES, REGISTRY
from sync.store._family import Touched, ranges_written
from sync.store._optimistic import apply_recorded
from sync.store._schema import COLUMNS, ENTITIES

_CHUNK = 500


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def by_entity(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Row ids by entity; range keys ("r:…", "w:…") are left out."""
    out: dict[str, list[str]] = {}
    for entity, row_id in pairs:
        if entity in COLUMNS:
            out.setdefault(entity, []).append(row_id)
    return out


def rows_only(keys: Iterable[tuple[str, str]]) -> Touched:
    return {k for k in keys if k[0] in COLUMNS}


def effects_of(keys: Iterable[tuple[str, str]]) -> Touched:
    """What an entry's effect changed: its rows and the ranges it wrote (a dropped entry's reads are moot)."""
    return {k for k in keys if not k[0].startswith("r:")}


def view_ranges(conn: sqlite3.Connection, rows: Iterable[tuple[str, str]]) -> Touched:
    """The ranges the view's current versions of `rows` belong to (before a pull overwrites them)."""
    out: Touched = set()
    for entity, ids in by_entity(rows).items():
        if entity not in RANGES:
            continue
        for chunk in _chunks(sorted(set(ids))):
            marks = ",".join("?" * len(chunk))
            for row in conn.execute(f"SELECT * FROM {entity} WHERE id IN ({marks})", chunk):
                out |= ranges_written(entity, row)
    return out


def reset_to_base(conn: sqlite3.Connection, pairs: Iterable[tuple[str, str]]) -> None:
    """Makes each row of the view its base row again (or absent, when the server has none).

    Only rows that differ are written: after a pull, most acknowledged rows already equal the
    server's, and rewriting them would fire the label and search triggers and every index for
    nothing. A differing row is upserted in place (its rowid, which the search index keys on, stays).
    """
    for entity, ids in by_entity(pairs).items():
        gone, differ = _reset_sql(entity)
        for chunk in _chunks(sorted(set(ids))):
            marks = ",".join("?" * len(chunk))
            conn.execute(gone.format(marks=marks), chunk)
            conn.execute(differ.format(marks=marks), chunk)


@functools.cache
def _reset_sql(entity: str) -> tuple[str, str]:
    """The statements of `reset_to_base` for one entity, with `{marks}` for the chunk's placeholders."""
    columns = COLUMNS[entity]
    same = " AND ".join(f"v.{c} IS b.{c}" for c in columns)
    sets = ", ".join(f"{c} = excluded.{c}" for c in (*columns, "pending") if c != "id")
    gone = (
        f"DELETE FROM {entity} WHERE id IN ({{marks}}) "
        f"AND NOT EXISTS (SELECT 1 FROM base_{entity} AS b WHERE b.id = {entity}.id)"
    )
    differ = (
        f"INSERT INTO {entity} ({', '.join(columns)}, pending) "
        f"SELECT {', '.join('b.' + c for c in columns)}, 0 FROM base_{entity} AS b WHERE b.id IN ({{marks}}) "
        f"AND NOT EXISTS (SELECT 1 FROM {entity} AS v WHERE v.id = b.id AND v.pending = 0 AND {same}) "
        f"ON CONFLICT(id) DO UPDATE SET {sets}"
    )
    return gone, differ


def touched_of(raw: str) -> Touched:
    return {(str(e), str(i)) for e, i in orjson.loads(raw)}


def replay(conn: sqlite3.Connection, me: str, reset: Touched) -> Touched:
    """Resets `reset` and every row the outbox touched to base, then replays the whole outbox in order.

    Returns every row whose view may have changed.
    """
    return rebase(conn, me, reset, everything=True)


def _flip(key: tuple[str, str]) -> tuple[str, str] | None:
    kind = key[0]
    if kind.startswith("r:"):
        return ("w:" + kind[2:], key[1])
    if kind.startswith("w:"):
        return ("r:" + kind[2:], key[1])
    return None


def _choose(entries: list[tuple[int, Touched]], scope: Touched) -> set[int]:
    """Indexes of the entries to replay for `scope` (rows and ranges); grows `scope` with theirs."""
    chosen: set[int] = set()
    first_reader: dict[tuple[str, str], int] = {}  # "r:" key in scope -> lowest index reading it
    grew = True
    while grew:
        grew = False
        for i, (_, keys) in enumerate(entries):
            if i in chosen:
                continue
            hit = not keys  # '[]': not recorded yet (a rebuilt cache): always replay
            for key in keys:
                if hit:
                    break
                flipped = _flip(key)
                if flipped is None:
                    hit = key in scope
                elif flipped[0].startswith("w:"):
                    hit = flipped in scope  # it read a range the scope changes
                else:
                    reader = first_reader.get(flipped)  # it writes a range an earlier replayed entry reads
                    hit = reader is not None and reader < i
            if not hit:
                continue
            chosen.add(i)
            grew = True
            for key in keys:
                scope.add(key)
                if key[0].startswith("r:") and first_reader.get(key, i + 1) > i:
                    first_reader[key] = i
    return chosen


def rebase(conn: sqlite3.Connection, me: str, seeds: Touched, *, everything: bool = False) -> Touched:
    """Resets the rows of `seeds` to base and replays, in order, the outbox entries that depend on
    `seeds` (rows, and "w:" ranges that changed), or every entry with `everything`.

    Returns every row whose view may have changed.
    """
    scope = set(seeds)
    while True:
        rows = conn.execute(
            "SELECT mutation_id, name, args, created_at, touched FROM outbox ORDER BY mutation_id"
        ).fetchall()
        if not rows:
            reset_to_base(conn, scope)
            return rows_only(scope)
        entries = [(int(r["mutation_id"]), touched_of(r["touched"])) for r in rows]
        if everything:
            chosen = set(range(len(rows)))
            for _, keys in entries:
                scope |= keys
        else:
            chosen = _choose(entries, scope)
        reset_to_base(conn, scope)
        changed = rows_only(scope)
        grown = False
        for i in sorted(chosen):
            entry = rows[i]
            written, recorded = apply_recorded(
                conn, me, entry["name"], orjson.loads(entry["args"]), entry["created_at"]
            )
            changed |= written
            if not recorded <= scope:
                scope |= recorded
                grown = True
            encoded = orjson.dumps(sorted(recorded)).decode()
            if encoded != entry["touched"]:
                conn.execute("UPDATE outbox SET touched = ? WHERE mutation_id = ?", (encoded, entry["mutation_id"]))
        if everything or not grown:
            return changed
        # A replayed entry now depends on something outside the scope (it took another branch on
        # the new base): widen the scope and replay again from the base; the scope only grows.


# Entities tied to a project through another entity's row: (entity, via, the field naming that row).
_PURGED_VIA = tuple((n, e.via, e.project_key) for n, e in REGISTRY.items() if e.via is not None and e.project_key)


def purge_project(conn: sqlite3.Connection, project_id: str) -> Touched:
    """Deletes every cached row of a project, base and view; returns the view rows that went."""
    gone: Touched = set()
    for prefix in ("base_", ""):
        doomed: list[tuple[str, str]] = []
        for entity, via, key in _PURGED_VIA:  # before the rows they are tied through go
            rows = conn.execute(
                f"SELECT x.id FROM {prefix}{entity} AS x JOIN {prefix}{via} AS v ON v.id = x.{key} "
                "WHERE v.project_id = ?",
                (project_id,),
            ).fetchall()
            doomed += [(entity, r["id"]) for r in rows]
        for entity in PROJECT_ROWS:
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
