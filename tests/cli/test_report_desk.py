"""`keel report desk`: the desk dashboard's numbers from the cache, by the app's code
(`sync.desk_metrics`), on the hand-made desk of tests/sync/desk_data.py."""

from __future__ import annotations

from contextlib import closing
from datetime import date
from pathlib import Path

from sync.desk_metrics import desk_report, frequent
from sync.planning import jsonable
from sync.store import STORE_FILE, Store
from tests.cli.conftest import Keel
from tests.sync.desk_data import PID, desk
from tests.sync.factories import change, page, project


def _keel(tmp_path: Path) -> Keel:
    folder = tmp_path / "keel"
    folder.mkdir()
    desk().store(folder / STORE_FILE).close()
    return Keel(folder)


def test_the_report_is_the_apps_figures(tmp_path: Path) -> None:
    keel = _keel(tmp_path)
    result = keel.main("report", "desk", "FB", "--from", "2026-03-01", "--to", "2026-03-31", "--months", "3", "--json")
    assert result.code == 0, result.err
    value = result.json()
    with closing(Store.open(keel.data_dir / STORE_FILE)) as store:
        same = desk_report(store.conn, PID, date(2026, 3, 1), date(2026, 3, 31), months=3)
        problems = frequent(store.conn, PID)
    assert {k: v for k, v in value.items() if not k.startswith("frequent")} == jsonable(same)
    assert value["frequent"] == jsonable(problems) and value["frequent_days"] == 30
    # The golden numbers of tests/sync/test_desk_metrics.py.
    assert (value["overall"]["created"], value["overall"]["resolution_rate"], value["overall"]["sla_attainment"]) == (
        6,
        0.5,
        0.6,
    )
    assert [m["figures"]["resolved"] for m in value["monthly"]] == [2, 2, 3]


def test_the_people_output_reads_as_a_table(tmp_path: Path) -> None:
    result = _keel(tmp_path).main("report", "desk", "FB", "--from", "2026-03-01", "--to", "2026-03-31")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "2026-03-01 to 2026-03-31 (Asia/Shanghai)"
    assert lines[2].split()[:9] == ["all", "6", "50.0%", "60", "min", "240", "min", "60.0%", "66.7%"]
    assert any(line.startswith("李娜") and "33.3%" in line for line in lines)  # by agent, by name


def test_bad_requests_are_explained(tmp_path: Path) -> None:
    keel = _keel(tmp_path)
    backwards = keel.main("report", "desk", "FB", "--from", "2026-03-02", "--to", "2026-03-01")
    assert backwards.code == 1 and "after it ends" in backwards.err
    assert keel.main("report", "desk", "NOPE").code == 1
    assert keel.main("report", "desk", "FB", "--from", "March").code == 2
    with closing(Store.open(keel.data_dir / STORE_FILE)) as store:
        store.apply_pull(page(change("project", **{**project("P2", "APP")["row"], "seq": 999})))
    not_a_desk = keel.main("report", "desk", "APP")
    assert not_a_desk.code == 1 and "not a service desk" in not_a_desk.err
