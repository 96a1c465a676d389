"""Session-level actions shared by several screens: the demo sign-in and its resumption."""

from __future__ import annotations

from app.core import Core, demo_tokens
from app.demo import DEMO_EMAIL, DEMO_PASSWORD, DemoServer, DemoUnavailable, start_demo_server
from app.ui.base import AppEnv

_embedded: list[DemoServer] = []  # the demo server this process started, stopped at exit


async def start_demo(env: AppEnv) -> None:
    """Signs in to the demo server: the one `keel demo` started, or one started now."""
    url = env.demo_url
    if url is None:
        if not _embedded:
            try:
                _embedded.append(await start_demo_server())
            except DemoUnavailable:
                raise  # the sign-in form says so in the person's words; the reason goes to the log
        url = _embedded[0].url
    await env.core.sign_in(url, DEMO_EMAIL, DEMO_PASSWORD, tokens=demo_tokens())


def stop_embedded_demo() -> None:
    while _embedded:
        _embedded.pop().stop()


async def resume_demo(core: Core, url: str) -> bool:
    """`keel demo` restarted: when this data directory was signed in to the demo at this address,
    sign in again the same way (the demo's password is public, so nothing is kept on disk), and
    the cache, its cursor and any unsynced edits carry on: no first sync again."""
    from sync.credentials import normalise_server

    if core.store.account != DEMO_EMAIL or core.store.server_url != normalise_server(url):
        return False
    await core.sign_in(url, DEMO_EMAIL, DEMO_PASSWORD, tokens=demo_tokens())
    return True
