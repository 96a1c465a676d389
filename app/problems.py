"""What the app tells a person when something fails, mapped here and nowhere else.

Every failure the app shows (the sync panel, the sign-in form, a toast) is one catalogue key from
this module: `problem_of(exc)` maps `sync.errors`' tree (and the few other errors the app meets) to
a key whose text, in both locales, says what happened and what to do. The exception itself, with
its technical detail, goes to the log at the same place.

    key = problem_of(exc, log_as="sync failed")   # logs the detail once
    t(key)                                        # "连不上服务器……"
"""

from __future__ import annotations

import logging

from app.i18n import has
from sync.errors import (
    ApiError,
    CursorExpired,
    DependencyCycle,
    InvalidMutation,
    NetworkError,
    NotSignedIn,
    RateLimited,
    ServerError,
    SyncError,
)

log = logging.getLogger("keel.app")

UNREACHABLE = "problem.unreachable"
SERVER = "problem.server"
BUSY = "problem.busy"
SIGNED_OUT = "problem.signed_out"
WRONG_PASSWORD = "problem.wrong_password"
REFUSED = "problem.refused"
INVALID = "problem.invalid"
KEYRING = "problem.keyring"
OTHER_ACCOUNT = "problem.other_account"
BAD_SERVER = "problem.bad_server"
DEMO = "problem.demo"
INTERNAL = "problem.internal"
DEPENDENCY_CYCLE = "reject.dependency_cycle"

# Every key `problem_of` can answer (tests check that each has a text in both locales).
KEYS = (
    UNREACHABLE,
    SERVER,
    BUSY,
    SIGNED_OUT,
    WRONG_PASSWORD,
    REFUSED,
    INVALID,
    KEYRING,
    OTHER_ACCOUNT,
    BAD_SERVER,
    DEMO,
    INTERNAL,
    DEPENDENCY_CYCLE,
)


def problem_of(exc: BaseException, *, log_as: str | None = None) -> str:
    """The catalogue key for `exc`; with `log_as`, the technical detail goes to the log too."""
    key = _key(exc)
    if log_as is not None:
        level = logging.ERROR if key == INTERNAL else logging.WARNING
        log.log(level, "%s: %r", log_as, exc, exc_info=key == INTERNAL)
    return key


def _key(exc: BaseException) -> str:
    from sync.credentials import CredentialsError

    if isinstance(exc, CredentialsError):
        return KEYRING
    if isinstance(exc, NetworkError):
        return UNREACHABLE
    if isinstance(exc, RateLimited):
        return BUSY
    if isinstance(exc, ServerError | CursorExpired):
        return SERVER
    if isinstance(exc, NotSignedIn):
        return WRONG_PASSWORD if exc.code == "invalid_credentials" else SIGNED_OUT
    if isinstance(exc, DependencyCycle):
        return DEPENDENCY_CYCLE
    if isinstance(exc, InvalidMutation):
        return INVALID
    if isinstance(exc, ApiError):
        return REFUSED
    if isinstance(exc, SyncError):
        return SERVER
    return INTERNAL


def rejection_key(code: str) -> str:
    """The catalogue key for a mutation the server refused with `code` (the same words for a loop
    of dependencies refused offline, `DEPENDENCY_CYCLE`); any code without words of its own reads
    as REFUSED."""
    key = f"reject.{code}"
    return key if has(key) else REFUSED
