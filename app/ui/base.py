"""What every screen shares: the contexts (the core, the navigation, the preferences), the hook that
re-reads the store when the rows a screen shows change, and small drawing helpers."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import flet as ft

from app.i18n import t

if TYPE_CHECKING:  # annotations only: `keel app` starts its server before the store loads (app.preload)
    from app.core import Core
    from sync.store import Changes

T = TypeVar("T")

FONT = "Noto Sans SC"
PHONE_MAX_WIDTH = 720  # below this: bottom navigation and one board column per screen

PRIORITY_COLORS = {
    "urgent": ft.Colors.RED_600,
    "high": ft.Colors.ORANGE_600,
    "medium": ft.Colors.AMBER_600,
    "low": ft.Colors.BLUE_400,
    "none": ft.Colors.GREY_400,
}
PRIORITY_ICONS = {
    "urgent": ft.Icons.KEYBOARD_DOUBLE_ARROW_UP,
    "high": ft.Icons.KEYBOARD_ARROW_UP,
    "medium": ft.Icons.DRAG_HANDLE,
    "low": ft.Icons.KEYBOARD_ARROW_DOWN,
    "none": ft.Icons.REMOVE,
}


def priority_icon(priority: str) -> Any:
    """A priority's icon; one the protocol added after this map (no icon yet) gets a plain one."""
    return PRIORITY_ICONS.get(priority, ft.Icons.REMOVE)


def priority_color(priority: str) -> Any:
    return PRIORITY_COLORS.get(priority, ft.Colors.GREY_400)


@ft.observable
@dataclass
class Nav:
    """Where the person is: the screen, the open project and task, and the overlays."""

    screen: str = "home"  # 'home', 'board', 'inbox', 'settings'
    project_id: str | None = None
    task_id: str | None = None  # the open task detail
    comment_id: str | None = None  # the comment the open detail scrolls to (a mention from the inbox)
    palette: bool = False
    sync_panel: bool = False
    board_mode: str = "board"  # 'board' or 'list'
    new_task: int = 0  # bumped by the N shortcut: the board opens its quick add
    search: int = 0  # bumped by the / shortcut: the board focuses its filter
    phone: bool = False  # the window is phone-sized (re-renders the layout when it changes)
    # What the last N or / asked of the board, until the board takes it: a request is answered
    # once, so a later visit to the board opens neither the quick add nor the filter's focus.
    request: str | None = None  # 'new_task' or 'search'

    def go(self, screen: str, project_id: str | None = None) -> None:
        self.screen = screen
        if project_id is not None:
            self.project_id = project_id

    def ask(self, request: str) -> None:
        """The N or / shortcut: the board answers it once (see `take`)."""
        self.request = request
        if request == "new_task":
            self.new_task += 1
        elif request == "search":
            self.search += 1

    def take(self, request: str) -> bool:
        """True once for each `ask(request)`: the board calls it when it renders or mounts."""
        if self.request != request:
            return False
        self.request = None
        return True

    def close_innermost(self) -> bool:
        """Esc: closes the innermost overlay open (palette, task, sync panel)."""
        if self.palette:
            self.palette = False
        elif self.task_id is not None:
            self.task_id = None
        elif self.sync_panel:
            self.sync_panel = False
        else:
            return False
        return True

    def open_task(self, task_id: str, project_id: str | None = None, comment_id: str | None = None) -> None:
        if project_id is not None and project_id != self.project_id:
            self.project_id = project_id
        self.comment_id = comment_id
        self.task_id = task_id


@ft.observable
@dataclass
class Prefs:
    locale: str = "zh-CN"
    language: str = "system"  # 'system', 'zh-CN' or 'en'
    theme: str = "system"  # 'system', 'light' or 'dark'


@dataclass
class AppEnv:
    """The things a component reaches through `use_env()`."""

    core: Core
    nav: Nav
    prefs: Prefs
    page: ft.Page
    toast: Callable[[str], None]
    demo_url: str | None = None
    focused: dict[str, bool] = field(default_factory=lambda: {"typing": False})
    reminders: Any = None  # app.reminders.DeviceReminders, once the session has started them
    tab: Any = None  # app.ui.tab.Tab: callbacks from outside reach this session through it
    # The open quick add (its status id, and what closes it), for Esc. Not in `Nav`: opening one
    # must redraw its column only, not the whole shell.
    quick_add: tuple[str, Callable[[], None]] | None = None

    @property
    def phone(self) -> bool:
        """A phone-sized window (kept in `nav`, whose change re-renders the layout)."""
        return self.nav.phone


EnvContext = ft.create_context(None)


def filter_dropdown(
    label: str, value: str | None, options: list[tuple[str, str]], on_select: Any, width: int
) -> ft.Control:
    """A filter's dropdown: its options, and first 'any' (the empty key), as on the board and the desk."""
    return ft.Dropdown(
        label=label,
        value=value or "",
        options=[ft.DropdownOption(key="", text=t("filter.any"))]
        + [ft.DropdownOption(key=key, text=name) for key, name in options],
        on_select=on_select,
        width=width,
        dense=True,
    )


def use_env() -> AppEnv:
    env = ft.use_context(EnvContext)
    assert env is not None, "components must render inside EnvContext"
    return env  # type: ignore[no-any-return]


def typing(env: AppEnv, blur: Callable[[Any], None] | None = None) -> dict[str, Any]:
    """Focus handlers for a text field: while one has the focus, letter shortcuts (N, /) stay off."""

    def on_focus(_: Any) -> None:
        env.focused["typing"] = True

    def on_blur(e: Any) -> None:
        env.focused["typing"] = False
        if blur is not None:
            blur(e)

    return {"on_focus": on_focus, "on_blur": on_blur}


def relevant(changes: Changes, entities: Iterable[str], *, outbox: bool = False) -> bool:
    if changes.source == "reset":
        return True
    if outbox and (changes.outbox or changes.rejections):
        return True
    return any(entity in changes.rows for entity in entities)


def use_store(read: Callable[[], T], entities: tuple[str, ...], deps: list[Any], *, outbox: bool = False) -> T:
    """`read()` now, and again whenever a commit touches one of `entities` (or `deps` change): the
    screen follows the store within a frame of its change, with no reload."""
    env = use_env()
    version, set_version = ft.use_state(0)

    def subscribe() -> Callable[[], None]:
        def on_change(changes: Changes) -> None:
            if relevant(changes, entities, outbox=outbox):
                set_version(lambda v: v + 1)

        if env.tab is None:
            return env.core.store.subscribe(on_change)
        return env.tab.listen(env.core.store.subscribe, on_change)  # redrawn in this tab's session

    ft.use_effect(subscribe, [])
    return ft.use_memo(read, [version, *deps])


def text(
    value: str,
    *,
    size: float | None = None,
    weight: ft.FontWeight | None = None,
    color: Any = None,
    max_lines: int | None = None,
    selectable: bool = False,
    **kw: Any,
) -> ft.Text:
    return ft.Text(
        value,
        size=size,
        weight=weight,
        color=color,
        max_lines=max_lines,
        overflow=ft.TextOverflow.ELLIPSIS if max_lines else None,
        selectable=selectable,
        **kw,
    )


def avatar(initials: str, name: str, size: int = 24, *, tooltip: bool = True) -> ft.Control:
    """A coloured circle with the person's initials, legible at `size`: one hanzi (the last of the
    name, as colleagues call each other) or two Latin letters, the font sized to the circle."""
    glyphs = avatar_glyphs(initials)
    font = size * (0.52 if len(glyphs) == 1 else 0.4)
    return ft.Container(
        ft.Text(glyphs, size=round(font, 1), color=ft.Colors.WHITE, weight=ft.FontWeight.W_600, no_wrap=True),
        width=size,
        height=size,
        border_radius=size / 2,
        bgcolor=_avatar_color(name),
        alignment=ft.Alignment.CENTER,
        tooltip=name if tooltip else None,  # none inside a phone card: a long press there lifts the card
    )


def avatar_glyphs(initials: str) -> str:
    """What fits in a small circle: one CJK character, else at most two letters."""
    hanzi = [ch for ch in initials if "\u4e00" <= ch <= "\u9fff"]
    return hanzi[-1] if hanzi else initials[:2]


_AVATAR_COLORS = [
    ft.Colors.INDIGO_400,
    ft.Colors.TEAL_500,
    ft.Colors.DEEP_ORANGE_400,
    ft.Colors.PURPLE_400,
    ft.Colors.BLUE_600,
    ft.Colors.GREEN_600,
    ft.Colors.PINK_400,
    ft.Colors.BROWN_400,
]


def _avatar_color(name: str) -> str:
    import zlib

    return _AVATAR_COLORS[zlib.crc32(name.encode()) % len(_AVATAR_COLORS)]


# Chip colours by meaning, from the theme's roles so a dark theme gets dark chips (fixed light
# shades such as BLUE_50 glared on a dark board).
CHIP_TONES: dict[str, tuple[Any, Any]] = {
    "label": (ft.Colors.SECONDARY_CONTAINER, ft.Colors.ON_SECONDARY_CONTAINER),
    "danger": (ft.Colors.ERROR_CONTAINER, ft.Colors.ON_ERROR_CONTAINER),
    "plain": (ft.Colors.SURFACE_CONTAINER_HIGHEST, ft.Colors.ON_SURFACE_VARIANT),
}


def chip(label: str, color: Any = None, text_color: Any = None, icon: Any = None, *, tone: str = "plain") -> ft.Control:
    background, foreground = CHIP_TONES[tone]
    content: ft.Control = ft.Text(label, size=11, color=text_color or foreground, no_wrap=True)
    if icon is not None:
        content = ft.Row([ft.Icon(icon, size=12, color=text_color or foreground), content], spacing=2, tight=True)
    return ft.Container(
        content,
        padding=ft.Padding.symmetric(horizontal=6, vertical=1),
        border_radius=4,
        bgcolor=color or background,
    )


@ft.component
def Entry(
    hint: str,
    on_enter: Callable[[str], None],
    *,
    width: float | None = None,
    prefix_icon: Any = None,
    autofocus: bool = False,
    suffix: ft.Control | None = None,
    visible: bool = True,
) -> ft.Control:
    """A one-line field that hands its text to `on_enter` on Enter and empties itself (controls
    rendered by a component are frozen, so the text lives in state, not in the control)."""
    env = use_env()
    value, set_value = ft.use_state("")

    def submit(e: Any) -> None:
        entered = (e.control.value or "").strip()
        set_value("")
        on_enter(entered)

    return ft.TextField(
        value=value,
        hint_text=hint,
        on_change=lambda e: set_value(e.control.value or ""),
        on_submit=submit,
        dense=True,
        width=width,
        prefix_icon=prefix_icon,
        autofocus=autofocus,
        suffix=suffix,
        visible=visible,
        **typing(env),
    )


def screen(controls: list[ft.Control], *, spacing: int = 10) -> ft.Control:
    """A screen's scrolling column with the standard margin (home, inbox)."""
    return ft.Container(
        ft.Column(controls, spacing=spacing, scroll=ft.ScrollMode.AUTO, expand=True), padding=16, expand=True
    )


def unsynced_mark(visible: bool = True) -> ft.Control:
    """The small cloud on anything with edits the server has not confirmed yet."""
    return ft.Icon(
        ft.Icons.CLOUD_UPLOAD_OUTLINED, size=14, color=ft.Colors.AMBER_700, visible=visible, tooltip=t("card.unsynced")
    )


# The list view's columns beside the title, and their widths (its header uses the same).
LIST_WIDTHS = {"priority": 40, "key": 76, "status": 84, "assignee": 40, "due": 100}
PHONE_LIST_WIDTHS = {"priority": 24, "key": 60, "status": 64, "assignee": 28, "due": 76}  # the title gets the rest


def _cell(card: Any, column: str, status: str | None, widths: dict[str, int]) -> ft.Control:
    width = widths.get(column)
    if column == "priority":
        icon = ft.Icon(priority_icon(card.priority), size=16, color=priority_color(card.priority))
        return ft.Container(icon, width=width, alignment=ft.Alignment.CENTER_LEFT)
    if column == "key":
        return text(
            card.key or t("card.unnumbered"), size=12, width=width, max_lines=1, color=ft.Colors.ON_SURFACE_VARIANT
        )
    if column == "title":
        return text(card.title, max_lines=1, expand=True)
    if column == "status":
        return ft.Container(chip(status or ""), width=width, alignment=ft.Alignment.CENTER_LEFT)
    if column == "assignee":
        person = avatar(card.assignee, card.assignee_name, 24) if card.assignee else ft.Container()
        return ft.Container(person, width=width, alignment=ft.Alignment.CENTER_LEFT)  # a circle, not stretched
    color = ft.Colors.ERROR if card.overdue else ft.Colors.ON_SURFACE_VARIANT
    return text(card.due or "", size=12, color=color, width=width, max_lines=1)


def task_row(
    card: Any,
    on_click: Any,
    *,
    status: str | None = None,
    columns: tuple[str, ...] | None = None,
    widths: dict[str, int] | None = None,
    phone: bool = False,
) -> ft.Control:
    """One task as a line: home's my tasks (priority, key, title, due; on a `phone` the title above
    the rest), or the board's list view (`columns`, as its header names them, in `widths`, with the
    task's `status` name), then the unsynced mark."""
    if phone and columns is None:
        return _phone_task_row(card, on_click)
    order = columns or ("priority", "key", "title", "due")
    cells = [_cell(card, column, status, widths or LIST_WIDTHS) for column in order]
    cells.append(ft.Container(unsynced_mark(card.pending), width=14))  # holds its place: the header lines up
    return ft.Container(
        ft.Row(cells, spacing=8),
        padding=ft.Padding.symmetric(horizontal=12, vertical=10),
        on_click=on_click,
        border_radius=6,
        ink=True,
        height=44,
    )


def _phone_task_row(card: Any, on_click: Any) -> ft.Control:
    """Home's task on a phone: the title gets the whole width, the key and due date go below it."""
    color = ft.Colors.ERROR if card.overdue else ft.Colors.ON_SURFACE_VARIANT
    meta = ft.Row(
        [
            ft.Icon(priority_icon(card.priority), size=14, color=priority_color(card.priority)),
            text(card.key or t("card.unnumbered"), size=12, color=ft.Colors.ON_SURFACE_VARIANT),
            text(card.due or "", size=12, color=color),
            unsynced_mark(card.pending),
        ],
        spacing=6,
    )
    return ft.Container(
        ft.Column([text(card.title, max_lines=1), meta], spacing=2, tight=True),
        padding=ft.Padding.symmetric(horizontal=8, vertical=6),
        on_click=on_click,
        border_radius=6,
        ink=True,
        height=56,
    )
