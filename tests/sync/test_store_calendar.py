"""A project's working-day calendar in the store (`project.calendar`): the optimistic change is the
server's answer, other members receive it, a member's change is refused and rolled back, and a
calendar the protocol does not know is refused before it is queued."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.settings import Settings
from sync.errors import InvalidMutation
from sync.store import Store
from tests.live_server import live_server
from tests.sync.devices import register, sign_in
from tests.sync.test_engine import owner_with_project, share
from tests.sync.test_store_planning import synced_like_the_server, view


def calendar(store: Store, project_id: str) -> object:
    found = store.project(project_id)
    return None if found is None else found["calendar"]


async def test_the_calendar_syncs_and_only_admins_change_it(settings: Settings, tmp_path: Path) -> None:
    with live_server(settings) as url:
        a, pid = await owner_with_project(url, tmp_path / "a.db")
        b = await sign_in(url, tmp_path / "b.db", await register(url, "李娜"))
        await share(a, pid, b, "member")
        assert calendar(a.store, pid) == "cn"
        a.store.update_project(pid, calendar="every_day")
        assert calendar(a.store, pid) == "every_day"
        await synced_like_the_server(a, "project")
        await b.engine.sync()
        assert calendar(b.store, pid) == "every_day"
        before = view(b.store, "project")
        b.store.update_project(pid, calendar="weekdays")  # a member: the server refuses it
        assert calendar(b.store, pid) == "weekdays"
        report = await b.engine.sync()
        assert [(r.name, r.code) for r in report.rejected] == [("project.update", "forbidden")]
        assert view(b.store, "project") == before
        with pytest.raises(InvalidMutation):
            a.store.update_project(pid, calendar="moon")
        assert a.store.pending_count() == 0
        await a.close()
        await b.close()
