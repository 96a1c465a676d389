"""The planning figures as JSON values, for `keel report … --json` and anything else that prints
them: the same numbers the app shows, rates included (they are properties of the results)."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any


def jsonable(value: Any) -> Any:
    """`value` with dataclasses as objects (their fields, then their public properties), tuples as
    lists and dates as `YYYY-MM-DD`."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
        for name, member in vars(type(value)).items():
            if isinstance(member, property) and not name.startswith("_"):
                out[name] = jsonable(getattr(value, name))
        return out
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, date):
        return value.isoformat()
    return value
