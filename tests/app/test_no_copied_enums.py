"""The app takes the protocol's choices (priorities, task types, status categories, project kinds,
roles, notification kinds) and limits (MAX_TITLE, MAX_NAME, ...) from `sync.protocol`, never a copy,
so a value the protocol adds (a task type "milestone") reaches every menu and a changed limit every
check. An AST scan of `app/` fails on:

- a tuple, list or set spelling every value of one of the protocol's Literals;
- a read `MAP[value]` of a map keyed by such values (a value with no entry yet would crash the
  screen: read it with `.get` and a default);
- a `max_length=` given as a number, or `len(...)` compared with a number that is a protocol limit;
- a module-level name of the protocol's (`MAX_LEADS = 5`) given its own value.
"""

from __future__ import annotations

import ast
import typing
from pathlib import Path

import pytest

import app
import sync.protocol as p

APP = Path(app.__file__).resolve().parent


def literal_choices() -> dict[frozenset[str], str]:
    """The value set of each string Literal of the protocol (two values or more) -> its name."""
    out: dict[frozenset[str], str] = {}
    for name, value in vars(p).items():
        if typing.get_origin(value) is typing.Literal:
            values = typing.get_args(value)
            if len(values) >= 2 and all(isinstance(v, str) for v in values):
                out[frozenset(values)] = name
    return out


CHOICES = literal_choices()
LIMITS: dict[int, str] = {}  # a number -> the protocol's limits of that size ("MAX_TITLE or MAX_MUTED_PROJECTS")
for _name, _value in vars(p).items():
    if _name.startswith("MAX_") and isinstance(_value, int):
        LIMITS[_value] = f"{LIMITS[_value]} or {_name}" if _value in LIMITS else _name
CONSTANTS = {name for name in vars(p) if name.isupper()}


def _strings(nodes: list[ast.expr | None]) -> frozenset[str] | None:
    if not nodes or not all(isinstance(n, ast.Constant) and isinstance(n.value, str) for n in nodes):
        return None
    return frozenset(n.value for n in nodes)  # type: ignore[union-attr]


def _number(node: ast.expr) -> int | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    return None


def _is_len(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "len"


def enum_maps(tree: ast.Module) -> set[str]:
    """Names bound to a dict literal keyed by every value of a protocol Literal (icons, colours)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Dict):
            keys = _strings(list(node.value.keys))
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if keys in CHOICES:
                names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def findings(tree: ast.Module, maps: set[str]) -> list[str]:
    """What the module copies, as 'line: what' lines."""
    out: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Tuple | ast.List | ast.Set):
            values = _strings(list(node.elts))
            if values in CHOICES:
                out.append(f"{node.lineno}: spells sync.protocol.{CHOICES[values]}")
        elif isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and node.value.id in maps:
            if isinstance(node.ctx, ast.Load):
                out.append(f"{node.lineno}: {node.value.id}[...] has no default for a new value")
        elif isinstance(node, ast.keyword) and node.arg == "max_length" and _number(node.value) is not None:
            out.append(f"{node.value.lineno}: max_length={_number(node.value)}")
        elif isinstance(node, ast.Compare) and len(node.comparators) == 1:
            left, right = node.left, node.comparators[0]
            number = _number(right) if _is_len(left) else _number(left) if _is_len(right) else None
            if number in LIMITS:
                out.append(f"{node.lineno}: len(...) against {number}, sync.protocol.{LIMITS[number]}")
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id in CONSTANTS:
                    out.append(f"{node.lineno}: {target.id} = {node.value.value!r} copies sync.protocol.{target.id}")
    return out


def scan(source: str) -> list[str]:
    tree = ast.parse(source)
    return findings(tree, enum_maps(tree))


def test_the_scan_knows_the_protocol() -> None:
    names = set(CHOICES.values())
    assert {"Priority", "TaskType", "StatusCategory", "ProjectKind", "Role", "NotificationKind"} <= names
    assert "MAX_TITLE" in LIMITS[p.MAX_TITLE] and "MAX_NAME" in LIMITS[p.MAX_NAME]
    assert {p.MAX_COMMENT, p.MAX_LABEL, p.MAX_DESCRIPTION} <= set(LIMITS)


@pytest.mark.parametrize(
    "source",
    [
        'PRIORITIES = ("urgent", "high", "medium", "low", "none")',
        'kinds = ["general", "product", "campaign", "service_desk"]',  # any order
        'ok = role in {"viewer", "member", "admin", "owner"}',
        'ICONS = {"task": 1, "requirement": 2, "bug": 3, "ticket": 4, "milestone": 5}\nicon = ICONS[task["type"]]',
        "field = TextField(max_length=200)",
        "if len(title) > 500: raise ValueError",
        "too_long = 20000 < len(body)",
        "MAX_LEADS = 5",
    ],
)
def test_the_scan_finds_a_copy(source: str) -> None:
    assert scan(source) != []


@pytest.mark.parametrize(
    "source",
    [
        "PRIORITIES = get_args(p.Priority)",
        'kinds = ("due_soon", "overdue")',  # a chosen few, not the whole list
        'ICONS = {"task": 1, "requirement": 2, "bug": 3, "ticket": 4, "milestone": 5}\nicon = ICONS.get(kind, 0)',
        "field = TextField(max_length=MAX_NAME)",
        "if len(title) > MAX_TITLE: raise ValueError",
        "rows = store.tasks(limit=500)",
    ],
)
def test_the_scan_lets_the_protocol_speak(source: str) -> None:
    assert scan(source) == []


def test_no_app_module_copies_a_choice_or_a_limit() -> None:
    sources = {path: ast.parse(path.read_text(encoding="utf-8")) for path in sorted(APP.rglob("*.py"))}
    assert len(sources) > 40
    maps = set().union(*(enum_maps(tree) for tree in sources.values()))
    copied = {
        str(path.relative_to(APP.parent)): found for path, tree in sources.items() if (found := findings(tree, maps))
    }
    assert copied == {}
