"""Fixtures the app tests share."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from app.i18n import current_locale, set_locale


@pytest.fixture
def chinese() -> Iterator[None]:
    """The app speaks zh-CN for the test (the language most of these tests read), then as before.
    Modules that read Chinese throughout use it with `pytestmark = pytest.mark.usefixtures("chinese")`."""
    before = current_locale()
    set_locale("zh-CN")
    yield
    set_locale(before)
