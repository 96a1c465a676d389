"""Comments (insert-only for everyone but their author) and @mentions."""

from __future__ import annotations

import unicodedata

import orjson
import sqlalchemy as sa

from server.errors import MutationRejected
from server.mutations.context import RANK, Ctx, Row
from server.mutations.desk_sla import ticket_of
from server.mutations.notify import notify, put_watch, watchers
from server.tables import comments, members, tickets, users
from sync import protocol as p

# Characters an email's local part often holds inside it (wang.wei, li_na, ann-marie, bob+qa).
_JOINERS = frozenset("._-+")


def _ends_name(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch).startswith("P")


def _mention_names(body: str) -> list[tuple[str, str]]:
    """Each `@name` as (long, short) candidates, casefolded.

    `short` runs to the next whitespace or Unicode punctuation, as the protocol says (so `@王伟，`
    names 王伟). `long` also runs over `.`, `_`, `-` and `+` between name characters, so a local
    part like `wang.wei` can be mentioned; it is tried first and `short` only when it matches no one.
    """
    names: list[tuple[str, str]] = []
    i = 0
    while True:
        i = body.find("@", i)
        if i < 0:
            return names
        if i > 0 and body[i - 1].isascii() and body[i - 1].isalnum():
            i += 1  # the @ of an email address, not a mention (请@王伟 still mentions)
            continue
        j = i + 1
        while j < len(body) and not _ends_name(body[j]):
            j += 1
        k = j
        while k + 1 < len(body) and body[k] in _JOINERS and not _ends_name(body[k + 1]):
            k += 2
            while k < len(body) and not _ends_name(body[k]):
                k += 1
        if j > i + 1:
            names.append((body[i + 1 : k].casefold(), body[i + 1 : j].casefold()))
        i = max(j, i + 1)


def resolve_mentions(ctx: Ctx, project_id: str, body: str, given: list[str]) -> list[str]:
    """The union of `@name`s in the body and the given ids, kept to the project's members."""
    rows = ctx.conn.execute(
        sa.select(users.c.id, users.c.email, users.c.display_name)
        .join(members, members.c.user_id == users.c.id)
        .where(members.c.project_id == project_id, members.c.deleted.is_(False))
    ).all()
    handles: dict[str, set[str]] = {}
    for user_id, email, display_name in rows:
        for handle in (email.split("@", 1)[0].casefold(), "".join(display_name.split()).casefold()):
            handles.setdefault(handle, set()).add(user_id)
    named: set[str] = set()
    for long, short in _mention_names(body):
        named |= handles.get(long) or handles.get(short) or set()
    found = [user_id for user_id, _, _ in rows if user_id in given or user_id in named]
    order = {uid: i for i, uid in enumerate(given)}
    return sorted(found, key=lambda uid: (order.get(uid, len(order)), uid))


def _visibility(ctx: Ctx, project_id: str, given: str | None) -> str:
    """`internal` by default in a service desk, `public` elsewhere, where `internal` is refused."""
    desk = ctx.project_for(project_id, "viewer")["kind"] == "service_desk"
    if given == "internal" and not desk:
        raise MutationRejected("validation_error", "Internal comments exist only in a service desk.",
                               [{"loc": ["visibility"]}])  # fmt: skip
    return given or ("internal" if desk else "public")


def comment_create(ctx: Ctx, a: p.CommentCreate) -> None:
    task = ctx.task_for(str(a.task_id), "viewer")
    ctx.require_free_id(comments, str(a.id), "comment")
    visibility = _visibility(ctx, task["project_id"], a.visibility)
    mentions = resolve_mentions(ctx, task["project_id"], a.body, [str(m) for m in a.mentions])
    ctx.insert(
        "comment",
        comments,
        {
            "id": str(a.id),
            "task_id": task["id"],
            "project_id": task["project_id"],
            "author_id": ctx.actor,
            "body": a.body,
            "mentions": orjson.dumps(mentions).decode(),
            "created_at": ctx.now,
            "edited_at": None,
            "deleted": False,
            "visibility": visibility,
            "author_name": None,
        },
    )
    if visibility == "public" and at_least(ctx.role(task["project_id"]), "member"):
        first_response(ctx, task["id"])
    mentioned = notify(ctx, "mentioned", task, mentions)
    others = [task["reporter_id"], task["assignee_id"], *watchers(ctx, task["id"])]
    notify(ctx, "commented", task, [u for u in others if u not in mentioned])
    put_watch(ctx, task, ctx.actor)


def at_least(role: str | None, minimum: str) -> bool:
    return role is not None and RANK[role] >= RANK[minimum]


def first_response(ctx: Ctx, task_id: str) -> None:
    """A member's first public comment on a ticket meets its first-response target (set once)."""
    ticket = ticket_of(ctx, task_id)
    if ticket is not None and ticket["first_response_at"] is None:
        ctx.update("ticket", tickets, ticket, {"first_response_at": ctx.now})


def _own_comment(ctx: Ctx, comment_id: str) -> tuple[Row, Row]:
    comment = ctx.get(comments, comment_id)
    if comment is None or ctx.role(comment["project_id"]) is None:
        raise MutationRejected("not_found", "The comment does not exist or you cannot see it.")
    task = ctx.task_for(comment["task_id"], "member")
    if comment["author_id"] != ctx.actor:
        raise MutationRejected("forbidden", "Only its author may edit or delete a comment.")
    if comment["deleted"]:
        raise MutationRejected("comment_deleted", "The comment was deleted.")
    return comment, task


def comment_update(ctx: Ctx, a: p.CommentUpdate) -> None:
    comment, task = _own_comment(ctx, str(a.id))
    before = set(orjson.loads(comment["mentions"]))
    mentions = resolve_mentions(ctx, task["project_id"], a.body, [])
    ctx.update(
        "comment",
        comments,
        comment,
        {"body": a.body, "mentions": orjson.dumps(mentions).decode(), "edited_at": ctx.now},
    )
    notify(ctx, "mentioned", task, [m for m in mentions if m not in before])


def comment_delete(ctx: Ctx, a: p.IdOnly) -> None:
    comment, _ = _own_comment(ctx, str(a.id))
    ctx.update("comment", comments, comment, {"deleted": True})
