#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Golden files for issue 15's parity cases (tests/parity.bats). Run with Debian's python3 (numpy, torch 1.13):

    /usr/bin/python3 tests/golden/make_parity.py

Each case is computed by PyTorch's own module where one exists, else by the peer's formula re-written here
(Keras's Attention(use_scale=True): softmax(scale * q k^T) v). Outputs go to tests/golden/parity/.
"""
import os

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "parity")


def write(name, x, rows=None):
    """One 2-D tensor in pipeformer's text form."""
    x = np.atleast_2d(np.asarray(x, dtype=np.float32))
    with open(os.path.join(OUT, name), "w") as f:
        f.write("#tensor %d %d\n" % x.shape)
        if rows:
            f.write("#rows %s\n" % " ".join(rows))
        for row in x:
            f.write(" ".join(repr(float(v)) for v in row) + "\n")


def read_text(name):
    """The data rows of a committed text tensor (labels skipped)."""
    return np.loadtxt(os.path.join(HERE, name), comments="#", dtype=np.float32, ndmin=2)


def keras_attention(q, k, scale):
    """Keras's dense_attention.Attention(use_scale=True) in float64: softmax(scale * q k^T) k (values = keys)."""
    q, k = q.astype(np.float64), k.astype(np.float64)
    s = scale * q @ k.T
    w = np.exp(s - s.max(axis=1, keepdims=True))
    w /= w.sum(axis=1, keepdims=True)
    return w @ k


def temperature():
    # attend --score dot --temperature -0.5: Keras's learned scale may be negative (here -2 = 1 / -0.5)
    x, mem = read_text("attend_x.txt"), read_text("attend_memory.txt")
    write("attend-dot-t-neg05.txt", keras_attention(x, mem, -2.0))


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(15)
    temperature()


if __name__ == "__main__":
    main()
