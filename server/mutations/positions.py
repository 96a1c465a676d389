"""Fractional-index positions the server picks itself (a card or status appended at the end)."""

from __future__ import annotations

from fractional_indexing import generate_key_between


def after_last(last: str | None) -> str:
    try:
        return str(generate_key_between(last, None))
    except Exception:  # a client-made key the library cannot parse: any longer string sorts after it
        return f"{last}V"
