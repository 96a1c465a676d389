"""Liveness for load balancers and clients."""

from fastapi import APIRouter

from server import __version__
from sync.protocol import HealthResponse

router = APIRouter(tags=["health"])


@router.get("/health", response_model=HealthResponse)
async def health() -> dict[str, str]:
    return {"status": "ok", "version": __version__}
