"""Canned replies, kept per desk on this device: a JSON file beside the store
(`<data dir>/canned_replies.json`, `{project_id: [text, ...]}`), read and written whole.

Why a file of the device and not a synced entity: it works offline with no protocol change, and an
agent's stock answers are theirs (docs/app.md, "Canned replies"). Newest first, no duplicates, at
most `LIMIT` per desk.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

FILE = "canned_replies.json"
LIMIT = 30
MAX_CHARS = 4000


class CannedReplies:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / FILE

    def _all(self) -> dict[str, list[str]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {str(k): [str(x) for x in v if isinstance(x, str)] for k, v in data.items() if isinstance(v, list)}

    def _write(self, data: dict[str, list[str]]) -> None:
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
            tmp.replace(self.path)

    def of(self, project_id: str) -> list[str]:
        return self._all().get(project_id, [])

    def add(self, project_id: str, body: str) -> list[str]:
        body = body.strip()[:MAX_CHARS]
        data = self._all()
        if body:
            data[project_id] = [body, *(x for x in data.get(project_id, []) if x != body)][:LIMIT]
            self._write(data)
        return data.get(project_id, [])

    def remove(self, project_id: str, body: str) -> list[str]:
        data = self._all()
        data[project_id] = [x for x in data.get(project_id, []) if x != body]
        self._write(data)
        return data[project_id]
