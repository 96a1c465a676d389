"""The bundled font is declared in the web client's font manifest, so the browser loads it before
the first frame: no flash of another font, and no fetches of Flutter's Noto Sans SC fallback
files (which the offline web server does not have: 404s in the console). The browser side is in
tests/e2e/test_live.py; this checks the manifest still matches the pinned Flet's."""

from __future__ import annotations

import json
from pathlib import Path

import flet_web

ROOT = Path(__file__).resolve().parents[2]
OURS = ROOT / "assets" / "assets" / "FontManifest.json"  # Flet's static server prefers the app's copy
FLETS = Path(flet_web.__file__).parent / "web" / "assets" / "FontManifest.json"


def test_the_manifest_is_flets_plus_the_bundled_font() -> None:
    ours = json.loads(OURS.read_text(encoding="utf-8"))
    assert ours[:-1] == json.loads(FLETS.read_text(encoding="utf-8")), "Flet's manifest changed: regenerate ours"
    noto = ours[-1]
    assert noto["family"] == "Noto Sans SC"  # app.ui.base.FONT
    for entry in noto["fonts"]:
        # Relative to the client's assets/ URL; the app's assets directory is served at the root.
        assert entry["asset"].startswith("../fonts/")
        assert (ROOT / "assets" / entry["asset"].removeprefix("../")).is_file()
