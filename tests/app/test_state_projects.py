"""A new project's key and form, and the project settings' rules (roles, statuses, members), on a
real SQLite store with no browser."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from app.state.project_settings import (
    ROLES,
    StatusLine,
    can_edit_tasks,
    may_remove,
    moved_positions,
    rejections_of,
    role_choices,
    settings_view,
)
from app.state.projects import (
    KINDS,
    NewProject,
    key_base,
    key_problem,
    normalise_key,
    refused_creations,
    retry_form,
    suggest_key,
    taken_keys,
)
from sync.protocol import ProjectKind
from sync.store import Store
from tests.app.moments import tid
from tests.sync import factories as f

PID = "0190a000-0000-7000-8000-0000000000a1"
TODO, DOING, DONE, EMPTY = (f"0190a000-0000-7000-8000-0000000000b{n}" for n in (1, 2, 3, 4))
THIRD = "0190a000-0000-7000-8000-000000000003"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("产品迭代", "CPDD"),
        ("2024 双十一大促", "SSYDC"),  # digits are not key letters
        ("重庆门店", "CQMD"),  # the phrase reading (chóng), not zhòng
        ("用户反馈工单台", "YHFKGD"),  # at most six letters
        ("Keel App", "KA"),
        ("Marketing", "MARK"),
        ("APP 改版", "APPGB"),  # an acronym stays whole
        ("Café Crème", "CC"),
        ("😀", "PRJ"),
        ("x", "PRJ"),
    ],
)
def test_key_base(name: str, expected: str) -> None:
    assert key_base(name) == expected


def test_suggested_key_is_free_in_the_cache() -> None:
    assert suggest_key("产品迭代", {"APP"}) == "CPDD"
    assert suggest_key("产品迭代", {"CPDD"}) == "CPDDA"
    assert suggest_key("产品迭代", {"CPDD", "CPDDA", "CPDDB"}) == "CPDDC"


def test_key_checks() -> None:
    assert normalise_key("ap-p 2é") == "APPE"
    assert key_problem("", set()) == "empty"
    assert key_problem("A", set()) == "format"
    assert key_problem("ABCDEFGHIJK", set()) == "format"
    assert key_problem("APP", {"APP"}) == "taken"
    assert key_problem("APPX", {"APP"}) is None


def test_kinds_come_from_the_protocol() -> None:
    from typing import get_args

    assert set(KINDS) == set(get_args(ProjectKind)) and KINDS[0] == "product"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """APP (I own it, 李娜 is a member) with three statuses and one task in 待办, and an empty fourth."""
    s = Store.open(tmp_path / "s.db")
    s.set_account("http://keel.test", f.ME, "wangwei@example.com")
    s.apply_pull(
        f.page(
            f.user(),
            f.user(f.OTHER, "李娜", "lina@example.com"),
            f.project(PID, "APP", "产品迭代"),
            f.member(PID),
            f.member(PID, f.OTHER, "member"),
            f.status(PID, TODO, "待办", "todo", "a0"),
            f.status(PID, DOING, "进行中", "doing", "a1"),
            f.status(PID, DONE, "已完成", "done", "a2"),
            f.status(PID, EMPTY, "归档区", "done", "a3"),
            f.task(PID, TODO, tid(1), title="修复登录页闪退"),
        )
    )
    yield s
    s.close()


def test_the_key_follows_the_name_until_typed(store: Store) -> None:
    taken = taken_keys(store)
    form = NewProject().with_name("产品迭代", taken)
    assert form.key == "CPDD"
    form = form.with_name("Keel App", taken)
    assert form.key == "KA"
    form = form.with_key("keel").with_name("别的名字", taken)
    assert form.key == "KEEL" and form.key_typed


def test_create_checks_the_key_offline_then_queues_project_create(store: Store) -> None:
    taken = taken_keys(store)
    form = NewProject(kind="campaign").with_name("双十一", taken).with_key("app")
    assert form.problems(taken) == {"key": "taken"}
    assert form.create(store) is None and store.outbox() == []
    form = form.with_key("DOUBLE")
    project_id = form.create(store)
    assert project_id is not None
    [entry] = store.outbox()
    assert entry.name == "project.create"
    assert entry.args == {"id": project_id, "name": "双十一", "key": "DOUBLE", "kind": "campaign", "description": ""}
    assert store.role(project_id) == "owner"
    view = settings_view(store, project_id)
    assert view is not None and [s.placeholder for s in view.statuses] == [True, True, True]
    assert view.statuses[0].delete_problem(3) == "placeholder"


def test_a_blank_name_is_a_problem() -> None:
    assert NewProject().with_name("   ", set()).problems(set()) == {"name": "empty", "key": "empty"}


@pytest.mark.parametrize(
    ("me", "target", "owners", "expected"),
    [
        ("owner", "member", 1, list(ROLES)),
        ("owner", "owner", 2, list(ROLES)),
        ("owner", "owner", 1, []),  # the last owner cannot be demoted
        ("admin", "member", 1, ["admin", "member", "viewer"]),  # only an owner grants owner
        ("admin", "owner", 2, []),  # nor changes an owner
        ("member", "viewer", 1, []),
        ("viewer", "member", 1, []),
        (None, "member", 1, []),
    ],
)
def test_role_choices(me: str | None, target: str, owners: int, expected: list[str]) -> None:
    assert role_choices(me, target, owners) == expected


@pytest.mark.parametrize(
    ("me", "target", "owners", "is_me", "expected"),
    [
        ("owner", "member", 1, False, True),
        ("admin", "viewer", 1, False, True),
        ("admin", "owner", 2, False, False),  # only an owner removes an owner
        ("owner", "owner", 2, False, True),
        ("owner", "owner", 1, True, False),  # the last owner cannot leave
        ("owner", "owner", 2, True, True),
        ("viewer", "viewer", 1, True, True),  # anyone may leave
        ("member", "viewer", 1, False, False),
    ],
)
def test_may_remove(me: str, target: str, owners: int, is_me: bool, expected: bool) -> None:
    assert may_remove(me, target, owners, is_me=is_me) is expected


def test_settings_view_as_the_owner(store: Store) -> None:
    view = settings_view(store, PID)
    assert view is not None and view.can_manage and view.can_archive and view.owners == 1
    assert [(m.name, m.role, m.is_me, m.removable) for m in view.members] == [
        ("王伟", "owner", True, False),  # the last owner: cannot leave, cannot be demoted
        ("李娜", "member", False, True),
    ]
    assert view.members[0].choices == () and view.members[1].choices == tuple(ROLES)
    problems = [s.delete_problem(len(view.statuses)) for s in view.statuses]
    assert problems == ["in_use", None, None, None]
    assert view.statuses[0].tasks == 1


def test_settings_view_as_a_member_shows_no_controls(store: Store) -> None:
    store.apply_pull(f.page(f.member(PID, f.ME, "member"), f.member(PID, f.OTHER, "owner")))
    view = settings_view(store, PID)
    assert view is not None and not view.can_manage and not view.can_archive
    me = next(m for m in view.members if m.is_me)
    other = next(m for m in view.members if not m.is_me)
    assert me.removable and me.choices == ()  # leaving is always possible
    assert not other.removable and other.choices == ()


def test_an_archived_project_takes_only_unarchiving_and_leaving(store: Store) -> None:
    store.update_project(PID, archived=True)
    view = settings_view(store, PID)
    assert view is not None and view.project["archived"] and not view.can_manage and view.can_archive
    assert all(m.choices == () for m in view.members)
    assert [m.removable for m in view.members] == [False, False]  # last owner; 李娜 only by herself


def test_an_archived_project_takes_no_task_edits(store: Store) -> None:
    project = store.project(PID)
    assert can_edit_tasks(project, "member") and not can_edit_tasks(project, "viewer")
    store.update_project(PID, archived=True)
    assert not can_edit_tasks(store.project(PID), "owner")
    assert not can_edit_tasks(None, "owner")


def test_a_member_added_by_email_shows_the_name_found(store: Store) -> None:
    store.put_member(PID, THIRD, "viewer")
    known = {THIRD: {"id": THIRD, "display_name": "张强", "email": "zhangqiang@example.com"}}
    view = settings_view(store, PID, known)
    assert view is not None
    added = next(m for m in view.members if m.user_id == THIRD)
    assert (added.name, added.email, added.role, added.pending) == ("张强", "zhangqiang@example.com", "viewer", True)


def line(sid: str, position: str) -> StatusLine:
    return StatusLine(sid, sid, "todo", position, 0, False, False)


def test_moving_a_status_puts_it_between_its_new_neighbours() -> None:
    lines = [line("a", "a0"), line("b", "a1"), line("c", "a2")]
    [(moved, position)] = moved_positions(lines, 2, -1).items()
    assert moved == "c" and "a0" < position < "a1"
    [(moved, position)] = moved_positions(lines, 0, -1).items() or [("none", "")]
    assert moved == "none"  # already first
    [(moved, position)] = moved_positions(lines, 0, 1).items()
    assert moved == "a" and "a1" < position < "a2"


def test_moving_among_tied_positions_renumbers() -> None:
    lines = [line("a", "a0"), line("b", "a0"), line("c", "a0")]
    changed = moved_positions(lines, 2, -1)
    order = sorted("abc", key=lambda s: changed.get(s, "a0"))
    assert order == ["a", "c", "b"]


def test_reordering_and_renaming_statuses_through_the_store(store: Store) -> None:
    view = settings_view(store, PID)
    assert view is not None
    for status_id, position in moved_positions(view.statuses, 3, -2).items():
        store.update_status(status_id, position=position)
    store.update_status(DOING, name="开发中", category="doing")
    assert [s["name"] for s in store.statuses(PID)] == ["待办", "归档区", "开发中", "已完成"]


def test_the_servers_refusal_shows_in_the_projects_settings(store: Store) -> None:
    store.delete_status(DOING)
    assert all(s["id"] != DOING for s in store.statuses(PID))
    [entry] = store.outbox()
    error = {"code": "status_in_use", "message": "Tasks use this status."}
    store.record_push(
        {
            "last_mutation_id": entry.mutation_id,
            "results": [{"mutation_id": entry.mutation_id, "status": "rejected", "error": error}],
        }
    )
    assert any(s["id"] == DOING for s in store.statuses(PID))  # rolled back
    [refusal] = rejections_of(store, PID)
    assert (refusal.name, refusal.code) == ("status.delete", "status_in_use")
    assert rejections_of(store, "0190a000-0000-7000-8000-0000000000ff") == []


def test_a_key_taken_on_the_server_comes_back_with_a_new_suggestion(store: Store) -> None:
    # The cache knows only my projects: 李娜's CPDD elsewhere is news to it until the server says so.
    project_id = NewProject(kind="service_desk", description="反馈").with_name("产品迭代", set()).create(store)
    assert project_id is not None and store.project(project_id) is not None
    [entry] = store.outbox()
    error = {"code": "key_taken", "message": "The project key CPDD is already in use; choose another."}
    store.record_push(
        {
            "last_mutation_id": entry.mutation_id,
            "results": [{"mutation_id": entry.mutation_id, "status": "rejected", "error": error}],
        }
    )
    assert store.project(project_id) is None  # rolled back
    [refused] = refused_creations(store)
    form = retry_form(refused, store)
    assert (form.name, form.key, form.kind, form.description) == ("产品迭代", "CPDDA", "service_desk", "反馈")
    store.dismiss(refused.id)
    assert refused_creations(store) == []
