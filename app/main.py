"""Starts the app: `keel app` and `keel demo` call `run`.

One process holds one `Core` (the data directory's store and its sync engine); every page session
(one desktop window, or each browser tab in web mode) renders from it. The desktop client is used
where it can start; otherwise the app is served to the browser and the URL is printed.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import flet as ft

from app.core import Core
from app.deeplink import follow_links
from app.i18n import resolve, set_locale, system_locale, t
from app.reminders import DeviceReminders
from app.ui.base import FONT, AppEnv, Nav, Prefs
from app.ui.session import stop_embedded_demo
from app.ui.shell import Root, on_key

log = logging.getLogger("keel.app")

ASSETS = Path(__file__).resolve().parent.parent / "assets"
FONT_FILE = "fonts/NotoSansSC-Regular.otf"
SETTINGS_FILE = "settings.json"  # language and theme only; never a token
DEFAULT_SERVER = "http://127.0.0.1:8765"


class App:
    """The process-wide part: the core (made on Flet's loop, at the first session) and the options."""

    def __init__(self, data_dir: Path, *, server: str | None, demo_url: str | None) -> None:
        self.data_dir = data_dir
        self.server = server
        self.demo_url = demo_url
        self.core: Core | None = None
        self.reminders: DeviceReminders | None = None
        self._lock = asyncio.Lock()
        self._listeners: list[Any] = []
        self._open_from_os: list[Callable[[str | None], None]] = [lambda _task_id: None]

    async def get_core(self) -> Core:
        async with self._lock:
            if self.core is None:
                from app.tokens import open_token_store

                # The keyring on desktops and in web mode; Flet's secure storage in Android/iOS builds.
                self.core = Core(self.data_dir, tokens=await open_token_store())
                with contextlib.suppress(Exception):
                    await self.core.resume()
            return self.core

    def load_prefs(self) -> Prefs:
        try:
            saved = json.loads((self.data_dir / SETTINGS_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            saved = {}
        language = saved.get("language", "system")
        theme = saved.get("theme", "system")
        language = language if language in ("system", "zh-CN", "en") else "system"
        theme = theme if theme in ("system", "light", "dark") else "system"
        return Prefs(locale=system_locale() if language == "system" else language, language=language, theme=theme)

    def save_prefs(self, prefs: Prefs) -> None:
        with contextlib.suppress(OSError):
            self.data_dir.mkdir(parents=True, exist_ok=True)
            (self.data_dir / SETTINGS_FILE).write_text(
                json.dumps({"language": prefs.language, "theme": prefs.theme}), encoding="utf-8"
            )

    async def session(self, page: ft.Page) -> None:
        core = await self.get_core()
        prefs = self.load_prefs()
        set_locale(prefs.locale)
        page.title = "Keel"
        page.fonts = {FONT: FONT_FILE}
        page.theme = ft.Theme(font_family=FONT, color_scheme_seed=ft.Colors.INDIGO)
        page.dark_theme = ft.Theme(font_family=FONT, color_scheme_seed=ft.Colors.INDIGO)
        page.theme_mode = _theme_mode(prefs.theme)
        page.padding = 0
        page.spacing = 0

        def toast(message: str) -> None:
            page.show_dialog(ft.SnackBar(ft.Text(message), duration=ft.Duration(seconds=4)))

        width = page.width or 1440
        nav = Nav(phone=width < 720)
        env = AppEnv(core, nav, prefs, page, toast, demo_url=self.demo_url)

        def on_resize(e: Any) -> None:
            phone = (page.width or 1440) < 720
            if phone != nav.phone:
                nav.phone = phone

        def on_prefs(_sender: Any, field: str) -> None:
            if field == "language":
                prefs.locale = system_locale() if prefs.language == "system" else resolve(prefs.language)
                set_locale(prefs.locale)
            if field == "theme":
                page.theme_mode = _theme_mode(prefs.theme)
                page.update()
            self.save_prefs(prefs)

        self._listeners.append(on_prefs)  # observables hold listeners weakly
        prefs.subscribe(on_prefs)
        await self._announce(env)
        page.on_resize = on_resize
        page.on_keyboard_event = lambda e: on_key(env, e)
        page.render(lambda: Root(env, self.server or DEFAULT_SERVER))
        follow_links(page, env)  # keel://task/<id> and #/task/<id> (app/deeplink.py)
        task = getattr(page.session, "_Session__updates_task", None)
        if task is not None:

            def died(done: Any) -> None:
                if not done.cancelled() and done.exception() is not None:
                    log.error("the UI update scheduler died", exc_info=done.exception())

            task.add_done_callback(died)

    async def get_reminders(self, core: Core, page: ft.Page, *, desktop: bool) -> DeviceReminders:
        """The process's reminder runner (one however many windows or tabs, so none shows twice);
        it holds still while a first sync fills the cache. On a phone build it also hands upcoming
        reminders to the OS scheduler, made in this first session so a tap that launched the app
        reaches it; a tap opens the task in the newest session."""
        from app.reminders import mobile_scheduler

        async with self._lock:
            if self.reminders is None:
                phone = mobile_scheduler(page, self.data_dir, lambda task_id: self._open_from_os[-1](task_id))
                self.reminders = await DeviceReminders.start(
                    core.store,
                    self.data_dir,
                    desktop=desktop,
                    hold=lambda: core.status.phase == "bootstrapping",
                    os_scheduler=phone,
                )
            return self.reminders

    async def _announce(self, env: AppEnv) -> None:
        """Toasts (and, on a desktop whose window is not focused, OS notifications) for notifications
        that arrive while this session is open, and the device's reminders; see app.notify for what
        is announced and when, app.reminders for when a reminder goes off."""
        from app.notify import Announcer, NotifySettings, arrived, deliver, os_notifier, store_lookup

        page, core = env.page, env.core
        store = core.store
        announcer = Announcer(store_lookup(store), user_id=store.user_id)
        desktop = not page.web and page.platform is not None and page.platform.is_desktop()
        notifier = await os_notifier(desktop=desktop)
        reminders = env.reminders = await self.get_reminders(core, page, desktop=desktop)
        focus = {"focused": True}

        def on_lifecycle(e: Any) -> None:
            focus["focused"] = str(getattr(e.state, "value", e.state)).lower() in ("resume", "resumed", "show")

        def open_from_os(task_id: str | None) -> None:
            if task_id is None:
                env.nav.go("inbox")
                return
            row = store.task(task_id)
            env.nav.go("board", row["project_id"] if row else None)
            env.nav.open_task(task_id)

        def on_change(changes: Any) -> None:
            # A server `due_soon` that repeats a reminder this device already showed stays quiet.
            rows = [row for row in arrived(changes, store) if not reminders.repeats_local(row)]
            if not rows or store.user_id is None:
                return
            announcements = announcer.take(
                rows,
                user_id=store.user_id,
                focused=focus["focused"],
                settings=NotifySettings(),
                bootstrap=core.status.phase == "bootstrapping",
            )
            for announcement in announcements:
                page.run_task(
                    deliver,
                    announcement,
                    toast=lambda a: env.toast(a.line),
                    os_notifier=notifier,
                    on_click=open_from_os,
                )

        self._listeners += [on_change, on_lifecycle, open_from_os]
        self._open_from_os.append(open_from_os)
        page.on_app_lifecycle_state_change = on_lifecycle
        unsubscribe = store.subscribe(on_change)
        detach = reminders.attach(env.toast, open_task=open_from_os, run_task=page.run_task)

        async def closed(_: Any) -> None:
            unsubscribe()
            detach()
            if open_from_os in self._open_from_os:  # the no-op first entry always stays
                self._open_from_os.remove(open_from_os)
            await notifier.close()

        page.on_close = closed

    async def close(self) -> None:
        if self.reminders is not None:
            await self.reminders.close()  # before the store it reads closes
        if self.core is not None:
            await self.core.close()
        stop_embedded_demo()


def _theme_mode(theme: str) -> ft.ThemeMode:
    return {"light": ft.ThemeMode.LIGHT, "dark": ft.ThemeMode.DARK}.get(theme, ft.ThemeMode.SYSTEM)


def _headless() -> bool:
    return sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def desktop_unavailable() -> str | None:
    """Why the desktop client cannot start here (None when it can)."""
    if _headless():
        return "no graphical display (DISPLAY and WAYLAND_DISPLAY are unset)"
    try:
        import flet_desktop
    except ImportError:
        return "the flet-desktop package is not installed"
    if os.environ.get("FLET_VIEW_PATH"):
        return None
    import socket

    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(20)
    try:
        flet_desktop.ensure_client_cached()
    except Exception as exc:  # URLError offline, a proxy, a full disk
        return f"the Flet desktop client could not be fetched ({exc})"
    finally:
        socket.setdefaulttimeout(previous)
    return None


def run(
    *,
    data_dir: Path | None = None,
    server: str | None = None,
    web: bool = False,
    port: int | None = None,
    host: str = "127.0.0.1",
    demo_url: str | None = None,
) -> int:
    """Runs the app until its window closes (or, in the browser, until Ctrl-C)."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    from keel_cli import free_port
    from keel_cli._local import default_data_dir  # the CLI's folder: the app and `keel` share a store

    app = App(data_dir or default_data_dir(), server=server, demo_url=demo_url)
    set_locale(app.load_prefs().locale)  # the console lines below, in the person's language
    view = ft.AppView.FLET_APP
    if not web:
        reason = desktop_unavailable()
        if reason is not None:
            print(t("run.no_desktop", reason=reason), flush=True)
            web = True
    if web:
        if _headless():  # nothing to open a browser in: just serve
            os.environ.setdefault("FLET_FORCE_WEB_SERVER", "true")
        view = ft.AppView.WEB_BROWSER
        port = port or free_port(host)
        print(t("run.web_url", url=f"http://{host}:{port}"), flush=True)
    try:
        # The hash strategy: a push's link opens …/#/task/<id> in the browser (app/deeplink.py).
        ft.run(
            app.session,
            view=view,
            host=host,
            port=port or 0,
            assets_dir=str(ASSETS),
            no_cdn=True,
            route_url_strategy=ft.RouteUrlStrategy.HASH,
        )
    finally:
        stop_embedded_demo()
    return 0
