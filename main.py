"""The entry point `flet build` packages (it runs `main.py` at the root of [tool.flet.app] path).

Inside a built app the embedding runtime sets FLET_PLATFORM and is itself the Flutter client, so the
session runs straight on it: no desktop client to fetch, no web fallback, and the data directory is
the one the runtime gives the app (FLET_APP_STORAGE_DATA). Run by hand, `python main.py` is `keel app`.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path


def run_embedded() -> int:
    import flet as ft

    from app.main import ASSETS, App
    from keel_local import default_data_dir

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    storage = os.environ.get("FLET_APP_STORAGE_DATA")
    app = App(Path(storage) / "client" if storage else default_data_dir(), server=None, demo_url=None)
    ft.run(app.session, assets_dir=str(ASSETS))
    return 0


def main() -> int:
    if os.environ.get("FLET_PLATFORM"):
        return run_embedded()
    from app.main import run

    return run()


if __name__ == "__main__":
    sys.exit(main())
