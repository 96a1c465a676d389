"""The store's two faces: every public method of `Store` is on exactly one of them, the app never
calls the engine's, and every protocol mutation has one family's optimistic apply."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

from sync.protocol import MUTATION_ARGS
from sync.store import AppStore, EngineStore, Store
from sync.store._base import StoreBase
from sync.store.families import APPLY, FAMILIES

APP = Path(__file__).resolve().parents[2] / "app"
CONSTRUCTOR = "open"  # StoreBase.open makes a Store; it is no face's


def methods(cls: type) -> set[str]:
    """The public methods and properties `cls` adds to the shared foundation (StoreBase)."""
    own = [c for c in cls.__mro__ if c not in StoreBase.__mro__]
    return {
        name
        for c in own
        for name, value in vars(c).items()
        if not name.startswith("_") and (callable(value) or isinstance(value, property))
    }


def engine_calls(source: str, path: str = "<source>") -> list[str]:
    """`<file>:<line> <receiver>.<name>` for every engine-face name read off something named like a
    store (`store`, `self.store`, `core.store`, `self._store`, ...)."""
    engine = methods(EngineStore)
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Attribute) or node.attr not in engine:
            continue
        receiver = node.value
        name = receiver.id if isinstance(receiver, ast.Name) else getattr(receiver, "attr", "")
        if name.lower().endswith("store"):
            found.append(f"{path}:{node.lineno} {ast.unparse(receiver)}.{node.attr}")
    return sorted(found)


def test_every_public_method_of_the_store_is_on_exactly_one_face() -> None:
    app, engine = methods(AppStore), methods(EngineStore)
    public = {
        name
        for name in dir(Store)
        if not name.startswith("_") and (callable(getattr(Store, name)) or isinstance(getattr(Store, name), property))
    }
    assert app and engine
    assert not app & engine, f"on both faces: {sorted(app & engine)}"
    assert public - {CONSTRUCTOR} == app | engine, f"on no face: {sorted(public - {CONSTRUCTOR} - app - engine)}"
    assert {"board", "create_task", "mutate", "subscribe"} <= app
    assert {"outbox_batch", "record_push", "apply_pull", "cursor"} <= engine
    assert inspect.getattr_static(Store, CONSTRUCTOR) is vars(StoreBase)[CONSTRUCTOR]


def test_the_app_never_calls_the_engine_face() -> None:
    assert engine_calls("core.store.record_push({})\nself._store.cursor\nstore.board(pid)") == [
        "<source>:1 core.store.record_push",
        "<source>:2 self._store.cursor",
    ]
    found = []
    for path in sorted(APP.rglob("*.py")):
        found += engine_calls(path.read_text(encoding="utf-8"), str(path.relative_to(APP.parent)))
    assert found == []


def test_every_mutation_has_one_familys_optimistic_apply() -> None:
    assert set(APPLY) == set(MUTATION_ARGS)
    claimed = [name for family in FAMILIES for name in vars(family).get("APPLY", {})]
    assert len(claimed) == len(set(claimed))
