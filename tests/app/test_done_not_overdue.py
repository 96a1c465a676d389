"""Nothing done is overdue: the due badge of a task in a `done` status is its plain date on the board,
in the list view, on home and in the detail (one rule, `due_label(..., done=True)`), and the device's
overdue digest leaves done tasks out."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from app.reminders import ReminderRunner
from app.state.board import BoardModel
from app.state.fmt import due_label
from app.state.home import my_task_groups
from sync.store import Store
from tests.app.moments import SHANGHAI, iso, sh, tid
from tests.app.test_reminders_runner import SETTINGS, Clock, Shown, at, my_task
from tests.sync import factories as f

pytestmark = pytest.mark.usefixtures("chinese")

PID = "0190a000-0000-7000-8000-0000000000a1"  # the runner's helpers use this project and these statuses
TODO, DONE = "0190a000-0000-7000-8000-0000000000b1", "0190a000-0000-7000-8000-0000000000b3"
NOW = sh(11, 20, 12)
THIRTEEN_DAYS_AGO = iso(NOW - timedelta(days=13))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "store.db")
    s.set_account("http://keel.test", f.ME, "wangwei@example.com")
    s.apply_pull(
        f.page(
            f.user(),
            f.project(PID),
            f.member(PID),
            f.status(PID, TODO, "待办", "todo", "a0"),
            f.status(PID, DONE, "已完成", "done", "a2"),
            f.task(PID, TODO, tid(1), number=1, title="还没做完", assignee_id=f.ME, due_at=THIRTEEN_DAYS_AGO),
            f.task(PID, DONE, tid(2), number=2, title="早就做完了", assignee_id=f.ME, due_at=THIRTEEN_DAYS_AGO),
        )
    )
    yield s
    s.close()


def test_the_badge_of_a_done_task_is_its_date() -> None:
    assert due_label(THIRTEEN_DAYS_AGO, NOW, SHANGHAI) == ("逾期 13 天", True)
    assert due_label(THIRTEEN_DAYS_AGO, NOW, SHANGHAI, done=True) == ("11月7日", False)
    soon = iso(NOW + timedelta(hours=1))
    assert due_label(soon, NOW, SHANGHAI, done=True) == ("11月20日", False)  # not "today": nothing is due
    assert due_label(None, NOW, SHANGHAI, done=True) is None


def test_board_and_list_show_no_overdue_done_card(store: Store) -> None:
    model = BoardModel(store, PID, now=NOW, zone=SHANGHAI)
    by_column = {c.status["id"]: c.cards for c in model.columns()}
    assert [(c.title, c.due, c.overdue) for c in by_column[TODO]] == [("还没做完", "逾期 13 天", True)]
    assert [(c.title, c.due, c.overdue) for c in by_column[DONE]] == [("早就做完了", "11月7日", False)]
    assert {c.title: c.overdue for c in model.list_rows()} == {"还没做完": True, "早就做完了": False}


def test_home_agrees_and_a_task_moved_to_done_stops_being_overdue(store: Store) -> None:
    groups = my_task_groups(store, NOW, SHANGHAI)
    assert [(g.name, [(c.title, c.overdue) for c in g.cards]) for g in groups] == [("overdue", [("还没做完", True)])]
    store.move_task(tid(1), DONE)  # finished on this device, not synced yet
    assert my_task_groups(store, NOW, SHANGHAI) == []
    done = BoardModel(store, PID, now=NOW, zone=SHANGHAI).columns()[1].cards
    assert sorted((c.title, c.due, c.overdue) for c in done) == [
        ("早就做完了", "11月7日", False),
        ("还没做完", "11月7日", False),
    ]


@pytest.fixture
async def runner(store: Store, tmp_path: Path) -> AsyncIterator[tuple[ReminderRunner, Shown]]:
    shown = Shown()
    r = ReminderRunner(store, tmp_path, shown, SETTINGS, Clock(sh(11, 19, 12)))
    yield r, shown
    await r.stop()


async def test_the_overdue_digest_counts_no_done_task(store: Store, runner: tuple[ReminderRunner, Shown]) -> None:
    r, shown = runner
    store.apply_pull(f.page(my_task(3, due=sh(11, 17, 18), status_id=DONE), my_task(4, due=sh(11, 18, 18))))
    store.move_task(tid(1), DONE)
    await at(r, sh(11, 20, 9)).tick()
    assert shown.take() == [("你有 1 项任务已逾期", "APP-4 任务4", tid(4))]  # not APP-1, 2 or 3
