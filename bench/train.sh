#!/bin/sh
# SPDX-License-Identifier: MIT
# Training speed: the reverse task's Transformer (2 + 2 layers, d_model 64, 4 heads, d_ff 256, batches of
# 32 sequences of 5 to 12 digits, dropout 0.1, label smoothing 0.1, Adam) for 60 steps, in target tokens
# per second: our train beside the same model, batches and recipe in PyTorch (nn.Transformer, padded
# batches with masks), both on one thread (OPENBLAS_NUM_THREADS=1, torch.set_num_threads(1)).
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sh "$(dirname "$0")/../samples/tasks/make-tasks.sh" -n 1920 "$tmp" 2>/dev/null

OPENBLAS_NUM_THREADS=1 train --pairs "$tmp/reverse-train.tsv" --dim 64 --heads 4 --layers 2 --ff 256 --eos \
	--scale --steps 60 --batch-sentences 32 --no-shuffle --log-every 60 -o "$tmp/m.npz" 2>&1 |
	awk '/^step 60 / { for (i = 1; i <= NF; i++) if ($i == "tokens/s") t = $(i + 1) }
	     END { printf "train   %8.0f target tokens/s  (2+2 layers, d_model 64, batch 32, C, 1 thread)\n", t }'

if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import torch' 2>/dev/null; then
	/usr/bin/python3 - "$tmp/reverse-train.tsv" <<'PY'
import math
import sys
import time

import torch
import torch.nn as nn

torch.manual_seed(0)
torch.set_num_threads(1)
pairs = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
vocab = ["<pad>", "<unk>", "<s>", "</s>"] + [str(d) for d in range(10)]
ids = {w: i for i, w in enumerate(vocab)}
E, V = 64, len(vocab)
model = nn.Transformer(E, 4, 2, 2, 256, dropout=0.1, batch_first=True)
src_embed, tgt_embed, gen = nn.Embedding(V, E), nn.Embedding(V, E), nn.Linear(E, V)
params = list(model.parameters()) + list(src_embed.parameters()) + list(tgt_embed.parameters()) + \
    list(gen.parameters())
opt = torch.optim.Adam(params, lr=1e-3, betas=(0.9, 0.98), eps=1e-9)
pos = torch.arange(64, dtype=torch.float64)[:, None] / 10000 ** (torch.arange(0, E, 2, dtype=torch.float64) / E)
pe = torch.zeros(64, E)
pe[:, 0::2], pe[:, 1::2] = torch.sin(pos), torch.cos(pos)
drop = nn.Dropout(0.1)
tokens, start = 0, None
for step in range(61):
    batch = pairs[(step % 60) * 32:(step % 60 + 1) * 32]
    src = [[ids[w] for w in s.split()] + [3] for s, _ in batch]
    tgt = [[2] + [ids[w] for w in t.split()] + [3] for _, t in batch]
    S, T = max(map(len, src)), max(map(len, tgt))
    src = torch.tensor([s + [0] * (S - len(s)) for s in src])
    tgt = torch.tensor([t + [0] * (T - len(t)) for t in tgt])
    inp, gold = tgt[:, :-1], tgt[:, 1:]
    out = model(drop(src_embed(src) * math.sqrt(E) + pe[:S]), drop(tgt_embed(inp) * math.sqrt(E) + pe[:T - 1]),
                tgt_mask=nn.Transformer.generate_square_subsequent_mask(T - 1), src_key_padding_mask=src == 0,
                tgt_key_padding_mask=inp == 0, memory_key_padding_mask=src == 0)
    loss = nn.functional.cross_entropy(gen(out).reshape(-1, V), gold.reshape(-1), ignore_index=0,
                                       label_smoothing=0.1)
    opt.zero_grad()
    loss.backward()
    opt.step()
    if step == 0:
        start = time.perf_counter()  # the first step warms up
    else:
        tokens += int((gold != 0).sum())
print("torch   %8.0f target tokens/s  (nn.Transformer, padded batches, 1 thread)"
      % (tokens / (time.perf_counter() - start)))
PY
fi
