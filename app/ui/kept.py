"""Home and the board stay mounted between visits: the shell hides them instead of unmounting them.

Opening the board used to build and send it whole (a few hundred controls, 80–190 KB) and unmount
home's list, and going home did the reverse. A kept screen is built on its first visit; after that
a visit is a visibility patch of two containers, unless what the screen reads from `Nav` changed
while it was hidden (then it renders once, and its memoized columns and cards send only what
changed). While hidden it still follows the store like any mounted screen, so it is current when
shown. The board is kept for the open project only: another project's board is built afresh.
"""

from __future__ import annotations

from typing import Any

import flet as ft

from app.ui.base import EnvContext, Nav, use_env
from app.ui.screens import screen_of

KEPT = ("home", "board")


def _stamp(nav: Nav) -> tuple[Any, ...]:
    """What a kept screen reads from `Nav` when it renders, besides the project (in its key) and the
    phone layout (in the shell's key): the board's mode and the N and / requests."""
    return (nav.board_mode, nav.new_task, nav.search)


@ft.component
def KeptScreen(name: str, project_id: str | None, stamp: tuple[Any, ...]) -> ft.Control:
    # The screen gets the env from this render, not by walking up its parents: a component finds a
    # context through the parent it was created in, and the KeptScreen that created this screen is
    # replaced by a new one (memoized, so not rendered) at every render of the shell; once the old
    # one is gone, a screen that renders again on a store change would find no env.
    env = use_env()
    return EnvContext(env, lambda: screen_of(name).build(project_id))


MemoKeptScreen = ft.memo(KeptScreen)


def screen_slots(nav: Nav, kept: dict[str, tuple[str | None, tuple[Any, ...]]], covered: bool) -> list[ft.Control]:
    """The shell's content: one container per kept screen visited so far (only the current one
    visible) and one for any other screen. `kept` is the shell's memory (a `use_ref`) of each kept
    screen's project and last stamp; `covered`: a phone's task detail is drawn instead of the screen."""
    for name in KEPT:
        project_id = nav.project_id if screen_of(name).per_project else None
        if name == nav.screen and not covered:
            kept[name] = (project_id, _stamp(nav))
        elif name in kept and kept[name][0] != project_id:
            del kept[name]  # another project's board: built afresh on its first visit
    slots: list[ft.Control] = [
        ft.Container(
            MemoKeptScreen(name, project_id, stamp, key=f"{name}-{project_id}"),
            visible=name == nav.screen and not covered,
            expand=True,
            key=f"kept-{name}-{project_id}",
        )
        for name, (project_id, stamp) in ((n, kept[n]) for n in KEPT if n in kept)
    ]
    if nav.screen not in KEPT:
        content = screen_of(nav.screen).build(nav.project_id)
        slots.append(ft.Container(content, visible=not covered, expand=True, key=f"screen-{nav.screen}"))
    return slots
