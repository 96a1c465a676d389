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
from typing import TYPE_CHECKING, Any

import flet as ft

from app import preload
from app.i18n import resolve, set_locale, set_locale_source, system_locale, t
from app.ui.base import FONT, AppEnv, Nav, Prefs

if TYPE_CHECKING:  # loaded in the background at start-up (app.preload), imported where used
    from app.core import Core
    from app.reminders import DeviceReminders

log = logging.getLogger("keel.app")

ASSETS = Path(__file__).resolve().parent.parent / "assets"
FONT_FILE = "fonts/NotoSansSC-Regular.otf"
SETTINGS_FILE = "settings.json"  # language and theme only; never a token
DEFAULT_SERVER = "http://127.0.0.1:8765"
PREFS_KEY = "keel.prefs"  # a session's Prefs, in its Flet session store
CLIENT_PREFS = ("keel.language", "keel.theme")  # the browser's own choice, in its local storage


def session_locale() -> str | None:
    """The locale of the window or tab whose code is running (Flet's current page), if any."""
    try:
        prefs = ft.context.page.session.store.get(PREFS_KEY)
    except RuntimeError:  # outside any session (the console lines), or a session that is gone
        return None
    return prefs.locale if isinstance(prefs, Prefs) else None


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
        await preload.ready()
        from app.core import Core
        from app.ui.session import resume_demo

        async with self._lock:
            if self.core is None:
                from app.tokens import open_token_store

                # The keyring on desktops and in web mode; Flet's secure storage in Android/iOS builds.
                self.core = Core(self.data_dir, tokens=await open_token_store())
                try:
                    if not await self.core.resume() and self.demo_url is not None:
                        await resume_demo(self.core, self.demo_url)  # `keel demo` restarted: carry on
                except Exception:
                    log.warning("could not resume the last sign-in", exc_info=True)
            return self.core

    def load_prefs(self) -> Prefs:
        try:
            saved = json.loads((self.data_dir / SETTINGS_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            saved = {}
        return prefs_of(saved.get("language"), saved.get("theme"))

    def save_prefs(self, prefs: Prefs) -> None:
        with contextlib.suppress(OSError):
            self.data_dir.mkdir(parents=True, exist_ok=True)
            (self.data_dir / SETTINGS_FILE).write_text(
                json.dumps({"language": prefs.language, "theme": prefs.theme}), encoding="utf-8"
            )

    async def session(self, page: ft.Page) -> None:
        """One window or browser tab. Its language and theme are its own: a desktop window's come
        from `settings.json` (the device's), a browser tab's from the browser's local storage."""
        core = await self.get_core()  # after the preload: the imports below are done
        from app.deeplink import follow_links
        from app.ui.shell import Root, on_key
        from app.ui.tab import Tab

        tab = Tab(page)
        prefs = Prefs(locale=system_locale()) if page.web else self.load_prefs()
        page.session.store.set(PREFS_KEY, prefs)
        page.title = "Keel"
        page.fonts = {FONT: FONT_FILE}  # the web client has it already (assets/assets/FontManifest.json)
        page.theme = ft.Theme(font_family=FONT, color_scheme_seed=ft.Colors.INDIGO)
        page.dark_theme = ft.Theme(font_family=FONT, color_scheme_seed=ft.Colors.INDIGO)
        page.theme_mode = _theme_mode(prefs.theme)
        page.padding = 0
        page.spacing = 0

        def show(message: str) -> None:
            page.show_dialog(ft.SnackBar(ft.Text(message), duration=ft.Duration(seconds=4)))

        width = page.width or 1440
        nav = Nav(phone=width < 720)
        env = AppEnv(core, nav, prefs, page, lambda message: tab.deliver(show, message), demo_url=self.demo_url)
        env.tab = tab
        storage = ft.SharedPreferences() if page.web else None

        def on_resize(e: Any) -> None:
            phone = (page.width or 1440) < 720
            if phone != nav.phone:
                nav.phone = phone

        def on_prefs(_sender: Any, field: str) -> None:
            if field == "language":
                prefs.locale = system_locale() if prefs.language == "system" else resolve(prefs.language)
            if field == "theme":
                page.theme_mode = _theme_mode(prefs.theme)
                page.update()
            if field in ("language", "theme"):
                if storage is None:
                    self.save_prefs(prefs)
                else:
                    page.run_task(_save_client_prefs, storage, prefs)

        self._listeners.append(on_prefs)  # observables hold listeners weakly
        prefs.subscribe(on_prefs)
        await self._announce(env)
        page.on_resize = on_resize
        page.on_keyboard_event = lambda e: on_key(env, e)
        page.on_disconnect = lambda _: setattr(tab, "paused", True)
        page.on_connect = lambda _: setattr(tab, "paused", False)
        page.render(lambda: Root(env, self.server or DEFAULT_SERVER))
        preload.warm()  # the screens not yet imported, now that the first frame is on its way
        follow_links(page, env)  # keel://task/<id> and #/task/<id> (app/deeplink.py)
        _keep_updating(page)
        if storage is not None:
            page.run_task(_load_client_prefs, storage, prefs)

    async def get_reminders(self, core: Core, page: ft.Page, *, desktop: bool) -> DeviceReminders:
        """The process's reminder runner (one however many windows or tabs, so none shows twice);
        it holds still while a first sync fills the cache. On a phone build it also hands upcoming
        reminders to the OS scheduler, made in this first session so a tap that launched the app
        reaches it; a tap opens the task in the newest session."""
        from app.reminders import DeviceReminders, mobile_scheduler

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
            # In this tab's session (tab.listen below); a server `due_soon` that repeats a reminder
            # this device already showed stays quiet.
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
        tab = env.tab
        tab.listen(store.subscribe, on_change)
        tab.on_close(reminders.attach(env.toast, open_task=open_from_os))  # env.toast reaches this tab

        async def closed(_: Any) -> None:
            # The session ended (a closed tab, after Flet's grace period): nothing reaches it any more.
            tab.close()
            if open_from_os in self._open_from_os:  # the no-op first entry always stays
                self._open_from_os.remove(open_from_os)
            await notifier.close()

        page.on_close = closed

    async def close(self) -> None:
        if self.reminders is not None:
            await self.reminders.close()  # before the store it reads closes
        if self.core is not None:
            await self.core.close()
        from app.ui.session import stop_embedded_demo

        stop_embedded_demo()


def prefs_of(language: object, theme: object) -> Prefs:
    """Saved choices (from a file or a browser's storage), each checked, as a session's Prefs."""
    language = language if language in ("system", "zh-CN", "en") else "system"
    theme = theme if theme in ("system", "light", "dark") else "system"
    locale = system_locale() if language == "system" else str(language)
    return Prefs(locale=locale, language=str(language), theme=str(theme))


async def _load_client_prefs(storage: ft.SharedPreferences, prefs: Prefs) -> None:
    """A browser tab takes the language and theme this browser chose last (its local storage)."""
    try:
        language, theme = [await asyncio.wait_for(storage.get(key), 10) for key in CLIENT_PREFS]
    except Exception:  # an old browser, or a tab closed meanwhile: the defaults stay
        log.info("could not read the browser's saved language and theme", exc_info=True)
        return
    saved = prefs_of(language, theme)
    if saved.language != prefs.language:
        prefs.language = saved.language
    if saved.theme != prefs.theme:
        prefs.theme = saved.theme


async def _save_client_prefs(storage: ft.SharedPreferences, prefs: Prefs) -> None:
    try:
        for key, value in zip(CLIENT_PREFS, (prefs.language, prefs.theme), strict=True):
            await asyncio.wait_for(storage.set(key, value), 10)
    except Exception:
        log.info("could not save the language and theme in the browser", exc_info=True)


def _keep_updating(page: ft.Page) -> None:
    """Flet's update scheduler ends for good when one component's render raises, after which the
    tab ignores every change (a click on the rail highlighted 看板 and kept Settings on screen).
    A render failure is a bug to log, not the end of the tab: start the scheduler again."""
    task = getattr(page.session, "_Session__updates_task", None)
    if task is None:
        return

    def died(done: Any) -> None:
        if done.cancelled() or done.exception() is None:
            return
        log.error("a screen failed to draw; the tab goes on", exc_info=done.exception())
        with contextlib.suppress(RuntimeError):
            page.session.start_updates_scheduler()
            _keep_updating(page)

    task.add_done_callback(died)


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
    logging.getLogger("keel").setLevel(os.environ.get("KEEL_APP_LOG_LEVEL", "WARNING").upper())
    from keel_local import default_data_dir, free_port  # the CLI's folder too: the app and `keel` share a store

    app = App(data_dir or default_data_dir(), server=server, demo_url=demo_url)
    set_locale(app.load_prefs().locale)  # the console lines below, in the person's language
    set_locale_source(session_locale)  # and in the app, each window's or tab's own
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
    # The heavy modules load while the browser fetches and starts its client (app.preload).
    preload.start((host, port) if web and port else None)
    try:
        # The port is for the browser; the desktop window talks over a socket Flet chooses.
        ft.run(
            app.session,
            view=view,
            host=host,
            port=(port or 0) if web else 0,
            assets_dir=str(ASSETS),
            no_cdn=True,
            route_url_strategy=ft.RouteUrlStrategy.HASH,  # a push's link opens …/#/task/<id> (app/deeplink.py)
        )
    finally:
        from app.ui.session import stop_embedded_demo

        stop_embedded_demo()
    return 0
