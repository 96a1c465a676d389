"""Session-level actions shared by several screens: the demo sign-in, sign-out."""

from __future__ import annotations

from app.core import demo_tokens
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
            except DemoUnavailable as exc:
                raise RuntimeError(str(exc)) from exc
        url = _embedded[0].url
    await env.core.sign_in(url, DEMO_EMAIL, DEMO_PASSWORD, tokens=demo_tokens())


def stop_embedded_demo() -> None:
    while _embedded:
        _embedded.pop().stop()
