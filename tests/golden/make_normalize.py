#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Golden files of --normalize (attend, mha) and tensor sigmoid / relu / sparsemax, for tests/attend.bats,
tests/mha.bats and tests/tensor.bats. Run with Debian's python3 (numpy only):

    /usr/bin/python3 tests/golden/make_normalize.py

Every reference is computed in float64 from the formula, on float32 inputs:
  softmax    exp(s) / sum exp(s) over the visible keys
  sigmoid    1 / (1 + exp(-s))
  relu       max(s, 0)
  sparsemax  Martins and Astudillo (2016), Algorithm 1: sort, find the support size k(z), the threshold tau(z)
  none       s
and a blocked key (mask 0, or a later key under --causal) weighs 0 in every mode; a row with every key
blocked is all zeros. sparsemax is also checked here against its definition (the Euclidean projection onto
the simplex, found independently by bisection) before anything is written.

Writes tests/golden/normalize/:
  x.txt, mask.txt           attend's input (6 x 4; rows c and d equal, so every query ties on them) and a
                            6 x 6 mask (the last row blocks every key)
  attend-MODE-attn.txt      the weights of attend --mask mask.txt --normalize MODE (scaled scores)
  attend-MODE-out.txt       its output
  attend-sparsemax-causal-attn.txt / -out.txt    the same with --causal and no mask
  mha-MODE-attn.txt / -out.txt   mha --heads 2 on mha-mask's inputs (tests/golden/mha-mask*)
  ties.txt, ties-sparsemax.txt, ties-sigmoid.txt, ties-relu.txt   rows with ties, for tensor
"""
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "normalize")
MODES = ["softmax", "sigmoid", "relu", "sparsemax", "none"]


def write(name, x, rows=None, cols=None):
    x = np.asarray(x, dtype=np.float32)
    with open(os.path.join(OUT, name), "w") as f:
        f.write("#tensor %s\n" % " ".join(str(d) for d in x.shape))
        if rows:
            f.write("#rows %s\n" % " ".join(rows))
        if cols:
            f.write("#cols %s\n" % " ".join(cols))
        for i, m in enumerate(x.reshape(-1, x.shape[-1]) if x.ndim > 1 else x[None]):
            if x.ndim == 3 and i % x.shape[1] == 0 and i:
                f.write("\n")
            f.write(" ".join(repr(float(v)) for v in m) + "\n")


def read(path):
    """A 2-D text tensor of pipeformer (labels ignored)."""
    rows = [line.split() for line in open(path) if line.strip() and not line.startswith("#")]
    return np.array(rows, dtype=np.float32)


def sparsemax(z):
    """Martins and Astudillo (2016), Algorithm 1, on one vector z (float64)."""
    z_sorted = np.sort(z)[::-1]
    k = np.arange(1, len(z) + 1)
    cumsum = np.cumsum(z_sorted)
    support = 1 + k * z_sorted > cumsum
    k_z = k[support].max()
    tau = (cumsum[k_z - 1] - 1) / k_z
    return np.maximum(z - tau, 0)


def projection_by_bisection(z):
    """argmin_p |p - z|^2 over the simplex, independently: p = max(z - tau, 0) with sum p = 1, tau by bisection."""
    lo, hi = z.max() - 1, z.max()
    for _ in range(200):
        mid = (lo + hi) / 2
        if np.maximum(z - mid, 0).sum() > 1:
            lo = mid
        else:
            hi = mid
    return np.maximum(z - (lo + hi) / 2, 0)


def normalize_row(s, visible, mode):
    """One row of scores s[S] (float64), keys visible[S] (bool): the weights, blocked keys 0."""
    w = np.zeros_like(s)
    if not visible.any():
        return w
    v = s[visible]
    if mode == "softmax":
        e = np.exp(v - v.max())
        w[visible] = e / e.sum()
    elif mode == "sigmoid":
        with np.errstate(over="ignore"):  # exp(1000) = inf: the weight is 0, as it should be
            w[visible] = 1 / (1 + np.exp(-v))
    elif mode == "relu":
        w[visible] = np.maximum(v, 0)
    elif mode == "sparsemax":
        p = sparsemax(v)
        assert abs(p.sum() - 1) < 1e-12 and np.allclose(p, projection_by_bisection(v), atol=1e-12)
        w[visible] = p
    else:
        w[visible] = v
    return w


def attention(q, k, v, allowed, mode):
    """out = normalize(q k^T / sqrt(d) over the allowed keys) v, in float64."""
    q, k, v = (a.astype(np.float64) for a in (q, k, v))
    scores = q @ k.T / np.sqrt(q.shape[1])
    w = np.stack([normalize_row(scores[t], allowed[t], mode) for t in range(len(q))])
    return w, w @ v


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20261126)
    words = ["a", "b", "c", "d", "e", "f"]

    # attend: self-attention over x, rows c and d equal (tied keys)
    x = (rng.standard_normal((6, 4)) * 0.6).astype(np.float32)
    x[3] = x[2]
    mask = (rng.random((6, 6)) < 0.75).astype(np.float32)
    mask[np.arange(5), np.arange(5)] = 1  # every row but the last sees itself
    mask[5] = 0                            # the last row sees nothing
    write("x.txt", x, rows=words)
    write("mask.txt", mask)
    for mode in MODES:
        w, out = attention(x, x, x, mask.astype(bool), mode)
        write(f"attend-{mode}-attn.txt", w, rows=words, cols=words)
        write(f"attend-{mode}-out.txt", out, rows=words)
    causal = np.tril(np.ones((6, 6), dtype=bool))
    w, out = attention(x, x, x, causal, "sparsemax")
    write("attend-sparsemax-causal-attn.txt", w, rows=words, cols=words)
    write("attend-sparsemax-causal-out.txt", out, rows=words)

    # mha: the inputs and weights of the golden case "mask" of make_mha.py (E = 4, H = 2, T = 3, S = 4)
    z = np.load(os.path.join(HERE, "mha-mask.npz"))
    q_in, k_in = read(os.path.join(HERE, "mha-mask-q.txt")), read(os.path.join(HERE, "mha-mask-k.txt"))
    allowed = read(os.path.join(HERE, "mha-mask-mask.txt")).astype(bool)
    E, H = 4, 2
    Dh = E // H
    W, b = z["in_proj_weight"].astype(np.float64), z["in_proj_bias"].astype(np.float64)
    q = q_in @ W[:E].T + b[:E]
    k = k_in @ W[E:2 * E].T + b[E:2 * E]
    v = k_in @ W[2 * E:].T + b[2 * E:]
    for mode in ["sigmoid", "sparsemax"]:
        heads = [attention(q[:, h * Dh:(h + 1) * Dh], k[:, h * Dh:(h + 1) * Dh], v[:, h * Dh:(h + 1) * Dh],
                           allowed, mode) for h in range(H)]
        concat = np.concatenate([o for _, o in heads], axis=1)
        out = concat @ z["out_proj.weight"].astype(np.float64).T + z["out_proj.bias"]
        write(f"mha-{mode}-attn.txt", np.stack([w for w, _ in heads]))
        write(f"mha-{mode}-out.txt", out)

    # tensor: rows with ties (sparsemax splits a tie evenly, keeps or drops tied values together)
    ties = np.array([[1, 1, 1, 0], [0.5, 0.5, -2, 0.5], [3, 3, 0, 0], [0, 0, 0, 0], [-1000, 5, 5, 4.5],
                     [0.25, -0.25, 0.75, 0.75]], dtype=np.float32)
    write("ties.txt", ties)
    every = np.ones(4, dtype=bool)
    for mode in ["sparsemax", "sigmoid", "relu"]:
        write(f"ties-{mode}.txt", np.stack([normalize_row(r.astype(np.float64), every, mode) for r in ties]))


if __name__ == "__main__":
    main()
