"""The local store: actions (optimistic change plus outbox row, one transaction), the outbox and
rejection log, and pull pages written as the new base with pending mutations replayed on top.

The store does no I/O but its file: the engine brings it what the server said.
"""

from __future__ import annotations

from typing import Any

import orjson
from pydantic import ValidationError

from sync.errors import InvalidMutation, SyncError
from sync.ids import now_iso
from sync.protocol import MUTATION_ARGS
from sync.store import _schema as schema
from sync.store._base import Changes, StoreBase
from sync.store._family import Touched, ranges_written
from sync.store._optimistic import apply_recorded
from sync.store._outbox import OutboxEntry, Rejection, entry_of, lmid_verdict, rejection_of
from sync.store._replay import clear_cache, effects_of, purge_project, rebase, replay, touched_of, view_ranges
from sync.store._rows import encode, upsert_sql
from sync.store.families import CHECKS, Families
from sync.store.families.people import forget_strangers


class Store(StoreBase, Families):
    """The cache the UI renders from. Use it from one thread (the app's event loop); other
    processes may open the same file (WAL), but only one should run a sync engine on it."""

    # --- actions --------------------------------------------------------------------------

    def mutate(self, name: str, args: dict[str, Any]) -> int:
        """Applies a protocol mutation optimistically and queues it, in one transaction; returns its id."""
        model = MUTATION_ARGS.get(name)
        if model is None:
            raise InvalidMutation(f"unknown mutation {name!r}")
        try:
            clean = model.model_validate(args).model_dump(mode="json", exclude_unset=True)
        except ValidationError as exc:
            raise InvalidMutation(f"invalid {name}: {exc.errors(include_url=False)}") from None
        problem = CHECKS[name](clean) if name in CHECKS else None
        if problem is not None:
            raise InvalidMutation(f"invalid {name}: {problem}")
        me = self.user_id
        if me is None:
            raise SyncError("sign in first: the store has no user yet")
        now = now_iso()
        with self.transaction():
            mutation_id = self._meta_int("next_mutation_id")
            touched, recorded = apply_recorded(self.conn, me, name, clean, now)
            self.conn.execute(
                "INSERT INTO outbox (mutation_id, name, args, created_at, state, touched) "
                "VALUES (?, ?, ?, ?, 'pending', ?)",
                (mutation_id, name, orjson.dumps(clean).decode(), now, orjson.dumps(sorted(recorded)).decode()),
            )
            self._set_meta("next_mutation_id", str(mutation_id + 1))
        self._emit(Changes.of(touched, outbox=True, source="local"))
        return mutation_id

    # --- outbox and rejections ------------------------------------------------------------

    def outbox(self) -> list[OutboxEntry]:
        """Every entry not yet covered by a pull, in order."""
        return [entry_of(r) for r in self.conn.execute("SELECT * FROM outbox ORDER BY mutation_id")]

    def outbox_batch(self, limit: int = 500) -> list[OutboxEntry]:
        """The next entries to push: those the server has not answered, in order."""
        rows = self.conn.execute("SELECT * FROM outbox WHERE state = 'pending' ORDER BY mutation_id LIMIT ?", (limit,))
        return [entry_of(r) for r in rows]

    def pending_count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM outbox WHERE state = 'pending'").fetchone()[0])

    def rejections(self, *, include_dismissed: bool = False) -> list[Rejection]:
        where = "" if include_dismissed else " WHERE dismissed = 0"
        return [rejection_of(r) for r in self.conn.execute(f"SELECT * FROM rejected{where} ORDER BY id")]

    def dismiss(self, rejection_id: int | None = None) -> None:
        """Dismisses one rejection (or all of them); dismissed ones stay listable with include_dismissed."""
        with self.transaction():
            if rejection_id is None:
                self.conn.execute("UPDATE rejected SET dismissed = 1")
            else:
                self.conn.execute("UPDATE rejected SET dismissed = 1 WHERE id = ?", (rejection_id,))
        self._emit(Changes(rejections=True))

    def record_push(self, response: dict[str, Any]) -> list[Rejection]:
        """Records the server's answer to a push: applied and duplicate entries wait for the pull that
        covers them; rejected ones leave the outbox for the rejection log and are rolled back."""
        now = now_iso()
        rejected_ids: list[int] = []
        with self.transaction():
            reset: Touched = set()
            for result in response.get("results", []):
                mutation_id = result["mutation_id"]
                row = self.conn.execute("SELECT * FROM outbox WHERE mutation_id = ?", (mutation_id,)).fetchone()
                if row is None:
                    continue
                # A duplicate that carries an error was rejected the first time, whose answer was lost.
                if result["status"] != "rejected" and not (result["status"] == "duplicate" and result.get("error")):
                    self.conn.execute("UPDATE outbox SET state = 'applied' WHERE mutation_id = ?", (mutation_id,))
                    continue
                error = result.get("error") or {}
                cursor = self.conn.execute(
                    "INSERT INTO rejected (client_id, mutation_id, name, args, code, message, details, "
                    "created_at, rejected_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        self.client_id,
                        row["mutation_id"],
                        row["name"],
                        row["args"],
                        str(error.get("code", "rejected")),
                        str(error.get("message", "The server refused this change.")),
                        orjson.dumps(error.get("details") or []).decode(),
                        row["created_at"],
                        now,
                    ),
                )
                rejected_ids.append(int(cursor.lastrowid or 0))
                reset |= effects_of(touched_of(row["touched"]))
                self.conn.execute("DELETE FROM outbox WHERE mutation_id = ?", (row["mutation_id"],))
            lmid = int(response.get("last_mutation_id", 0))
            self._set_meta("last_mutation_id", str(max(lmid, self.last_mutation_id)))
            changed = rebase(self.conn, self.user_id or "", reset) if reset else set()
        self._emit(Changes.of(changed, outbox=True, rejections=bool(rejected_ids), source="push"))
        return [r for r in self.rejections(include_dismissed=True) if r.id in rejected_ids]

    def take_new_client_id(self) -> str:
        """Starts a new client_id: answered entries are dropped (a pull brings their effects), the
        unanswered ones are renumbered 1, 2, 3… in order. Returns the new client_id."""
        with self.transaction():
            dropped = self.conn.execute("SELECT touched FROM outbox WHERE state != 'pending'").fetchall()
            reset: Touched = set()
            for row in dropped:
                reset |= effects_of(touched_of(row["touched"]))
            self.conn.execute("DELETE FROM outbox WHERE state != 'pending'")
            rows = self.conn.execute("SELECT mutation_id FROM outbox ORDER BY mutation_id").fetchall()
            self.conn.execute("UPDATE outbox SET mutation_id = -mutation_id")
            for n, row in enumerate(rows, start=1):
                self.conn.execute("UPDATE outbox SET mutation_id = ? WHERE mutation_id = ?", (n, -row["mutation_id"]))
            client_id = self._new_client_id()
            self._set_meta("next_mutation_id", str(len(rows) + 1))
            changed = rebase(self.conn, self.user_id or "", reset) if reset else set()
        self._emit(Changes.of(changed, outbox=True, source="reset"))
        return client_id

    # --- pull -----------------------------------------------------------------------------

    def apply_pull(self, page: dict[str, Any], *, bulk: bool = False) -> Changes:
        """Writes one pull page as the new base, in one transaction, and rebases pending mutations.

        `bulk` (a bootstrap) skips maintaining the view's secondary and search indexes; call
        `finish_bulk()` after the last page.
        """
        if self.server_lmid_ahead(int(page.get("last_mutation_id", 0))):
            self.take_new_client_id()  # before dropping anything: our unsent entries are not the server's
            page = {**page, "last_mutation_id": 0}
        with self.transaction():
            if bulk and self._meta("derived") == "ready":
                for statement in schema.drop_derived_sql():
                    self.conn.execute(statement)
                self._set_meta("derived", "stale")
            pending = self.conn.execute("SELECT 1 FROM outbox LIMIT 1").fetchone() is not None
            touched, ranges = self._write_rows(page.get("changes", []), ranges=pending)
            for project_id in page.get("revoked_projects", []):
                gone = purge_project(self.conn, str(project_id))
                touched |= gone
                ranges |= {("w:statuses", str(project_id))} | {("w:of_task", i) for e, i in gone if e == "task"}
            if not page.get("has_more", False):
                touched |= forget_strangers(self.conn, self.user_id or "")
            lmid = int(page.get("last_mutation_id", 0))
            reset: Touched = set()
            for row in self.conn.execute("SELECT touched FROM outbox WHERE mutation_id <= ?", (lmid,)):
                reset |= effects_of(touched_of(row["touched"]))
            acknowledged = self.conn.execute("DELETE FROM outbox WHERE mutation_id <= ?", (lmid,)).rowcount
            if pending:
                # Only the page's rows and ranges and the acknowledged entries' effects changed:
                # rebase what depends on them (exactly what replaying the whole outbox would give).
                touched |= rebase(self.conn, self.user_id or "", touched | ranges | reset)
            self._set_meta("cursor", str(int(page["cursor"])))
            self._set_meta("last_mutation_id", str(max(lmid, self.last_mutation_id)))
        changes = Changes.of(touched, outbox=acknowledged > 0, source="pull")
        self._emit(changes)
        return changes

    def server_lmid_ahead(self, server_lmid: int) -> bool:
        return lmid_verdict(server_lmid, last_issued=self.last_issued, first_unanswered=None) == "new_client"

    def _write_rows(self, changes: list[dict[str, Any]], *, ranges: bool = False) -> tuple[Touched, Touched]:
        """Writes the page's rows to base and view; returns them, and (with `ranges`) the ranges
        their old and new versions in the view belong to."""
        latest: dict[tuple[str, str], dict[str, Any]] = {}
        for change in changes:  # ordered by seq: a row's last version in the page wins
            if change["entity"] in schema.FIELDS:  # an entity from a newer protocol is ignored
                latest[(change["entity"], change["row"]["id"])] = change["row"]
        changed_ranges: Touched = set()
        if ranges:
            changed_ranges = view_ranges(self.conn, latest)
            for (entity, _), row in latest.items():
                if not row.get("deleted"):
                    changed_ranges |= ranges_written(entity, {k: row.get(k) for k in schema.COLUMNS[entity]})
        live: dict[str, list[tuple[Any, ...]]] = {}
        gone: dict[str, list[tuple[str]]] = {}
        for (entity, row_id), row in latest.items():
            if row.get("deleted"):
                gone.setdefault(entity, []).append((row_id,))
            else:
                live.setdefault(entity, []).append(encode(entity, row))
        cur = self.conn.cursor()
        for entity, values in live.items():
            cur.executemany(upsert_sql(f"base_{entity}", entity, view=False), values)
            cur.executemany(upsert_sql(entity, entity, view=True), values)
        for entity, ids in gone.items():
            cur.executemany(f"DELETE FROM base_{entity} WHERE id = ?", ids)
            cur.executemany(f"DELETE FROM {entity} WHERE id = ?", ids)
        return set(latest), changed_ranges

    def finish_bulk(self, *, search: bool = True) -> None:
        """Builds the indexes a bulk pull skipped: the board's, then (with `search`) the search index;
        idempotent. Without `search`, `build_search` or `build_search_detached` fills it later and
        `search` falls back to LIKE until then."""
        if self._meta("derived") != "ready":
            with self.transaction():
                self._build_derived()
        if search:
            self.build_search()

    def reset_cache(self) -> None:
        """Forgets every cached row and the cursor (410 cursor_expired), keeping the outbox, the
        rejections and client_id; pending mutations are replayed on the empty base at once."""
        with self.transaction():
            clear_cache(self.conn)
            self._set_meta("cursor", "0")
            changed = replay(self.conn, self.user_id or "", set())
        self._emit(Changes.of(changed, source="reset"))
