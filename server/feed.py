"""The write side of the pull feed: `seq` allocation, pre-serialised rows and who must be poked.

A `Tx` lives inside `Database.write()`, which holds the writer lock, so `seq` is handed out in
commit order and no reader can ever see a row below a cursor it was already given.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from server.rawsql import Raw, in_params
from server.tables import feed, revocations
from sync.entities import REGISTRY, Entity
from sync.protocol import EXTENSION_KINDS

_UPSERT = (
    "INSERT INTO feed (seq, entity, row_id, scope, project_id, deleted, body) "
    "VALUES (:seq, :entity, :row_id, :scope, :project_id, :deleted, :body) "
    "ON CONFLICT (entity, row_id) DO UPDATE SET seq = excluded.seq, scope = excluded.scope, "
    "project_id = excluded.project_id, deleted = excluded.deleted, body = excluded.body"
)


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(value: datetime | None) -> str | None:
    """RFC 3339 in UTC, with microseconds and a Z."""
    if value is None:
        return None
    value = to_utc(value)
    return value.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"  # type: ignore[union-attr]


def to_utc(value: datetime | None) -> datetime | None:
    """Aware UTC; a naive time from a client is taken as UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def project_scope(project_id: str) -> str:
    return f"p:{project_id}"


def private_scope(user_id: str) -> str:
    return f"u:{user_id}"


def user_scope(user_id: str) -> str:
    return f"who:{user_id}"


# Rows of an extension entity (docs/protocol.md, Additions) have a scope prefix of their own
# (`np:<user>`, `te:<project>`), so a pull that does not `include` the entity leaves them out by
# scope alone: its query, index walk and `remaining` count are exactly those of a v1 pull.
# Notifications of a kind that is not in v1 (PROTOCOL-2.md: `at_risk`) travel only with `include` naming
# the kind's entity, so they too have a prefix of their own: `n` and that entity's (`nte:<user>`).
_KIND_PREFIXES = {kind: f"n{REGISTRY[entity].feed_prefix}" for kind, entity in EXTENSION_KINDS.items()}
_PROJECT_PREFIXES = tuple(sorted({f"{e.feed_prefix}:" for e in REGISTRY.values() if e.scope == "project"}))
_PRIVATE_PREFIXES = tuple(
    sorted(
        {f"{e.feed_prefix}:" for e in REGISTRY.values() if e.scope == "own"}
        | {f"{k}:" for k in _KIND_PREFIXES.values()}
    )
)


def extension_scope(entity: str, owner_id: str) -> str:
    """The feed scope of an extension entity's rows of one user or project."""
    return f"{REGISTRY[entity].feed_prefix}:{owner_id}"


# Where a user's notifications are in the feed: `u:<user>`, or an extension kind's own scope.
NOTIFICATION_PREFIXES = ("u:", *sorted({f"{prefix}:" for prefix in _KIND_PREFIXES.values()}))


def kind_scopes(include: frozenset[str], user_id: str) -> list[str]:
    """The scopes of a user's notifications of the extension kinds whose entity `include` names."""
    kinds = sorted({_KIND_PREFIXES[kind] for kind, entity in EXTENSION_KINDS.items() if entity in include})
    return [f"{prefix}:{user_id}" for prefix in kinds]


def project_scopes(project_id: str) -> list[str]:
    """Every scope that holds a project's rows, extension entities' included."""
    return [f"{prefix}{project_id}" for prefix in _PROJECT_PREFIXES]


# --- wire form of each entity, from a domain row -------------------------------------------

Body = Callable[[Mapping[str, Any]], dict[str, Any]]


def _json_list(text: str | None) -> Any:
    return orjson.loads(text) if text else []


def _json_any(text: str | None) -> Any:
    return None if text is None else orjson.loads(text)


_DECODE: dict[str, Callable[[Any], Any]] = {"bool": bool, "time": iso, "json": _json_list, "any": _json_any}


def body_of(entity: Entity) -> Body:
    """The function that turns a table row into the entity's wire row (without `seq`): each field of
    the row model, booleans as booleans, times in RFC 3339, JSON text parsed. Tables without a
    `deleted` column (users, preferences) hold live rows only."""
    plain = tuple(name for name, kind in entity.fields.items() if kind not in _DECODE)
    decoded = tuple((name, _DECODE[kind]) for name, kind in entity.fields.items() if kind in _DECODE)
    order = tuple(entity.fields)

    def body(r: Mapping[str, Any]) -> dict[str, Any]:
        values = {name: r[name] for name in plain}
        values.update((name, decode(r[name])) for name, decode in decoded)
        return {"id": r["id"], "deleted": bool(r.get("deleted", False)), **{name: values[name] for name in order}}

    return body


def scope_of(entity: str, r: Mapping[str, Any]) -> tuple[str, str | None]:
    """Who receives a row (its scope) and which project's purge it belongs to."""
    spec = REGISTRY[entity]
    if spec.scope == "people":
        return user_scope(r["id"]), None
    if spec.scope == "own":
        owner = r["user_id"]
        if entity == "notification" and r["kind"] in _KIND_PREFIXES:
            return f"{_KIND_PREFIXES[r['kind']]}:{owner}", r.get("project_id")
        return (extension_scope(entity, owner), None) if spec.extension else (private_scope(owner), r.get("project_id"))
    project_id = r[spec.project_key or "project_id"]
    return f"{spec.feed_prefix}:{project_id}", project_id


BODIES: dict[str, Body] = {name: body_of(entity) for name, entity in REGISTRY.items()}

# A compact page's columns for each entity (docs/protocol.md, "Compact pull pages").
COMPACT_COLUMNS: dict[str, tuple[str, ...]] = {
    name: ("id", "seq", "deleted", *entity.fields) for name, entity in REGISTRY.items()
}


def compact_tables(rows: Sequence[Any]) -> bytes:
    """A pull page's (entity, seq, body) rows as column tables: per entity, in order of first
    appearance, its column names once and each row as an array in that order (seq order kept).
    About a quarter fewer bytes than `changes`, and a client writes the arrays without a dict a row."""
    tables: dict[str, list[list[Any]]] = {}
    for entity, seq, body in rows:
        row = orjson.loads(body)
        row["seq"] = seq
        tables.setdefault(entity, []).append([row.get(c) for c in COMPACT_COLUMNS[entity]])
    return orjson.dumps(
        [{"entity": entity, "columns": COMPACT_COLUMNS[entity], "rows": values} for entity, values in tables.items()]
    )


class Tx:
    """One writer transaction: allocates `seq`, writes feed rows, remembers whom to poke."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.raw = Raw(conn)
        self.seq = int(self.raw.scalar("SELECT value FROM counters WHERE name = 'seq'"))
        self._start_seq = self.seq
        self.scopes: set[str] = set()
        self.extra_users: set[str] = set()

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    def emit(self, entity: str, row: Mapping[str, Any]) -> int:
        """Publishes a row's new version to the feed with the next `seq`."""
        scope, project_id = scope_of(entity, row)
        body = BODIES[entity](row)
        seq = self.next_seq()
        self.raw.write(
            "feed",
            _UPSERT,
            {
                "seq": seq,
                "entity": entity,
                "row_id": row["id"],
                "scope": scope,
                "project_id": project_id,
                "deleted": body["deleted"],
                "body": orjson.dumps(body).decode(),
            },
        )
        self.scopes.add(scope)
        return seq

    def reseq_project(self, project_id: str) -> None:
        """Gives every live row of a project a fresh `seq`, so a new member's next pull carries it."""
        rows = self.conn.execute(
            sa.select(feed.c.entity, feed.c.row_id)
            .where(
                feed.c.project_id == project_id,
                feed.c.scope.in_(project_scopes(project_id)),
                feed.c.deleted.is_(False),
            )
            .order_by(feed.c.seq)
        ).all()
        self._reseq(rows)
        self.scopes.add(project_scope(project_id))

    def reseq_users(self, user_ids: Iterable[str]) -> None:
        rows = self.conn.execute(
            sa.select(feed.c.entity, feed.c.row_id)
            .where(feed.c.entity == "user", feed.c.row_id.in_(sorted(set(user_ids))))
            .order_by(feed.c.seq)
        ).all()
        self._reseq(rows)
        self.scopes.update(user_scope(entity_id) for _, entity_id in rows)

    def _reseq(self, rows: Sequence[Any]) -> None:
        if not rows:
            return
        params = [{"new": self.next_seq(), "e": entity, "r": row_id} for entity, row_id in rows]
        self.raw.executemany("UPDATE feed SET seq = :new WHERE entity = :e AND row_id = :r", params)

    def revoke(self, user_id: str, project_id: str) -> None:
        self.conn.execute(revocations.insert().values(user_id=user_id, project_id=project_id, seq=self.next_seq()))
        self.extra_users.add(user_id)

    def savepoint_state(self) -> tuple[int, set[str], set[str]]:
        return self.seq, set(self.scopes), set(self.extra_users)

    def restore(self, state: tuple[int, set[str], set[str]]) -> None:
        self.seq, self.scopes, self.extra_users = state[0], set(state[1]), set(state[2])

    def finish(self) -> set[str]:
        """Stores the counter and returns the users to poke once the transaction commits."""
        self.raw.flush()
        if self.seq != self._start_seq:
            self.raw.execute("UPDATE counters SET value = :v WHERE name = 'seq'", {"v": self.seq})
        return self.audience()

    def audience(self) -> set[str]:
        users = set(self.extra_users)
        projects = sorted({s.split(":", 1)[1] for s in self.scopes if s.startswith(_PROJECT_PREFIXES)})
        shared_with = [s[4:] for s in self.scopes if s.startswith("who:")]
        users.update(s.split(":", 1)[1] for s in self.scopes if s.startswith(_PRIVATE_PREFIXES))
        users.update(shared_with)
        if projects:
            marks, params = in_params("p", projects)
            users.update(
                r[0]
                for r in self.raw.execute(
                    f"SELECT user_id FROM members WHERE project_id IN ({marks}) AND deleted = :f",
                    {**params, "f": False},
                ).fetchall()
            )
        if shared_with:
            marks, params = in_params("u", shared_with)
            users.update(
                r[0]
                for r in self.raw.execute(
                    "SELECT DISTINCT m2.user_id FROM members m1 JOIN members m2 ON m2.project_id = m1.project_id "
                    f"WHERE m1.user_id IN ({marks}) AND m1.deleted = :f AND m2.deleted = :f",
                    {**params, "f": False},
                ).fetchall()
            )
        return users

    @property
    def changed(self) -> bool:
        return self.seq != self._start_seq
