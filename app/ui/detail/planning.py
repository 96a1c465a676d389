"""The task detail's planning parts: the iteration picker and the dependencies section (blocked by,
blocks, relates to, duplicates) with add, remove and the reason a link was refused. Their rules
are in `app/state/planning_detail.py`."""

from __future__ import annotations

from typing import Any

import flet as ft

from app.i18n import t
from app.state.planning_detail import (
    LINK_ROWS,
    RELATIONS,
    LinkLine,
    Problem,
    add_link,
    iteration_choices,
    link_candidates,
    links_view,
    remove_link,
)
from app.ui.base import text, use_env, use_store
from app.ui.detail.fields import task_search

UNSYNCED = ft.Colors.AMBER_900


@ft.component
def IterationField(task: dict[str, Any], editable: bool) -> ft.Control:
    """The task's iteration: the project's open ones (and its own, even closed), or none (the backlog)."""
    env = use_env()
    store = env.core.store
    choices = use_store(lambda: iteration_choices(store, task), ("iteration",), [task["id"], task.get("iteration_id")])
    current = task.get("iteration_id") or ""

    def chosen(e: Any) -> None:
        value = e.control.value or ""
        if value != current:
            store.set_iteration(task["id"], value or None)

    def name(choice: Any) -> str:
        return t(f"detail.iteration_{choice.state}", name=choice.name) if choice.state != "planned" else choice.name

    return ft.Dropdown(
        value=current,
        options=[
            ft.DropdownOption(key="", text=t("detail.iteration_none")),
            *[ft.DropdownOption(key=c.id, text=name(c)) for c in choices],
        ],
        on_select=chosen,
        disabled=not editable,
        dense=True,
        expand=True,
    )


def _say(problem: Problem) -> str:
    return t(problem.key, **problem.params)


@ft.component
def Dependencies(task: dict[str, Any], editable: bool) -> ft.Control:
    env = use_env()
    store = env.core.store
    task_id = task["id"]
    view = use_store(lambda: links_view(store, task_id), LINK_ROWS, [task_id], outbox=True)
    adding, set_adding = ft.use_state(False)
    relation, set_relation = ft.use_state("blocks")
    query, set_query = ft.use_state("")
    problem, set_problem = ft.use_state(None)
    candidates = link_candidates(store, task, relation, query) if adding else []

    def choose(other_id: str) -> None:
        refused = add_link(store, task, relation, other_id)
        set_problem(refused)
        if refused is None:
            set_adding(False)
            set_query("")

    def toggle(_: Any) -> None:
        set_problem(None)
        set_adding(not adding)

    def line_row(line: LinkLine) -> ft.Control:
        notes = []
        if line.kind == "blocks" and line.lag_days:
            notes.append(t("links.lag", n=line.lag_days))
        if line.kind == "duplicates" and line.incoming:
            notes.append(t("links.duplicated_by"))
        return ft.Row(
            [
                ft.Container(
                    text(line.other_label, max_lines=1),
                    on_click=lambda _: env.nav.open_task(line.other_id),
                    expand=True,
                ),
                *[text(note, size=12, color=ft.Colors.ON_SURFACE_VARIANT) for note in notes],
                *(
                    [ft.Icon(ft.Icons.CLOUD_UPLOAD_OUTLINED, size=14, color=ft.Colors.AMBER_900)]
                    if line.pending
                    else []
                ),
                ft.IconButton(
                    ft.Icons.LINK_OFF,
                    tooltip=t("links.remove", task=line.other_label.split(" ")[0]),
                    on_click=lambda _: remove_link(store, line),
                    visible=editable,
                ),
            ],
            spacing=4,
        )

    groups: list[ft.Control] = []
    for name, lines in view.groups:
        if lines:
            groups.append(text(t(f"links.{name}"), size=12, color=ft.Colors.ON_SURFACE_VARIANT))
            groups += [line_row(line) for line in lines]
    if not groups:
        groups.append(text(t("links.none"), size=12, color=ft.Colors.ON_SURFACE_VARIANT))
    refusals = [
        ft.Row(
            [
                text(_say(r.problem), color=ft.Colors.ERROR, size=13, expand=True),
                ft.TextButton(t("links.refused_dismiss"), on_click=lambda _, r=r: store.dismiss(r.rejection_id)),
            ]
        )
        for r in view.refused
    ]
    head = ft.Row(
        [
            text(t("links.count", n=view.count) if view.count else t("links.title"), weight=ft.FontWeight.W_600),
            ft.Container(expand=True),
            ft.TextButton(
                t("detail.cancel") if adding else t("links.add"),
                icon=None if adding else ft.Icons.ADD_LINK,
                on_click=toggle,
                visible=editable,
            ),
        ]
    )
    parts: list[ft.Control] = [head, *groups, *refusals]
    if problem is not None:
        parts.append(text(_say(problem), color=ft.Colors.ERROR, size=13))
    if adding:
        parts.append(
            ft.Dropdown(
                value=relation,
                label=t("links.relation"),
                options=[ft.DropdownOption(key=r, text=t(f"links.{r}")) for r in RELATIONS],
                on_select=lambda e: (set_problem(None), set_relation(e.control.value or "blocks")),
                dense=True,
            )
        )
        parts += task_search(
            env, query, set_query, candidates, lambda c: choose(c.id), t("links.search"), t("links.no_match")
        )
    return ft.Column(parts, spacing=4, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
