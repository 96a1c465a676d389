"""The store's app face: what the app may call. The families' queries and actions, `mutate` (the
one write path they share: validation, the optimistic apply and the outbox row in one
transaction), change subscription, who is signed in, and the counts and rejections a status bar
shows. The engine's face (`_engine_face`) is not the app's: the app never pushes, pulls or moves
the cursor itself (`tests/sync/test_store_faces.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from sync.errors import InvalidMutation, SyncError
from sync.ids import now_iso
from sync.store._base import Changes, Listener, StoreBase
from sync.store._optimistic import apply_recorded
from sync.store._outbox import Rejection, rejections_of
from sync.store.families import CHECKS, Families


class AppStore(StoreBase, Families):
    """What the app may call: queries, actions, subscription (`app/core.py` hands the app this)."""

    def close(self) -> None:
        """Closes the connection once no thread writes through it: a bootstrap's page may still be
        written on a worker thread after the engine's task was cancelled (closing under it crashed)."""
        with self._writer:
            self.conn.close()

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Calls `listener(changes)` after every commit that changed something; returns an unsubscribe."""
        return self._listen(listener)

    @property
    def server_url(self) -> str | None:
        return self._meta("server_url")

    @property
    def user_id(self) -> str | None:
        return self._meta("user_id")

    @property
    def account(self) -> str | None:
        return self._meta("account")

    def mutate(self, name: str, args: dict[str, Any]) -> int:
        """Applies a protocol mutation optimistically and queues it, in one transaction; returns its id."""
        # The protocol's models (pydantic) load with the first write, not with the store: reads
        # (`keel status`, `keel tasks list`) never need them.
        from pydantic import ValidationError

        from sync.protocol import MUTATION_ARGS

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
        now = now_iso()
        with self._transaction():
            self._fresh()  # one look at `data_version` for the meta values below (the write lock is held)
            me = self._meta("user_id", fresh=True)
            if me is None:
                raise SyncError("sign in first: the store has no user yet")
            mutation_id = self._next_mutation_id(fresh=True)
            touched, recorded = apply_recorded(self.conn, me, name, clean, now, sparse=self._sparse())
            self.conn.execute(
                "INSERT INTO outbox (mutation_id, name, args, created_at, state, touched) "
                "VALUES (?, ?, ?, ?, 'pending', ?)",
                (mutation_id, name, orjson.dumps(clean).decode(), now, orjson.dumps(sorted(recorded)).decode()),
            )
            self._cached["next_mutation_id"] = str(mutation_id + 1)  # the outbox row holds it (`_NEXT_ID_SQL`)
        if self._listeners:
            self._emit(Changes.of(touched, outbox=True, source="local"))
        return mutation_id

    def pending_count(self) -> int:
        """Entries of the outbox the server has not answered yet (the status bar's "not synced")."""
        return int(self.conn.execute("SELECT count(*) FROM outbox WHERE state = 'pending'").fetchone()[0])

    def rejections(self, *, include_dismissed: bool = False) -> list[Rejection]:
        return rejections_of(self.conn, include_dismissed=include_dismissed)

    def dismiss(self, rejection_id: int | None = None) -> None:
        """Dismisses one rejection (or all of them); dismissed ones stay listable with include_dismissed."""
        with self._transaction():
            if rejection_id is None:
                self.conn.execute("UPDATE rejected SET dismissed = 1")
            else:
                self.conn.execute("UPDATE rejected SET dismissed = 1 WHERE id = ?", (rejection_id,))
        self._emit(Changes(rejections=True))
