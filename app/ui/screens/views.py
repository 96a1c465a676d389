"""The project's views on a phone (视图): a bar holds five entries at most, so the per-project views
that the desktop's rail lists one by one (table, calendar, timeline, iterations, dashboards) are
one entry here, a list that opens each of them."""

from __future__ import annotations

from typing import Any

import flet as ft

from app.i18n import t
from app.ui.base import screen, text, use_env


def project_views(store: Any, project_id: str | None) -> list[Any]:
    """The registry's entries that the phone's bar leaves out (the project's views, and personal
    performance), offered for this project."""
    from app.ui.screens import SCREENS

    return [
        s
        for s in SCREENS
        if s.icons is not None and s.desktop and not s.phone and (s.when is None or s.when(store, project_id))
    ]


@ft.component
def Views() -> ft.Control:
    env = use_env()
    project_id = env.nav.project_id
    tiles = [
        ft.ListTile(
            leading=ft.Icon(s.icons[1] if s.icons else None),
            title=text(t(s.label_key)),
            trailing=ft.Icon(ft.Icons.CHEVRON_RIGHT),
            on_click=lambda _, name=s.name: env.nav.go(name, project_id),
        )
        for s in project_views(env.core.store, project_id)
    ]
    return screen([text(t("nav.views"), size=20, weight=ft.FontWeight.W_600), *tiles])
