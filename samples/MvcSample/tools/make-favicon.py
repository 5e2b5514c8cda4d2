#!/usr/bin/env python3
"""Writes wwwroot/favicon.ico: WeChat's two chat bubbles, white on WeChat green, at 16 and 32 px.

Standard library only (no Pillow, no downloads): each size is drawn with 8x8 supersampling, encoded as a PNG and
wrapped in an ICO container (PNG images inside .ico are supported by every current browser).
Run from anywhere: python3 samples/MvcSample/tools/make-favicon.py
"""
import os
import struct
import zlib

GREEN = (0x07, 0xC1, 0x60)
WHITE = (0xFF, 0xFF, 0xFF)
SAMPLES = 8


def in_rounded_square(x, y, radius=0.22):
    # The unit square with rounded corners.
    cx, cy = min(max(x, radius), 1 - radius), min(max(y, radius), 1 - radius)
    return (x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2


def in_ellipse(x, y, cx, cy, rx, ry):
    return ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2 <= 1


def in_triangle(x, y, a, b, c):
    def side(p, q):
        return (x - q[0]) * (p[1] - q[1]) - (p[0] - q[0]) * (y - q[1])
    d1, d2, d3 = side(a, b), side(b, c), side(c, a)
    return not ((d1 < 0 or d2 < 0 or d3 < 0) and (d1 > 0 or d2 > 0 or d3 > 0))


# Coordinates in the unit square, y downwards. The big bubble (upper left) and the small one (lower right), each
# with a tail and two eyes; a green outline around the small bubble separates it from the big one.
BIG = (0.42, 0.42, 0.30, 0.25)
SMALL = (0.64, 0.64, 0.25, 0.21)
BIG_TAIL = ((0.22, 0.58), (0.30, 0.60), (0.17, 0.72))
SMALL_TAIL = ((0.76, 0.78), (0.84, 0.75), (0.88, 0.88))
EYES = [(0.32, 0.36, 0.045), (0.50, 0.36, 0.045), (0.56, 0.61, 0.035), (0.71, 0.61, 0.035)]
OUTLINE = 0.06


def colour(x, y):
    """The colour at a point, or None outside the icon."""
    if not in_rounded_square(x, y):
        return None
    cx, cy, rx, ry = SMALL
    if in_ellipse(x, y, cx, cy, rx, ry) or in_triangle(x, y, *SMALL_TAIL):
        if any((x - ex) ** 2 + (y - ey) ** 2 <= r ** 2 for ex, ey, r in EYES[2:]):
            return GREEN
        return WHITE
    if in_ellipse(x, y, cx, cy, rx + OUTLINE, ry + OUTLINE):
        return GREEN
    cx, cy, rx, ry = BIG
    if in_ellipse(x, y, cx, cy, rx, ry) or in_triangle(x, y, *BIG_TAIL):
        if any((x - ex) ** 2 + (y - ey) ** 2 <= r ** 2 for ex, ey, r in EYES[:2]):
            return GREEN
        return WHITE
    return GREEN


def render(size):
    """RGBA rows, each pixel the average of SAMPLES x SAMPLES points (premultiplied, then unpremultiplied)."""
    rows = []
    for py in range(size):
        row = bytearray()
        for px in range(size):
            r = g = b = a = 0
            for sy in range(SAMPLES):
                for sx in range(SAMPLES):
                    c = colour((px + (sx + 0.5) / SAMPLES) / size, (py + (sy + 0.5) / SAMPLES) / size)
                    if c is not None:
                        r, g, b, a = r + c[0], g + c[1], b + c[2], a + 1
            row += bytes((r // a, g // a, b // a, round(255 * a / SAMPLES ** 2)) if a else (0, 0, 0, 0))
        rows.append(bytes(row))
    return rows


def png(size):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + row for row in render(size))
    return (b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9))
            + chunk(b"IEND", b""))


def ico(sizes):
    images = [png(size) for size in sizes]
    header = struct.pack("<HHH", 0, 1, len(images))
    offset = len(header) + 16 * len(images)
    entries = b""
    for size, image in zip(sizes, images):
        entries += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1, 32, len(image), offset)
        offset += len(image)
    return header + entries + b"".join(images)


if __name__ == "__main__":
    target = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "wwwroot", "favicon.ico")
    with open(target, "wb") as f:
        f.write(ico([16, 32]))
    # A large PNG to look at the drawing (not part of the site).
    if os.environ.get("FAVICON_PREVIEW"):
        with open(os.environ["FAVICON_PREVIEW"], "wb") as f:
            f.write(png(256))
