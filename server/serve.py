"""Runs the server under uvicorn: the app, logs that never print a token, the configured address.

Every way of running the server (the CLI, the demo, tests that need a real socket) goes through
`uvicorn_config` and `Server`, so the token filter and the shutdown order are never forgotten.
`python -m server.serve` runs it with settings from `KEEL_*` environment variables.
"""

from __future__ import annotations

import copy
from typing import Any

import uvicorn
from fastapi import FastAPI
from uvicorn.config import LOGGING_CONFIG

from server.connections import ConnectionLimits, guarded_protocol
from server.events import Broker
from server.logging import UVICORN_LOGGERS, install_token_redaction
from server.settings import Settings, get_settings


def log_config(level: str = "info") -> dict[str, Any]:
    """uvicorn's logging, with the token filter on its request loggers and the server's own `keel.*` logs."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_tokens"] = {"()": "server.logging.RedactTokens"}
    for name in UVICORN_LOGGERS:
        config["loggers"].setdefault(name, {})["filters"] = ["redact_tokens"]
    config["loggers"]["keel"] = {"handlers": ["default"], "level": level.upper(), "propagate": False}
    return config


def uvicorn_config(app: FastAPI, *, host: str, port: int, log_level: str = "info", **options: Any) -> uvicorn.Config:
    """A uvicorn config for the Keel app, with the connection guards of `server.connections`.
    `log_config=None` in `options` leaves logging as it is (tests)."""
    options.setdefault("log_config", log_config(log_level))
    settings: Settings = app.state.services.settings
    limits = ConnectionLimits(settings.header_timeout_s, settings.body_timeout_s, settings.max_header_bytes)
    options.setdefault("http", guarded_protocol(limits))
    config = uvicorn.Config(app, host=host, port=port, log_level=log_level, lifespan="on", **options)
    install_token_redaction()  # whatever logging config was applied above, tokens stay out of it
    return config


class Server(uvicorn.Server):
    """uvicorn's server, ending event streams as shutdown begins so their connections can drain.

    Without this, an open stream (a connected client) would hold a graceful shutdown forever; the
    client sees the stream end, reconnects (to another process, or to this one once it is back) and pulls.
    """

    def __init__(self, config: uvicorn.Config, broker: Broker) -> None:
        super().__init__(config)
        self.broker = broker

    async def shutdown(self, sockets: Any = None) -> None:
        self.broker.close_all()
        await super().shutdown(sockets=sockets)


def build_server(app: FastAPI, *, host: str, port: int, log_level: str = "info", **options: Any) -> Server:
    config = uvicorn_config(app, host=host, port=port, log_level=log_level, **options)
    return Server(config, app.state.services.broker)


def run_server(settings: Settings, app: FastAPI | None = None) -> None:
    """Serves the app (built from `settings` unless given) on `settings.host:settings.port` until stopped."""
    from server.app import create_app

    app = app or create_app(settings)
    try:
        build_server(app, host=settings.host, port=settings.port, log_level=settings.log_level).run()
    finally:
        app.state.services.db.dispose()


if __name__ == "__main__":
    run_server(get_settings())
