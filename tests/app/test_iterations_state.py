"""The iterations screen's rules (app/state/iterations.py): which iteration shows, where open work
may roll over to, the burndown and velocity as chart series, the phone's drag between the lists,
and the "new iteration" form's defaults."""

from __future__ import annotations

from datetime import date

from app.state.iterations import chosen, crosses, draft, parse_day, rollover_targets, series, velocity_bars
from sync.planning import Burndown, BurndownPoint, Velocity
from sync.planning.burndown import Sprint, State


def it(iid: str, state: str, start: str = "2026-03-02", end: str = "2026-03-13") -> dict[str, str]:
    return {"id": iid, "state": state, "start_on": start, "end_on": end, "name": iid}


# In the store's order: active, planned by start, closed latest first.
ROWS = [it("a", "active"), it("p1", "planned", "2026-03-16", "2026-03-27"), it("c1", "closed", "2026-02-16")]


def test_the_iteration_asked_for_else_the_first_in_the_stores_order() -> None:
    assert chosen(ROWS, "c1") == ROWS[2]
    assert chosen(ROWS, "gone") == ROWS[0]
    assert chosen(ROWS, None) == ROWS[0]
    assert chosen([], None) is None


def test_open_work_rolls_over_to_another_open_iteration_never_itself_or_a_closed_one() -> None:
    assert [r["id"] for r in rollover_targets(ROWS, "a")] == ["p1"]
    assert rollover_targets([it("a", "active")], "a") == []


def _state(scope: int, remaining: int, added: int, est: float = 0.0) -> State:
    return State(scope, remaining, added, est, est / 2, 0.0)


def test_the_burndown_series_hold_no_point_for_days_not_begun_and_switch_by_mode() -> None:
    days = [date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4)]
    found = Burndown(
        "a",
        days[0],
        days[-1],
        False,
        _state(2, 2, 0, 8.0),
        [
            BurndownPoint(days[0], 2.0, 8.0, _state(2, 2, 0, 8.0)),
            BurndownPoint(days[1], 1.0, 4.0, _state(3, 1, 1, 10.0)),
            BurndownPoint(days[2], 0.0, 0.0, None),
        ],
    )
    by_count = series(found, "count")
    assert by_count.remaining == [2.0, 1.0, None]
    assert by_count.added == [0.0, 1.0, None]
    assert by_count.ideal == [2.0, 1.0, 0.0]
    assert by_count.now == (1.0, 3.0, 1.0)  # the latest day begun
    assert by_count.top == 3.0
    by_estimate = series(found, "estimate")
    assert by_estimate.remaining == [4.0, 5.0, None] and by_estimate.ideal == [8.0, 4.0, 0.0]


def test_before_a_day_begins_the_figures_are_the_baselines_scope_and_remaining() -> None:
    """An iteration starting tomorrow (or on a weekend) has no day begun: the figures are its baseline
    (read now), so a task done before the start leaves the scope at 2 and the remaining at 1."""
    days = [date(2026, 3, 2), date(2026, 3, 3)]
    found = Burndown(
        "a", days[0], days[-1], False, _state(2, 1, 0, 8.0),
        [BurndownPoint(days[0], 1.0, 4.0, None), BurndownPoint(days[1], 0.0, 0.0, None)],
    )  # fmt: skip
    assert series(found, "count").now == (1.0, 2.0, 0.0)
    assert series(found, "estimate").now == (4.0, 8.0, 0.0)


def test_velocity_bars_by_count_and_by_estimate() -> None:
    found = Velocity(
        [
            Sprint("x", "S1", date(2026, 2, 1), 5, 4, 10.0, 6.0, ()),
            Sprint("y", "S2", date(2026, 2, 15), 4, 2, 8.0, 8.0, ()),
        ]
    )
    bars, average = velocity_bars(found, "count")
    assert [(b.name, b.committed, b.completed) for b in bars] == [("S1", 5, 4), ("S2", 4, 2)]
    assert average == 3.0
    assert velocity_bars(found, "estimate")[1] == 7.0


def test_a_phone_drag_crosses_to_the_other_list_upwards_from_the_backlog_or_sideways() -> None:
    assert crosses(True, 0, -120, width=390)  # backlog (below) up into the iteration
    assert not crosses(True, 0, 120, width=390)  # down, away from it
    assert not crosses(True, 0, -90, width=390)  # less than two rows
    assert crosses(False, 0, 120, width=390)  # the iteration's task down into the backlog
    assert crosses(True, 130, 0, width=390) and not crosses(True, 100, 0, width=390)


def test_a_new_iteration_starts_after_the_last_open_one_and_lasts_two_weeks() -> None:
    today = date(2026, 3, 5)
    assert draft([], today) == draft([], today)
    first = draft([], today)
    assert (first.number, first.start_on, first.end_on) == (1, today, date(2026, 3, 18))
    after = draft(ROWS, today)  # p1 ends 03-27; the closed one does not count
    assert (after.number, after.start_on, after.end_on) == (4, date(2026, 3, 28), date(2026, 4, 10))
    assert parse_day(" 2026-03-05 ") == today and parse_day("3/5") is None
