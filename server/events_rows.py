"""Changes on the event stream (docs/protocol.md, "Changes on the event stream"): a commit's rows,
filtered for each stream by the pull's own filter, so a client whose cursor is where the commit
began applies them without a pull.

A `Commit` is read from the feed inside the writer's transaction. It carries rows only when it is
simple: no membership changed (no `member` row, no revocation, so no re-sequenced grant) and it is
small. Anything else is a plain poke, and the client pulls.

Each stream keeps its own `known` cursor: everything visible to its user up to there has been
announced on it. The broker (server/events.py) orders the commits it hears into a chain; while the
chain has no gap, a commit the user cannot see never reached the stream and had nothing for it,
so the next event may say `from` = `known` and the client's cursor still matches.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import orjson

from server.rawsql import Raw

# (entity, seq, scope, row_id, body): a feed row as stored, body without `seq`.
FeedRow = tuple[str, int, str, str, str]

MAX_ROWS = 100  # a larger commit (a bulk move, an import) is a plain poke
MAX_BODY_BYTES = 64_000
MAX_PENDING = 16  # commits waiting on one slow stream before they collapse into a plain poke


@dataclass(frozen=True)
class Commit:
    """One writer transaction that committed: seq went from `start` to `cursor`."""

    start: int
    cursor: int
    rows: tuple[FeedRow, ...] | None  # None: poke only
    grants: bool  # it may have changed who sees what: every stream's visibility is stale after it


def commit_of(raw: Raw, start: int, cursor: int, revoked: bool) -> Commit:
    """The commit being made in `raw`'s transaction (call it after `Tx.finish()`, before commit)."""
    if revoked:
        return Commit(start, cursor, None, True)
    rows = raw.execute(
        "SELECT entity, seq, scope, row_id, body FROM feed WHERE seq > :a AND seq <= :b ORDER BY seq LIMIT :n",
        {"a": start, "b": cursor, "n": MAX_ROWS + 1},
    ).fetchall()
    grants = any(r[0] == "member" for r in rows)
    if grants or len(rows) > MAX_ROWS or sum(len(r[4]) for r in rows) > MAX_BODY_BYTES:
        return Commit(start, cursor, None, grants or len(rows) > MAX_ROWS)
    return Commit(start, cursor, tuple((str(e), int(s), str(sc), str(i), str(b)) for e, s, sc, i, b in rows), False)


def commit_payload(commit: Commit) -> dict[str, object]:
    """The commit's part of a NOTIFY payload (PostgreSQL: other processes' streams)."""
    return {"start": commit.start, "rows": commit.rows, "grants": commit.grants}


def commit_from_payload(data: dict[str, object], cursor: int) -> Commit | None:
    """The commit a NOTIFY payload describes, or None for a bare poke."""
    start, rows = data.get("start"), data.get("rows")
    if not isinstance(start, int):
        return None
    parsed = None
    if isinstance(rows, list):
        parsed = tuple((str(e), int(s), str(sc), str(i), str(b)) for e, s, sc, i, b in rows)
    return Commit(start, cursor, parsed, bool(data.get("grants", True)))


@dataclass(frozen=True)
class Visibility:
    """The scopes one user's pulls read (the pull's filter, `visible_scopes`), as of `seq`."""

    scopes: frozenset[str]
    seq: int


@dataclass(frozen=True)
class Link:
    """A commit as the broker heard it: `base` is where its gap-free chain of commits starts, and
    `grants` the end of the last commit in it that may have changed visibility."""

    commit: Commit
    base: int
    grants: int


@dataclass
class _Piece:
    start: int | None  # None: a plain poke
    cursor: int
    rows: list[FeedRow] | None


@dataclass
class StreamRows:
    """One opted-in stream's side: its own cursor, its user's visibility and the pieces to send."""

    visibility: Visibility | None
    known: int
    stale: bool = False  # the visibility must be read again
    pending: list[_Piece] = field(default_factory=list)

    def take(self, cursor: int, link: Link | None) -> None:
        """A poke for this stream (on its loop, in the order the broker heard them)."""
        if link is None:
            self.pending.append(_Piece(None, cursor, None))
            self.known = max(self.known, cursor)
            return
        commit, vis = link.commit, self.visibility
        rows = None
        # The visibility holds for this commit when no commit that may change it lies between the
        # visibility's read and this commit, in a chain without gaps: else a poke, and read it again.
        if vis is None or link.grants > vis.seq or link.base > vis.seq:
            self.stale = True
        elif commit.rows is not None and vis.seq <= commit.start:
            rows = [r for r in commit.rows if r[2] in vis.scopes]
        start = self.known if link.base <= self.known <= commit.start else commit.start
        self.pending.append(_Piece(start, commit.cursor, rows))
        self.known = max(self.known, commit.cursor)
        if len(self.pending) > MAX_PENDING:  # a stream that cannot keep up: one plain poke, as in v1
            self.pending = [_Piece(None, max(p.cursor for p in self.pending), None)]

    def frame_data(self, sent: int) -> dict[str, object] | bytes:
        """What to send for the pieces waiting (all newer than `sent`): the changes of one gap-free
        run as a JSON body, or a plain poke's data."""
        pieces = [p for p in self.pending if p.cursor > sent]
        self.pending.clear()
        newest = max((p.cursor for p in pieces), default=sent)
        first = pieces[0] if pieces else None
        if first is None or first.start is None or first.rows is None:
            return {"cursor": newest}
        rows: dict[tuple[str, str], FeedRow] = {}
        at = first.start
        for piece in pieces:
            if piece.start != at or piece.rows is None:
                return {"cursor": newest}
            rows.update(((r[0], r[3]), r) for r in piece.rows)
            at = piece.cursor
        changes = ",".join(
            f'{{"entity":{orjson.dumps(e).decode()},"seq":{s},"row":{{"seq":{s},{body[1:]}}}'
            for e, s, _, _, body in sorted(rows.values(), key=lambda r: r[1])
        )
        return b'{"cursor":%d,"from":%d,"changes":[%s]}' % (newest, first.start, changes.encode())
