"""The inbox's lines and filters: each item names the task's key and project, the actor, and the
first words of the comment it is about (and which comment, for the detail to scroll to)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.i18n import LOCALES, catalogue
from app.state.inbox import KINDS, InboxFilter, inbox_items, preview
from sync.store import Store
from tests.app.moments import iso, sh, tid
from tests.sync import factories as f

PID = "0190a000-0000-7000-8000-0000000000a1"
TODO = "0190a000-0000-7000-8000-0000000000b1"
EARLY, LATE, EDITED = (f"0190a000-0000-7000-8000-0000000000d{n}" for n in (1, 2, 3))


def comment(comment_id: str, body: str, at: str, n: int = 1, edited_at: str | None = None) -> dict[str, Any]:
    c = f.comment(tid(n), PID, body, comment_id)
    c["row"].update(created_at=at, edited_at=edited_at)
    return c


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "s.db")
    s.set_account("http://keel.test", f.ME, "wangwei@example.com")
    mention_at, later = iso(sh(11, 20, 10)), iso(sh(11, 20, 11))
    s.apply_pull(
        f.page(
            f.user(),
            f.user(f.OTHER, "李娜", "lina@example.com"),
            f.project(PID, "APP", "产品迭代"),
            f.member(PID),
            f.member(PID, f.OTHER, "member"),
            f.status(PID, TODO, "待办", "todo", "a0"),
            f.task(PID, TODO, tid(1), number=12, title="首页信息流改版"),
            f.task(PID, TODO, tid(2), number=13, title="深色模式"),
            comment(EARLY, "先看 **这个**", iso(sh(11, 20, 9))),
            comment(LATE, "@王伟 请确认一下接口的 [文档](http://x)，\n\n" + "很长的说明" * 40, mention_at),
            comment(EDITED, "改过：@王伟", iso(sh(11, 19, 9)), n=2, edited_at=later),
            f.notification(PID, tid(1), kind="mentioned", title="首页信息流改版", created_at=mention_at),
            f.notification(
                PID, tid(2), kind="mentioned", title="深色模式", created_at=later, read_at=later
            ),  # a mention added by an edit
            f.notification(PID, tid(2), kind="assigned", title="深色模式", created_at=iso(sh(11, 20, 8))),
            f.notification(
                PID, tid(1), kind="due_soon", actor_id=None, title="首页信息流改版", created_at=iso(sh(11, 20, 7))
            ),
        )
    )
    yield s
    s.close()


def test_each_item_names_task_project_actor_and_comment(store: Store) -> None:
    items = inbox_items(store)
    assert [(i.kind, i.task_key, i.unread) for i in items] == [
        ("mentioned", "APP-13", False),
        ("mentioned", "APP-12", True),
        ("assigned", "APP-13", True),
        ("due_soon", "APP-12", True),
    ]
    edited, mention, assigned, due = items
    assert (mention.project, mention.actor, mention.title) == ("产品迭代", "李娜", "首页信息流改版")
    assert mention.comment_id == LATE  # the comment made with the notification, not the earlier one
    assert mention.preview.startswith("@王伟 请确认一下接口的 文档， 很长的说明很长的说明")  # one line, no markup
    assert len(mention.preview) == 120 and mention.preview.endswith("…")
    assert (edited.comment_id, edited.preview) == (EDITED, "改过：@王伟")  # the mention came with an edit
    assert (assigned.comment_id, assigned.preview, assigned.actor) == (None, "", "李娜")
    assert (due.actor, due.comment_id) == (None, None)  # the server's reminder has no actor


def test_filters_unread_mentions_and_assigned_to_me(store: Store) -> None:
    def kinds(filters: InboxFilter) -> list[tuple[str, str | None]]:
        return [(i.kind, i.task_key) for i in inbox_items(store, filters)]

    assert kinds(InboxFilter(unread=True)) == [("mentioned", "APP-12"), ("assigned", "APP-13"), ("due_soon", "APP-12")]
    assert kinds(InboxFilter(kind="mentions")) == [("mentioned", "APP-13"), ("mentioned", "APP-12")]
    assert kinds(InboxFilter(unread=True, kind="mentions")) == [("mentioned", "APP-12")]
    assert kinds(InboxFilter(kind="assigned")) == [("assigned", "APP-13")]
    store.read_all_notifications()
    assert kinds(InboxFilter(unread=True)) == []
    assert len(inbox_items(store, limit=2)) == 2


def test_preview_is_one_plain_line() -> None:
    assert preview("# 标题\n\n- 第一点 `code`\n> 引用 ![图](a.png)") == "标题 - 第一点 code 引用 图"
    assert preview("短") == "短"
    assert preview("字" * 10, limit=5) == "字字字字…"


def test_of_comments_written_at_once_a_mention_previews_the_one_that_mentions_me(store: Store) -> None:
    """One push of several comments gives them one server time; the mention is about the one naming me."""
    at = iso(sh(11, 21, 10))
    naming, other = "0190a000-0000-7000-8000-0000000000e1", "0190a000-0000-7000-8000-0000000000e2"
    mention = comment(naming, "@王伟 看这里", at, n=2)
    mention["row"]["mentions"] = [f.ME]
    store.apply_pull(
        f.page(
            mention,
            comment(other, "另一条，同一时刻", at, n=2),  # the later id: the latest comment otherwise
            f.notification(PID, tid(2), kind="mentioned", title="深色模式", created_at=at),
            f.notification(PID, tid(2), kind="commented", title="深色模式", created_at=at),
        )
    )
    items = inbox_items(store, limit=2)
    assert {i.kind: (i.comment_id, i.preview) for i in items} == {
        "mentioned": (naming, "@王伟 看这里"),
        "commented": (other, "另一条，同一时刻"),
    }


def test_every_filter_has_a_name_in_both_languages() -> None:
    for code in LOCALES:
        assert [k for k in (*KINDS, "unread") if f"inbox.filter.{k}" not in catalogue(code)] == [], code
