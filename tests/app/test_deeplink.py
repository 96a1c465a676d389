"""Which links name a task: a push's keel:// link, the web build's routes, a phone build's route."""

from __future__ import annotations

import pytest

from app.deeplink import task_in

ID = "0b7e6f4c-5d1a-4c8e-9f3b-2a6d8e1c4b90"


@pytest.mark.parametrize(
    ("link", "task"),
    [
        (f"keel://task/{ID}", ID),
        (f"/task/{ID}", ID),  # the web build's path
        (f"/#/task/{ID}", ID),
        (f"#/task/{ID}", ID),
        (f"/{ID}", ID),  # an Android or iOS build: keel://task/<id> arrives as the route /<id>
        (f"/task/{ID.upper()}/", ID),
        ("/", None),
        ("", None),
        (None, None),
        ("/task/not-an-id", None),
        (f"keel://project/{ID}", None),
        (f"https://evil.example/task/{ID}", None),
    ],
)
def test_a_link_names_a_task_or_nothing(link: str | None, task: str | None) -> None:
    assert task_in(link) == task
