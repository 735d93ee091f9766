"""Shrinks a screenshot for the READMEs: at most 1280 px wide, 128 colours, optimised PNG.

Usage: python compress_png.py RAW.png TARGET.png   (Pillow comes with the dev install)
"""

import sys

from PIL import Image

MAX_WIDTH = 1280
COLOURS = 128


def main(raw: str, target: str) -> None:
    image = Image.open(raw).convert("RGB")
    if image.width > MAX_WIDTH:
        height = round(image.height * MAX_WIDTH / image.width)
        image = image.resize((MAX_WIDTH, height), Image.Resampling.LANCZOS)
    image = image.quantize(colors=COLOURS, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    image.save(target, optimize=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
