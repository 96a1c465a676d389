"""The dashboard's and personal performance's rules (app/state/dashboard.py, performance.py): how
figures read, risk flags as sentences with their tasks, who may see whose evidence, the periods."""

from __future__ import annotations

from datetime import date

import pytest

from app.state.dashboard import days, flag_view, percent, throughput_bars
from app.state.performance import figures, period, reviewable
from sync.planning import Dashboard, Performance, RiskFlag

pytestmark = pytest.mark.usefixtures("chinese")


def test_rates_without_a_denominator_read_as_a_dash_never_zero() -> None:
    assert percent(None) == "—" and percent(0.0) == "0%" and percent(2 / 3) == "67%"
    assert days(None) == "—" and days(2.25) == "2.2 天"


def test_throughput_bars_are_captioned_by_their_monday() -> None:
    board = Dashboard(
        "p", date(2026, 2, 23), 4, 1, 1, 1, 1, [(date(2026, 2, 23), 0), (date(2026, 3, 2), 3)], 0, None, None, 0, [], []
    )
    bars = throughput_bars(board)
    assert [(b.label, b.value) for b in bars] == [("2/23", 0), ("3/2", 3)]
    assert bars[1].tip == "2026-03-02 当周 3 个"


def test_each_flag_reads_as_a_sentence_and_links_to_its_tasks() -> None:
    late = RiskFlag("milestone_late", "m", ("t1", "t2"), date(2026, 3, 20), date(2026, 3, 25))
    view = flag_view(late, "版本发布")
    assert view.text == "里程碑「版本发布」截止 2026-03-20，前置的 2 个任务预计 2026-03-25 完成"
    assert view.task_ids == ("t1", "t2")
    never = flag_view(RiskFlag("iteration_late", "i", ("t1",), date(2026, 3, 20), None), "迭代 5")
    assert "按当前速度无法完成" in never.text
    blocked = flag_view(RiskFlag("blocked_by_overdue", None, ("t3",), blocker_ids=("t9",)), "")
    assert blocked.text == "1 个任务被 1 个逾期任务阻塞" and blocked.blocker_ids == ("t9",)
    grown = flag_view(RiskFlag("scope_growth", "i", ("t4",), date(2026, 3, 20), growth=0.25), "迭代 5")
    assert "25%" in grown.text


def test_evidence_is_shown_to_the_person_and_to_the_leads_of_the_projects_it_draws_on() -> None:
    rows = [
        ("P", "me", "owner"),
        ("P", "ann", "member"),
        ("Q", "me", "admin"),
        ("Q", "ann", "member"),
        ("Q", "bob", "viewer"),
        ("R", "me", "member"),
        ("R", "cat", "owner"),
    ]
    seen = reviewable("me", rows)
    assert seen == {"me": None, "ann": ("P", "Q"), "bob": ("Q",)}  # not cat: me only works in R
    assert reviewable("ann", rows) == {"ann": None}  # a member sees only their own


def test_periods_end_today_at_the_latest() -> None:
    today = date(2026, 5, 14)
    assert period("30d", today) == (date(2026, 4, 15), today)
    assert period("month", today) == (date(2026, 5, 1), today)
    assert period("last_month", today) == (date(2026, 4, 1), date(2026, 4, 30))
    assert period("quarter", today) == (date(2026, 4, 1), today)
    assert period("last_month", date(2026, 1, 3)) == (date(2025, 12, 1), date(2025, 12, 31))


def test_each_figure_names_what_it_rests_on_and_the_tasks_behind_it() -> None:
    found = Performance(
        "ann", date(2026, 3, 1), date(2026, 3, 31), ("a", "b", "c"), ("a",), ("b",), ("a", "b"), 1.5, ("a",), (), ("z",)
    )
    got = {f.key: f for f in figures(found)}
    assert got["done"].value == "3" and got["done"].task_ids == ("a", "b", "c")
    assert got["on_time"].value == "50%" and got["on_time"].task_ids == ("a", "b")
    assert got["on_time"].basis == "有截止日期的 2 个中按时 1 个"
    assert got["estimate"].value == "100%" and got["cycle"].value == "1.5 天"
    assert got["reopened"].value == "1" and got["reopened"].task_ids == ("z",)
