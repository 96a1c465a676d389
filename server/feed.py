"""The write side of the pull feed: `seq` allocation, pre-serialised rows and who must be poked.

A `Tx` lives inside `Database.write()`, which holds the writer lock, so `seq` is handed out in
commit order and no reader can ever see a row below a cursor it was already given.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from server.models import Counter, FeedRow, Member, Revocation
from server.rawsql import Raw, in_params

counters = Counter.__table__  # type: ignore[attr-defined]
feed = FeedRow.__table__  # type: ignore[attr-defined]
members = Member.__table__  # type: ignore[attr-defined]
revocations = Revocation.__table__  # type: ignore[attr-defined]

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


# A user's rows of an extension entity (docs/protocol.md, Additions) are private like `u:` rows but
# have a scope of their own, so a pull that does not `include` the entity leaves them out by scope
# alone: its query, index walk and `remaining` count are exactly those of a v1 pull.
_EXTENSION_PREFIXES = {"notification_pref": "np"}
_PRIVATE_PREFIXES = ("u:", *(f"{prefix}:" for prefix in _EXTENSION_PREFIXES.values()))


def extension_scope(entity: str, user_id: str) -> str:
    return f"{_EXTENSION_PREFIXES[entity]}:{user_id}"


# --- wire form of each entity, from a domain row -------------------------------------------


def _loads(text: str | None) -> list[Any]:
    return orjson.loads(text) if text else []


def user_body(r: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": r["id"], "deleted": False, "display_name": r["display_name"], "email": r["email"]}


def project_body(r: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": r["id"],
        "deleted": bool(r["deleted"]),
        "name": r["name"],
        "key": r["key"],
        "kind": r["kind"],
        "description": r["description"],
        "archived": bool(r["archived"]),
    }


def member_body(r: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": r["id"],
        "deleted": bool(r["deleted"]),
        "project_id": r["project_id"],
        "user_id": r["user_id"],
        "role": r["role"],
    }


def status_body(r: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": r["id"],
        "deleted": bool(r["deleted"]),
        "project_id": r["project_id"],
        "name": r["name"],
        "category": r["category"],
        "position": r["position"],
    }


def task_body(r: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": r["id"],
        "deleted": bool(r["deleted"]),
        "project_id": r["project_id"],
        "number": r["number"],
        "title": r["title"],
        "description": r["description"],
        "status_id": r["status_id"],
        "assignee_id": r["assignee_id"],
        "reporter_id": r["reporter_id"],
        "priority": r["priority"],
        "type": r["type"],
        "labels": _loads(r["labels"]),
        "parent_id": r["parent_id"],
        "position": r["position"],
        "start_at": iso(r["start_at"]),
        "due_at": iso(r["due_at"]),
        "estimate": r["estimate"],
        "created_at": iso(r["created_at"]),
        "updated_at": iso(r["updated_at"]),
    }


def comment_body(r: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": r["id"],
        "deleted": bool(r["deleted"]),
        "task_id": r["task_id"],
        "project_id": r["project_id"],
        "author_id": r["author_id"],
        "body": r["body"],
        "mentions": _loads(r["mentions"]),
        "created_at": iso(r["created_at"]),
        "edited_at": iso(r["edited_at"]),
    }


def notification_body(r: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": r["id"],
        "deleted": bool(r["deleted"]),
        "user_id": r["user_id"],
        "kind": r["kind"],
        "task_id": r["task_id"],
        "project_id": r["project_id"],
        "actor_id": r["actor_id"],
        "title": r["title"],
        "created_at": iso(r["created_at"]),
        "read_at": iso(r["read_at"]),
    }


def watch_body(r: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": r["id"], "deleted": bool(r["deleted"]), "task_id": r["task_id"], "user_id": r["user_id"]}


def notification_pref_body(r: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": r["id"],
        "deleted": False,
        "user_id": r["user_id"],
        "kinds": orjson.loads(r["kinds"]),
        "muted_projects": _loads(r["muted_projects"]),
        "quiet_start": r["quiet_start"],
        "quiet_end": r["quiet_end"],
        "time_zone": r["time_zone"],
        "due_soon_leads": _loads(r["due_soon_leads"]),
        "digest_at": r["digest_at"],
        "updated_at": iso(r["updated_at"]),
    }


def scope_of(entity: str, r: Mapping[str, Any]) -> tuple[str, str | None]:
    """Who receives a row (its scope) and which project's purge it belongs to."""
    if entity == "user":
        return user_scope(r["id"]), None
    if entity in ("notification", "watch"):
        return private_scope(r["user_id"]), r.get("project_id")
    if entity in _EXTENSION_PREFIXES:
        return extension_scope(entity, r["user_id"]), None
    if entity == "project":
        return project_scope(r["id"]), r["id"]
    return project_scope(r["project_id"]), r["project_id"]


BODIES = {
    "user": user_body,
    "project": project_body,
    "member": member_body,
    "status": status_body,
    "task": task_body,
    "comment": comment_body,
    "notification": notification_body,
    "watch": watch_body,
    "notification_pref": notification_pref_body,
}


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
        self.raw.execute(
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
                feed.c.project_id == project_id, feed.c.scope == project_scope(project_id), feed.c.deleted.is_(False)
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
        if self.seq != self._start_seq:
            self.raw.execute("UPDATE counters SET value = :v WHERE name = 'seq'", {"v": self.seq})
        return self.audience()

    def audience(self) -> set[str]:
        users = set(self.extra_users)
        projects = [s[2:] for s in self.scopes if s.startswith("p:")]
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
