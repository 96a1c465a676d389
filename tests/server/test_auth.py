"""Authentication: accounts, rotating refresh-token families, sign-out, look-up and rate limits."""

from __future__ import annotations

import time

import jwt

from tests.factories import Api, error_of, serve

PASSWORD = "correct horse"


def _token(api: Api, email: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return api.http.post("/api/v1/auth/token", json={"email": email, "password": password})


def _refresh(api: Api, token: str):  # type: ignore[no-untyped-def]
    return api.http.post("/api/v1/auth/refresh", json={"refresh_token": token})


def _me(api: Api, access: str):  # type: ignore[no-untyped-def]
    return api.http.get("/api/v1/me", headers={"Authorization": f"Bearer {access}"})


def test_register_answers_201_with_the_wrapped_user(api: Api) -> None:
    r = api.http.post(
        "/api/v1/auth/register",
        json={"email": "Wang.Wei@Example.com", "password": PASSWORD, "display_name": "王伟"},
    )
    assert r.status_code == 201, r.text
    user = r.json()["user"]
    assert set(user) == {"id", "email", "display_name"}
    assert user["email"] == "wang.wei@example.com"
    assert user["display_name"] == "王伟"
    # The same address in another case is the same account.
    again = api.http.post(
        "/api/v1/auth/register",
        json={"email": "wang.wei@example.com", "password": PASSWORD, "display_name": "x"},
    )
    error_of(again, 409, "email_taken")


def test_register_validates_its_body(api: Api) -> None:
    for body in (
        {"email": "not-an-email", "password": PASSWORD, "display_name": "a"},
        {"email": "a@example.com", "password": "short", "display_name": "a"},
        {"email": "a@example.com", "password": PASSWORD, "display_name": "x" * 201},
        {"email": "a@example.com", "password": PASSWORD},
    ):
        error_of(api.http.post("/api/v1/auth/register", json=body), 422, "validation_error")


def test_registration_can_be_closed(db_url: str) -> None:
    with serve(db_url, registration_open=False) as api:
        r = api.http.post(
            "/api/v1/auth/register", json={"email": "a@example.com", "password": PASSWORD, "display_name": "a"}
        )
        error_of(r, 403, "registration_closed")


def test_token_pair_and_me(api: Api) -> None:
    user = api.register(email="li.na@example.com", name="李娜")
    r = _token(api, "LI.NA@example.com")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer"
    assert isinstance(body["expires_in"], int) and body["expires_in"] > 0
    assert body["user"] == user
    assert body["access_token"] and body["refresh_token"]
    me = _me(api, body["access_token"])
    assert me.status_code == 200
    assert me.json() == {"user": user}


def test_invalid_credentials_look_the_same_for_unknown_email_and_wrong_password(api: Api) -> None:
    api.register(email="known@example.com")
    wrong = error_of(_token(api, "known@example.com", "wrong password"), 401, "invalid_credentials")
    unknown = error_of(_token(api, "nobody@example.com", PASSWORD), 401, "invalid_credentials")
    assert wrong == unknown


def test_requests_without_a_valid_bearer_are_401(api: Api) -> None:
    error_of(api.http.get("/api/v1/me"), 401)
    error_of(api.http.get("/api/v1/me", headers={"Authorization": "Bearer nonsense"}), 401)
    error_of(api.http.get("/api/v1/sync/pull"), 401)
    error_of(api.http.post("/api/v1/sync/push", json={"client_id": "c", "mutations": []}), 401)
    error_of(api.http.get("/api/v1/users", params={"email": "a@example.com"}), 401)


def test_refresh_rotates_and_the_old_token_is_spent(api: Api) -> None:
    alice = api.person("Alice")
    r = _refresh(api, alice.refresh_token)
    assert r.status_code == 200, r.text
    pair = r.json()
    assert pair["refresh_token"] != alice.refresh_token
    assert pair["user"]["id"] == alice.id
    assert _me(api, pair["access_token"]).status_code == 200
    # A second rotation from the new token works; the chain goes on.
    r2 = _refresh(api, pair["refresh_token"])
    assert r2.status_code == 200, r2.text
    error_of(_refresh(api, "never-issued"), 401, "invalid_refresh_token")


def test_reusing_a_spent_refresh_token_revokes_the_family_and_its_access_tokens(api: Api) -> None:
    alice = api.person("Alice")
    other_device = api.login(alice.user["email"])  # another sign-in: another family
    pair = _refresh(api, alice.refresh_token).json()
    assert _me(api, pair["access_token"]).status_code == 200
    # The thief (or the victim) presents the spent token: the whole family ends.
    error_of(_refresh(api, alice.refresh_token), 401, "invalid_refresh_token")
    error_of(_refresh(api, pair["refresh_token"]), 401, "invalid_refresh_token")
    error_of(_me(api, pair["access_token"]), 401)
    error_of(_me(api, alice.access_token), 401)
    # Other sign-ins of the same user are untouched.
    assert _me(api, other_device.access_token).status_code == 200
    assert _refresh(api, other_device.refresh_token).status_code == 200


def test_logout_ends_the_session(api: Api) -> None:
    alice = api.person("Alice")
    r = api.http.post("/api/v1/auth/logout", json={"refresh_token": alice.refresh_token})
    assert r.status_code == 204
    assert r.content == b""
    error_of(_refresh(api, alice.refresh_token), 401, "invalid_refresh_token")
    error_of(_me(api, alice.access_token), 401)
    # Logging out with an unknown token is harmless.
    assert api.http.post("/api/v1/auth/logout", json={"refresh_token": "unknown"}).status_code == 204


def test_users_by_email(api: Api) -> None:
    alice = api.person("Alice")
    bob = api.register(email="bob@example.com", name="Bob")
    r = alice.get("/api/v1/users", params={"email": "BOB@example.com"})
    assert r.status_code == 200, r.text
    assert r.json() == {"user": bob}
    error_of(alice.get("/api/v1/users", params={"email": "ghost@example.com"}), 404, "unknown_user")
    error_of(alice.get("/api/v1/users"), 422)


def test_an_expired_access_token_is_token_expired(api: Api, app) -> None:  # type: ignore[no-untyped-def]
    from server.db import read_secret

    alice = api.person("Alice")
    claims = jwt.decode(alice.access_token, options={"verify_signature": False})
    claims["exp"] = int(time.time()) - 5
    secret = read_secret(app.state.services.db.engine, "jwt")
    expired = jwt.encode(claims, secret, algorithm="HS256")
    error_of(_me(api, expired), 401, "token_expired")
    # A forged signature is not "expired": refreshing would not help.
    forged = jwt.encode({**claims, "exp": int(time.time()) + 60}, "x" * 64, algorithm="HS256")
    assert error_of(_me(api, forged), 401)["code"] != "token_expired"


def test_a_short_ttl_from_settings_expires(db_url: str) -> None:
    with serve(db_url, access_token_ttl_s=-1) as api:
        alice = api.person("Alice")
        error_of(_me(api, alice.access_token), 401, "token_expired")
        # The refresh token still works: that is the fix the code promises.
        assert _refresh(api, alice.refresh_token).status_code == 200


def test_sign_in_is_rate_limited_per_email(db_url: str) -> None:
    with serve(db_url, login_limit_per_email=3) as api:
        api.register(email="target@example.com")
        api.register(email="other@example.com")
        for _ in range(3):
            error_of(_token(api, "target@example.com", "guess"), 401, "invalid_credentials")
        limited = _token(api, "Target@example.com", PASSWORD)  # even the right password waits
        error_of(limited, 429, "rate_limited")
        assert int(limited.headers["Retry-After"]) >= 1
        assert _token(api, "other@example.com").status_code == 200


def test_sign_in_is_rate_limited_per_address(db_url: str) -> None:
    with serve(db_url, login_limit_per_address=3) as api:
        for i in range(3):
            error_of(_token(api, f"nobody{i}@example.com"), 401, "invalid_credentials")
        limited = _token(api, "someone-else@example.com")
        error_of(limited, 429, "rate_limited")
        assert int(limited.headers["Retry-After"]) >= 1


def test_health_and_openapi(api: Api) -> None:
    r = api.http.get("/api/v1/health")
    assert r.status_code == 200
    assert r.json()["status"] == "ok"
    assert isinstance(r.json()["version"], str)
    doc = api.http.get("/openapi.json")
    assert doc.status_code == 200
    assert "/api/v1/sync/push" in doc.json()["paths"]


def test_racing_refreshes_with_one_token_never_both_win(api: Api, app) -> None:  # type: ignore[no-untyped-def]
    """Two refreshes of one token at once: at most one new pair, and never a server error."""
    from concurrent.futures import ThreadPoolExecutor

    from server.errors import ApiError
    from server.routes.auth import rotate

    services = app.state.services
    for _ in range(5):
        alice = api.person("王伟")

        def attempt(_: int, token: str = alice.refresh_token) -> str:
            try:
                rotate(services, token)
                return "ok"
            except ApiError as exc:
                return exc.code

        with ThreadPoolExecutor(2) as pool:
            outcomes = sorted(pool.map(attempt, range(2)))
        assert outcomes in (["invalid_refresh_token", "ok"], ["invalid_refresh_token", "invalid_refresh_token"])
        assert outcomes.count("ok") <= 1
