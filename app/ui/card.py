"""A board card, drawn two ways: a desktop card that the mouse drags at once, and a compact phone card
that a finger scrolls past and lifts with a long press (see `app.state.drag`).

On a phone a plain `Draggable` starts on any touch, so a vertical swipe over the column moved the
card under the finger. Flet 1.0's Draggable has no long-press mode, so the phone card is a
`GestureDetector`: a swipe goes to the column's scroll (or the board's page swipe), a long press
lifts the card, and the finger's travel while it stays down picks the new place. The preview draws
every card where it would be (`offset` is in card heights), so nothing moves in the control tree
while the finger is down and the gesture is never lost.
"""

from __future__ import annotations

from typing import Any

import flet as ft

from app.i18n import t
from app.state.board import CARD_HEIGHT, PHONE_CARD_HEIGHT, CardView
from app.ui.base import FONT, avatar, chip, priority_color, priority_icon, text, unsynced_mark, use_env
from app.ui.touch import FingerMove, LongPress

COLUMN_WIDTH = 300
GAP = 8  # below a desktop card
PHONE_GAP = 6


def _priority(card: CardView, tooltip: bool) -> ft.Control:
    name = t(f"priority.{card.priority}")
    # On a phone a long press lifts the card: no tooltip inside it may claim the press.
    return ft.Icon(
        priority_icon(card.priority),
        size=16,
        color=priority_color(card.priority),
        tooltip=name if tooltip else None,
        semantics_label=None if tooltip else name,
    )


def _badges(card: CardView, labels: int) -> list[ft.Control]:
    out: list[ft.Control] = []
    if card.due:
        out.append(chip(card.due, tone="danger" if card.overdue else "plain"))
    if card.subtasks_total:
        out.append(chip(f"{card.subtasks_done}/{card.subtasks_total}", icon=ft.Icons.CHECK_BOX_OUTLINED))
    return out + [chip(label, tone="label") for label in card.labels[:labels]]


def _desktop_body(card: CardView) -> ft.Control:
    top = [_priority(card, True), text(card.key or t("card.unnumbered"), size=12, color=ft.Colors.ON_SURFACE_VARIANT)]
    if card.pending:
        top.append(unsynced_mark())
    top.append(ft.Container(expand=True))
    if card.assignee:
        top.append(avatar(card.assignee, card.assignee_name, 24))
    return ft.Column(
        [
            ft.Row(top, spacing=6, height=24),
            text(card.title, size=14, max_lines=2, weight=ft.FontWeight.W_500),
            ft.Row(_badges(card, 3), spacing=4, wrap=False, height=20),
        ],
        spacing=5,
        tight=True,
    )


def _phone_body(card: CardView) -> ft.Control:
    """Title first (two lines at most) beside the assignee, then one line of key and badges."""
    person: list[ft.Control] = [avatar(card.assignee, card.assignee_name, 26, tooltip=False)] if card.assignee else []
    meta: list[ft.Control] = [
        _priority(card, False),
        text(card.key or t("card.unnumbered"), size=12, color=ft.Colors.ON_SURFACE_VARIANT),
    ]
    if card.pending:
        meta.append(unsynced_mark())
    return ft.Column(
        [
            ft.Row(
                [text(card.title, size=14, max_lines=2, weight=ft.FontWeight.W_500, expand=True), *person],
                spacing=8,
                vertical_alignment=ft.CrossAxisAlignment.START,
                height=40,
            ),
            ft.Row([*meta, *_badges(card, 1)], spacing=6, wrap=False, height=20),
        ],
        spacing=6,
        tight=True,
    )


def _face(card: CardView, body: ft.Control, height: int, on_click: Any, lifted: bool = False) -> ft.Container:
    border = ft.Colors.AMBER_300 if card.pending else ft.Colors.OUTLINE_VARIANT
    return ft.Container(
        body,
        height=height,
        padding=ft.Padding.symmetric(horizontal=10, vertical=8),
        border_radius=8,
        bgcolor=ft.Colors.SURFACE_CONTAINER_HIGH if lifted else ft.Colors.SURFACE_CONTAINER_LOWEST,
        border=ft.Border.all(2, ft.Colors.PRIMARY) if lifted else ft.Border.all(1, border),
        shadow=ft.BoxShadow(blur_radius=16, spread_radius=1, color=ft.Colors.with_opacity(0.35, ft.Colors.BLACK))
        if lifted
        else None,
        on_click=on_click,
        ink=True,
    )


def _label(card: CardView) -> str:
    return f"{card.key or ''} {card.title}".strip()


@ft.component
def Card(card: CardView, editable: bool = True) -> ft.Control:
    """The desktop card: a mouse drag moves it at once."""
    env = use_env()

    def accept(e: ft.DragTargetEvent) -> None:
        dragged = e.src.data if e.src is not None else None
        if dragged and dragged != card.id:
            env.core.store.move_task(dragged, card.status_id, before_id=card.id)

    face = _face(card, _desktop_body(card), CARD_HEIGHT - GAP, lambda _: env.nav.open_task(card.id))
    content: ft.Control = ft.Semantics(content=face, label=_label(card))
    if editable:  # a viewer opens cards but cannot move them
        content = ft.Draggable(
            group="card",
            data=card.id,
            content=ft.DragTarget(group="card", content=content, on_accept=accept),
            # The feedback is drawn in an overlay outside the theme: it needs its own font and style.
            content_feedback=ft.Card(
                ft.Container(
                    ft.Text(
                        card.title,
                        max_lines=1,
                        overflow=ft.TextOverflow.ELLIPSIS,
                        style=ft.TextStyle(font_family=FONT, size=14, decoration=ft.TextDecoration.NONE),
                    ),
                    width=COLUMN_WIDTH - 24,
                    padding=12,
                ),
                elevation=6,
            ),
        )
    return ft.Container(content, height=CARD_HEIGHT, padding=ft.Padding.only(bottom=GAP))


MemoCard = ft.memo(Card)


@ft.component
def PhoneCard(
    card: CardView,
    index: int,
    editable: bool,
    shift: int = 0,
    lifted: bool = False,
    going_to: str = "",
    lifter: Any = None,
) -> ft.Control:
    """The phone card: a tap opens it, a swipe scrolls past it, a long press lifts it. `shift` draws
    it that many places up or down (the preview of a move); `going_to` names the column a sideways
    drag sends it to. `lifter` (the column's `Lifter`) gets the long press: its start, the finger's
    moves and its release, in global coordinates."""
    env = use_env()
    face = _face(card, _phone_body(card), PHONE_CARD_HEIGHT - PHONE_GAP, lambda _: env.nav.open_task(card.id), lifted)
    content: ft.Control = ft.Semantics(content=face, label=_label(card))
    if going_to:
        content = ft.Stack(
            [
                content,
                ft.Container(
                    chip(t("phone.move_to", column=going_to), icon=ft.Icons.ARROW_FORWARD, tone="label"),
                    right=8,
                    top=-4,
                ),
            ]
        )
    if editable and lifter is not None:

        def started(e: ft.LongPressStartEvent) -> None:
            at = e.global_position
            if at is not None:
                lifter.lift(card.id, index, at.x, at.y)

        def moved(e: FingerMove) -> None:
            if e.global_position is not None:
                lifter.follow(e.global_position.x, e.global_position.y)

        def ended(e: ft.LongPressEndEvent) -> None:
            at = e.global_position
            lifter.release(at.x if at is not None else float("nan"), at.y if at is not None else float("nan"))

        content = LongPress(
            content=content,
            on_long_press_start=started,
            on_long_press_move_update=moved,
            on_long_press_end=ended,
        )
    sideways = 0.04 if going_to else 0.0
    return ft.Container(
        content,
        height=PHONE_CARD_HEIGHT,
        padding=ft.Padding.only(bottom=PHONE_GAP),
        offset=ft.Offset(sideways, shift),
        animate_offset=ft.Animation(120, ft.AnimationCurve.EASE_OUT),
    )


MemoPhoneCard = ft.memo(PhoneCard)
