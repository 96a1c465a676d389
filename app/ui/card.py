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
from app.ui.base import CHIP_TONES, FONT, avatar, chip, priority_color, priority_icon, text, unsynced_mark, use_env
from app.ui.touch import FingerMove, LongPress

COLUMN_WIDTH = 300
GAP = 8  # between desktop cards: the column's spacing, so a card is one control less
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


def _span(label: str, tone: str) -> ft.TextSpan:
    background, foreground = CHIP_TONES[tone]
    return ft.TextSpan(f" {label} ", ft.TextStyle(bgcolor=background, color=foreground))


def _badges(card: CardView, labels: int) -> list[ft.Control]:
    """The subtask progress (a check-box icon and done/total), the due badge and the labels in one
    chip, as spans of one Text: a row of chips cost two to four controls each, and Flet walks every
    field of every control and value it sends (a span with its style is a third of a chip)."""
    spans: list[ft.TextSpan] = []
    if card.subtasks_total:
        spans.append(ft.TextSpan(f"{card.subtasks_done}/{card.subtasks_total}  "))
    if card.due:
        spans.append(_span(card.due, "danger" if card.overdue else "plain"))
    if card.labels[:labels]:
        spans.append(ft.TextSpan("  " if card.due else ""))
        spans.append(_span(" · ".join(card.labels[:labels]), "label"))
    line = ft.Text(
        spans=spans,
        size=11,
        max_lines=1,
        overflow=ft.TextOverflow.CLIP,
        color=ft.Colors.ON_SURFACE_VARIANT,
        expand=True,
    )
    if not card.subtasks_total:
        return [line]
    return [ft.Icon(ft.Icons.CHECK_BOX_OUTLINED, size=12, color=ft.Colors.ON_SURFACE_VARIANT), line]


def _key(card: CardView, **kw: Any) -> ft.Text:
    return text(card.key or t("card.unnumbered"), size=12, color=ft.Colors.ON_SURFACE_VARIANT, **kw)


def _desktop_body(card: CardView) -> ft.Control:
    """Priority, key, unsynced mark and assignee; the title (two lines at most); the badges."""
    top = [_priority(card, True), _key(card, expand=True)]  # the key pushes the rest to the right
    if card.pending:
        top.append(unsynced_mark())
    if card.assignee:
        top.append(avatar(card.assignee, card.assignee_name, 24))
    return ft.Column(
        [
            ft.Row(top, spacing=6, height=24),
            text(card.title, size=14, max_lines=2, weight=ft.FontWeight.W_500),
            ft.Row(_badges(card, 3), spacing=2, height=20),
        ],
        spacing=5,
        tight=True,
    )


def _phone_body(card: CardView) -> ft.Control:
    """Title first (two lines at most) beside the assignee, then one line of key and badges."""
    person: list[ft.Control] = [avatar(card.assignee, card.assignee_name, 26, tooltip=False)] if card.assignee else []
    meta: list[ft.Control] = [_priority(card, False), _key(card)]
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
            ft.Row([*meta, *_badges(card, 1)], spacing=6, height=20),
        ],
        spacing=6,
        tight=True,
    )


def _face(
    card: CardView, body: ft.Control, height: int, on_click: Any, lifted: bool = False, **kw: Any
) -> ft.Container:
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
        **kw,
    )


def _label(card: CardView) -> str:
    return f"{card.key or ''} {card.title}".strip()


@ft.component
def Card(card: CardView, editable: bool = True) -> ft.Control:
    """The desktop card: a mouse drag moves it at once. The column spaces its cards (`GAP`)."""
    env = use_env()

    def accept(e: ft.DragTargetEvent) -> None:
        dragged = e.src.data if e.src is not None else None
        if dragged and dragged != card.id:
            env.core.store.move_task(dragged, card.status_id, before_id=card.id)

    face = _face(card, _desktop_body(card), CARD_HEIGHT - GAP, lambda _: env.nav.open_task(card.id))
    content: ft.Control = ft.Semantics(content=face, label=_label(card))
    if not editable:  # a viewer opens cards but cannot move them
        return content
    return ft.Draggable(
        group="card",
        data=card.id,
        content=ft.DragTarget(group="card", content=content, on_accept=accept),
        # Drawn in an overlay outside the theme's Material: it needs its own font and text style.
        content_feedback=ft.Text(
            f" {card.title} ",
            max_lines=1,
            overflow=ft.TextOverflow.ELLIPSIS,
            width=COLUMN_WIDTH - 24,
            bgcolor=ft.Colors.SURFACE_CONTAINER_HIGHEST,
            style=ft.TextStyle(
                font_family=FONT, size=14, color=ft.Colors.ON_SURFACE, decoration=ft.TextDecoration.NONE
            ),
        ),
    )


MemoCard = ft.memo(Card)

# A phone card's face is its height less the gap, and `offset` is in the face's own heights.
_PHONE_FACE = PHONE_CARD_HEIGHT - PHONE_GAP


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
    moves and its release, in global coordinates. The column spaces its cards (`PHONE_GAP`)."""
    env = use_env()
    face = _face(
        card,
        _phone_body(card),
        _PHONE_FACE,
        lambda _: env.nav.open_task(card.id),
        lifted,
        offset=ft.Offset(0.04 if going_to else 0.0, shift * PHONE_CARD_HEIGHT / _PHONE_FACE),
        animate_offset=ft.Animation(120, ft.AnimationCurve.EASE_OUT),
    )
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
    if not (editable and lifter is not None):
        return content

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

    return LongPress(
        content=content,
        on_long_press_start=started,
        on_long_press_move_update=moved,
        on_long_press_end=ended,
    )


MemoPhoneCard = ft.memo(PhoneCard)
