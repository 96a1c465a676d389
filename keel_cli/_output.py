"""What the client commands print: JSON for programs, aligned columns for people, a progress bar on stderr."""

from __future__ import annotations

import json
import sys
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any, TextIO

Column = tuple[str, Callable[[dict[str, Any]], object]]


def print_json(value: object) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2, default=str))


def print_table(rows: Sequence[dict[str, Any]], columns: Sequence[Column], *, empty: str) -> None:
    if not rows:
        print(empty, file=sys.stderr)
        return
    cells = [[_cell(get(row)) for _, get in columns] for row in rows]
    heads = [name for name, _ in columns]
    widths = [max(_width(text) for text in [head, *(line[i] for line in cells)]) for i, head in enumerate(heads)]
    for line in [heads, *cells]:
        padded = [text + " " * (width - _width(text)) for text, width in zip(line, widths, strict=True)]
        print("  ".join(padded).rstrip())


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return " ".join(str(value).split())  # one line per row, whatever the text holds


def _width(text: str) -> int:
    """Columns on a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


class ProgressBar:
    """Rows pulled so far out of the estimated total: a redrawn bar on a terminal, one line per page otherwise."""

    WIDTH = 30

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.drawn = False

    def say(self, line: str) -> None:
        self.finish()
        print(line, file=self.stream, flush=True)

    def __call__(self, progress: Any) -> None:  # sync.engine.Progress
        rows, total = int(progress.rows), max(int(progress.total), int(progress.rows))
        if total == 0:  # an empty pull after a push: nothing to show
            return
        if self.tty:
            filled = round(self.WIDTH * rows / total)
            bar = "#" * filled + "." * (self.WIDTH - filled)
            self.stream.write(f"\rpulling [{bar}] {rows}/{total} rows")
            self.stream.flush()
            self.drawn = True
        else:
            print(f"pulled {rows}/{total} rows", file=self.stream, flush=True)

    def finish(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False
