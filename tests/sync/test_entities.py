"""Every registered entity has every part derived from its declaration: a feed body and scope on
the server, cache tables, a purge with its project, and the replay ranges its applies read."""

from __future__ import annotations

import inspect
import re
import typing
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from server.feed import BODIES, scope_of
from sync import protocol as p
from sync.entities import FIELDS_FILE, RANGES, REGISTRY, Entity, model_fields, render
from sync.store import Store
from sync.store._replay import purge_project
from sync.store._rows import encode, upsert_sql
from sync.store.families import FAMILIES

PID = "0190a000-0000-7000-8000-0000000000a1"
OTHER = "0190a000-0000-7000-8000-0000000000a2"


def _sample(entity: Entity, field: str, kind: str) -> Any:
    """A server-table value of a field: JSON as text, times as aware datetimes, ids as UUID strings."""
    annotation = entity.row.model_fields[field].annotation
    literal = [a for a in (annotation, *typing.get_args(annotation)) if typing.get_origin(a) is typing.Literal]
    if literal:
        return typing.get_args(literal[0])[0]
    if date in (annotation, *typing.get_args(annotation)):
        return date(2026, 12, 7)  # a calendar date (an iteration's start and end), text in the cache
    samples = {"int": 1, "float": 1.5, "bool": True, "time": datetime(2026, 12, 6, tzinfo=UTC), "json": "[]"}
    if kind in samples:
        return samples[kind]
    return None if kind == "any" else str(uuid.uuid4())


def server_row(entity: Entity) -> dict[str, Any]:
    row = {"id": str(uuid.uuid4()), "deleted": False}
    row |= {field: _sample(entity, field, kind) for field, kind in entity.fields.items()}
    if entity.project_key == "project_id":
        row["project_id"] = PID
    if entity.scope == "own":
        row.setdefault("project_id", PID)  # the server's tables keep it for the purge of the feed
    if entity.name == "notification_pref":
        row["kinds"] = "{}"
    return row


def test_checked_in_fields_are_the_ones_the_row_models_have() -> None:
    # Regenerate with `python -m sync.entities` after changing a row model in sync/protocol.py.
    assert FIELDS_FILE.read_text(encoding="utf-8") == render()
    assert {name: entity.fields for name, entity in REGISTRY.items()} == {
        name: model_fields(entity.row) for name, entity in REGISTRY.items()
    }


def test_the_wire_names_every_registered_entity_and_nothing_else() -> None:
    assert set(typing.get_args(p.Entity)) == set(REGISTRY)


@pytest.mark.parametrize("name", list(REGISTRY))
def test_the_feed_has_a_body_and_a_scope_of_the_wire_model(name: str) -> None:
    entity = REGISTRY[name]
    row = server_row(entity)
    body = BODIES[name](row)
    entity.row.model_validate({**body, "seq": 1})
    assert list(body) == ["id", "deleted", *entity.fields]
    scope, project_id = scope_of(name, row)
    assert len(scope) <= 40  # the feed's scope column
    prefix = scope.split(":", 1)[0]
    assert prefix == entity.feed_prefix
    if entity.extension:
        assert prefix not in ("p", "u", "who")  # a v1 pull never reads an extension's scope
    if entity.project_key == "project_id":
        assert project_id == PID


def test_extension_entities_have_scopes_of_their_own() -> None:
    prefixes = [e.feed_prefix for e in REGISTRY.values() if e.extension]
    assert all(prefixes) and len(set(prefixes)) == len(prefixes)


@pytest.mark.parametrize("name", list(REGISTRY))
def test_the_cache_has_base_and_view_tables_with_the_wire_fields(name: str, tmp_path: Path) -> None:
    store = Store.open(tmp_path / "cache.db")
    try:
        for table in (f"base_{name}", name):
            columns = [r[1] for r in store.conn.execute(f"PRAGMA table_info({table})")]
            assert columns[:2] == ["id", "seq"] and columns[2 : 2 + len(REGISTRY[name].fields)] == list(
                REGISTRY[name].fields
            )
    finally:
        store.close()


def _wire_row(entity: Entity, project_id: str, **ties: str) -> dict[str, Any]:
    row = {k: v for k, v in server_row(entity).items() if k != "deleted"}
    for field, kind in entity.fields.items():
        if kind == "json":
            row[field] = []
        elif kind == "time":
            row[field] = "2026-12-06T00:00:00.000000Z"
    if entity.project_key is not None and entity.via is None:
        row[entity.project_key] = project_id
    return {**row, "seq": 1, **ties}


@pytest.mark.parametrize("name", [n for n, e in REGISTRY.items() if e.project_key is not None])
def test_a_purge_of_the_project_removes_every_tied_row(name: str, tmp_path: Path) -> None:
    entity = REGISTRY[name]
    store = Store.open(tmp_path / "cache.db")
    try:
        kept, doomed = {}, {}
        for project_id, out in ((OTHER, kept), (PID, doomed)):
            ties: dict[str, str] = {}
            if entity.via is not None and entity.project_key is not None:
                via = _wire_row(REGISTRY[entity.via], project_id)
                out[entity.via] = via["id"]
                ties[entity.project_key] = via["id"]
                _write(store, entity.via, via)
            row = _wire_row(entity, project_id, **ties)
            out[name] = row["id"]
            _write(store, name, row)
        purge_project(store.conn, PID)
        for table in (f"base_{name}", name):
            left = {r[0] for r in store.conn.execute(f"SELECT id FROM {table}")}
            assert doomed[name] not in left and kept[name] in left
    finally:
        store.close()


def _write(store: Store, entity: str, row: dict[str, Any]) -> None:
    values = encode(entity, row)
    store.conn.execute(upsert_sql(f"base_{entity}", entity, view=False), values)
    store.conn.execute(upsert_sql(entity, entity, view=True), values)


def test_every_range_an_apply_reads_is_declared_by_an_entity_that_writes_it() -> None:
    source = "".join(Path(inspect.getfile(family)).read_text(encoding="utf-8") for family in FAMILIES)
    read = set(re.findall(r'read_range\("(\w+)"', source))
    declared = {name for ranges in RANGES.values() for name, _ in ranges}
    assert read and read <= declared
    for name, ranges in RANGES.items():
        assert all(field in REGISTRY[name].fields for _, field in ranges)
