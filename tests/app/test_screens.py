"""The registry of screens (app/ui/screens/__init__.py): what the shell's navigation is built from."""

from __future__ import annotations

import pytest

from app.i18n import LOCALES, catalogue
from app.ui.screens import BY_NAME, SCREENS, entries, entry_of, screen_of


def test_names_are_unique_and_the_navigation_keeps_its_order() -> None:
    assert len(BY_NAME) == len(SCREENS)
    for phone in (False, True):
        names = [s.name for s in entries(phone)]
        assert [n for n in names if n in ("home", "board", "inbox", "settings")] == [
            "home",
            "board",
            "inbox",
            "settings",
        ]


def test_a_screen_without_an_entry_names_an_entry_that_exists() -> None:
    for screen in SCREENS:
        if screen.icons is None:
            assert screen.parent in BY_NAME and BY_NAME[screen.parent].icons is not None, screen.name
        else:
            assert screen.parent is None, screen.name
        assert entry_of(screen.name) in {s.name for s in entries(phone=False)} | {s.name for s in entries(phone=True)}


def test_project_screens_keep_their_parent_selected() -> None:
    assert entry_of("project_new") == "home"
    assert entry_of("project_settings") == "board"
    assert entry_of("inbox") == "inbox"
    # On a phone, a view the bar has no room for lights 视图, through which it was opened.
    assert entry_of("desk_dashboard", phone=True) == entry_of("gantt", phone=True) == "views"
    assert entry_of("desk_dashboard") == "desk_dashboard"
    assert entry_of("board", phone=True) == "board"
    assert entry_of("project_settings", phone=True) == "board"


def test_an_unknown_name_draws_home_rather_than_failing() -> None:
    assert screen_of("no_such_screen").name == "home"


@pytest.mark.parametrize("code", LOCALES)
def test_every_entry_has_its_label_in_both_catalogues(code: str) -> None:
    labels = {s.label_key for s in SCREENS if s.icons is not None}
    assert labels and [key for key in sorted(labels) if key not in catalogue(code)] == []


def test_the_inbox_counts_and_follows_the_notifications() -> None:
    assert BY_NAME["inbox"].count is not None and "notification" in BY_NAME["inbox"].count_rows
