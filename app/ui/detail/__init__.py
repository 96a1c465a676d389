"""The task detail (beside the board, or full screen on a phone).

Its modules (`view` and the panels it draws) are imported when a task first opens, not with the shell
that imports this package: the first frame (sign-in, or home) has no open task, and they took a
second of a cold start. `app.preload.warm` imports them in the background after the first frame.
"""

from __future__ import annotations

from typing import Any

import flet as ft


def TaskDetail(task_id: str, full_screen: bool, **kwargs: Any) -> ft.Control:
    """`app.ui.detail.view.TaskDetail`, the component, its module imported on the first call."""
    from app.ui.detail.view import TaskDetail as component

    return component(task_id, full_screen, **kwargs)


__all__ = ["TaskDetail"]
