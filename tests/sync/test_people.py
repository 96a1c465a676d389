"""Finding a person by email before adding them to a project: the cache, then the real server."""

from __future__ import annotations

from pathlib import Path

from server.settings import Settings
from sync.engine import Remote
from sync.people import find_person
from sync.tokens import MemoryTokenStore
from tests.live_server import live_server
from tests.sync.devices import register, sign_in


async def test_find_person_through_the_server_then_the_cache(settings: Settings, tmp_path: Path) -> None:
    with live_server(settings) as url:
        owner = await sign_in(url, tmp_path / "a.db", await register(url, "王伟"))
        other_email = await register(url, "李娜")
        try:
            await owner.engine.sync()
            # A stranger: only the server knows them (the email is matched whatever its case).
            found = await find_person(owner.store, owner.remote, "  " + other_email.upper())
            assert found.problem is None and found.user is not None
            assert (found.user["display_name"], found.user["email"]) == ("李娜", other_email)
            project_id = owner.store.create_project("产品迭代", "PEOPLE", kind="product")
            owner.store.put_member(project_id, found.user["id"], "member")
            report = await owner.engine.sync()
            assert report.rejected == []
            assert owner.store.role(project_id, found.user["id"]) == "member"
            # Now we share a project: the cache answers, with no server at all.
            cached = await find_person(owner.store, None, other_email)
            assert cached.user == found.user
            unknown = await find_person(owner.store, owner.remote, "nobody@example.com")
            assert (unknown.user, unknown.problem) == (None, "unknown_user")
            assert (await find_person(owner.store, owner.remote, "not an email")).problem == "invalid_email"
            assert (await find_person(owner.store, None, "nobody@example.com")).problem == "offline"
        finally:
            await owner.close()


async def test_an_unreachable_server_is_offline_and_no_sign_in_is_signed_out(
    tmp_path: Path, settings: Settings
) -> None:
    with live_server(settings) as url:
        device = await sign_in(url, tmp_path / "a.db", await register(url, "王伟"))
        async with Remote(url, MemoryTokenStore()) as signed_out:
            answer = await find_person(device.store, signed_out, "lina@example.com")
        assert answer.problem == "signed_out"
    # The server is gone: the lookup says so in a word the app translates, never raises.
    try:
        answer = await find_person(device.store, device.remote, "lina@example.com")
        assert (answer.user, answer.problem) == (None, "offline")
    finally:
        await device.close()
