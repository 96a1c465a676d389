"""Signing a data directory's store in and out: the one policy the app (`app/core.py`) and the
command line (`keel login`, `keel logout`) share.

    user = await remote.login(email, password)
    await admit(store, remote, server, user)   # raises OtherAccount, or binds the store to `user`
    ...
    told = await end_session(store, remote, forget_data=True)

Signing in:

- another account's unsynced changes are never dropped unasked: while the store holds any (its
  outbox: queued, or sent and not yet seen back in a pull) and the person signing in is someone
  else, the new session is ended at once and `OtherAccount` raised, unless `discard` says to drop
  them;
- a change of account, or of server address, fetches the cache again from the start (rows cached
  from one account or address are never shown as another's); the same account keeps its outbox;
- the tokens are kept where the caller's `Remote` keeps them (the keyring, `sync.credentials`).

Signing out ends the session on the server when it can be reached and forgets the kept token either
way. What the store keeps is the caller's choice: the app forgets the account and its cache, unsynced
edits included, after asking the person (`forget_data=True`); `keel logout` keeps them queued for the
same account's next sign-in.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from sync.errors import SyncError

if TYPE_CHECKING:
    from sync.engine import Remote
    from sync.store import Store
    from sync.tokens import TokenStore


class OtherAccount(Exception):
    """Signing in as someone else would drop `account`'s `unsynced` changes."""

    def __init__(self, account: str | None, unsynced: int) -> None:
        super().__init__(f"{account} has {unsynced} unsynced change(s)")
        self.account = account
        self.unsynced = unsynced


def unsynced(store: Store) -> int:
    """The changes a sign-in as someone else would drop: every outbox entry not yet covered by a pull."""
    return len(store.outbox())


async def admit(store: Store, remote: Remote, server: str, user: dict[str, Any], *, discard: bool = False) -> None:
    """Binds `store` to `user` (just signed in through `remote` at `server`), or refuses (see the module)."""
    count = unsynced(store)
    if store.user_id not in (None, user["id"]) and count and not discard:
        with contextlib.suppress(SyncError):
            await remote.logout()
        raise OtherAccount(store.account, count)
    if store.user_id not in (None, user["id"]) or store.server_url not in (None, server):
        store.reset_cache()
    store.set_account(server, user["id"], user["email"])


async def end_session(
    store: Store, remote: Remote | None, tokens: TokenStore | None = None, *, forget_data: bool
) -> bool:
    """Ends the store's session: through `remote` when one runs (it forgets the kept token even when the
    server cannot be reached), else by forgetting the token kept in `tokens`. True when the server was told."""
    told = False
    if remote is not None:
        try:
            await remote.logout()
            told = True
        except SyncError:
            pass
    elif tokens is not None and store.server_url is not None and store.account is not None:
        with contextlib.suppress(SyncError):
            tokens.delete(store.server_url, store.account)
    if forget_data:
        store.sign_out()
    return told
