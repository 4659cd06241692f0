"""Draw the driver app's icons (``api/static/driver-icon.svg``, ``-192.png``, ``-512.png``):
the web app's mark (an orange dot in a ring) on a full square of its navy, so that Android's
"maskable" crop (a circle of 80 % of the width) keeps all of it. Run once after changing the
design; the files are committed.

    python scripts/driver_icons.py
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

STATIC = Path(__file__).resolve().parent.parent / "api" / "static"
NAVY, ORANGE, WHITE = "#12263f", "#fdba74", "#ffffff"
# on a 512 grid: the ring's centre radius and width, the dot's radius
RING_R, RING_W, DOT_R = 150, 36, 80


def svg() -> str:
    return ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512">'
            f'<rect width="512" height="512" fill="{NAVY}"/>'
            f'<circle cx="256" cy="256" r="{RING_R}" fill="none" stroke="{WHITE}" '
            f'stroke-width="{RING_W}"/><circle cx="256" cy="256" r="{DOT_R}" fill="{ORANGE}"/>'
            "</svg>\n")


def png(size: int) -> Image.Image:
    """The same drawing at ``size`` pixels (drawn 4× larger, then scaled down smoothly)."""
    k = 4 * size / 512
    big = Image.new("RGB", (4 * size, 4 * size), NAVY)
    d = ImageDraw.Draw(big)
    c = 2 * size
    outer, inner = (RING_R + RING_W / 2) * k, (RING_R - RING_W / 2) * k
    d.ellipse((c - outer, c - outer, c + outer, c + outer), fill=WHITE)
    d.ellipse((c - inner, c - inner, c + inner, c + inner), fill=NAVY)
    d.ellipse((c - DOT_R * k, c - DOT_R * k, c + DOT_R * k, c + DOT_R * k), fill=ORANGE)
    return big.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    (STATIC / "driver-icon.svg").write_text(svg(), encoding="utf-8")
    for size in (192, 512):
        # a palette of a few dozen colours: the edges stay smooth, the file small
        png(size).quantize(48).save(STATIC / f"driver-icon-{size}.png", optimize=True)


if __name__ == "__main__":
    main()
