#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Golden files for tests/posenc.bats and tests/embed.bats. Run with Debian's python3 (numpy):

    /usr/bin/python3 tests/golden/make_posenc.py

The sinusoidal tables are the formula of "Attention Is All You Need", section 3.5, computed in float64
and rounded once to float32:  PE(pos, 2i) = sin(pos / base^(2i/d)),  PE(pos, 2i+1) = cos(pos / base^(2i/d)).
"""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def table(T, d, base=10000.0, offset=0, layout="interleaved"):
    pos = np.arange(offset, offset + T, dtype=np.float64)[:, None]        # [T, 1]
    i = np.arange(d // 2, dtype=np.float64)[None, :]                      # [1, d/2]
    angle = pos / np.power(base, 2.0 * i / d)                             # [T, d/2], float64
    pe = np.zeros((T, d), dtype=np.float64)
    if layout == "interleaved":
        pe[:, 0::2] = np.sin(angle)
        pe[:, 1::2] = np.cos(angle)
    else:  # concat: all sines, then all cosines (Tensor2Tensor)
        pe[:, : d // 2] = np.sin(angle)
        pe[:, d // 2:] = np.cos(angle)
    return pe.astype(np.float32)


def t2t_timing_signal(length, channels, min_timescale=1.0, max_timescale=1.0e4, start_index=0):
    """Tensor2Tensor's get_timing_signal_1d (layers/common_attention.py), its formula re-written in numpy
    float64 and rounded once to float32: n = channels // 2 timescales,
    inv_i = min_timescale * exp(-i * log(max/min) / max(n - 1, 1)), [sin | cos], a zero column if odd."""
    position = np.arange(start_index, start_index + length, dtype=np.float64)
    n = channels // 2
    increment = np.log(float(max_timescale) / float(min_timescale)) / max(n - 1, 1)
    inv = min_timescale * np.exp(np.arange(n, dtype=np.float64) * -increment)
    scaled = position[:, None] * inv[None, :]
    signal = np.concatenate([np.sin(scaled), np.cos(scaled)], axis=1)
    signal = np.pad(signal, [[0, 0], [0, channels % 2]])
    return signal.astype(np.float32)


def write_text(name, x, rows=None):
    """Our text stream: #tensor T d, #rows labels, then rows of shortest float32 decimals."""
    with open(os.path.join(HERE, name), "w") as f:
        f.write("#tensor %d %d\n" % x.shape)
        if rows is not None:
            f.write("#rows %s\n" % " ".join(rows))
        for row in x:
            f.write(" ".join(str(np.float32(v)) for v in row) + "\n")


def main():
    write_text("posenc-interleaved-12x8.txt", table(12, 8))
    write_text("posenc-concat-12x8.txt", table(12, 8, layout="concat"))
    write_text("posenc-offset5-base100-4x6.txt", table(4, 6, base=100.0, offset=5))

    # embed: a vocabulary and an embedding table [V, E] of known float32 values
    vocab = ["<pad>", "<unk>", "<s>", "</s>", "the", "cat", "sat", "on", "mat"]
    V, E = len(vocab), 4
    rng = np.random.default_rng(3)
    weight = rng.standard_normal((V, E)).astype(np.float32)
    np.savez(os.path.join(HERE, "embed-weight.npz"), weight=weight)
    with open(os.path.join(HERE, "embed-vocab.txt"), "w") as f:
        f.write("".join(t + "\n" for t in vocab))
    words = "the cat sat on the mat".split()
    ids = [vocab.index(w) for w in words]
    write_text("embed-the-cat.txt", weight[ids], rows=words)
    scale = np.float32(np.sqrt(E))
    write_text("embed-the-cat-scaled.txt", scale * weight[ids], rows=words)

    # posenc --learned: a table [max_len, E] and the sum for positions 2..7 (--offset 2) of the sentence
    max_len = 8
    learned = rng.standard_normal((max_len, E)).astype(np.float32)
    np.savez(os.path.join(HERE, "posenc-learned.npz"), weight=learned)
    write_text("posenc-learned-the-cat-offset2.txt", weight[ids] + learned[2:8], rows=words)

    # posenc --layout t2t: Tensor2Tensor's timing signal (issue 15: row 1 of 3 x 4 is 0.84147 0.0001 0.5403 1)
    write_text("posenc-t2t-12x8.txt", t2t_timing_signal(12, 8))
    write_text("posenc-t2t-3x4.txt", t2t_timing_signal(3, 4))
    write_text("posenc-t2t-odd-5x7-min2-max500-start3.txt",
               t2t_timing_signal(5, 7, min_timescale=2.0, max_timescale=500.0, start_index=3))


if __name__ == "__main__":
    main()
