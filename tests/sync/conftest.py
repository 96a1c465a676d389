"""Fixtures for the client's `sync` package."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.core
import pytest

from tests.sync.memory_keyring import MemoryKeyring


@pytest.fixture
def keyring_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home of our own: keyring's data and config roots in `tmp_path`, no backend chosen by the environment."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND", raising=False)
    return home


@pytest.fixture
def restore_keyring() -> Iterator[None]:
    """Puts keyring's process-wide backend back as it was (even "not chosen yet") after the test."""
    previous = keyring.core._keyring_backend
    yield
    if previous is None:
        keyring.core._keyring_backend = None
    else:
        keyring.set_keyring(previous)


@pytest.fixture
def memory_keyring(keyring_home: Path, restore_keyring: None) -> MemoryKeyring:
    """An in-memory keyring installed as keyring's backend for the test."""
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    return backend
