"""Deep links: a push's `click` (`keel://task/<id>`) and the web build's `…/#/task/<id>` open that task.

Flet gives the app a link as the page's route: in the browser the part after `#` (the app runs
with the hash URL strategy), in an Android or iOS build the path of the `keel://` link the OS
opened the app with (`[tool.flet.deep_linking]`: scheme `keel`, host `task`, so the route is
`/<id>`). The route is read once when a session starts and on every change while it runs. See
docs/push.md, *Tapping it*, for where a link cannot reach the app.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from app.i18n import t

if TYPE_CHECKING:
    import flet as ft

    from app.ui.base import AppEnv

_ID = r"([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})"
_FORMS = (
    re.compile(rf"^keel://task/{_ID}/?$"),  # the link itself, as a push carries it
    re.compile(rf"^/?#?/?task/{_ID}/?$"),  # the web build's route: /task/<id>, #/task/<id>
    re.compile(rf"^/{_ID}/?$"),  # a phone build's route for keel://task/<id> (the host is `task`)
)


def task_in(link: str | None) -> str | None:
    """The task id a link or route names, or None."""
    text = (link or "").strip()
    for form in _FORMS:
        found = form.match(text)
        if found:
            return found.group(1).lower()
    return None


def open_link(env: AppEnv, link: str | None) -> bool:
    """Opens the task `link` names on its board; False when it names none. A task this device does
    not have (not synced yet, or no longer shared) is said so in a toast."""
    task_id = task_in(link)
    if task_id is None:
        return False
    row = env.core.store.task(task_id)
    if row is None:
        env.toast(t("push.link_missing"))
        return True
    env.nav.go("board", row["project_id"])
    env.nav.open_task(task_id)
    return True


def follow_links(page: ft.Page, env: AppEnv) -> None:
    """Opens the task the session started on, and any the route changes to later."""

    def changed(e: Any) -> None:
        open_link(env, getattr(e, "route", None))

    open_link(env, page.route)
    page.on_route_change = changed
