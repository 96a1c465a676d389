"""Where the refresh token lives: the `TokenStore` interface, and an in-memory implementation.

The access token never reaches a TokenStore: it stays in the memory of the Remote's auth flow.
The keyring-backed implementation is `sync.credentials.Credentials`, which satisfies this protocol
as is; tests and throwaway clients use `MemoryTokenStore`. Entries are keyed by server URL and
account (the email signed in with), so several clients and accounts coexist on one machine.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

__all__ = ["MemoryTokenStore", "TokenStore"]


@runtime_checkable
class TokenStore(Protocol):
    """Keeps one refresh token per (server, account). Implementations must be safe to call often."""

    def load_refresh_token(self, server: str, account: str) -> str | None:
        """The stored refresh token, or None when there is none."""
        ...

    def save_refresh_token(self, server: str, account: str, token: str) -> None:
        """Stores (replaces) the refresh token; called after sign-in and after every rotation."""
        ...

    def delete(self, server: str, account: str) -> None:
        """Forgets the tokens of this server and account (sign-out, or the server refused the refresh
        token); a missing entry is not an error."""
        ...


class MemoryTokenStore:
    """A TokenStore in a dict: for tests, and for sessions that must leave nothing behind."""

    def __init__(self) -> None:
        self._tokens: dict[tuple[str, str], str] = {}

    def load_refresh_token(self, server: str, account: str) -> str | None:
        return self._tokens.get((server, account))

    def save_refresh_token(self, server: str, account: str, token: str) -> None:
        self._tokens[(server, account)] = token

    def delete(self, server: str, account: str) -> None:
        self._tokens.pop((server, account), None)
