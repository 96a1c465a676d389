"""Fuzzes every documented operation with schemathesis, signed in as a project member.

Checks: no 5xx, and every answer conforms to the OpenAPI document (status code, content type,
headers, body). Pushes are also sent renumbered (a fresh client, ids 1..n) and with the member's
own project and task ids mixed in, so the mutation handlers run, not only the envelope checks;
a push result with `internal_error` is a server bug too. The SSE stream is left out (it never ends).
"""

from __future__ import annotations

import json
import re
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import test_settings
from tests.factories import Api, Person

pytestmark = [
    pytest.mark.slow,
    # schemathesis's requests-based ASGI client and hypothesis may warn about their own internals.
    pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning"),
    pytest.mark.filterwarnings("ignore::ResourceWarning"),
]

SKIPPED = {("GET", "/api/v1/sync/events")}  # a stream: it answers headers and never finishes
EXAMPLES = {GenerationMode.POSITIVE: 50, GenerationMode.NEGATIVE: 25}
PUSH_EXAMPLES = {GenerationMode.POSITIVE: 120, GenerationMode.NEGATIVE: 40}
PASSWORD = "correct horse"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@dataclass
class Tally:
    """What the fuzzer sent and what came back, reported at the end of the session."""

    statuses: Counter[int] = field(default_factory=Counter)
    by_operation: dict[str, Counter[int]] = field(default_factory=dict)
    mutations: Counter[str] = field(default_factory=Counter)  # push results: applied / rejected / duplicate

    def record(self, label: str, status: int) -> None:
        self.statuses[status] += 1
        self.by_operation.setdefault(label, Counter())[status] += 1

    @property
    def total(self) -> int:
        return sum(self.statuses.values())

    @property
    def ok(self) -> int:
        return sum(n for status, n in self.statuses.items() if 200 <= status < 300)

    def as_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "2xx": self.ok,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "mutation_results": dict(sorted(self.mutations.items())),
            "by_operation": {
                label: {str(k): v for k, v in sorted(c.items())} for label, c in sorted(self.by_operation.items())
            },
        }


class SummaryPlugin:
    """Prints the tally in pytest's terminal summary, whether or not output is captured."""

    def __init__(self, tally: Tally, path: Path) -> None:
        self.tally = tally
        self.path = path

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        t = self.tally
        terminalreporter.write_sep("-", "schemathesis")
        terminalreporter.write_line(f"schemathesis: {t.ok} of {t.total} requests answered 2xx ({self.path})")
        for label, counts in sorted(t.by_operation.items()):
            terminalreporter.write_line(f"  {label}: {dict(sorted(counts.items()))}")
        terminalreporter.write_line(f"  push mutation results: {dict(sorted(t.mutations.items()))}")


@dataclass
class Seeded:
    member: Person
    project_id: str
    task_ids: list[str]
    status_ids: list[str]
    user_ids: list[str]
    emails: list[str]


def seed(api: Api) -> Seeded:
    owner = api.person("Owner")
    member = api.person("Member")
    project = owner.project("Fuzzing")
    owner.ok("member.put", {"project_id": project["id"], "user_id": member.id, "role": "admin"})
    task_ids = [owner.task(project["id"], f"Task {i}") for i in range(3)]
    task_ids.append(member.task(project["id"], "Mine", parent_id=task_ids[0], assignee_id=owner.id))
    changes, _ = member.pull_all()
    status_ids = [c["row"]["id"] for c in changes if c["entity"] == "status"]
    emails = [owner.user["email"], member.user["email"]]
    return Seeded(member, project["id"], task_ids, status_ids, [owner.id, member.id], emails)


@pytest.fixture
def fuzz_app(tmp_path: Path) -> Iterator[Any]:
    from server.app import create_app

    app = create_app(test_settings(f"sqlite:///{tmp_path}/fuzz.db"))
    yield app
    from schemathesis.python import asgi

    asgi.shutdown_lifespans()  # stops the app's background tasks that schemathesis's client started
    app.state.services.db.dispose()


def known_ids(seeded: Seeded) -> list[str]:
    return [seeded.project_id, *seeded.task_ids, *seeded.status_ids, *seeded.user_ids]


def steer_push(body: Any, draw: Any, seeded: Seeded) -> Any:
    """A fresh client numbered 1..n, with known ids swapped in, so mutations reach their handlers."""
    if not isinstance(body, dict) or not isinstance(body.get("mutations"), list):
        return body
    body = {**body, "client_id": str(uuid.uuid4())}
    mutations = []
    for i, m in enumerate(body["mutations"], start=1):
        if not isinstance(m, dict):
            return body
        args = m.get("args")
        if isinstance(args, dict):
            args = dict(args)
            for key in ("project_id", "task_id", "id", "status_id", "parent_id", "assignee_id", "user_id"):
                if key in args and draw(st.booleans()):
                    args[key] = draw(st.sampled_from(known_ids(seeded)))
            if m.get("name") == "project.create" and "key" in args:
                args["key"] = draw(st.sampled_from(["AB", "KEY", "FUZZ", "ZZZZZZZZZZ"]))
        mutations.append({**m, "mutation_id": i, "args": args})
    body["mutations"] = mutations
    return body


def steer(case: Any, draw: Any, seeded: Seeded) -> None:
    """Half of the positive cases get known values, so requests get past "unknown" to the real work."""
    path = case.operation.path
    if path == "/api/v1/sync/push":
        case.body = steer_push(case.body, draw, seeded)
    elif path == "/api/v1/sync/pull" and isinstance(case.query, dict):
        case.query["cursor"] = draw(st.integers(0, 60))
    elif path == "/api/v1/users" and isinstance(case.query, dict):
        case.query["email"] = draw(st.sampled_from(seeded.emails))
    elif path == "/api/v1/auth/token" and isinstance(case.body, dict):
        case.body = {"email": draw(st.sampled_from(seeded.emails)), "password": PASSWORD}


def unstorable(case: Any) -> bool:
    """NUL and lone surrogates: valid JSON strings that the server refuses (PostgreSQL cannot store them)."""
    text = json.dumps([case.body if isinstance(case.body, (dict, list, str)) else None, case.query])
    return "\\u0000" in text or re.search(r"\\ud[89a-f]", text, re.IGNORECASE) is not None


def fuzz(
    operation: Any, mode: GenerationMode, examples: int, auth: dict[str, str], seeded: Seeded, tally: Tally
) -> None:
    label = f"{operation.method.upper()} {operation.path}"
    push = operation.path == "/api/v1/sync/push"

    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
    )
    @given(case=operation.as_strategy(generation_mode=mode, headers=auth), data=st.data())
    def run(case: Any, data: Any) -> None:
        if mode is GenerationMode.POSITIVE and data.draw(st.booleans()):
            steer(case, data.draw, seeded)
        response = case.call()
        tally.record(label, response.status_code)
        case.validate_response(response, checks=CHECKS)
        if mode is GenerationMode.POSITIVE and response.status_code == 422 and not unstorable(case):
            raise AssertionError(f"the document allows what the server refuses: {case.body!r} {response.text}")
        if push and response.status_code == 200:
            for result in response.json()["results"]:
                tally.mutations[result["status"]] += 1
                error = result.get("error") or {}
                assert error.get("code") != "internal_error", (case.body, result)

    run()


def describe(exc: BaseException) -> str:
    """A failure's message, with the sub-failures of a group spelled out."""
    text = str(exc)
    if isinstance(exc, BaseExceptionGroup):
        text += "".join(f"\n  - {describe(sub)}" for sub in exc.exceptions)
    return text


def test_api_conforms_to_its_schema(fuzz_app: Any, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    seeded = seed(Api(TestClient(fuzz_app)))
    auth = {"Authorization": f"Bearer {seeded.member.access_token}"}
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzz_app)
    tally = Tally()
    out = tmp_path / "schemathesis.json"
    request.config.pluginmanager.register(SummaryPlugin(tally, out), f"keel-schemathesis-{id(tally)}")

    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9
    for operation in operations:
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        budget = PUSH_EXAMPLES if operation.path == "/api/v1/sync/push" else EXAMPLES
        for mode, examples in budget.items():
            try:
                fuzz(operation, mode, examples, auth, seeded, tally)
            except Unsatisfiable:
                pass  # nothing to break: e.g. no parameters to make invalid in negative mode
            except (Exception, BaseExceptionGroup) as exc:  # keep fuzzing the others; report all at the end
                failures.append(f"{operation.method.upper()} {operation.path} [{mode.value}]: {describe(exc)}")

    out.write_text(json.dumps(tally.as_json(), indent=2))
    with request.getfixturevalue("capsys").disabled():
        print(f"\nschemathesis: {tally.ok} of {tally.total} requests answered 2xx")
    assert not failures, "\n\n".join(failures)
    assert tally.ok > 0
