"""ntfy push end to end: registration, the message the ntfy app shows, retries, removals, quiet hours.

The people here have no app running: only an ntfy app subscribed to a topic, held by
`NtfyReceiver`, which checks each publish against ntfy's JSON API and the topic's access token.
"""

from __future__ import annotations

import contextlib
import logging
import random
from collections.abc import Iterator
from typing import Any

import pytest

from server.push import Egress, NtfySender, PushDispatcher, RetryPolicy
from server.push._ntfy import publication
from tests.factories import Api, Person, error_of, serve
from tests.server.ntfy_receiver import NtfyReceiver, Topic, new_token
from tests.server.test_notification_prefs import held_back_until_cleared
from tests.server.test_push_gateway import (
    WAIT_S,
    FakeTime,
    live_team,
    mention,
    print_latencies,
    team,
    time_mentions,
)

PATH = "/api/v1/push/endpoints"


@pytest.fixture
def ntfy() -> Iterator[NtfyReceiver]:
    with NtfyReceiver() as service:
        yield service


def register(person: Person, topic: Topic, **extra: Any) -> dict[str, Any]:
    """What a person types into Keel after subscribing their ntfy app to the topic."""
    body: dict[str, Any] = {"kind": "ntfy", "endpoint": topic.endpoint, **extra}
    if topic.token:
        body["token"] = topic.token
    r = person.post(PATH, json=body)
    assert r.status_code == 201, r.text
    return r.json()  # type: ignore[no-any-return]


@contextlib.contextmanager
def fake_time_gateway(api: Api, **options: Any) -> Iterator[tuple[PushDispatcher, FakeTime]]:
    """The app's gateway swapped for an ntfy-only one whose waits are recorded and skipped."""
    services = api.http.app.state.services
    fake = FakeTime()
    gateway = PushDispatcher(
        services.db,
        {"ntfy": NtfySender(egress=Egress(allow_loopback=True))},
        sleep=fake.sleep,
        clock=fake.clock,
        **options,
    )
    services.push.gateway.close()
    services.push.gateway = gateway
    try:
        yield gateway, fake
    finally:
        gateway.close()


def test_a_mention_reaches_bobs_ntfy_app_and_no_one_elses(
    db_url: str, ntfy: NtfyReceiver, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    with live_team(db_url) as (app, alice, bob, _pid, tid):
        bob_topic = ntfy.topic(token=new_token())
        alice_topic = ntfy.topic(prefix="/ntfy")  # a self-hosted server behind a path, no token
        answered = [register(bob, bob_topic, device_id="bob-phone"), register(alice, alice_topic, locale="en")]

        latencies, delivery = time_mentions(alice, bob, tid, bob_topic, 3)
        message = delivery.payload
        assert message is not None
        key = message["title"].split(" ")[0]
        assert key.endswith("-1") and message["title"] == f"{key} 修复登录页"
        assert message["message"] == "Alice 在评论中提到了你"  # zh-CN unless the registration says otherwise
        assert (message["priority"], message["tags"]) == (4, ["speech_balloon"])
        assert message["click"] == f"keel://task/{tid}"
        assert delivery.headers["authorization"] == f"Bearer {bob_topic.token}"

        # Bob answers: Alice is told in English, at ntfy's default priority, without a token.
        bob.comment(tid, "好的")
        [note] = alice_topic.wait_for(1, WAIT_S)
        assert note.payload is not None
        assert (note.payload["message"], note.payload["priority"]) == ("王伟 commented on a task", 3)
        assert "authorization" not in note.headers
        assert app.state.services.push.gateway.wait_idle(WAIT_S)
        assert len(bob_topic.requests) == 3 and len(alice_topic.requests) == 1
        assert bob_topic.problems == [] and alice_topic.problems == [] and ntfy.strays == []
        listed = bob.get(PATH).text

    print_latencies(capsys, "ntfy latency, comment POST to the topic's publish", db_url, latencies)
    # The token is a secret: never answered back, never logged; neither is the topic (the secret on ntfy.sh).
    assert bob_topic.token is not None
    assert all(bob_topic.token not in str(a) for a in answered) and bob_topic.token not in listed
    assert answered[0]["locale"] == "zh-CN" and answered[1]["locale"] == "en"
    for secret in (bob_topic.token, bob_topic.name, alice_topic.name, "Bearer"):
        assert secret not in caplog.text


def topic_url(name: str = "k3yXq9TzP2mWv8RbN4sLd7Hc") -> str:
    return f"https://ntfy.example.com/{name}"


BAD: list[tuple[str, dict[str, Any], int, str]] = [
    ("no topic", {"endpoint": "https://ntfy.example.com/"}, 422, "validation_error"),
    ("bare server", {"endpoint": "https://ntfy.example.com"}, 422, "validation_error"),
    ("topic of 65 characters", {"endpoint": topic_url("t" * 65)}, 422, "validation_error"),
    ("a dot in the topic", {"endpoint": topic_url("my.topic")}, 422, "validation_error"),
    ("a query", {"endpoint": topic_url() + "?auth=x"}, 422, "validation_error"),
    ("user info", {"endpoint": "https://me:pw@ntfy.example.com/topic"}, 422, "validation_error"),
    ("webpush keys", {"keys": {"p256dh": "B" * 87, "auth": "A" * 22}}, 422, "validation_error"),
    ("a password, not a token", {"token": "hunter2"}, 422, "validation_error"),
    ("an empty token", {"token": ""}, 422, "validation_error"),
    ("another language", {"locale": "fr"}, 422, "validation_error"),
    ("a kind in another case", {"kind": "NTFY"}, 422, "validation_error"),
    ("a kind that is not a string", {"kind": 7}, 422, "validation_error"),
    ("port out of range", {"endpoint": "https://ntfy.example.com:70000/topic"}, 400, "invalid_endpoint"),
    ("plain http", {"endpoint": "http://ntfy.example.com/topic"}, 403, "endpoint_not_allowed"),
    ("private address", {"endpoint": "https://192.168.1.2/topic"}, 403, "endpoint_not_allowed"),
    ("loopback", {"endpoint": "https://127.0.0.1/topic"}, 403, "endpoint_not_allowed"),
]


def test_ntfy_registrations_are_checked_and_their_token_stays_secret(db_url: str) -> None:
    with serve(db_url, push_hosts="ntfy.example.com,ntfy.sh,192.168.1.2,127.0.0.1") as api:
        alice, bob = api.person("Alice"), api.person("Bob")
        for why, change, status, code in BAD:
            r = alice.post(PATH, json={"kind": "ntfy", "endpoint": topic_url(), **change})
            error_of(r, status, code)
            assert r.status_code == status, why
        assert alice.get(PATH).json()["endpoints"] == []
        # Web Push keeps requiring its keys.
        error_of(alice.post(PATH, json={"kind": "webpush", "endpoint": topic_url()}), 422, "validation_error")
        error_of(alice.post(PATH, json={"endpoint": topic_url()}), 422, "validation_error")

        token, other_token = "tk_" + "a1" * 14 + "z", "tk_" + "b2" * 14 + "y"
        body = {"kind": "ntfy", "endpoint": topic_url(), "token": token, "device_id": "phone"}
        r = alice.post(PATH, json=body)
        assert r.status_code == 201 and token not in r.text
        created = r.json()
        assert (created["kind"], created["endpoint"], created["locale"]) == ("ntfy", topic_url(), "zh-CN")
        again = alice.post(PATH, json={**body, "token": other_token, "locale": "en"})  # a new token: refreshed
        assert again.status_code == 200 and again.json()["id"] == created["id"] and again.json()["locale"] == "en"
        assert other_token not in again.text and other_token not in alice.get(PATH).text
        # Under a path prefix (a self-hosted server behind a reverse proxy), on a host of the list.
        r = alice.post(PATH, json={"kind": "ntfy", "endpoint": "https://ntfy.sh/keel/" + "_-x" * 8})
        assert r.status_code == 201, r.text
        error_of(alice.post(PATH, json={"kind": "ntfy", "endpoint": "https://ntfy.evil.org/t"}), 403)
        # One owner per endpoint, whatever its kind: Bob registering the topic moves it to him.
        assert bob.post(PATH, json={"kind": "ntfy", "endpoint": topic_url()}).status_code == 201
        assert topic_url() not in {e["endpoint"] for e in alice.get(PATH).json()["endpoints"]}
        assert "ntfy" in bob.get("/api/v1/push/vapid").json()["kinds"]


def test_retries_back_off_and_gone_topics_are_removed(db_url: str, ntfy: NtfyReceiver) -> None:
    policy = RetryPolicy(attempts=4)
    with (
        serve(db_url, push_allow_loopback=True) as api,
        fake_time_gateway(api, policy=policy, rng=random.Random(5)) as (gateway, fake),
    ):
        alice, bob, _, tid = team(api)
        flaky, gone, unknown, refused, failing = (ntfy.topic(token=new_token()) for _ in range(5))
        for topic in (flaky, gone, unknown, refused, failing):
            register(bob, topic)
        flaky.answer(500, 429, retry_after="7")
        gone.answer(410)
        unknown.answer(404)
        refused.answer(413)
        failing.answer(502, 503, 507, 500)
        alice.comment(tid, f"{mention(bob)} ping")
        [delivery] = flaky.wait_for(1, WAIT_S)
        assert gateway.wait_idle(WAIT_S)

        assert [r.status for r in flaky.requests] == [500, 429, 200]
        assert all(r.payload == delivery.payload for r in flaky.requests)
        assert [r.status for r in failing.requests] == [502, 503, 507, 500]  # four tries, then it gives up
        assert [r.status for r in refused.requests] == [413]  # a refusal is not retried
        left = {e["endpoint"] for e in bob.get(PATH).json()["endpoints"]}
        assert left == {flaky.endpoint, refused.endpoint, failing.endpoint}  # 410 and 404: removed
        # Exponential with jitter in the upper half of each step; Retry-After is a floor.
        backoff = sorted(fake.sleeps)
        assert len(backoff) == 5 and backoff[-1] >= 7.0
        assert all(0.25 <= s <= 2.0 for s in backoff[:-1])

        alice.comment(tid, f"{mention(bob)} again")  # the removed ones are not tried again
        assert flaky.wait_for(2, WAIT_S) and gateway.wait_idle(WAIT_S)
        assert len(gone.requests) == 1 and len(unknown.requests) == 1
        assert all(t.problems == [] for t in (flaky, gone, unknown, refused, failing))


def test_a_revoked_token_is_refused_not_retried_and_the_registration_kept(db_url: str, ntfy: NtfyReceiver) -> None:
    with serve(db_url, push_allow_loopback=True) as api:
        with fake_time_gateway(api) as (gateway, fake):
            alice, bob, _, tid = team(api)
            topic = ntfy.topic(token=new_token())
            register(bob, topic)
            topic.token = new_token()  # the server's admin revoked Bob's token and made another
            alice.comment(tid, f"{mention(bob)} ping")
            assert gateway.wait_idle(WAIT_S)
        assert [r.status for r in topic.requests] == [401] and fake.sleeps == []
        assert len(bob.get(PATH).json()["endpoints"]) == 1  # Bob can register the new token


def test_quiet_hours_hold_back_the_ntfy_push_too(db_url: str, ntfy: NtfyReceiver) -> None:
    with serve(db_url, push_allow_loopback=True) as api:
        gateway = api.http.app.state.services.push.gateway
        alice, bob, _pid, tid = team(api)
        topic = ntfy.topic()
        register(bob, topic)
        delivery = held_back_until_cleared(alice, bob, tid, topic, gateway)
        assert delivery.payload is not None and delivery.payload["message"] == "Alice 在评论中提到了你"
        assert gateway.wait_idle(WAIT_S) and len(topic.requests) == 1


def test_the_published_text_for_each_kind_and_language() -> None:
    def facts(kind: str, **extra: Any) -> dict[str, Any]:
        task = {"title": "发布 2.0", "task_key": "APP-12", "task_id": "t1"}
        return {"kind": kind, **task, "actor_name": "Alice", **extra}

    reminder = publication("tp", facts("due_soon", actor_name=None), locale="zh-CN", urgency="normal")
    assert reminder == {
        "topic": "tp",
        "title": "APP-12 发布 2.0",
        "message": "任务快到期了",
        "priority": 3,
        "tags": ["hourglass_flowing_sand"],
        "click": "keel://task/t1",
    }
    assigned = publication("tp", facts("assigned"), locale="en", urgency="high")
    assert (assigned["message"], assigned["priority"]) == ("Alice assigned a task to you", 4)
    bare = facts("archived", actor_name=None, task_key=None, task_id=None)
    unknown = publication("tp", bare, locale=None, urgency="x")
    assert unknown == {"topic": "tp", "title": "发布 2.0", "message": "有人 更新了任务", "priority": 3}
