"""Project settings as plain data: what my role lets me do (PROTOCOL.md's role rules), the statuses
with what each one's deletion would run into, the members with the roles I may give them, and
the server's refusals of settings edits. The screen draws this and hides what the role cannot do.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, get_args

from fractional_indexing import generate_key_between, generate_n_keys_between

from sync.protocol import Role, StatusCategory
from sync.store import Rejection, Store, local_status_id

ROLES: tuple[str, ...] = get_args(Role)  # owner, admin, member, viewer: most rights first
CATEGORIES: tuple[str, ...] = get_args(StatusCategory)
RANK = {role: len(ROLES) - i for i, role in enumerate(ROLES)}
MANAGERS = ROLES[:2]  # owner and admin: update the project, manage statuses and members
OWNER = ROLES[0]
SETTINGS_MUTATIONS = (
    "project.update",
    "member.put",
    "member.remove",
    "status.create",
    "status.update",
    "status.delete",
)
_PLACEHOLDER_STATUSES = 3  # a new project's default statuses until the server's arrive

# People found by email in this process (user id -> {id, email, display_name}): a member just added
# shows by name before the server's grant brings their user row.
found_people: dict[str, dict[str, Any]] = {}


def manages(role: str | None) -> bool:
    return role in MANAGERS


def can_edit_tasks(project: Mapping[str, Any] | None, role: str | None) -> bool:
    """Whether the board and the task detail take edits: a member or more, in a project that is not
    archived (the server refuses everything in an archived project but its unarchiving)."""
    return project is not None and not project.get("archived") and role in ROLES[:3]


def role_choices(me: str | None, target: str, owners: int) -> list[str]:
    """The roles I may give a member whose role is `target` (empty: I may not change it). Only an
    owner may grant or take away `owner`; the last owner keeps it."""
    if not manages(me):
        return []
    if target == OWNER and (me != OWNER or owners <= 1):
        return []
    return [r for r in ROLES if me == OWNER or r != OWNER]


def may_remove(me: str | None, target: str, owners: int, *, is_me: bool) -> bool:
    """Whether I may take this member off the project (myself: leaving, which any role may)."""
    if target == OWNER and owners <= 1:
        return False
    if is_me:
        return me is not None
    if not manages(me):
        return False
    return target != OWNER or me == OWNER


@dataclass(frozen=True)
class StatusLine:
    id: str
    name: str
    category: str
    position: str
    tasks: int  # cards in this status, as the cache knows
    pending: bool
    placeholder: bool  # a default status of a project the server has not confirmed: not editable yet

    def delete_problem(self, statuses: int) -> str | None:
        """Why this status cannot go: 'in_use' (tasks use it), 'last_status', 'placeholder'."""
        if self.placeholder:
            return "placeholder"
        if self.tasks:
            return "in_use"
        if statuses <= 1:
            return "last_status"
        return None


@dataclass(frozen=True)
class MemberLine:
    user_id: str
    name: str
    email: str
    role: str
    is_me: bool
    pending: bool
    choices: tuple[str, ...]  # roles I may set; empty when I may not change it
    removable: bool


@dataclass
class SettingsView:
    project: dict[str, Any]
    role: str | None
    statuses: list[StatusLine] = field(default_factory=list)
    members: list[MemberLine] = field(default_factory=list)

    @property
    def can_manage(self) -> bool:
        """Edit the name, statuses and members: owner or admin, and the project not archived (an
        archived project accepts only its unarchiving)."""
        return manages(self.role) and not self.project.get("archived")

    @property
    def can_archive(self) -> bool:
        return manages(self.role)

    @property
    def owners(self) -> int:
        return sum(1 for m in self.members if m.role == OWNER)


def settings_view(
    store: Store, project_id: str, known: Mapping[str, Mapping[str, Any]] | None = None
) -> SettingsView | None:
    """Everything the settings screen shows; None when the project is not (or no longer) in the
    cache. `known` holds people found by email whose user row has not arrived yet."""
    project = store.project(project_id)
    if project is None:
        return None
    me = store.user_id
    role = store.role(project_id)
    view = SettingsView(project, role)
    counts = store.column_counts(project_id)
    placeholders = {local_status_id(project_id, n) for n in range(_PLACEHOLDER_STATUSES)}
    view.statuses = [
        StatusLine(
            s["id"],
            s["name"],
            s["category"],
            s["position"],
            counts.get(s["id"], 0),
            bool(s.get("pending")),
            s["id"] in placeholders,
        )
        for s in store.statuses(project_id)
    ]
    rows = store.members(project_id)
    owners = sum(1 for m in rows if m["role"] == OWNER)
    members = []
    for m in rows:
        person = store.user(m["user_id"]) or (known or {}).get(m["user_id"]) or {}
        is_me = m["user_id"] == me
        members.append(
            MemberLine(
                m["user_id"],
                str(person.get("display_name") or ""),
                str(person.get("email") or ""),
                m["role"],
                is_me,
                bool(m.get("pending")),
                () if is_me and view.project.get("archived") else tuple(role_choices(role, m["role"], owners)),
                may_remove(role, m["role"], owners, is_me=is_me),
            )
        )
    members.sort(key=lambda m: (-RANK.get(m.role, 0), not m.is_me, m.name or "\uffff", m.user_id))
    if view.project.get("archived"):  # the server accepts nothing but unarchiving, and leaving
        members = [replace(m, choices=(), removable=m.removable and m.is_me) for m in members]
    view.members = members
    return view


def moved_positions(statuses: list[StatusLine], index: int, delta: int) -> dict[str, str]:
    """status id -> new position that moves status `index` by `delta` places (-1 up, +1 down):
    one position between its new neighbours, or fresh positions for all when they tie."""
    target = index + delta
    if not (0 <= index < len(statuses) and 0 <= target < len(statuses)) or delta == 0:
        return {}
    order = [s for i, s in enumerate(statuses) if i != index]
    order.insert(target, statuses[index])
    low = order[target - 1].position if target > 0 else None
    high = order[target + 1].position if target + 1 < len(order) else None
    try:
        return {statuses[index].id: str(generate_key_between(low, high))}
    except Exception:  # equal or foreign keys around it: renumber the column order
        keys = generate_n_keys_between(None, None, len(order))
        return {s.id: str(k) for s, k in zip(order, keys, strict=True) if s.position != k}


def rejections_of(store: Store, project_id: str) -> list[Rejection]:
    """The server's refusals of settings edits in this project, not yet dismissed (a status in use,
    the last owner, a key taken, …), newest first."""
    statuses = {s["id"] for s in store.statuses(project_id)}
    out = []
    for r in store.rejections():
        if r.name not in (*SETTINGS_MUTATIONS, "project.create"):
            continue
        args = r.args
        if project_id in (args.get("project_id"), args.get("id")) or args.get("id") in statuses:
            out.append(r)
    return out[::-1]
