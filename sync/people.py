"""Finding a person by email, to add them to a project: the cache first (people I already share a
project with, offline too), then the server's `GET /users?email=` (anyone with an account).

The answer says why nobody was found in words the app can translate, never with an exception:
a person typing an email should read "no account has this email" or "you are offline", not a
stack trace.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from sync.engine import Remote
from sync.errors import ApiError, NetworkError, NotSignedIn, SyncError
from sync.store import Store

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

Problem = Literal["invalid_email", "unknown_user", "offline", "signed_out"]


@dataclass(frozen=True)
class PersonLookup:
    """`user` ({id, email, display_name}) when found, else `problem`; `detail` is for the log."""

    user: dict[str, Any] | None = None
    problem: Problem | None = None
    detail: str = ""


def plausible_email(email: str) -> bool:
    return bool(_EMAIL.match(email.strip()))


async def find_person(store: Store, remote: Remote | None, email: str) -> PersonLookup:
    """The person with this exact email (case-insensitive). Looks in the cache first, so people
    I share a project with are found offline; otherwise asks the server, which needs the network
    (`offline` when it cannot be reached, or when there is no `remote` at all)."""
    email = email.strip().lower()
    if not plausible_email(email):
        return PersonLookup(problem="invalid_email")
    cached = store.user_by_email(email)
    if cached is not None:
        return PersonLookup(user={k: cached[k] for k in ("id", "email", "display_name")})
    if remote is None:
        return PersonLookup(problem="offline", detail="not connected to a server")
    try:
        user = await remote.user_by_email(email)
    except NotSignedIn as exc:
        return PersonLookup(problem="signed_out", detail=str(exc))
    except ApiError as exc:  # 404 unknown_user, or a 4xx for an address the server will not look up
        return PersonLookup(problem="offline" if exc.retryable else "unknown_user", detail=str(exc))
    except (NetworkError, SyncError) as exc:
        return PersonLookup(problem="offline", detail=str(exc))
    return PersonLookup(user={k: user.get(k) for k in ("id", "email", "display_name")})


__all__ = ["PersonLookup", "find_person", "plausible_email"]
