"""Where the person is, without a browser: the N and / shortcuts are answered once, Esc closes the
innermost overlay (the quick add: tests/e2e/test_live.py), and each window or tab speaks its own language."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.i18n import set_locale, set_locale_source, t
from app.main import session_locale
from app.ui.base import Nav


@pytest.fixture
def no_locale_source() -> Iterator[None]:
    yield
    set_locale_source(None)


def test_n_opens_the_quick_add_once_not_on_every_later_visit() -> None:
    nav = Nav(screen="home")
    nav.go("board")
    nav.ask("new_task")
    assert nav.take("new_task") is True  # the board, on mount: opens its quick add
    nav.go("home")
    nav.go("board")
    assert nav.take("new_task") is False  # a later visit: nothing asked, nothing opens
    assert nav.take("search") is False


def test_slash_focuses_the_filter_once() -> None:
    nav = Nav(screen="board")
    nav.ask("search")
    assert nav.take("new_task") is False and nav.take("search") is True
    nav.go("board", "another-project")
    assert nav.take("search") is False


def test_esc_closes_the_innermost_overlay() -> None:
    nav = Nav(screen="board", task_id="t1", sync_panel=True, palette=True)
    assert nav.close_innermost() is True and nav.palette is False and nav.task_id == "t1"
    assert nav.close_innermost() is True and nav.task_id is None and nav.sync_panel
    assert nav.close_innermost() is True and not nav.sync_panel
    assert nav.close_innermost() is False


def test_each_session_has_its_own_language(no_locale_source: None) -> None:
    set_locale("zh-CN")
    tabs = {"a": "en", "b": None}  # tab b follows the process's language
    current = {"tab": "a"}
    set_locale_source(lambda: tabs[current["tab"]])
    assert t("nav.home") == "Home"
    current["tab"] = "b"
    assert t("nav.home") == "首页"
    set_locale_source(session_locale)  # outside any Flet session: the process's language
    assert session_locale() is None and t("nav.home") == "首页"
