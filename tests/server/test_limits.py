"""Limits and hostile input: every bad request is a 4xx with the error shape, never a 5xx."""

from __future__ import annotations

from typing import Any

from sync.protocol import MUTATION_ARGS
from tests.factories import Api, Person, error_of, new_id, rows

MIB = 1024 * 1024


def _push_raw(person: Person, content: bytes | Any, **headers: str):  # type: ignore[no-untyped-def]
    return person.http.post(
        "/api/v1/sync/push", content=content, headers={**person.headers, "Content-Type": "application/json", **headers}
    )


def test_a_body_over_1_mib_is_413(api: Api) -> None:
    alice = api.person("Alice")
    big = b'{"client_id": "c", "mutations": [], "pad": "' + b"x" * MIB + b'"}'
    error_of(_push_raw(alice, big), 413)
    error_of(api.http.post("/api/v1/auth/register", content=big, headers={"Content-Type": "application/json"}), 413)
    # Just under the limit is parsed (and then judged on its merits).
    fits = b'{"client_id": "c", "mutations": [], "pad": "' + b"x" * (MIB - 100) + b'"}'
    assert _push_raw(alice, fits).status_code == 200


def test_a_streamed_body_over_1_mib_is_413_too(api: Api) -> None:
    alice = api.person("Alice")

    def chunks():  # type: ignore[no-untyped-def]  # no Content-Length: the server must count
        yield b'{"client_id": "c", "mutations": [], "pad": "'
        for _ in range(20):
            yield b"x" * (64 * 1024)
        yield b'"}'

    error_of(_push_raw(alice, chunks()), 413)
    r = api.http.post("/api/v1/auth/register", content=chunks(), headers={"Content-Type": "application/json"})
    error_of(r, 413)


def test_more_than_500_mutations_is_413_for_the_whole_push(api: Api) -> None:
    alice = api.person("Alice")
    batch = [{"mutation_id": i, "name": "watch.put", "args": {"task_id": new_id()}} for i in range(1, 502)]
    r = alice.post("/api/v1/sync/push", json={"client_id": alice.client_id, "mutations": batch})
    error_of(r, 413)
    assert alice.pull()["last_mutation_id"] == 0
    r = alice.post("/api/v1/sync/push", json={"client_id": alice.client_id, "mutations": batch[:500]})
    assert r.status_code == 200
    assert r.json()["last_mutation_id"] == 500


def test_malformed_json_is_400(api: Api) -> None:
    alice = api.person("Alice")
    for body in (b"{", b"not json", b'{"client_id": "c", "mutations": [}', b"\xff\xfe"):
        error_of(_push_raw(alice, body), 400)
        for path in ("/api/v1/auth/register", "/api/v1/auth/token", "/api/v1/auth/refresh"):
            error_of(api.http.post(path, content=body, headers={"Content-Type": "application/json"}), 400)


MALFORMED_ENVELOPES: list[Any] = [
    [],
    "push",
    {},
    {"client_id": 5, "mutations": []},
    {"client_id": "", "mutations": []},
    {"client_id": "c" * 101, "mutations": []},
    {"client_id": "c", "mutations": "all"},
    {"client_id": "c", "mutations": [{"name": "x", "args": {}}]},
    {"client_id": "c", "mutations": [{"mutation_id": 0, "name": "x", "args": {}}]},
    {"client_id": "c", "mutations": [{"mutation_id": -3, "name": "x", "args": {}}]},
    {"client_id": "c", "mutations": [{"mutation_id": 2**60, "name": "x", "args": {}}]},
    {"client_id": "c", "mutations": [{"mutation_id": 1.5, "name": "x", "args": {}}]},
    {"client_id": "c", "mutations": [{"mutation_id": 1, "name": None, "args": {}}]},
    {"client_id": "c", "mutations": [{"mutation_id": 1, "name": "x", "args": []}]},
    {"client_id": "c", "mutations": [7]},
]


def test_a_malformed_envelope_is_422(api: Api) -> None:
    alice = api.person("Alice")
    for envelope in MALFORMED_ENVELOPES:
        error = error_of(alice.post("/api/v1/sync/push", json=envelope), 422, "validation_error")
        assert error["details"]
    assert alice.pull()["last_mutation_id"] == 0


WRONG_AUTH_BODIES: list[Any] = [
    {"email": 1, "password": "correct horse", "display_name": "x"},
    {"email": "a@example.com", "password": ["correct horse"], "display_name": "x"},
    {"email": "a@example.com", "password": "correct horse", "display_name": None},
    {"email": "a@example.com", "password": "correct horse", "display_name": "x", "admin": True},
    ["a@example.com"],
]


def test_wrong_types_in_auth_are_422(api: Api) -> None:
    for body in WRONG_AUTH_BODIES:
        error_of(api.http.post("/api/v1/auth/register", json=body), 422, "validation_error")
        error_of(api.http.post("/api/v1/auth/token", json=body), 422, "validation_error")


def test_unknown_routes_and_methods_have_the_error_shape(api: Api) -> None:
    alice = api.person("Alice")
    error_of(alice.get("/api/v1/nothing-here"), 404)
    error_of(alice.http.delete("/api/v1/sync/push", headers=alice.headers), 405)


def test_text_with_nul_characters_is_refused_not_a_crash(api: Api) -> None:
    alice = api.person("Alice")
    project = alice.project()
    for path, body in (
        ("/api/v1/auth/register", {"email": "n\x00ul@example.com", "password": "correct horse", "display_name": "x"}),
        ("/api/v1/auth/register", {"email": "nul@example.com", "password": "correct horse", "display_name": "a\x00"}),
        ("/api/v1/auth/token", {"email": "n\x00ul@example.com", "password": "correct horse"}),
        ("/api/v1/auth/refresh", {"refresh_token": "a\x00b"}),
        ("/api/v1/auth/logout", {"refresh_token": "a\x00b"}),
    ):
        r = api.http.post(path, json=body)
        assert r.status_code < 500, (path, r.text)
        if r.status_code >= 400:
            error_of(r, r.status_code)
    surrogate = b'{"email": "s@example.com", "password": "correct horse", "display_name": "\\ud800"}'
    r = api.http.post("/api/v1/auth/register", content=surrogate, headers={"Content-Type": "application/json"})
    error_of(r, 422)
    error_of(alice.get("/api/v1/users", params={"email": "a\x00@example.com"}), 404)
    r = alice.get("/api/v1/sync/pull", params={"client_id": "c\x00"})
    assert r.status_code in (200, 422), r.text
    r = alice.post("/api/v1/sync/push", json={"client_id": "c\x00", "mutations": []})
    assert r.status_code in (200, 422), r.text
    error = alice.rejected("task.create", {"id": new_id(), "project_id": project["id"], "title": "a\x00b"})
    assert error["code"] == "validation_error"
    tid = alice.task(project["id"])
    assert (
        alice.rejected("comment.create", {"id": new_id(), "task_id": tid, "body": "\x00"})["code"] != "internal_error"
    )


# --- field limits reject one mutation --------------------------------------------------------


def test_field_limits_reject_only_that_mutation(api: Api) -> None:
    alice = api.person("Alice")
    project = alice.project()
    pid = project["id"]
    tid = alice.task(pid)
    too_long = [
        ("task.create", {"id": new_id(), "project_id": pid, "title": "t" * 501}),
        ("task.create", {"id": new_id(), "project_id": pid, "title": "t", "description": "d" * 100_001}),
        ("task.create", {"id": new_id(), "project_id": pid, "title": "t", "labels": [f"l{i}" for i in range(101)]}),
        ("task.create", {"id": new_id(), "project_id": pid, "title": "t", "labels": ["l" * 1000]}),
        ("task.update", {"id": tid, "set": {"title": "标" * 501}}),
        ("task.update", {"id": tid, "set": {"description": "d" * 100_001}}),
        ("task.update", {"id": tid, "labels_add": [f"l{i}" for i in range(101)]}),
        ("comment.create", {"id": new_id(), "task_id": tid, "body": "c" * 20_001}),
        ("project.create", {"id": new_id(), "name": "n" * 201, "key": "ZZZZZZZZZZ"}),
        ("project.update", {"id": pid, "name": "n" * 201}),
        ("status.create", {"id": new_id(), "project_id": pid, "name": "n" * 201, "category": "todo"}),
    ]
    body = alice.push(*too_long, ("task.update", {"id": tid, "set": {"title": "t" * 500}}))
    statuses = [r["status"] for r in body["results"]]
    assert statuses == ["rejected"] * len(too_long) + ["applied"]
    assert all(r["error"]["code"] == "validation_error" for r in body["results"][:-1])
    # At the limits exactly, everything applies.
    cid = new_id()
    alice.ok("task.update", {"id": tid, "set": {"description": "d" * 100_000}})
    alice.ok("comment.create", {"id": cid, "task_id": tid, "body": "c" * 20_000})
    alice.ok("project.update", {"id": pid, "name": "名" * 200})
    got = rows(alice.pull_all()[0], "task")[tid]
    assert len(got["title"]) == 500 and len(got["description"]) == 100_000


def test_labels_added_over_time_stop_at_100(api: Api) -> None:
    alice = api.person("Alice")
    project = alice.project()
    tid = alice.task(project["id"], labels=[f"a{i}" for i in range(60)])
    alice.rejected("task.update", {"id": tid, "labels_add": [f"b{i}" for i in range(41)]}, "too_many_labels")
    alice.ok("task.update", {"id": tid, "labels_add": [f"b{i}" for i in range(40)]})
    assert len(rows(alice.pull_all()[0], "task")[tid]["labels"]) == 100
    alice.ok("task.update", {"id": tid, "labels_add": ["c"], "labels_remove": ["a0"]})  # a swap stays at 100


INVALID_TASK_FIELDS: list[dict[str, Any]] = [
    {"priority": "p0"},
    {"type": "epic"},
    {"estimate": -1},
    {"estimate": "three"},
    {"due_at": "tomorrow"},
    {"start_at": "2030-13-01T00:00:00Z"},
    {"position": "a b"},
    {"position": ""},
    {"status_id": "todo"},
    {"labels": "web"},
    {"labels": [""]},
    {"labels": [1, 2]},
]


def test_invalid_task_fields_are_rejected(api: Api) -> None:
    alice = api.person("Alice")
    project = alice.project()
    tid = alice.task(project["id"])
    for fields in INVALID_TASK_FIELDS:
        alice.rejected("task.create", {"id": new_id(), "project_id": project["id"], "title": "t", **fields})
        if "labels" not in fields:
            alice.rejected("task.update", {"id": tid, "set": fields}, "validation_error")


def test_unknown_ids_and_other_projects_ids_are_rejected(api: Api) -> None:
    alice = api.person("Alice")
    bob = api.person("Bob")
    mine, theirs = alice.project(), bob.project()
    my_task, their_task = alice.task(mine["id"]), bob.task(theirs["id"])
    their_status = next(s["id"] for s in rows(bob.pull_all()[0], "status").values())
    their_comment = bob.comment(their_task, "theirs")
    base = {"project_id": mine["id"], "title": "t"}
    cases = [
        ("task.create", {"id": new_id(), **base, "status_id": their_status}),
        ("task.create", {"id": new_id(), **base, "parent_id": their_task}),
        ("task.create", {"id": new_id(), **base, "assignee_id": bob.id}),
        ("task.create", {"id": new_id(), "project_id": theirs["id"], "title": "t"}),
        ("task.create", {"id": new_id(), "project_id": new_id(), "title": "t"}),
        ("task.update", {"id": my_task, "set": {"status_id": their_status}}),
        ("task.update", {"id": my_task, "set": {"parent_id": their_task}}),
        ("task.update", {"id": my_task, "set": {"assignee_id": new_id()}}),
        ("task.update", {"id": their_task, "set": {"title": "mine now"}}),
        ("task.delete", {"id": their_task}),
        ("task.delete", {"id": new_id()}),
        ("comment.create", {"id": new_id(), "task_id": their_task, "body": "hi"}),
        ("comment.create", {"id": new_id(), "task_id": new_id(), "body": "hi"}),
        ("comment.update", {"id": their_comment, "body": "x"}),
        ("comment.delete", {"id": their_comment}),
        ("status.update", {"id": their_status, "name": "x"}),
        ("status.delete", {"id": their_status}),
        ("status.delete", {"id": new_id()}),
        ("status.create", {"id": their_status, "project_id": mine["id"], "name": "x", "category": "todo"}),
        ("member.put", {"project_id": theirs["id"], "user_id": alice.id, "role": "owner"}),
        ("member.remove", {"project_id": theirs["id"], "user_id": bob.id}),
        ("member.remove", {"project_id": mine["id"], "user_id": bob.id}),
        ("project.update", {"id": theirs["id"], "name": "x"}),
        ("project.update", {"id": new_id(), "name": "x"}),
        ("watch.put", {"task_id": their_task}),
        ("watch.remove", {"task_id": new_id()}),
        ("notification.read", {"id": new_id()}),
        ("task.create", {"id": their_task, **base}),
    ]
    body = alice.push(*cases)
    bad = [(cases[i][0], r) for i, r in enumerate(body["results"]) if r["status"] != "rejected"]
    assert bad == []
    assert not any(r["error"]["code"] == "internal_error" for r in body["results"]), body["results"]
    # Nothing of Bob's changed.
    changes = bob.pull(cursor=0)["changes"]
    assert rows(changes, "task")[their_task]["title"] == "任务"
    assert not any(c["row"].get("project_id") == mine["id"] for c in changes)


_JUNK: list[Any] = [
    None,
    0,
    -1,
    2**70,
    1.5,
    True,
    "",
    "x" * 300,
    [],
    {},
    [1],
    {"a": 1},
    "00000000-0000-0000-0000-000000000000",
]


def test_junk_args_are_rejected_never_a_5xx(api: Api) -> None:
    alice = api.person("Alice")
    project = alice.project()
    tid = alice.task(project["id"])
    batch: list[tuple[str, dict[str, Any]]] = []
    for name in sorted(MUTATION_ARGS):
        batch.append((name, {}))
        for field in MUTATION_ARGS[name].model_fields:
            for junk in _JUNK:
                batch.append((name, {"id": tid, "task_id": tid, "project_id": project["id"], field: junk}))
    results: list[dict[str, Any]] = []
    for start in range(0, len(batch), 500):
        results.extend(alice.push(*batch[start : start + 500])["results"])
    assert len(results) == len(batch)
    for (name, args), result in zip(batch, results, strict=True):
        assert result["status"] in ("applied", "rejected")
        if result["status"] == "rejected":
            assert result["error"]["code"] != "internal_error", (name, args, result)
    # The server still answers normally afterwards.
    assert alice.pull_all()[0] is not None
