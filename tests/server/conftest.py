"""Fixtures shared by the server's tests: a small team in one project, and a loopback push service."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI

from server.app import create_app
from tests.conftest import test_settings
from tests.factories import Api, Person
from tests.server.push_receiver import PushReceiver


@pytest.fixture
def trio(api: Api) -> tuple[Person, Person, Person, str]:
    """Alice owns a project; Bob (王伟, wang.wei@…) and Carol (carol_c@…) are members of it."""
    alice = api.person("Alice Zhang", email="alice@example.com")
    bob = api.person("王伟", email="wang.wei@example.com")
    carol = api.person("Carol", email="carol_c@example.com")
    project = alice.project()
    alice.share(project["id"], bob)
    alice.share(project["id"], carol)
    return alice, bob, carol, project["id"]


@pytest.fixture
def receiver() -> Iterator[PushReceiver]:
    with PushReceiver() as r:
        yield r


@pytest.fixture
def live_app(db_url: str) -> Iterator[FastAPI]:
    """The server's app on the test's database (a live server serves it), disposed afterwards."""
    app = create_app(test_settings(db_url))
    yield app
    app.state.services.db.dispose()
