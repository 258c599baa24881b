#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Read an 8-bit RGB PNG with the standard library only (zlib, struct), for tests/heatmap.bats.

usage: pngread.py FILE check                      -> "ok W H" once every chunk's CRC and every row are sound
       pngread.py FILE size                       -> "W H" (read from the header alone)
       pngread.py FILE pixel X Y                  -> "R G B"
       pngread.py FILE find R G B [X0 Y0 X1 Y1]   -> "X Y" of the first such pixel (rows top to bottom,
                                                     left to right) in [X0,X1) x [Y0,Y1), or "none"
       pngread.py FILE count R G B [X0 Y0 X1 Y1]  -> how many pixels have that colour
       pngread.py FILE ink X0 Y0 X1 Y1            -> how many pixels are not white
       pngread.py FILE colors X0 Y0 X1 Y1         -> how many different colours there are
       pngread.py FILE digest X0 Y0 X1 Y1         -> a hash of the pixels (to compare two regions)
FILE - reads standard input. Exits 1 with a message on a malformed file (bad CRC, truncation...).
"""
import struct
import sys
import zlib


def fail(msg):
    sys.stderr.write("pngread: %s\n" % msg)
    sys.exit(1)


def decode(data, header_only=False):
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail("not a PNG signature")
    pos, idat, header, ended = 8, [], None, False
    while pos < len(data):
        if pos + 12 > len(data):
            fail("truncated chunk")
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        crc = data[pos + 8 + length:pos + 12 + length]
        if len(body) != length or len(crc) != 4:
            fail("truncated chunk %r" % kind)
        if struct.unpack(">I", crc)[0] != zlib.crc32(kind + body) & 0xFFFFFFFF:
            fail("bad CRC in chunk %r" % kind)
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
            if header_only:
                return header[0], header[1], None
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            ended = True
            break
        pos += 12 + length
    if header is None or not ended:
        fail("no IHDR or no IEND")
    width, height, depth, color, _, _, interlace = header
    if depth != 8 or color != 2 or interlace != 0:
        fail("only 8-bit RGB, non-interlaced (got depth %d colour type %d)" % (depth, color))
    raw = zlib.decompress(b"".join(idat))
    stride, bpp = width * 3, 3
    if len(raw) != height * (stride + 1):
        fail("image data has %d bytes, expected %d" % (len(raw), height * (stride + 1)))
    rows, prev = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if kind == 0:
                pred = 0
            elif kind == 1:
                pred = a
            elif kind == 2:
                pred = b
            elif kind == 3:
                pred = (a + b) // 2
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
            else:
                fail("unknown filter type %d" % kind)
            line[i] = (line[i] + pred) & 0xFF
        rows.append(bytes(line))
        prev = line
    return width, height, rows


def main(argv):
    if len(argv) < 3:
        fail("usage: pngread.py FILE size|pixel|find|count|ink ...")
    data = sys.stdin.buffer.read() if argv[1] == "-" else open(argv[1], "rb").read()
    width, height, rows = decode(data, header_only=argv[2] == "size")
    cmd, args = argv[2], [int(a) for a in argv[3:]]

    def px(x, y):
        return tuple(rows[y][3 * x:3 * x + 3])

    def region(rest):
        return rest if rest else [0, 0, width, height]

    if cmd == "size":
        print(width, height)
    elif cmd == "check":
        print("ok", width, height)
    elif cmd == "pixel":
        print(*px(args[0], args[1]))
    elif cmd in ("find", "count"):
        want, (x0, y0, x1, y1) = tuple(args[:3]), region(args[3:])
        hits = [(x, y) for y in range(y0, y1) for x in range(x0, x1) if px(x, y) == want]
        if cmd == "count":
            print(len(hits))
        else:
            print(*hits[0] if hits else ["none"])
    elif cmd == "ink":
        x0, y0, x1, y1 = args
        print(sum(1 for y in range(y0, y1) for x in range(x0, x1) if px(x, y) != (255, 255, 255)))
    elif cmd in ("colors", "digest"):
        x0, y0, x1, y1 = args
        pixels = [px(x, y) for y in range(y0, y1) for x in range(x0, x1)]
        if cmd == "colors":
            print(len(set(pixels)))
        else:
            print(zlib.crc32(bytes(b for p in pixels for b in p)), len(pixels))
    else:
        fail("unknown command %s" % cmd)


main(sys.argv)
