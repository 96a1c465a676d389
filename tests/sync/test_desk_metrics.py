"""Golden numbers for the service desk's figures (docs/metrics.md, "Service desk figures"), on
`desk_data.desk()` (its docstring has the table): March 2026 in Shanghai, read on 04-02 10:00 there."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from sync.desk_metrics import DeskFigures, desk_report, desk_zone, frequent, requirement_text
from sync.planning import jsonable
from sync.store import Store
from tests.sync import factories as f
from tests.sync.desk_data import PID, RESOLVED, U1, U2, Desk, desk

NOW = datetime(2026, 4, 2, 2, tzinfo=UTC)
MARCH = (date(2026, 3, 1), date(2026, 3, 31))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = desk().store(tmp_path / "cache.db")
    yield s
    s.close()


def test_the_figures_of_a_period(store: Store) -> None:
    o = desk_report(store.conn, PID, *MARCH, now=NOW).overall
    # Created in March (local days): K1 K2 K3 K4 K5 (23:00 on 03-31) K9 = 6; K7 is 04-01 there, K6
    # February's, K8 merged. Resolved now: K1 K2 K9 (K3 was, and is reopened) -> 3/6.
    assert (o.created, o.resolved, o.resolution_rate) == (6, 3, 0.5)
    # First responses of the cohort: K9 10, K3 30, K1 60, K4 120, K2 240 minutes (K5 none yet).
    # p50: rank ceil(0.5*5) = 3 -> 60; p90: rank ceil(0.9*5) = 5 -> 240.
    assert (o.first_responses, o.first_response_p50_minutes, o.first_response_p90_minutes) == (5, 60.0, 240.0)
    # Targets due in March: K1 2 met; K2 2 late; K3 response met, resolution unmet past due; K4
    # response met (its resolution is unmet while waiting: not counted); K6 resolution due 03-01,
    # late; K9 2 met; K5 and K7 are due in April. 6 met of 10.
    assert (o.sla_due, o.sla_met, o.sla_attainment) == (10, 6, 0.6)
    # Resolved in March: K1 (5), K2 (2), K6 (4), K9 (no rating): satisfied 2 of 3 rated; rated 3 of 4.
    assert (o.resolved_in_period, o.rated, o.satisfied) == (4, 3, 2)
    assert o.satisfaction == pytest.approx(2 / 3) and o.response_rate == 0.75
    # Of the cohort, resolved at least once: K1 K2 K9 and K3 (reopened, open now); reopened: K2 K3.
    assert (o.resolved_once, o.reopened, o.reopen_rate) == (4, 2, 0.5)


def test_by_category(store: Store) -> None:
    groups = {g.key: g.figures for g in desk_report(store.conn, PID, *MARCH, now=NOW).by_category}
    assert list(groups) == ["feature", "experience", "security", "performance", "other"]
    # experience: K1 K2 (K8 merged). Both resolved; responses 60 and 240: p50 rank 1, p90 rank 2.
    assert groups["experience"] == DeskFigures(2, 2, 2, 60.0, 240.0, 4, 2, 2, 2, 1, 2, 1)
    # performance: K3 K4, none resolved (0%, not none); responses 30 and 120; 3 targets, 2 met.
    assert groups["performance"] == DeskFigures(2, 0, 2, 30.0, 120.0, 3, 2, 0, 0, 0, 1, 1)
    assert groups["performance"].resolution_rate == 0.0 and groups["performance"].satisfaction is None
    # feature: K9 (K7 is April's); resolved unrated: response rate 0.
    assert groups["feature"] == DeskFigures(1, 1, 1, 10.0, 10.0, 2, 2, 1, 0, 0, 1, 0)
    assert groups["feature"].response_rate == 0.0
    # security: K5, nothing yet: rates none. other: no cohort, but K6's late resolution and its 4.
    assert groups["security"].resolution_rate == 0.0 and groups["security"].sla_attainment is None
    assert groups["other"] == DeskFigures(0, 0, 0, None, None, 1, 0, 1, 1, 1, 0, 0)
    assert groups["other"].resolution_rate is None


def test_by_agent(store: Store) -> None:
    agents = [(g.key, g.figures) for g in desk_report(store.conn, PID, *MARCH, now=NOW).by_agent]
    # U2: K3 K4 K9 created; U1: K1 K2 (and K6 resolved in March); unassigned: K5. Most created first.
    assert [key for key, _ in agents] == [U2, U1, None]
    u2, u1 = agents[0][1], agents[1][1]
    # U2's targets: K3 2 (1 met), K4 1 met, K9 2 met; U1's: K1 2 met, K2 2 late, K6 1 late.
    assert (u2.created, u2.resolved, u2.sla_due, u2.sla_met) == (3, 1, 5, 4)
    assert (u1.created, u1.resolved, u1.sla_due, u1.sla_met) == (2, 2, 5, 2)
    # U1's resolved in March: K1 K2 K6, all rated, 5 and 4 satisfied; U2's responses 10, 30, 120.
    assert (u1.resolved_in_period, u1.rated, u1.satisfied) == (3, 3, 2)
    assert (u2.first_response_p50_minutes, u2.first_response_p90_minutes) == (30.0, 120.0)


def test_tickets_per_local_day(store: Store) -> None:
    days = dict(desk_report(store.conn, PID, *MARCH, now=NOW).per_day)
    assert len(days) == 31 and sum(days.values()) == 6
    # K8 (03-03) is merged; K5 is 23:00 on 03-31 in Shanghai.
    assert [d.day for d, n in days.items() if n] == [2, 5, 10, 15, 20, 31]


def test_the_monthly_resolution_rate(store: Store) -> None:
    months = desk_report(store.conn, PID, *MARCH, months=3, now=NOW).monthly
    # Each month's cohort, resolved now. January: K10 (open), K11 (resolved 01-20), K13 (resolved
    # 02-05, after January, still counts): 2/3. February: K6 (resolved 03-02), K12: 2/2. March: 3/6.
    assert [(m.month, m.figures.created, m.figures.resolved) for m in months] == [
        (date(2026, 1, 1), 3, 2),
        (date(2026, 2, 1), 2, 2),
        (date(2026, 3, 1), 6, 3),
    ]
    # Read on 02-01 10:00 Shanghai, January's cohort had only K11 resolved: 1/3.
    early = desk_report(store.conn, PID, *MARCH, months=3, now=datetime(2026, 2, 1, 2, tzinfo=UTC)).monthly
    assert (early[0].month, early[0].figures.resolved) == (date(2026, 1, 1), 1)


def test_a_period_still_going_on_is_read_up_to_now(store: Store) -> None:
    # On 03-10 at 11:00 Shanghai: created K1 K2 K3 (10:00), resolved by then K1 only (K2 on 03-20);
    # K3's first response (due 12:00) was at 10:30, yet its due time has not come, so it is not
    # counted: targets K1 2 met, K2 2 late, K6 late.
    o = desk_report(store.conn, PID, *MARCH, now=datetime(2026, 3, 10, 3, tzinfo=UTC)).overall
    assert (o.created, o.resolved, o.sla_due, o.sla_met) == (3, 1, 5, 2)


def test_the_desk_zone_is_its_policies_and_decides_the_days(tmp_path: Path) -> None:
    d = Desk()
    d.ticket("A", "other", None, "03-31T17:00", RESOLVED)  # 01:00 on 04-01 in Shanghai, 03-31 in UTC
    d.changes.append(
        f.change(
            "sla_policy",
            id="SP",
            project_id=PID,
            priority="medium",
            first_response_minutes=240,
            resolution_minutes=1440,
            calendar="business",
            business_start="09:00",
            business_end="18:00",
            time_zone="UTC",
            holidays="cn",
            auto_close_days=7,
        )
    )
    store = d.store(tmp_path / "cache.db")
    assert desk_zone(store.conn, PID) == "UTC"
    assert desk_report(store.conn, PID, *MARCH, now=NOW).overall.created == 1
    assert desk_report(store.conn, PID, *MARCH, now=NOW, zone="Asia/Shanghai").overall.created == 0
    store.close()


def test_a_period_that_ends_before_it_starts_is_refused(store: Store) -> None:
    with pytest.raises(ValueError):
        desk_report(store.conn, PID, date(2026, 3, 2), date(2026, 3, 1), now=NOW)


def test_the_json_of_a_report_carries_its_rates(store: Store) -> None:
    value = json.loads(json.dumps(jsonable(desk_report(store.conn, PID, *MARCH, now=NOW))))
    assert (value["overall"]["resolution_rate"], value["start"], value["per_day"][1]) == (
        0.5,
        "2026-03-01",
        ["2026-03-02", 1],
    )


PAYMENT = ["微信付款一直提示支付失败", "用支付宝付款总是支付失败", "点支付没有反应，付款失败", "付款页面转圈，支付失败"]


def test_frequent_problems_of_the_desk(tmp_path: Path) -> None:
    d = Desk()
    # Four payment failures (two in each half of 30 days before 04-02 02:00) and unrelated tickets.
    for i, text in enumerate(PAYMENT):
        created = (NOW - timedelta(days=4 + 8 * i)).strftime("%Y-%m-%dT%H:%M")
        d.ticket(f"P{i}", "other", None, created, RESOLVED, title="支付失败", description=text)
    for i, title in enumerate(["夜间模式看不清", "推送通知收不到", "头像上传不了"]):
        d.ticket(f"X{i}", "experience", None, "03-25T02:00", RESOLVED, title=title)
    d.ticket("OLD", "other", None, "02-01T02:00", RESOLVED, title="支付失败", description=PAYMENT[0])
    store = d.store(tmp_path / "cache.db")
    (problem,) = frequent(store.conn, PID, days=30, now=NOW)
    assert set(problem.task_ids) == {"P0", "P1", "P2", "P3"}  # OLD is before the window
    # Created 4, 12, 20, 28 days ago; the halves split at 15 days.
    assert (problem.size, problem.recent, problem.earlier, problem.trend) == (4, 2, 2, 0)
    assert len(problem.examples) == 3 and problem.examples[0].key is not None
    assert problem.keywords[0] == "支付"
    title, text = requirement_text(problem, "FB: 4")
    assert title.startswith("支付") and text.splitlines()[0] == "FB: 4" and len(text.splitlines()) == 5
    assert frequent(store.conn, PID, days=90, now=NOW)[0].size == 5
    store.close()
