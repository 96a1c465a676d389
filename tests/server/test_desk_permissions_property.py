"""Permissions of the desk as a property (the issue's extension of test_permissions_property.py): random
ticket, policy and comment mutations by random people of every role, and then:

- a viewer never changes a ticket or a policy (their mutation is rejected and the rows stay as they were),
  and the roles the contract names are the ones that succeed;
- no internal comment is ever visible through a portal, as JSON or as a page, and a portal shows every
  public comment of its own ticket and nothing of another ticket's requester.
"""

from __future__ import annotations

from typing import Any

import markupsafe
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import Api, Person, new_id
from tests.server.desk import Desk, latest, make_desk

RANK = {"viewer": 0, "member": 1, "admin": 2, "owner": 3}
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30).filter(str.strip)


@pytest.fixture
def desk(api: Api) -> Desk:
    return make_desk(api)


def people(desk: Desk) -> dict[str, Person]:
    return {"owner": desk.alice, "admin": desk.adam, "member": desk.bob, "viewer": desk.vera}


OPS = st.sampled_from(["update", "merge", "escalate", "policy", "comment", "reply"])


def _token(desk: Desk, ticket_id: str) -> str:
    url = desk.alice.get(f"/api/v1/tickets/{ticket_id}/portal").json()["portal_url"]
    return str(url.rsplit("/portal/t/", 1)[1])


def _attempt(desk: Desk, who: Person, op: str, tickets: list[str], data: st.DataObject) -> tuple[str, dict[str, Any]]:
    tid = data.draw(st.sampled_from(tickets))
    if op == "update":
        return "ticket.update", {"id": tid, "set": {"severity": data.draw(st.integers(1, 4))}}
    if op == "merge":
        return "ticket.merge", {"id": tid, "into_id": data.draw(st.sampled_from(tickets))}
    if op == "escalate":
        return "ticket.escalate", {"id": tid, "task_id": new_id(), "project_id": desk.product}  # type: ignore[attr-defined]
    if op == "policy":
        priority = data.draw(st.sampled_from(["urgent", "high", "medium", "low", "none"]))
        return "sla_policy.put", {
            "project_id": desk.id,
            "priority": priority,
            "auto_close_days": data.draw(st.integers(1, 90)),
        }
    visibility = data.draw(st.sampled_from(["internal", "public", None]))
    args = {"id": new_id(), "task_id": tid, "body": data.draw(TEXT)}
    return "comment.create", args if visibility is None else {**args, "visibility": visibility}


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_viewers_never_change_tickets_and_portals_never_show_internal_notes(desk: Desk, data: st.DataObject) -> None:
    if not hasattr(desk, "product"):
        product = desk.alice.project("星河 App", kind="product")
        for person in (desk.adam, desk.bob, desk.vera):
            desk.alice.share(product["id"], person, role="member")
        desk.product = product["id"]  # type: ignore[attr-defined]
        desk.tickets = [desk.ticket(by=desk.vera), desk.ticket(by=desk.bob)]  # type: ignore[attr-defined]
    tickets: list[str] = desk.tickets  # type: ignore[attr-defined]
    for _ in range(data.draw(st.integers(1, 6))):
        role = data.draw(st.sampled_from(list(RANK)))
        who = people(desk)[role]
        op = data.draw(OPS)
        if op == "reply":
            token = _token(desk, data.draw(st.sampled_from(tickets)))
            r = desk.alice.http.post(f"/api/v1/portal/{token}/replies", json={"body": data.draw(TEXT)})
            assert r.status_code == 201, r.text
            continue
        before = latest(desk.alice, "ticket"), latest(desk.alice, "sla_policy")
        name, args = _attempt(desk, who, op, tickets, data)
        result = who.do(name, args)
        needed = {"ticket.update": "member", "ticket.merge": "member", "ticket.escalate": "member",
                  "sla_policy.put": "admin", "comment.create": "viewer"}[name]  # fmt: skip
        if RANK[role] < RANK[needed]:
            assert result["status"] == "rejected" and result["error"]["code"] == "forbidden", result
            assert (latest(desk.alice, "ticket"), latest(desk.alice, "sla_policy")) == before
        elif name in ("ticket.update", "sla_policy.put", "comment.create"):
            assert result["status"] == "applied", (name, args, result)
    comments = latest(desk.alice, "comment")
    for tid in tickets:
        token = _token(desk, tid)
        shown = desk.alice.http.get(f"/api/v1/portal/{token}").json()["replies"]
        page = desk.alice.http.get(f"/portal/t/{token}").text
        own = [c for c in comments.values() if c["task_id"] == tid and not c["deleted"]]
        public = sorted(c["body"] for c in own if c["visibility"] == "public")
        mine = sorted(x["body"] for x in shown if x["from_requester"] or x["author_name"])
        assert all(x["body"] in {c["body"] for c in comments.values() if c["visibility"] == "public"} for x in shown)
        assert set(public) <= set(mine)
        for c in comments.values():
            internal_only = c["visibility"] == "internal" and not any(
                o["body"] == c["body"] and o["visibility"] == "public" for o in comments.values()
            )
            if internal_only:
                assert c["body"] not in [x["body"] for x in shown]
                assert f">{_escaped(c['body'])}<" not in page
        requester_words = {c["body"] for c in comments.values() if c["author_id"] is None and c["task_id"] != tid}
        own_words = {c["body"] for c in own}
        assert not [x for x in shown if x["from_requester"] and x["body"] in requester_words - own_words]


def _escaped(text: str) -> str:
    return str(markupsafe.escape(text))
