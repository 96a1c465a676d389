"""The client commands in this process (`keel_cli.main`) against a real server: output shapes and bad input."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import ROOT, Keel, person_with_project
from tests.factories import Api


def signed_in(client: Any, api: Api, url: str, name: str = "a") -> tuple[Keel, Any, str]:
    """A `keel` client signed in as the owner of APP, synced."""
    keel: Keel = client(name)
    owner, project_id = person_with_project(api, f"{name}@example.com")
    keel.login(url, f"{name}@example.com")
    keel.ok("sync")
    return keel, owner, project_id


def test_listings_print_protocol_rows_with_keys(client: Any, api: Api, server_url: str) -> None:
    keel, owner, project_id = signed_in(client, api, server_url)
    projects = keel.ok("projects", "--json").json()
    assert [(p["key"], p["id"]) for p in projects] == [("APP", project_id)]

    added = keel.ok("tasks", "add", "--project", "app", "修复登录页闪退", "--priority", "high", "--json").json()
    assert added["key"] is None and added["pending"] is True and added["title"] == "修复登录页闪退"
    by_id = keel.ok("tasks", "edit", added["id"], "--label", "ios", "--json").json()  # addressed by id until numbered
    assert by_id["labels"] == ["ios"]
    keel.ok("sync")

    [task] = keel.ok("tasks", "list", "--project", "APP", "--json").json()
    assert task["key"] == "APP-1" and task["id"] == added["id"] and task["pending"] is False
    protocol = {"id", "project_id", "number", "title", "description", "status_id", "assignee_id", "reporter_id"}
    protocol |= {"priority", "type", "labels", "parent_id", "position", "start_at", "due_at", "estimate"}
    assert protocol | {"created_at", "updated_at", "key"} <= set(task)

    moved = keel.ok("tasks", "move", "app-1", "--status", "doing", "--json").json()
    assert moved["status_id"] != task["status_id"]
    keel.ok("tasks", "edit", "APP-1", "--title", "修复登录页闪退（iOS）", "--assignee", "me")
    keel.ok("comment", "APP-1", "已复现")
    keel.ok("sync")
    [task] = keel.ok("tasks", "list", "--project", "APP", "--assignee", "me", "--status", "Doing", "--json").json()
    assert task["title"] == "修复登录页闪退（iOS）" and task["assignee_id"] == owner.id

    human = keel.ok("tasks", "list", "--project", "APP").out
    assert "APP-1" in human and "Doing" in human and "a@example.com" in human

    status = keel.ok("status", "--json").json()
    assert status["server"] == server_url and status["account"] == "a@example.com"
    assert status["outbox"] == 0 and status["rejected"] == [] and status["last_error"] is None
    assert status["cursor"] > 0

    notes = keel.ok("notifications", "--json").json()
    assert isinstance(notes, list)


def test_due_dates_without_a_zone_are_local(
    client: Any, api: Api, server_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "Asia/Shanghai")
    time.tzset()
    try:
        keel, _, _ = signed_in(client, api, server_url)
        keel.ok("tasks", "add", "--project", "APP", "上线", "--due", "2030-01-02")
        keel.ok("sync")
        [task] = keel.ok("tasks", "list", "--project", "APP", "--json").json()
        assert task["due_at"] == "2030-01-01T16:00:00.000000Z"
        assert "2030-01-02" in keel.ok("tasks", "list", "--project", "APP").out
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def outbox(keel: Keel) -> list[Any]:
    from sync.store import Store

    store = Store.open(keel.data_dir / "store.db")
    try:
        return store.outbox()
    finally:
        store.close()


def test_bad_input_is_explained_and_keeps_the_outbox(client: Any, api: Api, server_url: str) -> None:
    keel, _, _ = signed_in(client, api, server_url)
    keel.ok("tasks", "add", "--project", "APP", "已排队的任务")
    before = outbox(keel)
    assert len(before) == 1

    cases = [
        (("tasks", "add", "--project", "NOPE", "x"), "No project with key 'NOPE'", 1),
        (("tasks", "add", "--project", "APP", "x", "--status", "Blocked"), "has no status 'Blocked'", 1),
        (("tasks", "move", "APP-99", "--status", "Done"), "No task 'APP-99'", 1),
        (("tasks", "add", "--project", "APP", "x", "--assignee", "nobody@example.com"), "nobody@example.com", 1),
        (("tasks", "add", "--project", "APP", "x", "--due", "next tuesday"), "Not a date", 1),
        (("tasks", "edit", "APP-99"), "No task", 1),
        (("tasks", "list", "--project", "APP", "--priority", "huge"), "invalid choice", 2),
    ]
    for args, message, code in cases:
        result = keel.main(*args)
        assert result.code == code, (args, result)
        assert message in result.err and "Traceback" not in result.err, (args, result)
    assert outbox(keel) == before

    stranger = client("stranger")
    result = stranger.main("tasks", "add", "--project", "APP", "x")
    assert result.code == 3 and "Not signed in" in result.err and "keel login" in result.err
    assert stranger.main("sync").code == 3

    wrong = stranger.main("login", "--server", server_url, "--email", "a@example.com", "--password-stdin", stdin="no\n")
    assert wrong.code == 3 and "Sign-in refused" in wrong.err
    unreachable = stranger.main(
        "login", "--server", "http://127.0.0.1:9", "--email", "a@x.org", "--password-stdin", stdin="pw\n"
    )
    assert unreachable.code == 4 and "Cannot reach the server" in unreachable.err


def test_signing_in_as_someone_else_keeps_unsynced_changes(client: Any, api: Api, server_url: str) -> None:
    keel, _, _ = signed_in(client, api, server_url)
    keel.ok("tasks", "add", "--project", "APP", "还没同步")
    api.register(email="other@example.com")
    args = ("login", "--server", server_url, "--email", "other@example.com", "--password-stdin")
    refused = keel.main(*args, stdin="correct horse\n")
    assert refused.code == 1 and "1 unsynced change(s)" in refused.err and "--discard-unsynced" in refused.err
    assert len(outbox(keel)) == 1 and keel.ok("status", "--json").json()["account"] == "a@example.com"


def test_signing_in_at_another_address_fetches_the_cache_again(client: Any, api: Api, server_url: str) -> None:
    """The app's rule too (sync.session.admit): rows cached from one server address are never kept for another."""
    keel, _, _ = signed_in(client, api, server_url)
    keel.ok("tasks", "add", "--project", "APP", "还没同步")
    assert keel.ok("status", "--json").json()["cursor"] > 0
    elsewhere = server_url.replace("127.0.0.1", "localhost")
    assert elsewhere != server_url
    keel.login(elsewhere, "a@example.com")
    assert keel.ok("status", "--json").json()["cursor"] == 0 and len(outbox(keel)) == 1  # the queued task stays
    keel.ok("sync")
    assert outbox(keel) == [] and keel.ok("status", "--json").json()["cursor"] > 0


def test_logout_forgets_the_token_and_keeps_the_outbox(client: Any, api: Api, server_url: str) -> None:
    import keyring

    from sync.credentials import service_name

    keel, _, _ = signed_in(client, api, server_url)
    keel.ok("tasks", "add", "--project", "APP", "留着")
    assert keyring.get_password(service_name(server_url), "a@example.com")
    out = keel.ok("logout")
    assert "Signed out" in out.out and "1 unsynced change(s) stay queued" in out.err
    assert keyring.get_password(service_name(server_url), "a@example.com") is None
    again = keel.main("sync")
    assert again.code == 3 and "keel login" in again.err and len(outbox(keel)) == 1
    keel.login(server_url, "a@example.com")  # the same person again: the queued task goes out
    keel.ok("sync")
    assert outbox(keel) == []


def test_no_keyring_is_explained(client: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A plaintext file keyring nobody chose (keyring's own fallback on a headless machine) is refused."""
    import keyring
    from keyrings.alt.file import PlaintextKeyring

    keel: Keel = client("a")
    monkeypatch.delenv("PYTHON_KEYRING_BACKEND")
    keyring.set_keyring(PlaintextKeyring())  # the keel_env fixture puts the previous backend back
    args = ("login", "--server", "http://127.0.0.1:9", "--email", "a@x.org", "--password-stdin")
    result = keel.main(*args, stdin="pw\n")
    assert result.code == 3 and "PYTHON_KEYRING_BACKEND=keyrings.alt.file.PlaintextKeyring" in result.err


def test_the_lock_admits_one_holder(tmp_path: Path) -> None:
    from keel_cli._local import CliError, sync_lock

    with sync_lock(tmp_path):
        with pytest.raises(CliError) as refused, sync_lock(tmp_path):
            pass
        assert refused.value.exit_code == 5 and str(os.getpid()) in str(refused.value)
    with sync_lock(tmp_path):  # released
        pass


def test_help_imports_neither_store_nor_engine() -> None:
    code = (
        "import sys, keel_cli; keel_cli.build_parser(); "
        "print([m for m in sys.modules if m.split('.')[0] in ('sync', 'httpx', 'sqlalchemy', 'keyring', 'server')])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"


def test_priorities_are_the_protocols() -> None:
    from typing import get_args

    from keel_cli.client import PRIORITIES
    from sync.protocol import Priority

    assert set(PRIORITIES) == set(get_args(Priority))


def test_notification_preferences_mute_and_unmute(client: Any, api: Api, server_url: str) -> None:
    keel, owner, project_id = signed_in(client, api, server_url)
    prefs = keel.ok("notifications", "prefs", "--json").json()
    assert prefs["muted_projects"] == [] and all(prefs["kinds"].values()) and prefs["user_id"] == owner.id
    muted = keel.ok("notifications", "mute", "app", "--json").json()
    assert muted["muted_projects"] == [project_id] and muted["pending"] is True
    shown = keel.ok("notifications", "prefs")
    assert "muted:          APP" in shown.out and "24h, 1h before" in shown.out and "keel sync" in shown.err
    refused = keel.main("notifications", "mute", "NOPE")
    assert refused.code == 1 and "No project with key 'NOPE'" in refused.err
    keel.ok("sync")
    synced = keel.ok("notifications", "prefs", "--json").json()
    assert synced["muted_projects"] == [project_id] and synced["pending"] is False and synced["seq"]
    assert "Unmuted APP" in keel.ok("notifications", "unmute", "APP").out
    keel.ok("sync")
    assert keel.ok("notifications", "prefs", "--json").json()["muted_projects"] == []
    assert isinstance(keel.ok("notifications", "--json").json(), list)  # the listing is still the default
