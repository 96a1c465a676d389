"""The task detail's planning parts: the iteration picker's choices and the dependencies section
(blocked by, blocks, relates to, duplicates), with adding, removing and why a link was refused.

A `blocks` link that would close a loop is refused twice over: offline by the store
(`DependencyCycle`, with the chain it would close), and by the server (`dependency_cycle`, listed
here from the store's rejections until dismissed). Both read as one sentence naming the chain.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from app.problems import problem_of, rejection_key
from app.state.detail import ParentChoice, matching_tasks
from sync.errors import DependencyCycle, InvalidMutation
from sync.store import Store

RELATIONS = ("blocked_by", "blocks", "relates", "duplicates")  # the section's groups, in order
CYCLE = "links.cycle"  # "{source} cannot block {target}: {target} already blocks {source} ({chain}) ..."
# The rows the section reads: a commit touching any of them reads it again.
LINK_ROWS = ("task_link", "task", "project")


@dataclass(frozen=True)
class Problem:
    """A message for a person: a catalogue key and its parameters."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class LinkLine:
    relation: str  # one of RELATIONS
    from_id: str
    to_id: str
    kind: str
    other_id: str
    other_label: str  # "APP-7 标题"
    lag_days: int
    pending: bool
    incoming: bool  # this task is the link's `to` (for `duplicates`: the other duplicates this one)


@dataclass(frozen=True)
class Refusal:
    rejection_id: int
    problem: Problem


@dataclass(frozen=True)
class LinksView:
    groups: list[tuple[str, list[LinkLine]]]  # every relation, in RELATIONS order, even when empty
    refused: list[Refusal]  # this task's links the server refused, not yet dismissed

    @property
    def count(self) -> int:
        return sum(len(lines) for _, lines in self.groups)


def label(task: dict[str, Any] | None, fallback: str = "") -> str:
    if task is None:
        return fallback
    return f"{task['key']} {task['title']}" if task.get("key") else str(task.get("title") or fallback)


def _short(store: Store, task_id: str) -> str:
    task = store.task(task_id)
    return str(task.get("key") or task.get("title")) if task else task_id


def links_view(store: Store, task_id: str) -> LinksView:
    found = store.links_of_task(task_id)
    groups = []
    for relation in RELATIONS:
        lines = [
            LinkLine(
                relation,
                row["from_id"],
                row["to_id"],
                row["kind"],
                row["other_id"],
                f"{row['other_key']} {row['other_title']}" if row.get("other_key") else row["other_title"],
                int(row["lag_days"]),
                bool(row["pending"]),
                not row["outgoing"],
            )
            for row in getattr(found, relation)
        ]
        groups.append((relation, lines))
    return LinksView(groups, refused_links(store, task_id))


def link_ends(task_id: str, relation: str, other_id: str) -> tuple[str, str, str]:
    """(from_id, to_id, kind) of the link a relation chosen in the detail asks for."""
    if relation == "blocked_by":
        return other_id, task_id, "blocks"
    if relation not in RELATIONS:
        raise ValueError(f"unknown relation {relation!r}")
    return task_id, other_id, relation


def cycle_problem(store: Store, from_id: str, to_id: str, chain: list[str]) -> Problem:
    """Why a `blocks` link from -> to closes a loop, naming the chain of tasks already there."""
    if not chain:
        return Problem(problem_of(DependencyCycle("")))
    names = {"source": _short(store, from_id), "target": _short(store, to_id)}
    return Problem(CYCLE, {**names, "chain": " → ".join(_short(store, t) for t in chain)})


def add_link(store: Store, task: dict[str, Any], relation: str, other_id: str) -> Problem | None:
    """Puts the link; a problem to show instead when it is refused here (a loop, say)."""
    from_id, to_id, kind = link_ends(task["id"], relation, other_id)
    try:
        store.put_link(from_id, to_id, kind)
    except DependencyCycle as exc:
        return cycle_problem(store, from_id, to_id, exc.chain)
    except InvalidMutation as exc:
        return Problem(problem_of(exc, log_as="link refused"))
    return None


def remove_link(store: Store, line: LinkLine) -> None:
    store.remove_link(line.from_id, line.to_id, line.kind)


def link_candidates(
    store: Store, task: dict[str, Any], relation: str, query: str, limit: int = 8
) -> list[ParentChoice]:
    """Tasks of the project the task may be linked to in `relation`: not itself, not one it is
    linked to that way already. A `blocks` candidate that would close a loop stays listed: choosing
    it says why it cannot be (`add_link`)."""
    linked = {line.other_id for rel, lines in links_view(store, task["id"]).groups if rel == relation for line in lines}
    out: list[ParentChoice] = []
    for row in matching_tasks(store, task["project_id"], query):
        if row["id"] == task["id"] or row["id"] in linked:
            continue
        out.append(ParentChoice(row["id"], row.get("key"), row.get("title") or ""))
        if len(out) >= limit:
            break
    return out


def refused_links(store: Store, task_id: str) -> list[Refusal]:
    """The task's link changes the server refused: a loop names its chain as this device knows it
    now (the link that made it has arrived by then); anything else reads as the sync panel's words."""
    out = []
    for rejection in store.rejections():
        args = rejection.args
        if not rejection.name.startswith("task_link.") or task_id not in (args.get("from_id"), args.get("to_id")):
            continue
        from_id, to_id = str(args["from_id"]), str(args["to_id"])
        if rejection.code == "dependency_cycle":
            problem = cycle_problem(store, from_id, to_id, store.cycle_chain(from_id, to_id) or [])
        else:
            problem = Problem(rejection_key(rejection.code))
        out.append(Refusal(rejection.id, problem))
    return out


@dataclass(frozen=True)
class IterationChoice:
    id: str
    name: str
    state: str  # planned, active or closed (only the task's own iteration may be closed)


def iteration_choices(store: Store, task: dict[str, Any]) -> list[IterationChoice]:
    """What the iteration picker offers: the project's open iterations (active first, then planned
    by start) and, when the task is in a closed one, that one too (a task may stay in it)."""
    current = task.get("iteration_id")
    return [
        IterationChoice(row["id"], row["name"], row["state"])
        for row in store.iterations(task["project_id"])
        if row["state"] != "closed" or row["id"] == current
    ]
