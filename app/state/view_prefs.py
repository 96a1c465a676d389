"""A project's view settings on this device (the table's columns, sort and grouping; the calendar's
month or week), remembered between visits and runs.

They live in `views.json` in the app's data directory, one object per project and view:
``{"<project id>": {"table": {...}, "calendar": {...}}}``. They are the device's, like the window's
language, so they are never synced. A file that cannot be read counts as empty; a view's settings
are checked by the view that reads them (`TableView.of`), so an old or edited file never breaks it.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

VIEWS_FILE = "views.json"


def _read(data_dir: Path) -> dict[str, Any]:
    try:
        saved = json.loads((data_dir / VIEWS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return saved if isinstance(saved, dict) else {}


def load(data_dir: Path, project_id: str, view: str) -> dict[str, Any]:
    """The saved settings of `view` in this project ({} when none)."""
    settings = _read(data_dir).get(project_id, {})
    value = settings.get(view) if isinstance(settings, dict) else None
    return value if isinstance(value, dict) else {}


def save(data_dir: Path, project_id: str, view: str, settings: dict[str, Any]) -> None:
    saved = _read(data_dir)
    project = saved.get(project_id)
    project = project if isinstance(project, dict) else {}
    project[view] = settings
    saved[project_id] = project
    with contextlib.suppress(OSError):
        data_dir.mkdir(parents=True, exist_ok=True)
        tmp = data_dir / (VIEWS_FILE + ".tmp")
        tmp.write_text(json.dumps(saved, ensure_ascii=False), encoding="utf-8")
        tmp.replace(data_dir / VIEWS_FILE)
