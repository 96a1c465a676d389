"""The sync engine: the HTTP `Remote`, the `SyncEngine` runner, and their pure decisions.

remote = Remote(url, tokens)                 # tokens: a sync.tokens.TokenStore
user = await remote.login(email, password)
store.set_account(url, user["id"], email)
engine = SyncEngine(store, remote)
await engine.sync(on_progress=print)        # or: await engine.run(stop_event)
"""

import sys

# httpx imports its command-line client (click, rich, pygments: 7 MB and 0.1 s) whenever they are
# installed, and keeps going without it when the import fails: the engine never runs it.
if "httpx" not in sys.modules:
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

from sync.engine._auth import TokenAuth
from sync.engine._decide import Backoff, Progress, plan_out_of_order, progress_after, retry_delay
from sync.engine._remote import Remote, ServerEvent
from sync.engine._runner import SyncEngine, SyncReport

__all__ = [
    "Backoff",
    "Progress",
    "Remote",
    "ServerEvent",
    "SyncEngine",
    "SyncReport",
    "TokenAuth",
    "plan_out_of_order",
    "progress_after",
    "retry_delay",
]
