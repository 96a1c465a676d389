"""Where sign-in secrets live: the refresh token in the OS keyring, the access token in memory only.

Entries are keyed by server and account (service ``keel:<normalised server URL>``, username the
account's e-mail), so several servers and accounts coexist on one machine. A keyring that would
keep the token in clear (keyrings.alt's file backends) or not at all (keyring's ``fail`` and ``null``
backends) counts as no keyring unless the person chose it through ``PYTHON_KEYRING_BACKEND`` or
keyring's ``keyringrc.cfg``: keyring picks keyrings.alt's plaintext file by itself when nothing
better exists, and we must never write a token in clear on our own.
"""

from __future__ import annotations

import configparser
import importlib
import logging
import os
import threading
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import keyring
import keyring.errors
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null
from keyring.util import platform_

from sync.errors import SyncError

log = logging.getLogger(__name__)

SERVICE_PREFIX = "keel:"
BACKEND_ENV = "PYTHON_KEYRING_BACKEND"
_DEFAULT_PORTS = {"http": 80, "https": 443}

HOW_TO_CHOOSE = (
    "Keel keeps your sign-in (a refresh token) in the operating system's keyring and will not write "
    "it to a file in clear. Install or unlock a keyring: GNOME Keyring or another Secret Service, "
    "KWallet, the macOS Keychain or the Windows Credential Locker. On a headless machine (CI, a "
    "server) you may opt in to a file keyring instead by setting "
    f"{BACKEND_ENV}=keyrings.alt.file.PlaintextKeyring (the token is then stored unencrypted in a "
    f"file only your user can read) or {BACKEND_ENV}=keyrings.alt.file.EncryptedKeyring (needs "
    "pycryptodome and asks for a password), or set default-keyring in keyring's keyringrc.cfg."
)


class CredentialsError(SyncError):
    """Base of this module's errors. None is retryable: a person has to act."""

    retryable = False


class NoKeyringError(CredentialsError):
    """No keyring that may hold a token: none is installed, or only one the person did not choose."""

    def __init__(self, backend: KeyringBackend | None = None) -> None:
        found = f" (found {_backend_name(backend)})" if backend is not None else ""
        super().__init__(f"No usable keyring{found}. {HOW_TO_CHOOSE}")
        self.backend = backend


class KeyringAccessError(CredentialsError):
    """The keyring exists but refused or failed (locked, access denied, its service is down)."""

    def __init__(self, action: str, backend: KeyringBackend, cause: Exception) -> None:
        # The cause's text comes from the backend, never from the token, so it is safe to show.
        super().__init__(
            f"The keyring ({_backend_name(backend)}) could not {action}: {cause}. "
            "Unlock it or check that its service is running, then try again."
        )
        self.backend = backend


def normalise_server(url: str) -> str:
    """The canonical form of a server URL: scheme and host lower-case, default port and trailing slash gone.

    User info, query and fragment are dropped, so no secret in a URL ever becomes part of a keyring entry's name.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise ValueError(f"Not a server URL (expected http:// or https:// and a host): {url!r}")
    host = parts.hostname  # already lower-case, IPv6 brackets removed
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    netloc = host if port is None or port == _DEFAULT_PORTS[scheme] else f"{host}:{port}"
    return urlunsplit((scheme, netloc, parts.path.rstrip("/"), "", ""))


def normalise_account(account: str) -> str:
    """The server stores e-mails lower-case; so do we, so `Ann@x.org` and `ann@x.org` are one entry."""
    cleaned = account.strip().lower()
    if not cleaned:
        raise ValueError("The account (an e-mail address) must not be empty")
    return cleaned


def service_name(server: str) -> str:
    return SERVICE_PREFIX + normalise_server(server)


class Credentials:
    """The refresh tokens of every server and account on this machine, and the access tokens of this process.

    `backend` injects a keyring (tests); by default keyring's current backend is used, resolved on every
    call so `keyring.set_keyring` takes effect at once. The same policy applies to an injected backend:
    handing in a plaintext file keyring is not an opt-in, only `PYTHON_KEYRING_BACKEND` or `keyringrc.cfg` is.
    """

    def __init__(self, backend: KeyringBackend | None = None) -> None:
        self._backend = backend
        self._access: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:  # never the tokens
        return f"<Credentials backend={_backend_name(self._backend) if self._backend else 'keyring default'}>"

    def backend(self) -> KeyringBackend:
        """The keyring that will hold tokens; raises `NoKeyringError` when there is none we may use."""
        return usable_backend(self._backend if self._backend is not None else keyring.get_keyring())

    # --- refresh token: the keyring ----------------------------------------------------------------

    def save_refresh_token(self, server: str, account: str, token: str) -> None:
        if not token:
            raise ValueError("Refusing to save an empty refresh token")
        service, user = service_name(server), normalise_account(account)
        backend = self.backend()
        try:
            backend.set_password(service, user, token)
        except keyring.errors.NoKeyringError as exc:
            raise NoKeyringError(backend) from exc
        except keyring.errors.KeyringError as exc:
            raise KeyringAccessError("save the refresh token", backend, exc) from exc
        log.info("saved the refresh token of %s on %s in %s", user, service, _backend_name(backend))

    def load_refresh_token(self, server: str, account: str) -> str | None:
        service, user = service_name(server), normalise_account(account)
        backend = self.backend()
        try:
            token = backend.get_password(service, user)
        except keyring.errors.NoKeyringError as exc:
            raise NoKeyringError(backend) from exc
        except keyring.errors.KeyringError as exc:
            raise KeyringAccessError("read the refresh token", backend, exc) from exc
        log.debug("refresh token of %s on %s: %s", user, service, "found" if token else "none")
        return token

    def delete(self, server: str, account: str) -> None:
        """Forgets both tokens of this server and account (sign-out). Deleting what is not there is fine."""
        service, user = service_name(server), normalise_account(account)
        with self._lock:
            self._access.pop((service, user), None)
        backend = self.backend()
        try:
            backend.delete_password(service, user)
        except keyring.errors.PasswordDeleteError:
            log.debug("no refresh token of %s on %s to delete", user, service)
            return
        except keyring.errors.NoKeyringError as exc:
            raise NoKeyringError(backend) from exc
        except keyring.errors.KeyringError as exc:
            raise KeyringAccessError("delete the refresh token", backend, exc) from exc
        log.info("deleted the refresh token of %s on %s", user, service)

    # --- access token: memory only ------------------------------------------------------------------

    def set_access_token(self, server: str, account: str, token: str | None) -> None:
        """Remembers (or, with None, forgets) the access token for this process only."""
        key = (service_name(server), normalise_account(account))
        with self._lock:
            if token is None:
                self._access.pop(key, None)
            else:
                self._access[key] = token

    def access_token(self, server: str, account: str) -> str | None:
        with self._lock:
            return self._access.get((service_name(server), normalise_account(account)))


# --- which keyrings may hold a token ---------------------------------------------------------------


def usable_backend(backend: KeyringBackend) -> KeyringBackend:
    """`backend`, or for keyring's chainer its best member we may use; `NoKeyringError` when there is none."""
    if isinstance(backend, chainer.ChainerBackend):
        # The chainer writes to its first member; make sure that is one we may use.
        for member in backend.backends:
            if not needs_opt_in(member) or chosen_explicitly(member):
                return member  # type: ignore[no-any-return]
        raise NoKeyringError(backend)
    if needs_opt_in(backend) and not chosen_explicitly(backend):
        raise NoKeyringError(backend)
    return backend


def needs_opt_in(backend: KeyringBackend) -> bool:
    """Backends that keep the token in clear, or nowhere: fine only when a person chose them."""
    return isinstance(backend, fail.Keyring | null.Keyring) or type(backend).__module__.startswith("keyrings.alt")


def chosen_explicitly(backend: KeyringBackend) -> bool:
    """Whether `PYTHON_KEYRING_BACKEND` or keyring's config file names this backend's class."""
    names = [os.environ.get(BACKEND_ENV, ""), _configured_backend_name()]
    return any(name and _names_class(name, type(backend)) for name in names)


def _configured_backend_name() -> str:
    path = Path(platform_.config_root()) / "keyringrc.cfg"
    config = configparser.RawConfigParser()
    try:
        config.read(path, encoding="utf-8")
        return config.get("backend", "default-keyring", fallback="").strip()
    except (OSError, configparser.Error):
        return ""


def _names_class(name: str, cls: type) -> bool:
    module_name, _, class_name = name.strip().rpartition(".")
    if not module_name:
        return False
    try:
        named = getattr(importlib.import_module(module_name), class_name, None)
    except ImportError:
        return False
    return named is cls


def _backend_name(backend: KeyringBackend | None) -> str:
    if backend is None:
        return "none"
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"
