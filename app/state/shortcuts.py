"""Desktop keyboard shortcuts: N new task, / search, Esc close, Ctrl/Cmd+K the command palette.

`decide` is the whole rule, so it is tested without a keyboard: a plain letter never fires while
the person is typing in a field, and Esc closes the innermost thing open.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Key:
    key: str  # Flet's KeyboardEvent.key: "N", "/", "Escape", "K", ...
    ctrl: bool = False
    meta: bool = False
    shift: bool = False
    alt: bool = False


@dataclass(frozen=True)
class Context:
    screen: str  # 'signin', 'home', 'board', 'inbox', 'settings'
    typing: bool = False  # a text field has the focus
    palette_open: bool = False
    dialog_open: bool = False  # a task detail, quick add, or other dialog
    phone: bool = False


def decide(key: Key, ctx: Context) -> str | None:
    """The action a key press asks for: 'palette', 'new_task', 'search', 'close', or None."""
    if ctx.screen == "signin" or ctx.phone:
        return None
    name = key.key.lower()
    if (key.ctrl or key.meta) and name == "k" and not key.alt:
        return "close" if ctx.palette_open else "palette"
    if name in ("escape", "esc"):
        return "close" if (ctx.palette_open or ctx.dialog_open or ctx.typing) else None
    if key.ctrl or key.meta or key.alt or ctx.typing or ctx.palette_open or ctx.dialog_open:
        return None
    if name == "n" and not key.shift:
        return "new_task"
    if name in ("/", "slash"):
        return "search"
    return None
