"""Many sign-ins at once against a real uvicorn server: password hashes run at most `slots` at a
time, so sign-ins cannot take the server's memory (issue 9, defect 5); the rest wait briefly or are
answered 429 with `Retry-After`."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from tests.factories import Api, error_of
from tests.live_server import live_server

SIGN_INS = 40
SLOTS = 2


def test_concurrent_sign_ins_hash_at_most_slots_passwords_at_once(db_url: str) -> None:
    from server.app import create_app
    from tests.conftest import test_settings

    # A slow hash with little memory: long enough that forty requests overlap, cheap to run.
    settings = test_settings(
        db_url, argon2_time_cost=50, argon2_memory_kib=1024, password_hash_slots=SLOTS, password_hash_wait_s=0.5
    )
    app = create_app(settings)
    try:
        _storm(app)
    finally:
        app.state.services.db.dispose()


def _storm(app: Any) -> None:
    with live_server(app) as url, httpx.Client(base_url=url, timeout=60) as http:
        Api(http).register(email="victim@example.com")

        def wrong(_: int) -> httpx.Response:
            with httpx.Client(base_url=url, timeout=60) as own:  # one connection each: truly concurrent
                return own.post("/api/v1/auth/token", json={"email": "victim@example.com", "password": "wrong!!!!"})

        with ThreadPoolExecutor(SIGN_INS) as pool:
            answers = list(pool.map(wrong, range(SIGN_INS)))
        statuses = sorted(r.status_code for r in answers)
        assert set(statuses) <= {401, 429}, statuses
        for r in answers:
            if r.status_code == 429:
                error_of(r, 429, "rate_limited")
                assert int(r.headers["Retry-After"]) >= 1
            else:
                error_of(r, 401, "invalid_credentials")
        assert statuses.count(401) >= SLOTS  # the gate lets work through, it does not just refuse
        gate = app.state.services.passwords.gate
        assert gate.peak <= SLOTS, gate.peak
        assert gate.active == 0
        # Once the storm passes, the right password signs in.
        assert Api(http).login("victim@example.com").access_token
