#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Golden files for tests/embed-image.bats: PNG pictures of every kind embed --image reads, and what
torch.nn.Conv2d(C, E, P, stride=P) makes of them. Run with Debian's python3-torch (1.13) and python3-numpy:

    /usr/bin/python3 tests/golden/make_vision.py

The pictures are written by png_bytes() below (zlib and struct only), so that what is in each file is
known sample by sample; the reference reads the same samples as torchvision's to_tensor: sample / (2^bits - 1)
in float32, planes [C, H, W].
"""
import os
import struct
import zlib

import numpy as np
import torch

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "vision")

# PNG colour types
GRAY, RGB, PALETTE, GRAY_ALPHA, RGBA = 0, 2, 3, 4, 6
CHANNELS = {GRAY: 1, RGB: 3, PALETTE: 1, GRAY_ALPHA: 2, RGBA: 4}


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bytes(samples, colour, bits, palette=None):
    """samples[H, W, channels] of integers below 2^bits; bits < 8 only for gray and palette."""
    H, W = samples.shape[:2]
    raw = b""
    for y in range(H):
        row = samples[y].reshape(-1)
        if bits == 16:
            body = b"".join(struct.pack(">H", int(v)) for v in row)
        elif bits == 8:
            body = bytes(int(v) for v in row)
        else:  # packed, the first sample in the high bits
            per = 8 // bits
            body = bytearray()
            for k in range(0, len(row), per):
                byte = 0
                for m in range(per):
                    v = int(row[k + m]) if k + m < len(row) else 0
                    byte |= v << (8 - bits * (m + 1))
                body.append(byte)
            body = bytes(body)
        raw += b"\x00" + body  # filter type 0 (None) on every row
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", W, H, bits, colour, 0, 0, 0))
    if palette is not None:
        out += chunk(b"PLTE", bytes(int(v) for v in palette.reshape(-1)))
    return out + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def write(name, data):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(data)


def write_text(name, x, rows):
    """Our text stream: #tensor T E, #rows labels, then rows of shortest float32 decimals."""
    with open(os.path.join(HERE, name), "w") as f:
        f.write("#tensor %d %d\n" % x.shape)
        f.write("#rows %s\n" % " ".join(rows))
        for row in x:
            f.write(" ".join(str(np.float32(v)) for v in row) + "\n")


def planes(samples, bits):
    """[H, W, C] samples to to_tensor's [C, H, W] floats in [0, 1]."""
    x = torch.tensor(samples.astype(np.float32)).permute(2, 0, 1)
    return x / float(2 ** bits - 1)


def embed(x, P, E, seed, name, cls=False, mean=None, std=None):
    """Conv2d patch embedding of x[C, H, W] (with a class token, Normalize first); saves the weights and the output."""
    C, H, W = x.shape
    torch.manual_seed(seed)
    proj = torch.nn.Conv2d(C, E, P, stride=P)
    weights = {"proj.weight": proj.weight.detach().numpy(), "proj.bias": proj.bias.detach().numpy()}
    cls_token = torch.randn(1, 1, E)
    if cls:
        weights["cls_token"] = cls_token.numpy()
    np.savez(os.path.join(HERE, name + ".npz"), **weights)
    if mean is not None:
        x = (x - torch.tensor(mean)[:, None, None]) / torch.tensor(std)[:, None, None]
    with torch.no_grad():
        out = proj(x[None])                    # [1, E, R, G]
    R, G = out.shape[2], out.shape[3]
    out = out.flatten(2).transpose(1, 2)[0]    # [N, E], patches in row-major order
    rows = ["p%d_%d" % (i, j) for i in range(R) for j in range(G)]
    if cls:
        out = torch.cat([cls_token[0], out])
        rows = ["cls"] + rows
    write_text(name + ".txt", out.numpy(), rows)


def main():
    os.makedirs(HERE, exist_ok=True)
    rng = np.random.default_rng(19)

    rgb8 = rng.integers(0, 256, (8, 12, 3))       # H 8, W 12: 2 x 3 patches of 4
    write("rgb8.png", png_bytes(rgb8, RGB, 8))
    embed(planes(rgb8, 8), 4, 6, 1, "rgb8")
    embed(planes(rgb8, 8), 4, 6, 2, "rgb8-cls", cls=True)
    embed(planes(rgb8, 8), 4, 6, 3, "rgb8-norm", mean=[0.5, 0.4, 0.3], std=[0.2, 0.25, 0.3])

    gray16 = rng.integers(0, 65536, (6, 9, 1))    # 2 x 3 patches of 3
    write("gray16.png", png_bytes(gray16, GRAY, 16))
    embed(planes(gray16, 16), 3, 5, 4, "gray16")

    graya8 = rng.integers(0, 256, (4, 8, 2))
    write("graya8.png", png_bytes(graya8, GRAY_ALPHA, 8))
    embed(planes(graya8, 8), 2, 4, 5, "graya8", cls=True)

    rgba16 = rng.integers(0, 65536, (4, 4, 4))
    write("rgba16.png", png_bytes(rgba16, RGBA, 16))
    embed(planes(rgba16, 16), 2, 3, 6, "rgba16")

    # a palette picture reads as RGB, its entries looked up
    palette = rng.integers(0, 256, (4, 3))
    index = rng.integers(0, 4, (4, 6, 1))
    write("palette.png", png_bytes(index, PALETTE, 8, palette=palette))
    embed(planes(palette[index[:, :, 0]], 8), 2, 4, 7, "palette")

    # 4-bit gray reads as 8-bit: v * 17
    gray4 = rng.integers(0, 16, (4, 4, 1))
    write("gray4.png", png_bytes(gray4, GRAY, 4))
    embed(planes(gray4 * 17, 8), 2, 3, 8, "gray4")

    # 10 x 7 pixels with patches of 4: --crop keeps the top-left 8 x 4 (2 x 1 patches)
    odd = rng.integers(0, 256, (7, 10, 3))
    write("odd.png", png_bytes(odd, RGB, 8))
    embed(planes(odd[:4, :8], 8), 4, 6, 9, "odd-crop")

    # patch order: 2 x 3 patches of 2 x 2, patch (i, j) filled with 10 (3 i + j) + 5, and a projection to
    # one value, the patch's mean: row n of the output must be (10 n + 5) / 255
    order = np.zeros((4, 6, 1), dtype=np.int64)
    for i in range(2):
        for j in range(3):
            order[2 * i:2 * i + 2, 2 * j:2 * j + 2] = 10 * (3 * i + j) + 5
    write("order.png", png_bytes(order, GRAY, 8))
    np.savez(os.path.join(HERE, "order.npz"), **{"proj.weight": np.full((1, 1, 2, 2), 0.25, dtype=np.float32),
                                                 "proj.bias": np.zeros(1, dtype=np.float32)})

    # bad files: the first half of rgb8.png; a text file
    whole = png_bytes(rgb8, RGB, 8)
    write("truncated.png", whole[: len(whole) // 2])
    write("not-a-png.png", b"this is text, not a picture\n")


if __name__ == "__main__":
    main()
