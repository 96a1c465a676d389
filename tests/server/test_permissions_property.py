"""Permissions as a stateful property: random grants, revokes and mutations by random people, with pulls.

The model tracks who is a member of what with which role, and which tasks exist. It predicts
whether each mutation applies (the role rules of PROTOCOL.md), and after every pull checks that:

- no change names a project the person cannot see at the end of that pull;
- notifications and watches reach only their own user; user rows only people sharing a project;
- the planning extensions (PROTOCOL-2.md: `iteration`, `task_link`, `task_event`, every pull
  includes them) reach only members of their project; iteration and link mutations apply exactly
  when the role, the rows' liveness and projects, and (for `blocks`) the model's link graph allow;
- every lost project is announced in `revoked_projects` (and nothing else is);
- the person's cache (built from incremental pulls, purging revoked projects) holds exactly the
  rows a fresh pull from 0 gives, and exactly the live rows the database holds for their projects,
  so a grant's next pull carries the whole project.

Each example runs on its own SQLite file and app, built inside the state machine.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from server import tables
from server.app import create_app
from sync.protocol import MAX_TASK_DEPTH, member_id
from tests.conftest import test_settings
from tests.factories import Api, Person, new_id, unique_key

RANK = {"viewer": 0, "member": 1, "admin": 2, "owner": 3}
ROLES = st.sampled_from(list(RANK))
PROJECT_ENTITIES = ("project", "member", "status", "task", "comment", "iteration", "task_link", "task_event")
# Every pull names the planning extensions (PROTOCOL-2.md), so their rows are checked like the others.
INCLUDE = "iteration,task_link,task_event"
MAX_USERS = 4
MAX_PROJECTS = 3
PICK = st.integers(min_value=0, max_value=1000)

Key = tuple[str, str]  # (entity, id)


def project_of(entity: str, row: dict[str, Any]) -> str | None:
    if entity == "project":
        return str(row["id"])
    if entity in PROJECT_ENTITIES or entity == "notification":
        return row.get("project_id")
    return None


class Device:
    """One person's client: a cursor and a cache built only from what pulls returned."""

    def __init__(self, person: Person) -> None:
        self.person = person
        self.cache: dict[Key, dict[str, Any]] = {}
        self.lost: set[str] = set()  # projects this person lost since their last pull

    def apply(self, changes: list[dict[str, Any]], revoked: list[str]) -> None:
        for change in changes:
            row = change["row"]
            key = (change["entity"], str(row["id"]))
            if row["deleted"]:
                self.cache.pop(key, None)
            else:
                self.cache[key] = row
        if revoked:
            gone = set(revoked)
            dead_tasks = {k[1] for k, r in self.cache.items() if k[0] == "task" and r["project_id"] in gone}
            for key, row in list(self.cache.items()):
                if project_of(key[0], row) in gone or (key[0] == "watch" and row["task_id"] in dead_tasks):
                    del self.cache[key]


def fresh_view(person: Person) -> dict[Key, dict[str, Any]]:
    """Every live row this person receives when bootstrapping from cursor 0."""
    view: dict[Key, dict[str, Any]] = {}
    cursor = 0
    while True:
        page = person.pull(cursor=cursor, limit=5000, include=INCLUDE)
        for change in page["changes"]:
            row = change["row"]
            key = (change["entity"], str(row["id"]))
            if row["deleted"]:
                view.pop(key, None)
            else:
                view[key] = row
        cursor = page["cursor"]
        if not page["has_more"]:
            return view


class Permissions(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = tempfile.mkdtemp(prefix="keel-perm-")
        self.app = create_app(test_settings(f"sqlite:///{self.folder}/server.db"))
        self.client = TestClient(self.app)
        self.api = Api(self.client)
        self.devices: list[Device] = []
        self.roles: dict[str, dict[str, str]] = {}  # project -> user -> role
        self.tasks: dict[str, dict[str, Any]] = {}  # task -> {project, parent, deleted}
        self.comments: list[str] = []
        self.iterations: dict[str, dict[str, Any]] = {}  # iteration -> {project, closed}
        self.blocks: set[tuple[str, str]] = set()  # live `blocks` links (from, to)
        self.desks: set[str] = set()  # projects of kind service_desk
        self.tickets: set[str] = set()

    def teardown(self) -> None:
        self.client.close()
        self.app.state.services.db.dispose()
        shutil.rmtree(self.folder, ignore_errors=True)

    # --- helpers ---------------------------------------------------------------------------

    def device(self, i: int) -> Device:
        return self.devices[i % len(self.devices)]

    def role(self, project_id: str, user_id: str) -> str | None:
        return self.roles[project_id].get(user_id)

    def projects_of(self, user_id: str) -> set[str]:
        return {p for p, people in self.roles.items() if user_id in people}

    def shared_with(self, user_id: str) -> set[str]:
        people = {user_id}
        for p in self.projects_of(user_id):
            people.update(self.roles[p])
        return people

    def project(self, i: int) -> str:
        return list(self.roles)[i % len(self.roles)]

    def task(self, i: int) -> str:
        return list(self.tasks)[i % len(self.tasks)]

    def push(self, actor: Device, name: str, args: dict[str, Any], expect_applied: bool) -> dict[str, Any]:
        result = actor.person.do(name, args)
        assert result["status"] in ("applied", "rejected"), result
        assert (result["status"] == "applied") == expect_applied, (name, args, result, self.roles)
        return result

    def owners(self, project_id: str) -> int:
        return sum(1 for r in self.roles[project_id].values() if r == "owner")

    # --- people and projects ---------------------------------------------------------------

    @initialize()
    def first_people(self) -> None:
        for name in ("Ada", "Bo", "Cy"):
            self.devices.append(Device(self.api.person(name)))

    @precondition(lambda self: len(self.devices) < MAX_USERS)
    @rule()
    def add_person(self) -> None:
        self.devices.append(Device(self.api.person(f"P{len(self.devices)}")))

    @precondition(lambda self: len(self.roles) < MAX_PROJECTS)
    @rule(who=PICK, desk=st.booleans())
    def create_project(self, who: int, desk: bool) -> None:
        actor = self.device(who)
        pid = new_id()
        kind = "service_desk" if desk else "general"
        self.push(actor, "project.create", {"id": pid, "name": "P", "key": unique_key("Q"), "kind": kind}, True)
        self.roles[pid] = {actor.person.id: "owner"}
        if desk:  # with a viewer from the start, so the desk's rules meet every role early
            self.desks.add(pid)
            viewer = self.device(who + 1).person
            self.push(actor, "member.put", {"project_id": pid, "user_id": viewer.id, "role": "viewer"}, True)
            self.roles[pid][viewer.id] = "viewer"

    @precondition(lambda self: bool(self.roles))
    @rule(who=PICK, whom=PICK, project=PICK, role=ROLES)
    def member_put(self, who: int, whom: int, project: int, role: str) -> None:
        actor, person = self.device(who), self.device(whom).person
        pid = self.project(project)
        mine, theirs = self.role(pid, actor.person.id), self.role(pid, person.id)
        touches_owner = role == "owner" or theirs == "owner"
        ok = (
            mine is not None
            and RANK[mine] >= RANK["admin"]
            and not (touches_owner and mine != "owner")
            and not (theirs == "owner" and role != "owner" and self.owners(pid) <= 1)
        )
        self.push(actor, "member.put", {"project_id": pid, "user_id": person.id, "role": role}, ok)
        if ok:
            self.roles[pid][person.id] = role

    @precondition(lambda self: bool(self.roles))
    @rule(who=PICK, whom=PICK, project=PICK)
    def member_remove(self, who: int, whom: int, project: int) -> None:
        actor, device = self.device(who), self.device(whom)
        pid = self.project(project)
        mine, theirs = self.role(pid, actor.person.id), self.role(pid, device.person.id)
        needed = "viewer" if actor is device else "admin"  # anyone may leave; removing others needs admin
        ok = mine is not None and RANK[mine] >= RANK[needed] and theirs is not None
        if theirs == "owner":
            ok = ok and (actor is device or mine == "owner") and self.owners(pid) > 1
        self.push(actor, "member.remove", {"project_id": pid, "user_id": device.person.id}, ok)
        if ok:
            del self.roles[pid][device.person.id]
            device.lost.add(pid)

    @precondition(lambda self: bool(self.roles))
    @rule(who=PICK, project=PICK)
    def project_rename(self, who: int, project: int) -> None:
        actor, pid = self.device(who), self.project(project)
        mine = self.role(pid, actor.person.id)
        ok = mine is not None and RANK[mine] >= RANK["admin"]
        self.push(actor, "project.update", {"id": pid, "name": f"renamed by {actor.person.id[:4]}"}, ok)

    @precondition(lambda self: bool(self.roles))
    @rule(who=PICK, project=PICK, category=st.sampled_from(["todo", "doing", "done"]))
    def status_create(self, who: int, project: int, category: str) -> None:
        actor, pid = self.device(who), self.project(project)
        mine = self.role(pid, actor.person.id)
        ok = mine is not None and RANK[mine] >= RANK["admin"]
        args = {"id": new_id(), "project_id": pid, "name": "Review", "category": category}
        self.push(actor, "status.create", args, ok)

    # --- tasks, comments, watches ----------------------------------------------------------

    @precondition(lambda self: bool(self.roles))
    @rule(who=PICK, project=PICK, assignee=st.none() | PICK, parent=st.none() | PICK, sprint=st.none() | PICK)
    def task_create(self, who: int, project: int, assignee: int | None, parent: int | None, sprint: int | None) -> None:
        actor, pid = self.device(who), self.project(project)
        mine = self.role(pid, actor.person.id)
        ok = mine is not None and RANK[mine] >= RANK["member"]
        tid = new_id()
        args: dict[str, Any] = {"id": tid, "project_id": pid, "title": "T"}
        if sprint is not None and self.iterations:
            args["iteration_id"] = list(self.iterations)[sprint % len(self.iterations)]
            info = self.iterations[args["iteration_id"]]
            ok = ok and info["project"] == pid and not info["closed"]
        if assignee is not None:
            args["assignee_id"] = self.device(assignee).person.id
            ok = ok and self.role(pid, args["assignee_id"]) is not None
        parent_id = None
        if parent is not None and self.tasks:
            parent_id = self.task(parent)
            args["parent_id"] = parent_id
            info = self.tasks[parent_id]
            ok = ok and info["project"] == pid and not info["deleted"] and self.level(parent_id) < MAX_TASK_DEPTH
        self.push(actor, "task.create", args, ok)
        if ok:
            self.tasks[tid] = {
                "project": pid,
                "parent": parent_id,
                "deleted": False,
                "assignee": args.get("assignee_id"),
            }

    def level(self, task_id: str) -> int:
        """How deep a task is nested: 1 for a top-level task."""
        parent = self.tasks[task_id]["parent"]
        return 1 if parent is None else 1 + self.level(parent)

    def can_touch(self, actor: Device, task_id: str, minimum: str) -> bool:
        info = self.tasks[task_id]
        mine = self.role(info["project"], actor.person.id)
        return mine is not None and RANK[mine] >= RANK[minimum] and not info["deleted"]

    @precondition(lambda self: bool(self.tasks))
    @rule(who=PICK, task=PICK, assignee=st.none() | PICK, status=st.booleans())
    def task_update(self, who: int, task: int, assignee: int | None, status: bool) -> None:
        actor, tid = self.device(who), self.task(task)
        ok = self.can_touch(actor, tid, "member")
        changes: dict[str, Any] = {"title": f"edited {who}", "priority": "high"}
        if assignee is not None:
            changes["assignee_id"] = self.device(assignee).person.id
            if changes["assignee_id"] != self.tasks[tid]["assignee"]:
                ok = ok and self.role(self.tasks[tid]["project"], changes["assignee_id"]) is not None
        if status and ok:
            statuses = [
                row["id"]
                for (entity, _), row in actor.cache.items()
                if entity == "status" and row["project_id"] == self.tasks[tid]["project"]
            ]
            if statuses:
                changes["status_id"] = statuses[-1]
        self.push(actor, "task.update", {"id": tid, "set": changes, "labels_add": ["x"]}, ok)
        if ok and "assignee_id" in changes:
            self.tasks[tid]["assignee"] = changes["assignee_id"]

    # --- the service desk (PROTOCOL-2.md): feedback from viewers up, ticket changes from members up ---

    @precondition(lambda self: bool(self.roles))
    @rule(who=PICK, project=PICK)
    def ticket_create(self, who: int, project: int) -> None:
        actor, pid = self.device(who), self.project(project)
        mine = self.role(pid, actor.person.id)
        ok = mine is not None and pid in self.desks
        tid = new_id()
        self.push(actor, "ticket.create", {"id": tid, "project_id": pid, "title": "反馈"}, ok)
        if ok:
            self.tasks[tid] = {"project": pid, "parent": None, "deleted": False, "assignee": None}
            self.tickets.add(tid)

    @precondition(lambda self: bool(self.tickets))
    @rule(who=PICK, ticket=PICK, severity=st.integers(1, 4), insider=st.booleans())
    def ticket_update(self, who: int, ticket: int, severity: int, insider: bool) -> None:
        tid = sorted(self.tickets)[ticket % len(self.tickets)]
        # Mostly someone of the desk, so each of its roles gets to try (a stranger now and then).
        people = [d for d in self.devices if self.role(self.tasks[tid]["project"], d.person.id) is not None]
        actor = people[who % len(people)] if insider and people else self.device(who)
        ok = self.can_touch(actor, tid, "member")  # a viewer never changes a ticket
        self.push(actor, "ticket.update", {"id": tid, "set": {"severity": severity}}, ok)

    @precondition(lambda self: bool(self.tasks))
    @rule(who=PICK, task=PICK)
    def task_delete(self, who: int, task: int) -> None:
        actor, tid = self.device(who), self.task(task)
        ok = self.can_touch(actor, tid, "member")
        self.push(actor, "task.delete", {"id": tid}, ok)
        if ok:
            doomed = {tid}
            grew = True
            while grew:
                grew = False
                for other, info in self.tasks.items():
                    if info["parent"] in doomed and other not in doomed and not info["deleted"]:
                        doomed.add(other)
                        grew = True
            for other in doomed:
                self.tasks[other]["deleted"] = True
            self.blocks = {(a, b) for a, b in self.blocks if a not in doomed and b not in doomed}

    @precondition(lambda self: bool(self.tasks))
    @rule(who=PICK, task=PICK, mentions=st.lists(PICK, max_size=3))
    def comment_create(self, who: int, task: int, mentions: list[int]) -> None:
        actor, tid = self.device(who), self.task(task)
        ok = self.can_touch(actor, tid, "viewer")
        ids = sorted({self.device(m).person.id for m in mentions})
        cid = new_id()
        body = "ping @" + self.device(who + 1).person.user["email"].split("@")[0] + " please"
        self.push(actor, "comment.create", {"id": cid, "task_id": tid, "body": body, "mentions": ids}, ok)
        if ok:
            self.comments.append(cid)

    @precondition(lambda self: bool(self.tasks))
    @rule(who=PICK, task=PICK, put=st.booleans())
    def watch(self, who: int, task: int, put: bool) -> None:
        actor, tid = self.device(who), self.task(task)
        ok = self.can_touch(actor, tid, "viewer")
        self.push(actor, "watch.put" if put else "watch.remove", {"task_id": tid}, ok)

    # --- planning: iterations and task links (PROTOCOL-2.md) -------------------------------

    @precondition(lambda self: bool(self.roles))
    @rule(who=PICK, project=PICK)
    def iteration_create(self, who: int, project: int) -> None:
        actor, pid = self.device(who), self.project(project)
        mine = self.role(pid, actor.person.id)
        ok = mine is not None and RANK[mine] >= RANK["member"]
        iid = new_id()
        args = {"id": iid, "project_id": pid, "name": "S", "start_on": "2026-12-07", "end_on": "2026-12-18"}
        self.push(actor, "iteration.create", args, ok)
        if ok:
            self.iterations[iid] = {"project": pid, "closed": False}

    @precondition(lambda self: bool(self.iterations))
    @rule(who=PICK, sprint=PICK)
    def iteration_close(self, who: int, sprint: int) -> None:
        actor = self.device(who)
        iid = list(self.iterations)[sprint % len(self.iterations)]
        info = self.iterations[iid]
        mine = self.role(info["project"], actor.person.id)
        ok = mine is not None and RANK[mine] >= RANK["member"] and not info["closed"]
        self.push(actor, "iteration.close", {"id": iid}, ok)
        info["closed"] = info["closed"] or ok

    def reaches(self, start: str, goal: str) -> bool:
        seen, todo = {start}, [start]
        while todo:
            here = todo.pop()
            for a, b in self.blocks:
                if a == here and b not in seen:
                    seen.add(b)
                    todo.append(b)
        return goal in seen

    def live_tasks(self, project_id: str, at_least: int) -> list[str]:
        """The project's live tasks, created by one of its owners until there are `at_least` (so the
        rare steps that reach tasks still meet links often)."""
        found = [t for t, info in self.tasks.items() if info["project"] == project_id and not info["deleted"]]
        owner = next(d for d in self.devices if self.role(project_id, d.person.id) == "owner")
        while len(found) < at_least:
            tid = owner.person.task(project_id, "L")
            self.tasks[tid] = {"project": project_id, "parent": None, "deleted": False, "assignee": None}
            found.append(tid)
        return found

    @precondition(lambda self: bool(self.roles))
    @rule(
        who=PICK,
        insider=st.booleans(),
        project=PICK,
        links=st.lists(
            st.tuples(PICK, PICK, st.booleans(), st.sampled_from(["blocks", "blocks", "relates"]), st.booleans()),
            min_size=1,
            max_size=6,
        ),
    )
    def task_links(self, who: int, insider: bool, project: int, links: list[tuple[int, int, bool, str, bool]]) -> None:
        """A few links put or removed among a project's tasks (or with any task), by anyone or by one
        of its members: each predicted by role, liveness, project and the model's `blocks` graph."""
        pid = self.project(project)
        members = [d for d in self.devices if self.role(pid, d.person.id) is not None]
        actor = members[who % len(members)] if insider else self.device(who)
        mine = self.live_tasks(pid, 3)
        for a, b, anywhere, kind, put in links:
            source = mine[a % len(mine)]
            target = self.task(b) if anywhere else mine[b % len(mine)]  # any task: maybe elsewhere, or deleted
            ok = (
                self.can_touch(actor, source, "member")
                and self.can_touch(actor, target, "member")
                and source != target
                and self.tasks[source]["project"] == self.tasks[target]["project"]
            )
            if put and kind == "blocks" and (source, target) not in self.blocks:
                ok = ok and not self.reaches(target, source)
            args = {"from_id": source, "to_id": target, "kind": kind}
            self.push(actor, "task_link.put" if put else "task_link.remove", args, ok)
            if ok and kind == "blocks":
                (self.blocks.add if put else self.blocks.discard)((source, target))

    @rule(who=PICK, read_all=st.booleans())
    def read_notifications(self, who: int, read_all: bool) -> None:
        actor = self.device(who)
        cached = [k[1] for k in actor.cache if k[0] == "notification"]
        if read_all or not cached:
            self.push(actor, "notification.read", {"all": True}, True)
            return
        with self.app.state.services.db.read() as conn:
            deleted = conn.execute(
                sa.select(tables.notifications.c.deleted).where(tables.notifications.c.id == cached[0])
            ).scalar()
        self.push(actor, "notification.read", {"id": cached[0]}, deleted is False)

    # --- pulls and what they must show -----------------------------------------------------

    @rule(who=PICK, limit=st.sampled_from([1, 3, 10, 1000]))
    def pull(self, who: int, limit: int) -> None:
        device = self.device(who)
        person, me = device.person, device.person.id
        visible = self.projects_of(me)
        people = self.shared_with(me)
        announced: set[str] = set()
        while True:
            before = person.cursor
            page = person.pull(limit=limit, include=INCLUDE)
            seqs = [c["seq"] for c in page["changes"]]
            assert seqs == sorted(set(seqs)), seqs
            assert all(before < s <= page["cursor"] for s in seqs), (before, seqs, page["cursor"])
            assert page["cursor"] >= before
            for change in page["changes"]:
                entity, row = change["entity"], change["row"]
                assert row["seq"] == change["seq"]
                project = project_of(entity, row)
                if entity in PROJECT_ENTITIES:
                    assert project in visible, (me, entity, row, self.roles)
                elif entity in ("notification", "watch"):
                    assert row["user_id"] == me, (me, entity, row)
                elif entity == "user":
                    assert row["id"] in people, (me, row, self.roles)
            revoked = {str(p) for p in page["revoked_projects"]}
            assert not revoked & visible, (revoked, visible)
            assert revoked <= device.lost, (revoked, device.lost)
            announced |= revoked
            device.apply(page["changes"], page["revoked_projects"])
            person.cursor = page["cursor"]
            if not page["has_more"]:
                break
        assert device.lost - visible <= announced, (device.lost, visible, announced)
        device.lost.clear()
        self.check_cache(device)

    def check_cache(self, device: Device) -> None:
        """The incremental cache equals a bootstrap, which equals the database's live rows.

        User rows are never tombstoned, so a cache may keep people it no longer shares a project
        with; the pulls themselves never send them (checked in `pull`).
        """
        me = device.person.id
        fresh = fresh_view(device.person)
        assert {k: r for k, r in device.cache.items() if k[0] != "user"} == {
            k: r for k, r in fresh.items() if k[0] != "user"
        }
        for key, row in fresh.items():
            if key[0] == "user":
                assert device.cache.get(key) == row
        expected = self.database_view(me)
        got: dict[str, set[str]] = {}
        for entity, row_id in fresh:
            got.setdefault(entity, set()).add(row_id)
        assert got == expected, (me, self.roles)

    def database_view(self, me: str) -> dict[str, set[str]]:
        """The ids of every live row `me` may see, read straight from the server's tables."""
        projects = sorted(self.projects_of(me))
        out: dict[str, set[str]] = {"user": self.shared_with(me)}
        db = self.app.state.services.db
        with db.read() as conn:
            for entity, table in (
                ("project", tables.projects),
                ("member", tables.members),
                ("status", tables.statuses),
                ("task", tables.tasks),
                ("iteration", tables.iterations),
                ("task_link", tables.task_links),
            ):
                column = table.c.id if entity == "project" else table.c.project_id
                ids = conn.execute(sa.select(table.c.id).where(column.in_(projects), table.c.deleted.is_(False)))
                out[entity] = set(ids.scalars())
            out["comment"] = set(
                conn.execute(
                    sa.select(tables.comments.c.id).where(
                        tables.comments.c.project_id.in_(projects), tables.comments.c.deleted.is_(False)
                    )
                ).scalars()
            )
            events = tables.task_events  # never deleted
            out["task_event"] = set(
                conn.execute(sa.select(events.c.id).where(events.c.project_id.in_(projects))).scalars()
            )
            for entity, table in (("notification", tables.notifications), ("watch", tables.watches)):
                rows = conn.execute(
                    sa.select(table.c.id, table.c.project_id).where(table.c.user_id == me, table.c.deleted.is_(False))
                ).all()
                for row_id, project_id in rows:
                    assert project_id in projects, (entity, row_id, project_id, projects)
                out[entity] = {row_id for row_id, _ in rows}
        return {entity: ids for entity, ids in out.items() if ids}

    @invariant()
    def member_rows_match_model(self) -> None:
        if not self.roles:
            return
        with self.app.state.services.db.read() as conn:
            rows = conn.execute(
                sa.select(
                    tables.members.c.id, tables.members.c.project_id, tables.members.c.user_id, tables.members.c.role
                ).where(tables.members.c.deleted.is_(False))
            ).all()
        actual = {(p, u): r for _, p, u, r in rows}
        expected = {(p, u): r for p, people in self.roles.items() for u, r in people.items()}
        assert actual == expected
        assert all(row_id == member_id(p, u) for row_id, p, u, _ in rows)


# Shrinking a 30-step run against a real server takes many minutes; the unshrunk steps are printed
# all the same. Set KEEL_SHRINK=1 to get a minimal example when debugging a failure.
PHASES = [Phase.explicit, Phase.generate] + ([Phase.shrink] if os.environ.get("KEEL_SHRINK") == "1" else [])

Permissions.TestCase.settings = settings(
    max_examples=30,
    stateful_step_count=30,
    deadline=None,
    database=None,
    phases=PHASES,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

pytestmark = pytest.mark.slow

TestPermissions = Permissions.TestCase
