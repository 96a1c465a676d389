"""Input an outside probe sent (issue 9): each answer is a documented code, and one bad mutation
never stops the rest of its push, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from tests.factories import Api, Person, error_of, new_id, rows

JSON = {"Content-Type": "application/json"}
SURROGATE = "\\ud800"  # a lone surrogate as a JSON escape: what a client cutting an emoji in half sends


def _raw_push(person: Person, mutations: list[str], client_id: str | None = None) -> Any:
    """A push written by hand, so its JSON can hold escapes that no encoder produces."""
    cid = client_id or f'"{person.client_id}"'
    body = f'{{"client_id": {cid}, "mutations": [{",".join(mutations)}]}}'.encode()
    return person.http.post("/api/v1/sync/push", content=body, headers={**person.headers, **JSON})


def _mutation(person: Person, name: str, args: str) -> str:
    text = f'{{"mutation_id": {person.next_mutation}, "name": "{name}", "args": {args}}}'
    person.next_mutation += 1
    return text


# --- defect 1: a lone surrogate rejects its mutation alone ---------------------------------------


def test_a_lone_surrogate_in_args_rejects_only_that_mutation(api: Api) -> None:
    alice = api.person("Alice")
    project = alice.project()
    pid = project["id"]
    tid = alice.task(pid)
    s = SURROGATE
    bad = [
        _mutation(alice, "task.update", f'{{"id": "{tid}", "set": {{"title": "a{s}b"}}}}'),
        _mutation(alice, "task.update", f'{{"id": "{tid}", "set": {{"description": "{s}"}}}}'),
        _mutation(alice, "task.update", f'{{"id": "{tid}", "labels_add": ["x{s}"]}}'),
        _mutation(alice, "task.create", f'{{"id": "{new_id()}", "project_id": "{pid}", "title": "{s}"}}'),
        _mutation(alice, "comment.create", f'{{"id": "{new_id()}", "task_id": "{tid}", "body": "hi {s}"}}'),
        _mutation(alice, "project.update", f'{{"id": "{pid}", "name": "p{s}"}}'),
        _mutation(
            alice, "status.create", f'{{"id": "{new_id()}", "project_id": "{pid}", "name": "{s}", "category": "todo"}}'
        ),
        _mutation(alice, "notification_pref.update", f'{{"set": {{"time_zone": "Asia/{s}"}}}}'),
        _mutation(alice, "notification_pref.update", f'{{"set": {{"kinds": {{"{s}": true}}}}}}'),
        _mutation(alice, "task.update", f'{{"id": "{tid}", "{s}": 1}}'),  # an unknown field named with one
        _mutation(alice, "task.update", f'{{"id": "{tid}{s}"}}'),
    ]
    unknown = _mutation(alice, "task.update\\u00e9", "{}")
    good = _mutation(alice, "task.update", f'{{"id": "{tid}", "set": {{"title": "fine"}}}}')
    r = _raw_push(alice, [*bad, unknown, good])
    assert r.status_code == 200, r.text
    body = r.json()
    results = body["results"]
    assert [x["status"] for x in results] == ["rejected"] * (len(bad) + 1) + ["applied"], results
    assert {x["error"]["code"] for x in results[: len(bad)]} == {"validation_error"}, results
    assert results[len(bad)]["error"]["code"] == "unknown_mutation"
    assert body["last_mutation_id"] == alice.next_mutation - 1
    assert rows(alice.pull_all()[0], "task")[tid]["title"] == "fine"
    # A resend (its answer was lost) repeats why, and the error is still plain JSON.
    again = _raw_push(alice, [bad[0]])
    assert again.status_code == 200, again.text
    assert again.json()["results"][0] == {**results[0], "status": "duplicate"}


def test_a_lone_surrogate_in_the_envelope_is_422(api: Api) -> None:
    alice = api.person("Alice")
    error = error_of(_raw_push(alice, [], client_id=f'"c{SURROGATE}"'), 422, "validation_error")
    assert error["details"][0]["loc"] == ["client_id"]
    named = '{"mutation_id": 1, "name": "task.delete' + SURROGATE + '", "args": {}}'
    error = error_of(_raw_push(alice, [named]), 422, "validation_error")
    assert error["details"][0]["loc"] == ["mutations", "0", "name"]
    assert alice.pull()["last_mutation_id"] == 0


@pytest.mark.parametrize(
    "path",
    ["/api/v1/auth/register", "/api/v1/auth/token", "/api/v1/auth/refresh", "/api/v1/auth/logout"],
)
def test_a_lone_surrogate_in_an_auth_body_is_422(api: Api, path: str) -> None:
    for field in ("email", "password", "display_name", "refresh_token", SURROGATE):
        body = {"email": "s@example.com", "password": "correct horse", "display_name": "S", "refresh_token": "t"}
        text = orjson.dumps(body).decode().replace(f'"{field}":"', f'"{field}":"{SURROGATE}', 1)
        if field == SURROGATE:
            text = text[:-1] + f',"{SURROGATE}":1}}'
        error_of(api.http.post(path, content=text.encode(), headers=JSON), 422, "validation_error")


def test_a_lone_surrogate_in_a_push_endpoint_body_is_422(api: Api) -> None:
    alice = api.person("Alice")
    for body in (
        f'{{"kind": "ntfy", "endpoint": "https://ntfy.example.com/keel-topic-012345", "device_id": "d{SURROGATE}"}}',
        f'{{"kind": "ntfy", "endpoint": "https://ntfy.example.com/t{SURROGATE}opic"}}',
        f'{{"endpoint": "https://push.example.com/x", "keys": {{"p256dh": "{SURROGATE}", "auth": "a"}}}}',
    ):
        r = alice.http.post("/api/v1/push/endpoints", content=body.encode(), headers={**alice.headers, **JSON})
        error_of(r, 422, "validation_error")
    assert alice.get("/api/v1/push/endpoints").json() == {"endpoints": []}


def test_pull_parameters_that_cannot_be_text_are_not_a_crash(api: Api) -> None:
    alice = api.person("Alice")
    # Percent-encoded surrogate halves and invalid UTF-8 in the query string.
    for query in ("client_id=%ED%A0%80", "client_id=%FF%FE", "include=%ED%A0%80", "client_id=a%00b"):
        r = alice.get(f"/api/v1/sync/pull?{query}")
        assert r.status_code in (200, 422), r.text
        if r.status_code == 422:
            error_of(r, 422, "validation_error")


# --- defect 2: times at the edge of the calendar -------------------------------------------------

EDGE_TIMES = [
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59.999999Z",
    "0001-01-01T10:00:00+10:00",
]


def test_times_at_the_edge_of_the_calendar_are_validation_errors(api: Api) -> None:
    alice = api.person("Alice")
    pid = alice.project()["id"]
    tid = alice.task(pid)
    for when in EDGE_TIMES:
        for field in ("due_at", "start_at"):
            error = alice.rejected("task.update", {"id": tid, "set": {field: when}}, "validation_error")
            assert error["details"][0]["loc"] == ["set", field], error
            args = {"id": new_id(), "project_id": pid, "title": "t", field: when}
            assert alice.rejected("task.create", args, "validation_error")["details"][0]["loc"] == [field]
    # Any time a person may mean still applies, and comes back as sent, in UTC.
    for when, back in (
        ("0002-01-01T00:00:00Z", "0002-01-01T00:00:00.000000Z"),
        ("9998-12-31T23:59:59.999999+00:00", "9998-12-31T23:59:59.999999Z"),
        ("2026-06-01T08:00:00+08:00", "2026-06-01T00:00:00.000000Z"),
    ):
        alice.ok("task.update", {"id": tid, "set": {"due_at": when, "start_at": when}})
        task = rows(alice.pull_all()[0], "task")[tid]
        assert (task["due_at"], task["start_at"]) == (back, back)


# --- smaller gaps: bodies no parser takes, and the same rejected id twice ------------------------

UNPARSABLE = [
    b"\xff\xfe{\x00}",  # not UTF-8
    b'{"email": ' + b"1" * 5000 + b"}",  # a number with 5,000 digits
    b"[" * 2000 + b"]" * 2000,  # nesting 2,000 deep
    b'{"a": NaN}',
    b"{",
]


def test_bodies_that_cannot_be_parsed_are_400_malformed_json_everywhere(api: Api) -> None:
    alice = api.person("Alice")
    paths = [
        "/api/v1/auth/register",
        "/api/v1/auth/token",
        "/api/v1/auth/refresh",
        "/api/v1/auth/logout",
        "/api/v1/push/endpoints",
        "/api/v1/sync/push",
    ]
    for path in paths:
        for body in UNPARSABLE:
            r = alice.http.post(path, content=body, headers={**alice.headers, **JSON})
            error_of(r, 400, "malformed_json")
        # Nesting 1,000 deep is JSON all the same: of the wrong shape, like any other list.
        r = alice.http.post(path, content=b"[" * 1000 + b"]" * 1000, headers={**alice.headers, **JSON})
        error_of(r, 422, "validation_error")


def test_the_same_rejected_id_twice_in_a_batch_repeats_its_error(api: Api) -> None:
    alice = api.person("Alice")
    bad = {"mutation_id": 1, "name": "task.delete", "args": {"id": new_id()}}
    r = alice.post("/api/v1/sync/push", json={"client_id": alice.client_id, "mutations": [bad, bad]})
    assert r.status_code == 200, r.text
    first, second = r.json()["results"]
    assert first["status"] == "rejected" and first["error"]["code"] == "not_found"
    later = alice.post("/api/v1/sync/push", json={"client_id": alice.client_id, "mutations": [bad]}).json()
    assert later["results"][0] == {**first, "status": "duplicate"}
    assert second == later["results"][0]


def test_reminders_run_over_tasks_due_at_both_ends_of_the_calendar(api: Api, app: Any) -> None:
    from datetime import timedelta

    from server.feed import utcnow
    from server.reminders import run_reminders

    alice = api.person("Alice")
    pid = alice.project()["id"]
    first = alice.task(pid, due_at="0002-01-01T00:00:00Z")
    last = alice.task(pid, due_at="9998-12-31T23:59:59.999999Z")
    longest = timedelta(seconds=366 * 24 * 3600)  # the longest lead the settings allow
    created, _, _ = run_reminders(app.state.services.db, utcnow(), longest)
    assert created == 1
    notes = rows(alice.pull_all()[0], "notification").values()
    assert [(n["kind"], n["task_id"]) for n in notes] == [("overdue", first)]
    assert last not in {n["task_id"] for n in notes}


def test_settings_refuse_leads_and_lifetimes_that_leave_the_calendar(db_url: str) -> None:
    from pydantic import ValidationError

    from tests.conftest import test_settings

    for name in ("due_soon_lead_s", "refresh_token_ttl_s"):
        with pytest.raises(ValidationError):
            test_settings(db_url, **{name: 10**12})
