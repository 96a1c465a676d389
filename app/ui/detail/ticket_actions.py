"""A ticket's actions in the detail: copy the requester's portal link (asked of the server: online
only, and it says so offline), escalate to a requirement in a product project, and merge into
another ticket of the desk. The pickers open inline under the buttons (one at a time). The link
stays on a resolved ticket, where the requester confirms and rates; escalate and merge are for open
tickets only, and a ticket is escalated once."""

from __future__ import annotations

from typing import Any

import flet as ft

from app.i18n import t
from app.ui.base import text, typing, use_env, use_store
from sync.portal_link import portal_link

EDITING_ROLES = ("owner", "admin", "member")


def escalation_targets(store: Any, desk_id: str) -> list[dict[str, Any]]:
    """The projects a ticket may become a requirement in: not a desk, not archived, where I am a member or up."""
    return [
        p
        for p in store.projects(include_archived=False)
        if p["id"] != desk_id and p.get("kind") != "service_desk" and store.role(p["id"]) in EDITING_ROLES
    ]


def merge_targets(store: Any, desk_id: str, ticket_id: str, needle: str) -> list[dict[str, Any]]:
    """The desk's other open tickets (not merged), those matching `needle` by key or title."""
    needle = needle.strip().casefold()
    out = []
    for view in store.tickets(desk_id):
        task = view.task
        if task["id"] == ticket_id or view.done or view.ticket.get("merged_into_id"):
            continue
        if needle and needle not in f"{task.get('key') or ''} {task.get('title') or ''}".casefold():
            continue
        out.append(task)
    return out[:20]


def _pick_row(label: str, on_click: Any, key: str) -> ft.Control:
    return ft.Container(
        text(label, max_lines=1),
        padding=ft.Padding.symmetric(horizontal=10, vertical=8),
        on_click=on_click,
        ink=True,
        border_radius=6,
        key=key,
    )


@ft.component
def TicketActions(
    ticket_id: str, desk_id: str, editable: bool, open_ticket: bool = True, escalated: bool = False
) -> ft.Control:
    env = use_env()
    store = env.core.store
    picking, set_picking = ft.use_state("")
    needle, set_needle = ft.use_state("")
    link, set_link = ft.use_state(("", ""))  # (url, problem)
    projects = use_store(lambda: escalation_targets(store, desk_id), ("project", "member"), [desk_id])
    tickets = use_store(
        lambda: merge_targets(store, desk_id, ticket_id, needle) if picking == "merge" else [],
        ("task", "ticket", "status"),
        [desk_id, ticket_id, needle, picking],
    )
    if not editable:
        return ft.Container()

    async def copy_link(_: Any) -> None:
        found = await portal_link(env.core.remote, ticket_id)
        if found.url is None:
            set_link(("", found.problem or "offline"))
            return
        set_link((found.url, ""))
        try:
            await ft.Clipboard().set(found.url)
        except Exception:  # a browser that refuses the clipboard: the link stays on screen to select
            return
        env.toast(t("desk.portal.copied"))

    def escalate(project: dict[str, Any]) -> None:
        store.escalate_ticket(ticket_id, project["id"])
        set_picking("")
        env.toast(t("desk.escalate.done", key=project["key"]))

    def merge(task: dict[str, Any]) -> None:
        store.merge_ticket(ticket_id, task["id"])
        set_picking("")
        env.toast(t("desk.merged", key=task.get("key") or ""))

    def toggle(name: str) -> Any:
        return lambda _: set_picking("" if picking == name else name)

    actions: list[ft.Control] = [
        ft.OutlinedButton(t("desk.portal.copy"), icon=ft.Icons.LINK, on_click=copy_link, key="portal-link")
    ]
    if open_ticket and not escalated:  # the server takes one escalation per ticket
        actions.append(
            ft.OutlinedButton(t("desk.escalate"), icon=ft.Icons.NORTH_EAST, on_click=toggle("escalate"), key="escalate")
        )
    if open_ticket:
        actions.append(
            ft.OutlinedButton(t("desk.merge"), icon=ft.Icons.MERGE_TYPE, on_click=toggle("merge"), key="merge")
        )
    buttons = ft.Row(
        actions,
        wrap=True,
        spacing=8,
        run_spacing=8,
    )
    parts: list[ft.Control] = [buttons]
    url, problem = link
    if url:
        parts.append(ft.TextField(value=url, read_only=True, dense=True, key="portal-url", label=t("desk.portal.copy")))
    elif problem:
        key = "desk.portal.forbidden" if problem == "forbidden" else "desk.portal.offline"
        parts.append(text(t(key), color=ft.Colors.ERROR, size=13))
    if picking == "escalate" and open_ticket and not escalated:
        parts.append(text(t("desk.escalate.title"), weight=ft.FontWeight.W_600))
        parts += [
            _pick_row(f"{p['key']} · {p['name']}", lambda _, p=p: escalate(p), f"escalate-{p['key']}") for p in projects
        ]
        if not projects:
            parts.append(text(t("desk.escalate.none"), color=ft.Colors.ON_SURFACE_VARIANT))
    if picking == "merge" and open_ticket:
        parts.append(text(t("desk.merge.title"), weight=ft.FontWeight.W_600))
        parts.append(
            ft.TextField(
                **typing(env),
                value=needle,
                on_change=lambda e: set_needle(e.control.value or ""),
                prefix_icon=ft.Icons.SEARCH,
                hint_text=t("desk.merge.search"),
                dense=True,
            )
        )
        parts += [
            _pick_row(
                f"{x.get('key') or ''} · {x.get('title') or ''}", lambda _, x=x: merge(x), f"merge-{x.get('key')}"
            )
            for x in tickets
        ]
    return ft.Column(parts, spacing=6, horizontal_alignment=ft.CrossAxisAlignment.STRETCH)
