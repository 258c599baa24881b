#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Golden files for tests/attend.bats. Run with Debian's python3 (numpy, torch 1.13):

    /usr/bin/python3 tests/golden/make_attend.py

Every reference is computed in float64 from the documented formula. torch 1.13 has no
torch.nn.functional.scaled_dot_product_attention, so the scaled cases compute
softmax(Q K^T / sqrt(d_k) + mask) V from that function's definition with torch operations.
Inputs are float32 (what attend reads); they are widened to float64 for the references.
"""
import math
import os

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20240604)

WORDS = ["the", "cat", "sat", "on", "mat"]
MEMORY = ["le", "chat", "est", "assis", "sur", "le"]


def write(name, x, rows=None, cols=None, tensor_name=None):
    """One tensor in pipeformer's text form."""
    x = np.atleast_2d(np.asarray(x, dtype=np.float32))
    with open(os.path.join(HERE, name), "w") as f:
        f.write("#tensor %d %d\n" % x.shape)
        if tensor_name:
            f.write("#name %s\n" % tensor_name)
        if rows:
            f.write("#rows %s\n" % " ".join(rows))
        if cols:
            f.write("#cols %s\n" % " ".join(cols))
        for row in x:
            f.write(" ".join(repr(float(v)) for v in row) + "\n")


def f32(shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def softmax_masked(scores, allowed):
    """Row softmax with blocked entries at weight 0; a fully blocked row is all zeros."""
    s = np.where(allowed, scores, -np.inf)
    out = np.zeros_like(s)
    for t in range(s.shape[0]):
        if allowed[t].any():
            e = np.exp(s[t] - s[t][allowed[t]].max())
            out[t] = e / e.sum()
    return out


def sdpa_reference(q, k, v, allowed):
    """scaled_dot_product_attention's definition, in float64 torch: softmax(QK^T/sqrt(d) + mask) V."""
    q, k, v = (torch.tensor(a, dtype=torch.float64) for a in (q, k, v))
    bias = torch.zeros(q.shape[0], k.shape[0], dtype=torch.float64)
    bias.masked_fill_(~torch.tensor(allowed), float("-inf"))
    w = torch.softmax(q @ k.T / math.sqrt(q.shape[-1]) + bias, dim=-1)
    return (w @ v).numpy(), w.numpy()


x = f32((5, 8))
write("attend_x.txt", x, rows=WORDS)
memory = f32((6, 8))
write("attend_memory.txt", memory, rows=MEMORY)
x64, m64 = x.astype(np.float64), memory.astype(np.float64)

# scaled + causal, self-attention
causal = np.tril(np.ones((5, 5), dtype=bool))
out, w = sdpa_reference(x, x, x, causal)
write("attend_scaled_causal.txt", out, rows=WORDS)
write("attend_scaled_causal_attn.txt", w, rows=WORDS, cols=WORDS)

# scaled + explicit mask (1 = attend), cross-attention on the memory; the same as a PyTorch additive mask
allowed = rng.random((5, 6)) < 0.6
allowed[:, 0] = True
write("attend_mask.txt", allowed.astype(np.float32))
additive = np.where(allowed, 0.0, -np.inf)
with open(os.path.join(HERE, "attend_additive_mask.txt"), "w") as f:
    f.write("#tensor 5 6\n")
    for row in additive:
        f.write(" ".join("0" if v == 0 else "-inf" for v in row) + "\n")
out, w = sdpa_reference(x, memory, memory, allowed)
write("attend_scaled_mask.txt", out, rows=WORDS)

# dot: q.k, cross-attention
s = x64 @ m64.T
write("attend_dot.txt", softmax_masked(s, np.ones_like(s, dtype=bool)) @ m64, rows=WORDS)

# cosine with temperature 0.5: q.k / (|q| |k|) / 0.5
s = (x64 @ m64.T) / np.outer(np.linalg.norm(x64, axis=1), np.linalg.norm(m64, axis=1)) / 0.5
write("attend_cosine_t05.txt", softmax_masked(s, np.ones_like(s, dtype=bool)) @ m64, rows=WORDS)

# general: q^T W k with W [Dq, Dk]; keys 8 wide, queries 6 wide (W maps between them)
xq = f32((5, 6))
write("attend_xq6.txt", xq, rows=WORDS)
W = f32((6, 8), 0.3)
np.savez(os.path.join(HERE, "attend_general.npz"), W=W)
s = xq.astype(np.float64) @ W.astype(np.float64) @ m64.T
write("attend_general.txt", softmax_masked(s, np.ones_like(s, dtype=bool)) @ m64, rows=WORDS)

# additive: v^T tanh(W1 q + W2 k), hidden 5
W1, W2, vv = f32((5, 6), 0.4), f32((5, 8), 0.4), f32((5,))
np.savez(os.path.join(HERE, "attend_additive.npz"), W1=W1, W2=W2, v=vv)
a = xq.astype(np.float64) @ W1.T.astype(np.float64)          # [T, Hd]
b = m64 @ W2.T.astype(np.float64)                            # [S, Hd]
s = np.tanh(a[:, None, :] + b[None, :, :]) @ vv.astype(np.float64)
write("attend_additive.txt", softmax_masked(s, np.ones_like(s, dtype=bool)) @ m64, rows=WORDS)

# --project --bias --dk 4 --dv 3: torch.nn.Linear layouts, scaled scores, cross-attention
lin = {n: torch.nn.Linear(8, o, bias=True).double() for n, o in (("q_proj", 4), ("k_proj", 4), ("v_proj", 3))}
state = {}
for n, m in lin.items():
    m.weight.data = torch.tensor(f32(m.weight.shape, 0.5), dtype=torch.float64)
    m.bias.data = torch.tensor(f32(m.bias.shape, 0.5), dtype=torch.float64)
    state[n + ".weight"] = m.weight.data.numpy().astype(np.float32)
    state[n + ".bias"] = m.bias.data.numpy().astype(np.float32)
np.savez(os.path.join(HERE, "attend_project.npz"), **state)
with torch.no_grad():
    Q = lin["q_proj"](torch.tensor(x64)).numpy()
    K = lin["k_proj"](torch.tensor(m64)).numpy()
    V = lin["v_proj"](torch.tensor(m64)).numpy()
out, _ = sdpa_reference(Q, K, V, np.ones((5, 6), dtype=bool))
write("attend_project.txt", out, rows=WORDS)


# RoPE (RoFormer eq. 34): pairs (2i, 2i+1) turned by (offset + t) * base^(-2i/d), then scaled attention
def rope(a, offset, base):
    a = a.copy()
    d = a.shape[1]
    for t in range(a.shape[0]):
        for i in range(d // 2):
            ang = (offset + t) * base ** (-2.0 * i / d)
            c, s_ = math.cos(ang), math.sin(ang)
            x0, x1 = a[t, 2 * i], a[t, 2 * i + 1]
            a[t, 2 * i], a[t, 2 * i + 1] = x0 * c - x1 * s_, x0 * s_ + x1 * c
    return a


out, _ = sdpa_reference(rope(x64, 3, 100.0), rope(x64, 3, 100.0), x64, causal)
write("attend_rope_causal.txt", out, rows=WORDS)


# an additive mask of any finite values (a bias: relative positions, ALiBi) and -inf (blocked), added to
# the scaled scores as PyTorch adds a float attn_mask: softmax(QK^T/sqrt(d) + mask) V, cross-attention
bias = rng.standard_normal((5, 6)) * 2.0
bias[1, 2] = bias[3, 0] = -np.inf
with open(os.path.join(HERE, "attend_bias_mask.txt"), "w") as f:
    f.write("#tensor 5 6\n")
    for row in bias.astype(np.float32):
        f.write(" ".join("-inf" if v == -np.inf else repr(float(v)) for v in row) + "\n")
bias = np.loadtxt(os.path.join(HERE, "attend_bias_mask.txt"), skiprows=1)  # the float32 values, as read
q, k = torch.tensor(x64), torch.tensor(m64)
w = torch.softmax(q @ k.T / math.sqrt(8) + torch.tensor(bias), dim=-1)
write("attend_bias.txt", (w @ k).numpy(), rows=WORDS)
write("attend_bias_attn.txt", w.numpy(), rows=WORDS, cols=MEMORY)
