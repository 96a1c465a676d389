"""A long press that follows the finger (Flet 1.0.5 needs a hand here).

No `from __future__ import annotations` in this module: Flet reads the event class from the handler
field's annotation at run time, and it cannot resolve an annotation kept as a string.
"""

from dataclasses import dataclass, field
from typing import Optional

import flet as ft


@dataclass(kw_only=True)
class FingerMove(ft.Event["LongPress"]):
    """A finger's move after a long press. Flet 1.0.5's own `LongPressMoveUpdateEvent` requires an
    `offset_from_origin` that its client does not send, and the session ends on the first move."""

    local_position: Optional[ft.Offset] = field(default=None, metadata={"data_field": "l"})  # noqa: UP045 (Flet decodes Optional, not X | None)
    global_position: Optional[ft.Offset] = field(default=None, metadata={"data_field": "g"})  # noqa: UP045


@ft.control("GestureDetector")
class LongPress(ft.GestureDetector):
    """A GestureDetector whose long-press moves arrive as `FingerMove` (Flet resolves an event's
    class from the handler field's annotation, so redeclaring the field is enough)."""

    on_long_press_move_update: Optional[ft.EventHandler[FingerMove]] = None  # noqa: UP045
