"""The store's engine face: what the sync engine needs and the app never calls. The outbox's
batches and the server's answers to them (`record_push`), pull pages written as the new base with
pending mutations replayed on top (`apply_pull`), the cursor and client_id, the account a store is
bound to (`set_account`, `sign_out`: the sign-in policy's, `sync.session`), and the search index
the engine fills after a bootstrap.

The store does no I/O but its file: the engine brings it what the server said.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

import orjson

from sync.ids import now_iso
from sync.store import _schema as schema
from sync.store._base import SEARCH_CHUNK, Changes, StoreBase, fill_later, fill_search
from sync.store._family import Touched
from sync.store._outbox import OutboxEntry, Rejection, entry_of, lmid_verdict, rejections_of
from sync.store._pull import BASE_SPARSE, fill_base, write_rows
from sync.store._replay import clear_cache, effects_of, purge_project, rebase, replay, touched_of
from sync.store._search import flush_search
from sync.store.families.people import forget_strangers


class EngineStore(StoreBase):
    """What the sync engine needs (and the sign-in policy, `sync.session`): never the app's."""

    # --- the sync state ---------------------------------------------------------------------

    @property
    def client_id(self) -> str:
        return self._meta("client_id") or ""

    @property
    def cursor(self) -> int:
        return self._meta_int("cursor")

    @property
    def last_mutation_id(self) -> int:
        """The highest mutation id of this client_id that the server said it processed."""
        return self._meta_int("last_mutation_id")

    @property
    def last_issued(self) -> int:
        return self._next_mutation_id() - 1

    @property
    def schema_version(self) -> int:
        return self._meta_int("schema_version")

    @property
    def last_error(self) -> str | None:
        return self._meta("last_error")

    @property
    def last_sync_at(self) -> str | None:
        return self._meta("last_sync_at")

    def note_sync(self, error: str | None) -> None:
        """Remembers how the last sync ended (for `keel status`): None on success, else the error."""
        with self._transaction():
            self._set_meta("last_error", error)
            if error is None:
                self._set_meta("last_sync_at", now_iso())

    def set_account(self, server_url: str, user_id: str, account: str) -> None:
        """Binds the store to a server and user. Another user gets a fresh store: someone else's cache,
        outbox and rejections must never be shown or pushed as theirs. The same user at a new
        address (user ids are server-made UUIDs) keeps everything."""
        with self._transaction():
            if self._meta("user_id") not in (None, user_id):
                self._forget_data()
            self._set_meta("server_url", server_url)
            self._set_meta("user_id", user_id)
            self._set_meta("account", account)
        self._emit(Changes(source="reset", outbox=True, rejections=True))

    def sign_out(self) -> None:
        """Forgets the account and everything cached for it, its outbox and rejections included
        (the app asks the person first when edits are unsynced); a new client_id follows."""
        with self._transaction():
            self._forget_data()
            for key in ("server_url", "user_id", "account", "last_error", "last_sync_at"):
                self._set_meta(key, None)
        self._emit(Changes(source="reset", outbox=True, rejections=True))

    def _forget_data(self) -> None:
        """Empties the cache, the outbox and the rejections; a new client_id starts from cursor 0."""
        clear_cache(self.conn)
        self.conn.execute("DELETE FROM outbox")
        self.conn.execute("DELETE FROM rejected")
        self._new_client_id()
        self._set_meta("cursor", "0")

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE); nested use joins the outer one."""
        with self._transaction() as conn:
            yield conn

    def on_local_edit(self, wake: Callable[[], None]) -> Callable[[], None]:
        """Calls `wake()` after every local action that queued a mutation; returns an unsubscribe."""

        def listener(changes: Changes) -> None:
            if changes.outbox and changes.source == "local":
                wake()

        return self._listen(listener)

    # --- the search index, built after the board --------------------------------------------

    @property
    def search_ready(self) -> bool:
        """Whether the trigram index covers every task (until then `search` falls back to LIKE)."""
        return self._search_ready()

    @property
    def base_sparse(self) -> bool:
        """Whether rows a bootstrap wrote still wait for their base copy (`build_search*` makes them)."""
        return self._meta(BASE_SPARSE) is not None

    def build_search(self, chunk: int = SEARCH_CHUNK) -> None:
        """Fills the base copies a bootstrap left out, then the search index, on this connection, a
        short transaction per `chunk` rows (under the store's write lock: `build_search_detached`
        runs it on a worker thread for a store in memory)."""
        with self._writer:
            fill_later(self.conn)
            fill_base(self.conn, chunk)
            self._cached.pop(BASE_SPARSE, None)
            fill_search(self.conn, chunk)

    def build_search_detached(self, chunk: int = SEARCH_CHUNK) -> None:
        """Fills the search index on a connection of its own: safe to run in another thread while
        this store's connection keeps serving the UI (local writes wait at most one chunk)."""
        if self.path == ":memory:":
            self.build_search(chunk)
            return
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA busy_timeout = 10000")
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)")  # what a bootstrap left in the WAL
            fill_later(conn)
            fill_base(conn, chunk)
            fill_search(conn, chunk)
        finally:
            conn.close()

    def maintain_detached(self) -> None:
        """On a connection of its own, safe in another thread: applies the queued search-index
        updates, then copies the WAL back into the database file (PASSIVE: it never waits for,
        nor blocks, this store's readers). This store's connection does neither: a UI write
        would pay for it (an automatic checkpoint costs 8-90 ms)."""
        if self.path == ":memory:":
            flush_search(self.conn)
            return
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA busy_timeout = 10000")
            flush_search(conn)
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        finally:
            conn.close()

    # --- push ------------------------------------------------------------------------------

    def outbox(self) -> list[OutboxEntry]:
        """Every entry not yet covered by a pull, in order."""
        return [entry_of(r) for r in self.conn.execute("SELECT * FROM outbox ORDER BY mutation_id")]

    def outbox_batch(self, limit: int = 500) -> list[OutboxEntry]:
        """The next entries to push: those the server has not answered, in order."""
        rows = self.conn.execute("SELECT * FROM outbox WHERE state = 'pending' ORDER BY mutation_id LIMIT ?", (limit,))
        return [entry_of(r) for r in rows]

    def record_push(self, response: dict[str, Any]) -> list[Rejection]:
        """Records the server's answer to a push: applied and duplicate entries wait for the pull that
        covers them; rejected ones leave the outbox for the rejection log and are rolled back."""
        now = now_iso()
        rejected_ids: list[int] = []
        with self._transaction():
            reset: Touched = set()
            results = response.get("results", [])
            entries = self._outbox_rows([int(r["mutation_id"]) for r in results])
            applied: list[tuple[int]] = []
            for result in results:
                mutation_id = int(result["mutation_id"])
                row = entries.get(mutation_id)
                if row is None:
                    continue
                # A duplicate that carries an error was rejected the first time, whose answer was lost.
                if result["status"] != "rejected" and not (result["status"] == "duplicate" and result.get("error")):
                    applied.append((mutation_id,))
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
                del entries[mutation_id]  # the same id twice in one answer is recorded once
            self.conn.executemany("UPDATE outbox SET state = 'applied' WHERE mutation_id = ?", applied)
            lmid = int(response.get("last_mutation_id", 0))
            self._set_meta("last_mutation_id", str(max(lmid, self.last_mutation_id)))
            changed = rebase(self.conn, self._user(), reset) if reset else set()
        self._emit(Changes.of(changed, outbox=True, rejections=bool(rejected_ids), source="push"))
        return [r for r in rejections_of(self.conn, include_dismissed=True) if r.id in rejected_ids]

    def _outbox_rows(self, mutation_ids: list[int]) -> dict[int, sqlite3.Row]:
        """The outbox rows of these ids, by id (in chunks: SQLite's limit on parameters)."""
        out: dict[int, sqlite3.Row] = {}
        for start in range(0, len(mutation_ids), 500):
            chunk = mutation_ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for row in self.conn.execute(f"SELECT * FROM outbox WHERE mutation_id IN ({marks})", chunk):
                out[int(row["mutation_id"])] = row
        return out

    def take_new_client_id(self) -> str:
        """Starts a new client_id: answered entries are dropped (a pull brings their effects), the
        unanswered ones are renumbered 1, 2, 3… in order. Returns the new client_id."""
        with self._transaction():
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
            changed = rebase(self.conn, self._user(), reset) if reset else set()
        self._emit(Changes.of(changed, outbox=True, source="reset"))
        return client_id

    def server_lmid_ahead(self, server_lmid: int) -> bool:
        return lmid_verdict(server_lmid, last_issued=self.last_issued, first_unanswered=None) == "new_client"

    # --- pull ------------------------------------------------------------------------------

    def apply_pull(self, page: dict[str, Any], *, bulk: bool = False, emit: bool = True) -> Changes:
        """Writes one pull page as the new base, in one transaction, and rebases pending mutations.

        `bulk` (a bootstrap) skips maintaining the view's secondary and search indexes, and leaves
        WAL checkpoints to the search index's connection; call `finish_bulk()` after the last page.
        Without `emit`, the caller tells the listeners (`announce`), on the thread they expect.
        The store's write lock is held throughout: `close` waits for it.
        """
        with self._writer:
            changes = self._apply_pull(page, bulk)
        if emit:
            self._emit(changes)
        return changes

    def _apply_pull(self, page: dict[str, Any], bulk: bool) -> Changes:
        if self.server_lmid_ahead(int(page.get("last_mutation_id", 0))):
            self.take_new_client_id()  # before dropping anything: our unsent entries are not the server's
            page = {**page, "last_mutation_id": 0}
        if bulk:
            # Checkpoints would copy the whole cache once more during the load, on this thread. A
            # kill loses nothing committed (WAL); `finish_bulk` and the search index's connection
            # checkpoint afterwards.
            self.conn.execute("PRAGMA wal_autocheckpoint = 0")
        with self._transaction():
            if bulk and self._meta("derived") in ("ready", "board"):
                for statement in schema.drop_derived_sql():
                    self.conn.execute(statement)
                self._set_meta("derived", "stale")
            pending = self.conn.execute("SELECT 1 FROM outbox LIMIT 1").fetchone() is not None
            # A bootstrap with nothing pending writes the view alone (`_pull`), page after page.
            view_only = bulk and not pending and (self.cursor == 0 or self._meta("view_only") == "1")
            self._set_meta("view_only", "1" if view_only and page.get("has_more", False) else None)
            if view_only:
                self._set_meta(BASE_SPARSE, "1")
            touched, ranges = write_rows(self.conn, page, ranges=pending, view_only=view_only)
            for project_id in page.get("revoked_projects", []):
                gone = purge_project(self.conn, str(project_id))
                touched |= gone
                ranges |= {("w:statuses", str(project_id))} | {("w:of_task", i) for e, i in gone if e == "task"}
            if not page.get("has_more", False):
                touched |= forget_strangers(self.conn, self._user())
            lmid = int(page.get("last_mutation_id", 0))
            reset: Touched = set()
            for row in self.conn.execute("SELECT touched FROM outbox WHERE mutation_id <= ?", (lmid,)):
                reset |= effects_of(touched_of(row["touched"]))
            acknowledged = self.conn.execute("DELETE FROM outbox WHERE mutation_id <= ?", (lmid,)).rowcount
            if pending:
                # Only the page's rows and ranges and the acknowledged entries' effects changed:
                # rebase what depends on them (exactly what replaying the whole outbox would give).
                touched |= rebase(self.conn, self._user(), touched | ranges | reset)
            self._set_meta("cursor", str(int(page["cursor"])))
            self._set_meta("last_mutation_id", str(max(lmid, self.last_mutation_id)))
        return Changes.of(touched, outbox=acknowledged > 0, source="pull")

    def announce(self, changes: Changes) -> None:
        """Tells the listeners what an `apply_pull(..., emit=False)` changed."""
        self._emit(changes)

    def finish_bulk(self, *, search: bool = True, later: bool = True) -> None:
        """Builds the indexes a bulk pull skipped: the board's, then (with `search`) the search index;
        idempotent. Without `search`, `build_search` or `build_search_detached` fills it later and
        `search` falls back to LIKE until then. Without `later`, the task indexes other than the
        board's wait for `build_search*` too (`schema.LATER_INDEXES`): the engine's bootstrap."""
        if self._meta("derived") not in ("ready", "board"):
            with self._transaction():
                self._build_derived(later=later)
        elif later:
            fill_later(self.conn)
        self.conn.execute("PRAGMA wal_autocheckpoint = 1000")  # SQLite's default
        if search:
            self.build_search()

    def reset_cache(self) -> None:
        """Forgets every cached row and the cursor (410 cursor_expired), keeping the outbox, the
        rejections and client_id; pending mutations are replayed on the empty base at once."""
        with self._transaction():
            clear_cache(self.conn)
            self._set_meta("cursor", "0")
            changed = replay(self.conn, self._user(), set())
        self._emit(Changes.of(changed, source="reset"))
