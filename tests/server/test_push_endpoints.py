"""Registering push endpoints: the owner alone sees and removes them; bad input gets the protocol's errors."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tests.factories import Api, Person, error_of, serve

PATH = "/api/v1/push/endpoints"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def subscription(endpoint: str | None = None, **extra: Any) -> dict[str, Any]:
    """What a browser's PushSubscription.toJSON() gives, plus Keel's fields."""
    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )
    return {
        "endpoint": endpoint or f"https://push.example.com/wpush/v2/{secrets.token_urlsafe(32)}",
        "keys": {"p256dh": b64url(point), "auth": b64url(secrets.token_bytes(16))},
        **extra,
    }


@pytest.fixture
def push_api(db_url: str) -> Iterator[Api]:
    with serve(db_url, push_allow_loopback=True) as api:
        yield api


def listed(person: Person) -> list[dict[str, Any]]:
    r = person.get(PATH)
    assert r.status_code == 200, r.text
    return r.json()["endpoints"]  # type: ignore[no-any-return]


def test_register_list_and_unregister_are_the_owners_alone(push_api: Api) -> None:
    alice, bob = push_api.person("Alice"), push_api.person("Bob")
    body = subscription(device_id="alice-laptop")
    r = alice.post(PATH, json=body)
    assert r.status_code == 201, r.text
    created = r.json()
    assert set(created) == {"id", "kind", "endpoint", "device_id", "locale", "created_at", "updated_at"}
    assert created["locale"] is None  # webpush: the app words its own notifications
    assert (created["kind"], created["endpoint"], created["device_id"]) == ("webpush", body["endpoint"], "alice-laptop")
    assert body["keys"]["auth"] not in r.text and body["keys"]["p256dh"] not in r.text  # keys never come back

    again = alice.post(PATH, json=body)  # an app registers on every start: the same endpoint is refreshed
    assert again.status_code == 200 and again.json()["id"] == created["id"]
    assert [e["id"] for e in listed(alice)] == [created["id"]]

    assert listed(bob) == []
    error_of(bob.http.delete(f"{PATH}/{created['id']}", headers=bob.headers), 404, "not_found")
    assert len(listed(alice)) == 1

    assert alice.http.delete(f"{PATH}/{created['id']}", headers=alice.headers).status_code == 204
    assert listed(alice) == []
    error_of(alice.http.delete(f"{PATH}/{created['id']}", headers=alice.headers), 404, "not_found")


def test_one_endpoint_per_device_and_one_owner_per_endpoint(push_api: Api) -> None:
    alice, bob = push_api.person("Alice"), push_api.person("Bob")
    first = alice.post(PATH, json=subscription(device_id="phone")).json()
    renewed = subscription(device_id="phone")  # the browser rotated the subscription
    second = alice.post(PATH, json=renewed).json()
    laptop = alice.post(PATH, json=subscription(device_id="laptop")).json()
    assert {e["id"] for e in listed(alice)} == {second["id"], laptop["id"]}
    assert first["id"] not in {second["id"], laptop["id"]}
    # Bob signs in on Alice's phone: the subscription is his now, and Alice's notifications stop going there.
    r = bob.post(PATH, json={**renewed, "device_id": "phone"})
    assert r.status_code == 201
    assert [e["id"] for e in listed(alice)] == [laptop["id"]]
    assert [e["endpoint"] for e in listed(bob)] == [renewed["endpoint"]]


def test_a_person_keeps_their_newest_twenty_endpoints(push_api: Api) -> None:
    alice = push_api.person("Alice")
    ids = [alice.post(PATH, json=subscription()).json()["id"] for _ in range(22)]
    assert {e["id"] for e in listed(alice)} == set(ids[2:])


def test_the_vapid_key_is_a_p256_point_kept_in_the_database(db_url: str) -> None:
    with serve(db_url) as api:
        person = api.person()
        error_of(api.http.get("/api/v1/push/vapid"), 401, "not_authenticated")
        answer = person.get("/api/v1/push/vapid").json()
    assert answer["kinds"] == ["ntfy", "webpush"]
    raw = base64.urlsafe_b64decode(answer["public_key"] + "=")
    assert len(raw) == 65 and raw[0] == 4
    ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    with serve(db_url) as api:  # another process (or a restart) signs with the same key
        assert api.person().get("/api/v1/push/vapid").json()["public_key"] == answer["public_key"]


def _not_a_point() -> str:
    return "BA" + "A" * 84 + "A"  # the right shape, but (0, 0) is not on P-256


BAD: list[tuple[str, dict[str, Any], int, str]] = [
    ("unknown kind", {"kind": "carrier-pigeon"}, 422, "validation_error"),
    ("unknown field", {"colour": "red"}, 422, "validation_error"),
    ("short p256dh", {"keys": {"p256dh": "BAAA", "auth": b64url(bytes(16))}}, 422, "validation_error"),
    ("compressed p256dh", {"keys": {"p256dh": "A" + "A" * 43, "auth": b64url(bytes(16))}}, 422, "validation_error"),
    ("auth of 15 bytes", {"keys": {"p256dh": None, "auth": b64url(bytes(15))}}, 422, "validation_error"),
    ("auth of 17 bytes", {"keys": {"p256dh": None, "auth": b64url(bytes(17))}}, 422, "validation_error"),
    ("no keys", {"keys": None}, 422, "validation_error"),
    ("NUL in device_id", {"device_id": "a\x00b"}, 422, "validation_error"),
    ("device_id too long", {"device_id": "d" * 101}, 422, "validation_error"),
    ("ftp endpoint", {"endpoint": "ftp://push.example.com/x"}, 422, "validation_error"),
    ("user info", {"endpoint": "https://me:pw@push.example.com/x"}, 422, "validation_error"),
    ("fragment", {"endpoint": "https://push.example.com/x#y"}, 422, "validation_error"),
    ("endpoint too long", {"endpoint": "https://push.example.com/" + "x" * 2048}, 422, "validation_error"),
    ("not a P-256 point", {"keys": {"p256dh": _not_a_point(), "auth": b64url(bytes(16))}}, 400, "invalid_push_key"),
    ("port out of range", {"endpoint": "https://push.example.com:70000/x"}, 400, "invalid_endpoint"),
    ("empty label", {"endpoint": "https://push..example.com/x"}, 400, "invalid_endpoint"),
    ("shorthand IPv4", {"endpoint": "https://127.1/x"}, 400, "invalid_endpoint"),
    ("plain http", {"endpoint": "http://push.example.com/x"}, 403, "endpoint_not_allowed"),
    ("private address", {"endpoint": "https://10.0.0.8/x"}, 403, "endpoint_not_allowed"),
    ("link-local address", {"endpoint": "https://169.254.169.254/latest"}, 403, "endpoint_not_allowed"),
    ("any address", {"endpoint": "https://0.0.0.0/x"}, 403, "endpoint_not_allowed"),
]


def test_bad_registrations_get_the_protocols_errors(push_api: Api) -> None:
    person = push_api.person()
    for why, change, status, code in BAD:
        body = subscription()
        if isinstance(change.get("keys"), dict):
            keys = {k: v if v is not None else body["keys"][k] for k, v in change["keys"].items()}
            change = {**change, "keys": keys}
        r = person.post(PATH, json={k: v for k, v in {**body, **change}.items() if v is not None})
        assert r.status_code == status, (why, r.text)
        error_of(r, status, code)
    assert listed(person) == []


def test_requests_need_a_token_and_ids_must_be_uuids(push_api: Api) -> None:
    person = push_api.person()
    error_of(push_api.http.post(PATH, json=subscription()), 401, "not_authenticated")
    error_of(push_api.http.get(PATH), 401, "not_authenticated")
    error_of(push_api.http.delete(f"{PATH}/00000000-0000-0000-0000-000000000000"), 401, "not_authenticated")
    error_of(person.http.delete(f"{PATH}/not-a-uuid", headers=person.headers), 422, "validation_error")
    r = person.http.post(PATH, content=b"{not json", headers={**person.headers, "Content-Type": "application/json"})
    error_of(r, 400, "malformed_json")


def test_loopback_push_services_need_the_servers_consent(db_url: str) -> None:
    loopback = subscription("http://127.0.0.1:9/push/x")
    with serve(db_url) as api:
        error_of(api.person().post(PATH, json=loopback), 403, "endpoint_not_allowed")
        error_of(api.person().post(PATH, json=subscription("https://localhost/x")), 403, "endpoint_not_allowed")
    with serve(db_url, push_allow_loopback=True) as api:
        assert api.person().post(PATH, json=loopback).status_code == 201


def test_a_host_list_limits_push_to_known_services(db_url: str) -> None:
    with serve(db_url, push_hosts="push.example.com, fcm.example.net") as api:
        person = api.person()
        assert person.post(PATH, json=subscription("https://push.example.com/a")).status_code == 201
        assert person.post(PATH, json=subscription("https://eu.fcm.example.net/b")).status_code == 201
        error_of(person.post(PATH, json=subscription("https://evil.example.org/c")), 403, "endpoint_not_allowed")
        error_of(person.post(PATH, json=subscription("https://notpush.example.com.evil.org/")), 403)
