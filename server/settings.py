"""Server settings: command-line flags and `KEEL_*` environment variables (pydantic-settings)."""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_data_dir
from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from server.notification_prefs import DEFAULT_TIME_ZONE
from sync.rules import known_zone


def default_database_url() -> str:
    folder = Path(user_data_dir("keel", "keel")) / "server"
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'keel-server.db'}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="KEEL_", extra="ignore")

    database_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8765
    registration_open: bool = True
    access_token_ttl_s: int = 15 * 60
    # Bounded so `now + ttl` (and `now + lead`) can never leave the calendar.
    refresh_token_ttl_s: int = Field(60 * 24 * 3600, le=10 * 366 * 24 * 3600)
    # /auth/token attempts allowed per window, per email and per client address.
    login_limit_per_email: int = 10
    login_limit_per_address: int = 50
    login_window_s: int = 60
    due_soon_lead_s: int = Field(24 * 3600, ge=0, le=366 * 24 * 3600)
    reminder_interval_s: float = 60.0
    # How often the reminder loop looks for milestones and iterations at risk (`at_risk`, server/risks.py).
    risk_interval_s: float = Field(3600.0, gt=0)
    ping_interval_s: float = 15.0
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    # Password hashes computed at once (0: one per core); each holds argon2_memory_kib while it runs.
    # A sign-in waits up to password_hash_wait_s for a slot, then is answered 429 (docs/server.md).
    password_hash_slots: int = Field(0, ge=0, le=1024)
    password_hash_wait_s: float = Field(2.0, ge=0, le=60)
    # Push to closed apps (docs/push.md). The VAPID subject names who runs this server (mailto: or https:).
    push_subject: str = "mailto:admin@localhost"
    # Loopback push services (http or https to 127.0.0.0/8, ::1, localhost): for tests and local setups.
    push_allow_loopback: bool = False
    # Comma-separated host suffixes push endpoints must end in (e.g. "push.apple.com,fcm.googleapis.com");
    # empty: any public host.
    push_hosts: str = ""
    push_ttl_s: int = 24 * 3600
    # The ntfy server this team uses (its own, next to Keel, is the dependable choice in mainland
    # China); clients offer it when a person sets up push. Empty: clients offer the public ntfy.sh.
    push_ntfy_server: str = ""
    # The zone of quiet hours for people whose notification preferences name none (an IANA name).
    default_time_zone: str = DEFAULT_TIME_ZONE
    # How a request must arrive (docs/server.md): its head within header_timeout_s, at most
    # max_header_bytes of request line and headers, its body within body_timeout_s of the head.
    header_timeout_s: float = Field(10.0, gt=0, le=600)
    body_timeout_s: float = Field(60.0, gt=0, le=3600)
    max_header_bytes: int = Field(16 * 1024, ge=1024, le=1024 * 1024)
    # The service desk's requester side (docs/protocol.md): the address requesters reach this server at
    # (for portal links; empty: the address of the request), and the rate limits of intake and the portal,
    # per window of desk_window_s.
    public_url: str = ""
    intake_limit_per_key: int = Field(60, ge=1)
    intake_limit_per_address: int = Field(20, ge=1)
    portal_limit_per_address: int = Field(120, ge=1)
    desk_window_s: int = Field(60, ge=1)
    demo: bool = False
    log_level: str = "info"

    @field_validator("default_time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if not known_zone(value):
            raise ValueError(f"{value!r} is not an IANA time zone known to this system")
        return value

    def resolved_database_url(self) -> str:
        return self.database_url or default_database_url()


def get_settings(**overrides: object) -> Settings:
    """Builds settings from the environment, then applies explicit overrides (tests, CLI)."""
    values = {k: v for k, v in overrides.items() if v is not None}
    return Settings(**values)  # type: ignore[arg-type]
