"""Log hygiene: access tokens passed as `?access_token=` (EventSource clients) never reach a log.

uvicorn's access log prints each request's path with its query string; the filter here rewrites
the value of every `access_token` parameter (however its name is percent-encoded) before any
handler formats the record.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import unquote_plus

REDACTED = "[redacted]"
SECRET_PARAMS = frozenset({"access_token"})
# The loggers uvicorn writes request lines to.
UVICORN_LOGGERS = ("uvicorn.access", "uvicorn.error")

# A query parameter: its name, then `=` and a value running to the next separator or whitespace.
_PARAM = re.compile(r"(?:(?<=[?&;\s])|^)(?P<name>[^=&;\s\"'?#]+)=(?P<value>[^&;\s\"'#]*)")


def redact(text: str) -> str:
    """`text` with the value of every secret query parameter replaced."""
    if "=" not in text:
        return text

    def replace(match: re.Match[str]) -> str:
        if unquote_plus(match["name"]).lower() in SECRET_PARAMS:
            return f"{match['name']}={REDACTED}"
        return match[0]

    return _PARAM.sub(replace, text)


class RedactTokens(logging.Filter):
    """Rewrites a record's message and arguments; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_arg(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _redact_arg(v) for k, v in record.args.items()}
        return True


def _redact_arg(value: Any) -> Any:
    return redact(value) if isinstance(value, str) else value


def install_token_redaction(*names: str) -> None:
    """Adds the filter to the named loggers (uvicorn's by default), once each."""
    for name in names or UVICORN_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
