"""Moving a card on a phone: a long press lifts it, the finger's travel picks its new place.

Cards have a fixed height, so the travel alone says where the card lands: every `height` pixels up
or down is one place in the column, and a sideways travel past a share of the screen's width sends
it to the neighbouring column. Nothing here reads the screen; the board feeds it the press's start
and the finger's position, and draws the preview it describes.
"""

from __future__ import annotations

from dataclasses import dataclass

SIDEWAYS_SHARE = 0.3  # of the screen's width: a sideways travel past it targets the next column


@dataclass(frozen=True)
class Lift:
    """A card lifted by a long press, and where it would land now."""

    card_id: str
    index: int  # its place in the column (0 = top) when lifted
    slot: int  # the place it would take in this column
    side: int = 0  # -1 or 1: it would go to the previous or next column instead; 0: stays

    @property
    def moved(self) -> bool:
        return self.side != 0 or self.slot != self.index

    def shift(self, index: int) -> int:
        """How many places the card at `index` is drawn away from its own (the preview makes room)."""
        if self.side:
            return 0
        if index == self.index:
            return self.slot - self.index
        if self.index < index <= self.slot:
            return -1
        if self.slot <= index < self.index:
            return 1
        return 0


def follow(
    lift: Lift, dx: float, dy: float, *, height: int, width: float, total: int, sides: tuple[bool, bool] = (True, True)
) -> Lift:
    """Where the lifted card lands after the finger travelled (dx, dy) pixels from the press;
    `sides` says whether there is a column before and after this one."""
    side = 0
    if width > 0 and abs(dx) > width * SIDEWAYS_SHARE:
        side = 1 if dx > 0 else -1
        if not sides[0 if side < 0 else 1]:
            side = 0
    slot = max(0, min(total - 1, lift.index + round(dy / height))) if total else 0
    return Lift(lift.card_id, lift.index, slot, side)


@dataclass(frozen=True)
class Drop:
    """What a release does: nothing, or move the card above `before_id` (None: to the column's end)."""

    status_id: str | None  # None: nothing moves
    before_id: str | None = None
    top: bool = False  # to the top of another column (where the person will look for it)


def drop(
    lift: Lift, ids: list[str], offset: int, total: int, status_id: str, neighbours: tuple[str | None, str | None]
) -> Drop:
    """The move a release makes. `ids` are the column's cards from place `offset` on, as rendered
    (the window: it holds every place the finger can reach); `neighbours` are the previous and next
    columns' status ids."""
    if not lift.moved:
        return Drop(None)
    if lift.side:
        target = neighbours[0] if lift.side < 0 else neighbours[1]
        return Drop(target, top=True) if target else Drop(None)
    place = lift.slot if lift.slot < lift.index else lift.slot + 1  # the card it lands above
    if place >= total:
        return Drop(status_id)  # the column's end
    if not 0 <= place - offset < len(ids):
        return Drop(None)  # outside what is rendered: the finger cannot be there; move nothing
    return Drop(status_id, ids[place - offset])
