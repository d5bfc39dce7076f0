#!/usr/bin/env python3
"""Draws the toolbar icon (a chat bubble with a medical cross) at 16/32/48/128 px.

Pure standard library (zlib + struct), so it runs anywhere; the PNGs it writes are committed
under extension/icons/. Re-run after changing the drawing: python3 scripts/make-icons.py
"""
import struct
import zlib
from pathlib import Path

BLUE = (1, 118, 211, 255)
WHITE = (255, 255, 255, 255)
CLEAR = (0, 0, 0, 0)


def pixel(x: float, y: float):
    """Colour at a point of the unit square (0..1), y down."""
    # Bubble: rounded rectangle 0.06..0.94 x 0.08..0.74, plus a tail at the lower left.
    def in_round_rect(px, py, x0, y0, x1, y1, r):
        cx = min(max(px, x0 + r), x1 - r)
        cy = min(max(py, y0 + r), y1 - r)
        return (px - cx) ** 2 + (py - cy) ** 2 <= r * r and x0 <= px <= x1 and y0 <= py <= y1

    body = in_round_rect(x, y, 0.06, 0.08, 0.94, 0.74, 0.16)
    tail = 0.2 <= x <= 0.42 and 0.7 <= y <= 0.94 and (x - 0.2) >= (y - 0.7) * 0.9
    if not (body or tail):
        return CLEAR
    cross_v = 0.43 <= x <= 0.57 and 0.2 <= y <= 0.62
    cross_h = 0.29 <= x <= 0.71 and 0.34 <= y <= 0.48
    return WHITE if (cross_v or cross_h) else BLUE


def png(size: int) -> bytes:
    ss = 4  # supersampling per axis
    rows = []
    for j in range(size):
        row = bytearray([0])
        for i in range(size):
            acc = [0, 0, 0, 0]
            for sj in range(ss):
                for si in range(ss):
                    c = pixel((i + (si + 0.5) / ss) / size, (j + (sj + 0.5) / ss) / size)
                    a = c[3]
                    acc[0] += c[0] * a
                    acc[1] += c[1] * a
                    acc[2] += c[2] * a
                    acc[3] += a
            n = ss * ss
            alpha = acc[3] / n
            if acc[3]:
                row += bytes([round(acc[0] / acc[3]), round(acc[1] / acc[3]), round(acc[2] / acc[3]), round(alpha)])
            else:
                row += bytes([0, 0, 0, 0])
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b"")


if __name__ == "__main__":
    out = Path(__file__).resolve().parent.parent / "extension" / "icons"
    out.mkdir(parents=True, exist_ok=True)
    for s in (16, 32, 48, 128):
        (out / f"icon{s}.png").write_bytes(png(s))
        print(f"wrote icon{s}.png")
