"""The three most similar open tickets of a desk, under an open ticket and under the feedback being
typed: computed on the device (app.state.similar, off the UI thread), each with a one-tap action
(merge the open ticket into it; or, in the feedback form, whatever the form passes)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import flet as ft

from app.i18n import t
from app.state import similar
from app.ui.base import text, use_env, use_store

SIMILAR_ROWS = ("task", "ticket", "status")


def use_similar(project_id: str | None) -> tuple[Any, dict[str, tuple[str, str]]]:
    """The desk's similarity index (None until built) and the names of its tickets."""
    env = use_env()
    store = env.core.store
    views = use_store(lambda: store.tickets(project_id) if project_id else [], SIMILAR_ROWS, [project_id])
    docs = similar.open_docs(views)
    index, set_index = ft.use_state((None, None))

    def build() -> None:
        async def run() -> None:
            similar.use_dictionary_cache(env.core.data_dir)
            built = await similar.index_of(docs)
            set_index((docs, built))

        env.page.run_task(run)

    ft.use_effect(build, [docs])
    current = index[1] if index[0] == docs else None
    return current, similar.labels(views)


@ft.component
def SimilarTickets(
    project_id: str,
    query: str,
    exclude: str | None,
    can_act: bool,
    on_pick: Callable[[similar.Match], None] | None = None,
    action: str | None = None,
) -> ft.Control:
    """Up to three matches of `query`; a tap on a match's button merges `exclude` into it (or `on_pick`)."""
    env = use_env()
    store = env.core.store
    index, names = use_similar(project_id)
    matches = similar.best(index, names, query, exclude)

    def pick(match: similar.Match) -> None:
        if on_pick is not None:
            on_pick(match)
        elif exclude is not None:
            store.merge_ticket(exclude, match.id)
            env.toast(t("desk.merged", key=match.key))

    rows: list[ft.Control] = []
    for match in matches:
        rows.append(
            ft.Container(
                ft.Row(
                    [
                        text(match.key, size=12, color=ft.Colors.ON_SURFACE_VARIANT, width=64),
                        ft.Container(
                            text(match.title, max_lines=2),
                            expand=True,
                            on_click=lambda _, m=match: env.nav.open_task(m.id),
                        ),
                        text(f"{round(match.score * 100)}%", size=12, color=ft.Colors.ON_SURFACE_VARIANT),
                        ft.IconButton(
                            ft.Icons.MERGE_TYPE,
                            tooltip=action or t("desk.similar.merge", key=match.key),
                            on_click=lambda _, m=match: pick(m),
                            visible=can_act,
                            key=f"similar-merge-{match.key}",
                        ),
                    ],
                    spacing=8,
                ),
                padding=ft.Padding.symmetric(horizontal=8, vertical=2),
                border_radius=6,
                bgcolor=ft.Colors.SURFACE_CONTAINER_LOW,
                key=f"similar-{match.key}",
            )
        )
    if index is None:
        status: ft.Control = text(t("desk.similar.loading"), size=12, color=ft.Colors.ON_SURFACE_VARIANT)
    elif not rows:
        status = text(t("desk.similar.none"), size=12, color=ft.Colors.ON_SURFACE_VARIANT)
    else:
        status = ft.Container()
    return ft.Column([text(t("desk.similar"), weight=ft.FontWeight.W_600), status, *rows], spacing=4)
