#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Draw pictures of shapes on a plain background as 8-bit RGB PNGs, with the standard library only.

usage: samples/shapes.py [--size N] OUT.png
           the sample picture (samples/shapes.png, 48 x 48 by default): a red circle, a blue square
           and a green triangle on a light background
       samples/shapes.py --set DIR --count N [--size N] [--seed S]
           a labelled set for `train --images`: DIR/000.png ... and DIR/labels.txt, one "FILE LABEL"
           line each, every picture one shape (circle, square or triangle, in turn) of a random size,
           place and colour on a random light background

The same arguments always give the same bytes (no time stamps; Python's own seeded generator).
"""
import os
import random
import struct
import sys
import zlib

SHAPES = ("circle", "square", "triangle")


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_rgb(pixels, width, height):
    """pixels[y][x] = (r, g, b) bytes: an 8-bit RGB PNG, each row with filter 0 (None)."""
    raw = b"".join(b"\x00" + bytes(v for p in row for v in p) for row in pixels)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) +
            chunk(b"IEND", b""))


def inside(shape, x, y, cx, cy, r):
    """Is the centre of pixel (x, y) inside the shape of half-size r centred at (cx, cy)?"""
    px, py = x + 0.5, y + 0.5
    if shape == "circle":
        return (px - cx) ** 2 + (py - cy) ** 2 <= r * r
    if shape == "square":
        return abs(px - cx) <= r and abs(py - cy) <= r
    # triangle: apex at the top, base at the bottom, as wide as it is tall
    top = cy - r
    return top <= py <= cy + r and abs(px - cx) <= (py - top) / 2


def draw(size, background, shapes):
    """shapes: (name, cx, cy, r, colour), later ones over earlier ones."""
    pixels = [[background] * size for _ in range(size)]
    for name, cx, cy, r, colour in shapes:
        for y in range(size):
            for x in range(size):
                if inside(name, x, y, cx, cy, r):
                    pixels[y][x] = colour
    return png_rgb(pixels, size, size)


def sample(size):
    s = size / 48.0
    return draw(size, (235, 230, 220), [
        ("circle", 12 * s, 12 * s, 8 * s, (200, 40, 40)),
        ("square", 35 * s, 14 * s, 7 * s, (40, 70, 200)),
        ("triangle", 22 * s, 36 * s, 10 * s, (40, 150, 60)),
    ])


def one_shape(rng, name, size):
    r = rng.uniform(size * 0.15, size * 0.3)
    cx, cy = rng.uniform(r, size - r), rng.uniform(r, size - r)
    background = tuple(rng.randint(200, 255) for _ in range(3))
    colour = tuple(rng.randint(0, 150) for _ in range(3))
    return draw(size, background, [(name, cx, cy, r, colour)])


def usage():
    sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
    sys.exit(2)


def main(argv):
    size, seed, count, out, set_dir = 48, 1, None, None, None
    args = list(argv)
    while args:
        a = args.pop(0)
        if a in ("--size", "--seed", "--count", "--set") and not args:
            usage()
        if a == "--size":
            size = int(args.pop(0))
        elif a == "--seed":
            seed = int(args.pop(0))
        elif a == "--count":
            count = int(args.pop(0))
        elif a == "--set":
            set_dir = args.pop(0)
        elif a.startswith("-") and a != "-":
            usage()
        elif out is None:
            out = a
        else:
            usage()
    if size < 4:
        usage()
    if set_dir is None:
        if out is None or count is not None:
            usage()
        with open(out, "wb") if out != "-" else sys.stdout.buffer as f:
            f.write(sample(size))
        return
    if out is not None or count is None or count < 1:
        usage()
    rng = random.Random(seed)
    os.makedirs(set_dir, exist_ok=True)
    lines = []
    for k in range(count):
        name = SHAPES[k % len(SHAPES)]
        file = "%03d.png" % k
        with open(os.path.join(set_dir, file), "wb") as f:
            f.write(one_shape(rng, name, size))
        lines.append("%s %s\n" % (file, name))
    with open(os.path.join(set_dir, "labels.txt"), "w") as f:
        f.writelines(lines)


if __name__ == "__main__":
    main(sys.argv[1:])
