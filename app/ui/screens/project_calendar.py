"""The project settings' working-day calendar: China's working days, Monday to Friday, or every day
(`project.calendar`, docs/calendar.md). Admins choose it; everyone else sees it. Every figure,
forecast and chart of the project counts its working days on it."""

from __future__ import annotations

from typing import Any

import flet as ft

from app.i18n import t
from app.state.calendar import project_calendar
from app.ui.base import text, use_env
from app.ui.project_parts import section
from sync.workdays import CALENDARS


@ft.component
def WorkCalendar(project: dict[str, Any], editable: bool) -> ft.Control:
    env = use_env()
    current = project_calendar(project)

    def choose(e: Any) -> None:
        value = e.control.value
        if value in CALENDARS and value != current:
            env.core.store.update_project(project["id"], calendar=value)
            env.toast(t("calendar_choice.saved", calendar=t(f"calendar_choice.option.{value}")))

    if not editable:
        return section(t("calendar_choice.section"), [text(t(f"calendar_choice.option.{current}"))])
    options = [ft.Radio(value=c, label=t(f"calendar_choice.option.{c}")) for c in CALENDARS]
    return section(
        t("calendar_choice.section"),
        [ft.RadioGroup(ft.Column(options, spacing=2), value=current, on_change=choose)],
        note=t("calendar_choice.help"),
    )
