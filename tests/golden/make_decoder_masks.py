#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Golden files for decode's masks (tests/decode.bats), from torch.nn.TransformerDecoder (torch 1.13).

Run with Debian's python3 (numpy, torch) from the repository root:
    /usr/bin/python3 tests/golden/make_decoder_masks.py
Writes tests/golden/transformer/decmask_*: one post-norm decoder (2 layers, d_model 8, 2 heads, d_ff 16,
weights by state_dict() names), a target and a memory, the masks in our files' forms (0/1 with
1 = attend; floats added to the scores) and torch's outputs with the same masks in torch's forms
(bool with True = blocked; float):
  decmask_nocausal.txt   no tgt_mask at all (PyTorch's default; decode --no-causal)
  decmask_additive.txt   float tgt_mask (a bias, some -inf, no causal part) and float memory_mask
  decmask_bool.txt       the causal mask OR a per-head bool tgt_mask (N*H x T x T), a bool memory_mask,
                         and memory_key_padding_mask from <pad> labels
"""
import os

import numpy as np
import torch
import torch.nn as nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "transformer")
os.makedirs(OUT, exist_ok=True)
torch.manual_seed(15)
torch.set_num_threads(1)

E, H, F, N, T, S = 8, 2, 16, 2, 4, 5


def write_tensor(path, a, rows=None, cols=None):
    a = np.asarray(a.detach().numpy() if isinstance(a, torch.Tensor) else a, dtype=np.float32)
    with open(os.path.join(OUT, path), "w") as f:
        f.write("#tensor %s\n" % " ".join(str(d) for d in a.shape))
        if rows:
            f.write("#rows %s\n" % " ".join(rows))
        if cols:
            f.write("#cols %s\n" % " ".join(cols))
        for row in a.reshape(-1, a.shape[-1]):
            f.write(" ".join("%.9g" % v for v in row) + "\n")


layer = nn.TransformerDecoderLayer(E, H, F, dropout=0.0, batch_first=True)
dec = nn.TransformerDecoder(layer, N)
with torch.no_grad():
    for name, p in dec.named_parameters():
        if "norm" in name or "bias" in name:
            p.add_(0.1 * torch.randn_like(p))
dec.train()  # dropout 0: the same numbers as eval(), without the fast path
np.savez(os.path.join(OUT, "decmask.npz"), **{k: v.detach().numpy() for k, v in dec.state_dict().items()})

tgt_words = "<s> le chat dort".split()
src_words = "the cat sat on <pad>".split()
y = torch.randn(1, T, E)
mem = torch.randn(1, S, E)
write_tensor("decmask_y.txt", y[0], rows=tgt_words)
write_tensor("decmask_mem.txt", mem[0], rows=src_words)
causal = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
memory_pad = torch.tensor([[w == "<pad>" for w in src_words]])

with torch.no_grad():
    # 1. no tgt_mask: every target position sees every other
    write_tensor("decmask_nocausal.txt", dec(y, mem)[0], rows=tgt_words)

    # 2. float masks: any finite value is a bias, -inf blocks (each row keeps a finite entry)
    tgt_add = torch.randn(T, T) * 2.0
    tgt_add[0, 3] = tgt_add[2, 1] = float("-inf")
    mem_add = torch.randn(T, S) * 2.0
    mem_add[1, 0] = mem_add[3, 2] = float("-inf")
    write_tensor("decmask_tgt_add.txt", tgt_add)
    write_tensor("decmask_mem_add.txt", mem_add)
    write_tensor("decmask_additive.txt", dec(y, mem, tgt_mask=tgt_add, memory_mask=mem_add)[0], rows=tgt_words)

    # 3. bool masks (True = blocked), the target's per head, with the causal mask and the memory's padding
    tgt_blocked = torch.rand(H, T, T) < 0.3
    tgt_blocked[:, :, 0] = False  # every row keeps key 0
    mem_blocked = torch.rand(T, S) < 0.3
    mem_blocked[:, 1] = False
    write_tensor("decmask_tgt_mask.txt", (~tgt_blocked).float())
    write_tensor("decmask_mem_mask.txt", (~mem_blocked).float())
    out = dec(y, mem, tgt_mask=tgt_blocked | causal, memory_mask=mem_blocked,
              memory_key_padding_mask=memory_pad)
    write_tensor("decmask_bool.txt", out[0], rows=tgt_words)
