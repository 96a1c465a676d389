"""The requester's portal link, as the app asks for it: a member of the desk gets the link the
portal answers to; a viewer is told it is not theirs; with no server it says offline, never raises."""

from __future__ import annotations

from pathlib import Path

import httpx

from server.settings import Settings
from sync.portal_link import portal_link
from tests.factories import Api
from tests.live_server import live_server
from tests.server.desk import make_desk
from tests.sync.devices import sign_in


async def test_a_member_gets_the_link_a_viewer_does_not_and_offline_says_so(settings: Settings, tmp_path: Path) -> None:
    with live_server(settings) as url, httpx.Client(base_url=url) as http:
        desk = make_desk(Api(http))  # people with the devices' password
        ticket_id = desk.ticket(requester_name="韩梅梅")
        bob = await sign_in(url, tmp_path / "bob.db", desk.bob.user["email"])
        vera = await sign_in(url, tmp_path / "vera.db", desk.vera.user["email"])
        try:
            found = await portal_link(bob.remote, ticket_id)
            assert found.problem is None and found.url is not None and "/portal/t/" in found.url
            page = http.get(found.url.replace(url, ""))
            assert page.status_code == 200 and "无法登录" in page.text
            assert (await portal_link(vera.remote, ticket_id)).problem == "forbidden"
            assert (await portal_link(None, ticket_id)).problem == "offline"
        finally:
            await vera.close()
    try:
        gone = await portal_link(bob.remote, ticket_id)  # the server has stopped
        assert (gone.url, gone.problem) == (None, "offline")
    finally:
        await bob.close()
