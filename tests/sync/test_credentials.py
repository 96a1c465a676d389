"""Refresh tokens in the keyring, keyed by server and account; never in clear unless a person opted in."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import keyring
import keyring.core
import pytest
from keyring.backends import fail, null
from keyring.errors import KeyringLocked
from keyrings.alt.file import PlaintextKeyring

from sync.credentials import (
    Credentials,
    CredentialsError,
    KeyringAccessError,
    NoKeyringError,
    normalise_server,
    service_name,
)
from sync.errors import SyncError
from sync.tokens import TokenStore
from tests.sync.memory_keyring import MemoryKeyring

TOKEN = "rt-3f9a1c-very-secret-refresh-token"
SERVERS = ("https://keel.example.com", "http://127.0.0.1:8765")
ACCOUNTS = ("ann@example.com", "bo@example.com")


def files_under(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_credentials_are_the_engines_token_store() -> None:
    assert isinstance(Credentials(), TokenStore)
    assert issubclass(NoKeyringError, SyncError) and not NoKeyringError.retryable


def test_round_trip(memory_keyring: MemoryKeyring) -> None:
    creds = Credentials()
    creds.save_refresh_token("https://keel.example.com", "ann@example.com", TOKEN)

    assert creds.load_refresh_token("https://keel.example.com", "ann@example.com") == TOKEN
    assert memory_keyring.entries == {("keel:https://keel.example.com", "ann@example.com"): TOKEN}
    # Another Credentials (another run of the app) reads the same entry, whatever the URL's spelling.
    assert Credentials().load_refresh_token("HTTPS://Keel.Example.com:443/", " Ann@Example.com ") == TOKEN


def test_saving_again_replaces_the_token(memory_keyring: MemoryKeyring) -> None:
    creds = Credentials()
    creds.save_refresh_token(SERVERS[0], ACCOUNTS[0], "first")
    creds.save_refresh_token(SERVERS[0], ACCOUNTS[0], "second")
    assert creds.load_refresh_token(SERVERS[0], ACCOUNTS[0]) == "second"
    assert len(memory_keyring.entries) == 1


def test_two_servers_and_two_accounts_coexist(memory_keyring: MemoryKeyring) -> None:
    creds = Credentials()
    expected = {(s, a): f"token-{i}-{j}" for i, s in enumerate(SERVERS) for j, a in enumerate(ACCOUNTS)}
    for (server, account), token in expected.items():
        creds.save_refresh_token(server, account, token)

    assert {key: creds.load_refresh_token(*key) for key in expected} == expected
    assert set(memory_keyring.entries) == {
        ("keel:https://keel.example.com", "ann@example.com"),
        ("keel:https://keel.example.com", "bo@example.com"),
        ("keel:http://127.0.0.1:8765", "ann@example.com"),
        ("keel:http://127.0.0.1:8765", "bo@example.com"),
    }


def test_delete_forgets_one_entry_and_both_tokens(memory_keyring: MemoryKeyring) -> None:
    creds = Credentials()
    for server in SERVERS:
        for account in ACCOUNTS:
            creds.save_refresh_token(server, account, f"{server} {account}")
    creds.set_access_token(SERVERS[0], ACCOUNTS[0], "access-1")
    creds.set_access_token(SERVERS[1], ACCOUNTS[0], "access-2")

    creds.delete(SERVERS[0], ACCOUNTS[0])

    assert creds.load_refresh_token(SERVERS[0], ACCOUNTS[0]) is None
    assert creds.access_token(SERVERS[0], ACCOUNTS[0]) is None
    assert creds.load_refresh_token(SERVERS[0], ACCOUNTS[1]) == f"{SERVERS[0]} {ACCOUNTS[1]}"
    assert creds.load_refresh_token(SERVERS[1], ACCOUNTS[0]) == f"{SERVERS[1]} {ACCOUNTS[0]}"
    assert creds.access_token(SERVERS[1], ACCOUNTS[0]) == "access-2"
    assert len(memory_keyring.entries) == 3
    creds.delete(SERVERS[0], ACCOUNTS[0])  # signing out twice is not an error


def test_load_of_an_unknown_entry_is_none(memory_keyring: MemoryKeyring) -> None:
    assert Credentials().load_refresh_token(SERVERS[0], ACCOUNTS[0]) is None


def test_the_access_token_stays_in_memory(memory_keyring: MemoryKeyring) -> None:
    creds = Credentials()
    creds.set_access_token(SERVERS[0], ACCOUNTS[0], "access-token")
    assert creds.access_token("https://KEEL.example.com/", "ANN@example.com") == "access-token"
    assert memory_keyring.entries == {}
    assert Credentials().access_token(SERVERS[0], ACCOUNTS[0]) is None  # another process knows nothing
    creds.set_access_token(SERVERS[0], ACCOUNTS[0], None)
    assert creds.access_token(SERVERS[0], ACCOUNTS[0]) is None


def test_an_injected_backend_is_used_instead_of_keyrings_own(memory_keyring: MemoryKeyring) -> None:
    mine = MemoryKeyring()
    Credentials(backend=mine).save_refresh_token(SERVERS[0], ACCOUNTS[0], TOKEN)
    assert mine.entries == {(service_name(SERVERS[0]), ACCOUNTS[0]): TOKEN}
    assert memory_keyring.entries == {}


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://Keel.Example.com/", "https://keel.example.com"),
        ("https://keel.example.com:443", "https://keel.example.com"),
        ("http://keel.example.com:80/keel/", "http://keel.example.com/keel"),
        ("https://keel.example.com:8443", "https://keel.example.com:8443"),
        ("https://user:pw@keel.example.com/?access_token=x#f", "https://keel.example.com"),
        ("http://[::1]:8000/", "http://[::1]:8000"),
    ],
)
def test_server_urls_are_normalised(url: str, expected: str) -> None:
    assert normalise_server(url) == expected


@pytest.mark.parametrize("url", ["keel.example.com", "ftp://keel.example.com", "https://", ""])
def test_a_bad_server_url_is_refused(url: str, memory_keyring: MemoryKeyring) -> None:
    with pytest.raises(ValueError, match="server URL"):
        Credentials().save_refresh_token(url, ACCOUNTS[0], TOKEN)
    assert memory_keyring.entries == {}


def test_empty_token_and_account_are_refused(memory_keyring: MemoryKeyring) -> None:
    with pytest.raises(ValueError, match="empty refresh token"):
        Credentials().save_refresh_token(SERVERS[0], ACCOUNTS[0], "")
    with pytest.raises(ValueError, match="account"):
        Credentials().save_refresh_token(SERVERS[0], "  ", TOKEN)
    assert memory_keyring.entries == {}


# --- no keyring ---------------------------------------------------------------------------------------


def assert_explains_how_to_choose(error: NoKeyringError) -> None:
    message = str(error)
    assert isinstance(error, CredentialsError) and not error.retryable
    for hint in ("Secret Service", "KWallet", "Keychain", "Credential Locker"):
        assert hint in message
    assert "PYTHON_KEYRING_BACKEND=keyrings.alt.file.PlaintextKeyring" in message
    assert "keyrings.alt.file.EncryptedKeyring" in message
    assert TOKEN not in message


def test_an_auto_detected_plaintext_file_keyring_is_refused(keyring_home: Path, restore_keyring: None) -> None:
    # What keyring does here when no desktop keyring exists: it settles for keyrings.alt's plaintext file.
    only_fallbacks = ("keyrings.alt.file", "keyring.backends.fail", "keyring.backends.null")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(keyring.backend, "_limit", None)  # init_backend keeps its limit here; put it back after
        keyring.core.init_backend(limit=lambda b: type(b).__module__.startswith(only_fallbacks))
    detected = keyring.get_keyring()
    assert isinstance(detected, PlaintextKeyring)
    assert Path(detected.file_path).is_relative_to(keyring_home)  # where it would have written

    creds = Credentials()
    with pytest.raises(NoKeyringError) as raised:
        creds.save_refresh_token(SERVERS[0], ACCOUNTS[0], TOKEN)
    assert_explains_how_to_choose(raised.value)
    assert "keyrings.alt.file.PlaintextKeyring" in str(raised.value)  # says what it found
    with pytest.raises(NoKeyringError):
        creds.load_refresh_token(SERVERS[0], ACCOUNTS[0])
    with pytest.raises(NoKeyringError):
        creds.delete(SERVERS[0], ACCOUNTS[0])
    assert files_under(keyring_home) == []


@pytest.mark.parametrize(
    "backend",
    [fail.Keyring(), null.Keyring(), PlaintextKeyring()],
    ids=["fail", "null", "plaintext-injected"],
)
def test_a_backend_nobody_chose_is_no_keyring(backend: keyring.backend.KeyringBackend, keyring_home: Path) -> None:
    with pytest.raises(NoKeyringError) as raised:
        Credentials(backend=backend).save_refresh_token(SERVERS[0], ACCOUNTS[0], TOKEN)
    assert_explains_how_to_choose(raised.value)
    assert raised.value.backend is backend
    assert files_under(keyring_home) == []


def test_opting_in_to_another_class_does_not_admit_the_plaintext_file(
    keyring_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.EncryptedKeyring")
    with pytest.raises(NoKeyringError):
        Credentials(backend=PlaintextKeyring()).save_refresh_token(SERVERS[0], ACCOUNTS[0], TOKEN)
    assert files_under(keyring_home) == []


# --- opting in on a headless machine ----------------------------------------------------------------


def test_opt_in_through_the_environment_writes_the_file_keyring(
    keyring_home: Path, restore_keyring: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyrings.alt.file.PlaintextKeyring")
    keyring.core.init_backend()  # what a fresh process does with that variable set
    backend = keyring.get_keyring()
    assert isinstance(backend, PlaintextKeyring)
    # keyrings.alt puts its file under keyring's data root: $XDG_DATA_HOME/python_keyring on Linux.
    expected_file = keyring_home / ".local" / "share" / "python_keyring" / "keyring_pass.cfg"
    assert Path(backend.file_path) == expected_file

    Credentials().save_refresh_token(SERVERS[0], ACCOUNTS[0], TOKEN)

    assert files_under(keyring_home) == [expected_file]
    assert stat.S_IMODE(os.stat(expected_file).st_mode) == 0o600
    assert "keel" in expected_file.read_text()
    # A later process (a new backend object reading the same file) finds it.
    assert Credentials(backend=PlaintextKeyring()).load_refresh_token(SERVERS[0], ACCOUNTS[0]) == TOKEN
    Credentials().delete(SERVERS[0], ACCOUNTS[0])
    assert Credentials().load_refresh_token(SERVERS[0], ACCOUNTS[0]) is None


def test_opt_in_through_keyrings_config_file(keyring_home: Path, restore_keyring: None, tmp_path: Path) -> None:
    config = keyring_home / ".config" / "python_keyring" / "keyringrc.cfg"
    config.parent.mkdir(parents=True)
    config.write_text("[backend]\ndefault-keyring = keyrings.alt.file.PlaintextKeyring\n")
    keyring.core.init_backend()
    backend = keyring.get_keyring()
    assert isinstance(backend, PlaintextKeyring)
    backend.file_path = str(tmp_path / "tokens.cfg")  # keyrings.alt lets an instance choose its own file

    Credentials().save_refresh_token(SERVERS[1], ACCOUNTS[1], TOKEN)

    assert (tmp_path / "tokens.cfg").is_file()
    assert Credentials().load_refresh_token(SERVERS[1], ACCOUNTS[1]) == TOKEN
    assert files_under(keyring_home) == [config]


# --- errors and logs ----------------------------------------------------------------------------------


class LockedKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise KeyringLocked("the collection is locked")

    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked("the collection is locked")


def test_a_locked_keyring_says_so(memory_keyring: MemoryKeyring) -> None:
    creds = Credentials(backend=LockedKeyring())
    with pytest.raises(KeyringAccessError, match="could not save the refresh token: the collection is locked"):
        creds.save_refresh_token(SERVERS[0], ACCOUNTS[0], TOKEN)
    with pytest.raises(KeyringAccessError, match="could not read the refresh token") as raised:
        creds.load_refresh_token(SERVERS[0], ACCOUNTS[0])
    assert "Unlock it" in str(raised.value) and not raised.value.retryable


def test_tokens_never_reach_the_log(
    memory_keyring: MemoryKeyring, keyring_home: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="sync.credentials")
    creds = Credentials()
    creds.save_refresh_token(SERVERS[0], ACCOUNTS[0], TOKEN)
    creds.set_access_token(SERVERS[0], ACCOUNTS[0], "access-" + TOKEN)
    assert creds.load_refresh_token(SERVERS[0], ACCOUNTS[0]) == TOKEN
    creds.delete(SERVERS[0], ACCOUNTS[0])
    creds.delete(SERVERS[0], ACCOUNTS[0])
    errors = []
    for backend in (LockedKeyring(), fail.Keyring(), PlaintextKeyring()):
        with pytest.raises(CredentialsError) as raised:
            Credentials(backend=backend).save_refresh_token(SERVERS[0], ACCOUNTS[0], TOKEN)
        errors.append(str(raised.value))

    assert len(caplog.records) >= 4  # the operations were logged...
    assert "ann@example.com" in caplog.text
    assert TOKEN not in caplog.text  # ...but never a token
    assert all(TOKEN not in message for message in errors)
    assert TOKEN not in repr(creds)
