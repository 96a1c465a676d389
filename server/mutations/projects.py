"""Projects, their members and their statuses."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from server.errors import MutationRejected
from server.mutations.context import RANK, Ctx
from server.mutations.tickets import DESK, DESK_STATUSES, setup_desk
from server.tables import members, notifications, projects, statuses, tasks, users, watches
from sync import protocol as p
from sync.protocol import member_id
from sync.rules import after_last

DEFAULT_STATUSES = (("To do", "todo", False), ("Doing", "doing", False), ("Done", "done", False))


def project_create(ctx: Ctx, a: p.ProjectCreate) -> None:
    pid = str(a.id)
    ctx.require_free_id(projects, pid, "project")
    if ctx.conn.execute(sa.select(projects.c.id).where(projects.c.key == a.key)).first() is not None:
        raise MutationRejected("key_taken", f"The project key {a.key} is already in use; choose another.")
    ctx.insert(
        "project",
        projects,
        {
            "id": pid,
            "name": a.name,
            "key": a.key,
            "kind": a.kind,
            "description": a.description,
            "archived": False,
            "calendar": "cn",
            "next_number": 1,
            "deleted": False,
        },
    )
    ctx.insert(
        "member",
        members,
        {"id": member_id(pid, ctx.actor), "project_id": pid, "user_id": ctx.actor, "role": "owner", "deleted": False},
    )
    desk = a.kind == DESK
    for n, (name, category, pauses) in enumerate(DESK_STATUSES if desk else DEFAULT_STATUSES):
        ctx.insert(
            "status",
            statuses,
            {
                "id": str(uuid.uuid4()),
                "project_id": pid,
                "name": name,
                "category": category,
                "position": f"a{n}",
                "deleted": False,
                "pauses_sla": pauses,
            },
        )
    if desk:
        setup_desk(ctx, pid)
    ctx.forget_roles()


def project_update(ctx: Ctx, a: p.ProjectUpdate) -> None:
    project = ctx.project_for(str(a.id), "admin", allow_archived=True)
    values = a.model_dump(
        include={"name", "description", "archived", "calendar"}, exclude_unset=True, exclude_none=True
    )
    if project["archived"] and values.get("archived") is not False:
        raise MutationRejected("project_archived", "The project is archived; unarchive it first.")
    ctx.update("project", projects, project, values)


def _owners(ctx: Ctx, project_id: str) -> int:
    return int(
        ctx.conn.execute(
            sa.select(sa.func.count())
            .select_from(members)
            .where(members.c.project_id == project_id, members.c.role == "owner", members.c.deleted.is_(False))
        ).scalar_one()
    )


def member_put(ctx: Ctx, a: p.MemberPut) -> None:
    pid, uid = str(a.project_id), str(a.user_id)
    ctx.project_for(pid, "admin")
    my_role = ctx.role(pid) or "viewer"
    if ctx.get(users, uid) is None:
        raise MutationRejected("unknown_user", "No user has this id.")
    mid = member_id(pid, uid)
    old = ctx.get(members, mid)
    live = old is not None and not old["deleted"]
    touches_owner = a.role == "owner" or (live and old is not None and old["role"] == "owner")
    if touches_owner and my_role != "owner":
        raise MutationRejected("forbidden", "Only an owner may grant or change the owner role.")
    if live and old is not None:
        if old["role"] == "owner" and a.role != "owner" and _owners(ctx, pid) <= 1:
            raise MutationRejected("last_owner", "The last owner cannot be demoted; make someone else owner first.")
        if old["role"] != a.role:
            ctx.update("member", members, old, {"role": a.role})
        ctx.forget_roles()
        return
    row = {"id": mid, "project_id": pid, "user_id": uid, "role": a.role, "deleted": False}
    if old is None:
        ctx.insert("member", members, row)
    else:
        ctx.update("member", members, old, {"role": a.role, "deleted": False})
    # A grant: the new member's next pull must carry the whole project and everyone in it.
    ctx.tx.reseq_project(pid)
    ctx.tx.reseq_users(
        ctx.conn.execute(
            sa.select(members.c.user_id).where(members.c.project_id == pid, members.c.deleted.is_(False))
        ).scalars()
    )
    ctx.forget_roles()


def member_remove(ctx: Ctx, a: p.MemberRemove) -> None:
    pid, uid = str(a.project_id), str(a.user_id)
    if uid == ctx.actor:
        ctx.project_for(pid, "viewer", allow_archived=True)
    else:
        ctx.project_for(pid, "admin")
    old = ctx.get(members, member_id(pid, uid))
    if old is None or old["deleted"]:
        raise MutationRejected("not_found", "This person is not a member of the project.")
    if old["role"] == "owner":
        if uid != ctx.actor and ctx.role(pid) != "owner":
            raise MutationRejected("forbidden", "Only an owner may remove an owner.")
        if _owners(ctx, pid) <= 1:
            raise MutationRejected("last_owner", "The last owner cannot leave or be removed.")
    ctx.update("member", members, old, {"deleted": True})
    ctx.tx.revoke(uid, pid)
    # Their private rows of the project go too: watches and notifications.
    for table, entity in ((watches, "watch"), (notifications, "notification")):
        rows = ctx.conn.execute(
            sa.select(table).where(table.c.user_id == uid, table.c.project_id == pid, table.c.deleted.is_(False))
        ).mappings()
        for row in list(rows):
            ctx.update(entity, table, dict(row), {"deleted": True})
    ctx.forget_roles()


def status_create(ctx: Ctx, a: p.StatusCreate) -> None:
    pid = str(a.project_id)
    ctx.project_for(pid, "admin")
    ctx.require_free_id(statuses, str(a.id), "status")
    position = a.position
    if position is None:
        last = ctx.conn.execute(
            sa.select(sa.func.max(statuses.c.position)).where(
                statuses.c.project_id == pid, statuses.c.deleted.is_(False)
            )
        ).scalar_one_or_none()
        position = after_last(last)
    ctx.insert(
        "status",
        statuses,
        {
            "id": str(a.id),
            "project_id": pid,
            "name": a.name,
            "category": a.category,
            "position": position,
            "deleted": False,
            "pauses_sla": a.pauses_sla,
        },
    )


def _status_for(ctx: Ctx, status_id: str) -> dict[str, object]:
    status = ctx.get(statuses, status_id)
    if status is None or ctx.role(str(status["project_id"])) is None:
        raise MutationRejected("not_found", "The status does not exist or you cannot see it.")
    ctx.project_for(str(status["project_id"]), "admin")
    if status["deleted"]:
        raise MutationRejected("status_deleted", "The status was deleted.")
    return status


def status_update(ctx: Ctx, a: p.StatusUpdate) -> None:
    status = _status_for(ctx, str(a.id))
    values = a.model_dump(include={"name", "category", "position", "pauses_sla"}, exclude_unset=True, exclude_none=True)
    ctx.update("status", statuses, status, values)


def status_delete(ctx: Ctx, a: p.IdOnly) -> None:
    status = _status_for(ctx, str(a.id))
    in_use = ctx.conn.execute(
        sa.select(tasks.c.id).where(tasks.c.status_id == status["id"], tasks.c.deleted.is_(False)).limit(1)
    ).first()
    if in_use is not None:
        raise MutationRejected("status_in_use", "Tasks still use this status; move them first.")
    left = ctx.conn.execute(
        sa.select(sa.func.count())
        .select_from(statuses)
        .where(statuses.c.project_id == status["project_id"], statuses.c.deleted.is_(False))
    ).scalar_one()
    if left <= 1:
        raise MutationRejected("last_status", "A project needs at least one status.")
    ctx.update("status", statuses, status, {"deleted": True})


def at_least(role: str | None, minimum: str) -> bool:
    return role is not None and RANK[role] >= RANK[minimum]
