"""Draws Keel's mark (a white sailboat with its keel, on indigo) into assets/: run `python build/icons.py`.

Writes the sources `flet build` derives every platform's icons and splash from, plus the web icons
that `keel app --web` serves in place of Flet's (its static files look in the app's assets first):

- `assets/icon.png`: 1024x1024, opaque RGB (iOS rejects an alpha channel), the boat inside the circle
  an Android adaptive icon always shows, so one source serves iOS, Android, macOS, Windows, Linux;
- `assets/splash.png`: 1024x1024, the white boat on transparency; the splash colour is behind it;
- `assets/favicon.png` and `assets/icons/*.png`: what flet-web's index.html and manifest.json name,
  rendered from icon.png by flet's own generator (flet-platform-assets), as `flet build web` would.

Pillow only; shapes are drawn at 4x and reduced, for smooth edges. The output is deterministic.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "assets"

INDIGO = (0x3F, 0x51, 0xB5)  # Material indigo 500, the app's seed colour
WHITE = (255, 255, 255)
SIZE = 1024
SUPERSAMPLE = 4

# How far the boat reaches from the centre, as a fraction of half the canvas. Android shows the
# central 66/108 of an adaptive icon in every launcher mask (a circle): stay inside it.
ICON_REACH = 0.56
ANDROID_SAFE_REACH = 66 / 108
SPLASH_REACH = 0.80

Point = tuple[float, float]


def _curve(start: Point, control: Point, end: Point, steps: int = 48) -> list[Point]:
    """A quadratic Bézier from start to end, as points (start excluded)."""
    points = []
    for i in range(1, steps + 1):
        t = i / steps
        x = (1 - t) ** 2 * start[0] + 2 * (1 - t) * t * control[0] + t**2 * end[0]
        y = (1 - t) ** 2 * start[1] + 2 * (1 - t) * t * control[1] + t**2 * end[1]
        points.append((x, y))
    return points


def _ellipse(cx: float, cy: float, rx: float, ry: float, steps: int = 64) -> list[Point]:
    return [
        (cx + rx * math.cos(2 * math.pi * i / steps), cy + ry * math.sin(2 * math.pi * i / steps)) for i in range(steps)
    ]


def boat() -> list[list[Point]]:
    """The mark in unit coordinates: mainsail, jib, hull, keel fin and bulb."""
    mainsail = [(0.485, 0.18), (0.485, 0.60), (0.26, 0.60), *_curve((0.26, 0.60), (0.31, 0.33), (0.485, 0.18))]
    jib = [(0.515, 0.27), (0.515, 0.60), (0.70, 0.60), *_curve((0.70, 0.60), (0.655, 0.41), (0.515, 0.27))]
    hull = [
        (0.21, 0.645),
        (0.79, 0.645),
        *_curve((0.79, 0.645), (0.73, 0.74), (0.62, 0.74)),
        (0.38, 0.74),
        *_curve((0.38, 0.74), (0.27, 0.74), (0.21, 0.645)),
    ]
    fin = [(0.47, 0.735), (0.53, 0.735), (0.52, 0.815), (0.48, 0.815)]
    bulb = _ellipse(0.50, 0.815, 0.065, 0.02)
    return [mainsail, jib, hull, fin, bulb]


def fitted(shapes: list[list[Point]], reach: float) -> list[list[Point]]:
    """The shapes centred on the canvas and scaled so their farthest point is `reach` of half of it."""
    points = [p for shape in shapes for p in shape]
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
    farthest = max(math.hypot(x - cx, y - cy) for x, y in points)
    scale = reach * 0.5 / farthest
    return [[(0.5 + (x - cx) * scale, 0.5 + (y - cy) * scale) for x, y in shape] for shape in shapes]


def mask(shapes: list[list[Point]], size: int = SIZE) -> Image.Image:
    """The shapes as an anti-aliased 8-bit mask of `size` pixels."""
    big = size * SUPERSAMPLE
    image = Image.new("L", (big, big), 0)
    draw = ImageDraw.Draw(image)
    for shape in shapes:
        draw.polygon([(x * big, y * big) for x, y in shape], fill=255)
    return image.resize((size, size), Image.Resampling.LANCZOS)


def icon() -> Image.Image:
    image = Image.new("RGB", (SIZE, SIZE), INDIGO)
    image.paste(WHITE, mask=mask(fitted(boat(), ICON_REACH)))
    return image


def splash() -> Image.Image:
    image = Image.new("RGBA", (SIZE, SIZE), (*WHITE, 0))
    image.putalpha(mask(fitted(boat(), SPLASH_REACH)))
    return image


def web_icons(source: Path) -> dict[str, Image.Image]:
    """flet-web's favicon and manifest icons, rendered by flet's generator; keys are paths under assets/."""
    import flet_web
    from flet_platform_assets import IconOptions, load_source, render_icons, web_targets_from_manifest

    manifest = json.loads((Path(flet_web.__file__).parent / "web" / "manifest.json").read_text(encoding="utf-8"))
    image, pre_rendered = load_source(source)
    result = render_icons(
        image,
        IconOptions(background=INDIGO),
        web_targets_from_manifest(manifest),
        platform="web",
        pre_rendered=pre_rendered,
        derived=True,
    )
    if result.warnings:
        raise SystemExit("flet's icon generator warned: " + "; ".join(result.warnings))
    return {asset.relative_path.removeprefix("web/"): asset.image for asset in result.assets}


def main() -> int:
    ASSETS.mkdir(exist_ok=True)
    icon().save(ASSETS / "icon.png", optimize=True)
    splash().save(ASSETS / "splash.png", optimize=True)
    for relative, image in web_icons(ASSETS / "icon.png").items():
        path = ASSETS / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        image.save(path, optimize=True)
    print(f"wrote icon.png, splash.png and the web icons in {ASSETS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
