"""The requester's portal link of a ticket, for an agent to copy: asked of the server each time
(`GET /api/v1/tickets/{id}/portal`), never kept in the cache (a link that lets its holder speak as
the requester is no thing for a cache, docs/protocol.md). So it needs the network; the answer says
why there is none in words the app translates, as `sync.people` does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sync.engine import Remote
from sync.errors import ApiError, NetworkError, NotSignedIn, SyncError

Problem = Literal["offline", "forbidden", "signed_out"]


@dataclass(frozen=True)
class PortalLink:
    url: str | None = None
    problem: Problem | None = None
    detail: str = ""


async def portal_link(remote: Remote | None, ticket_id: str) -> PortalLink:
    if remote is None:
        return PortalLink(problem="offline", detail="not connected to a server")
    try:
        return PortalLink(url=await remote.ticket_portal(ticket_id))
    except NotSignedIn as exc:
        return PortalLink(problem="signed_out", detail=str(exc))
    except ApiError as exc:  # 404 for a viewer or a ticket the server does not have yet
        return PortalLink(problem="offline" if exc.retryable else "forbidden", detail=str(exc))
    except (NetworkError, SyncError) as exc:
        return PortalLink(problem="offline", detail=str(exc))


__all__ = ["PortalLink", "portal_link"]
