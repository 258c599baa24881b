#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The reference side of train's speed: the models of samples/train-reverse.sh in PyTorch, trained on the
same pairs in the same batches with the same recipe, in target tokens per second (the first step, which
warms up, is not timed).

Usage: bench/train_torch.py transformer|gru PAIRS.tsv STEPS THREADS
  transformer  nn.Transformer 2 + 2 layers, d_model 64, 4 heads, d_ff 256, scaled embeddings, sinusoidal
               positions, dropout 0.1, label smoothing 0.1, Adam (0.9, 0.98, 1e-9) at 1e-3
  gru          bidirectional nn.GRU encoder (E 32, H 48), GRUCell attention decoder (96 states, additive
               score of width 96), s_0 = each pair's last memory row, dropout 0, label smoothing 0.1,
               clip_grad_norm_ 1, Adam (0.9, 0.98, 1e-9) at 3e-3
Batches of 32 pairs in file order, padded, with padding masks (pack_padded_sequence for the GRU).
Prints one number: target tokens per second.
"""
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as Fn

arch, path, steps, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
torch.manual_seed(0)
torch.set_num_threads(threads)
pairs = [line.rstrip("\n").split("\t") for line in open(path)]
vocab = ["<pad>", "<unk>", "<s>", "</s>"] + [str(d) for d in range(10)]
ids = {w: i for i, w in enumerate(vocab)}
V = len(vocab)


def batch_of(step):
    """batch `step` of 32 pairs, padded: src [B,S] + </s>, tgt [B,T] <s> .. </s>, the source lengths"""
    n = len(pairs) // 32
    batch = pairs[(step % n) * 32:(step % n + 1) * 32]
    src = [[ids[w] for w in s.split()] + [3] for s, _ in batch]
    tgt = [[2] + [ids[w] for w in t.split()] + [3] for _, t in batch]
    S, T = max(map(len, src)), max(map(len, tgt))
    lengths = torch.tensor([len(s) for s in src])
    return (torch.tensor([s + [0] * (S - len(s)) for s in src]), torch.tensor([t + [0] * (T - len(t)) for t in tgt]),
            lengths)


class Transformer(nn.Module):
    def __init__(self):
        super().__init__()
        E = self.E = 64
        self.model = nn.Transformer(E, 4, 2, 2, 256, dropout=0.1, batch_first=True)
        self.src_embed, self.tgt_embed, self.gen = nn.Embedding(V, E), nn.Embedding(V, E), nn.Linear(E, V)
        pos = torch.arange(64, dtype=torch.float64)[:, None] / 10000 ** (torch.arange(0, E, 2, dtype=torch.float64) / E)
        self.pe = torch.zeros(64, E)
        self.pe[:, 0::2], self.pe[:, 1::2] = torch.sin(pos), torch.cos(pos)
        self.drop = nn.Dropout(0.1)

    def forward(self, src, inp, lengths):
        E, S, T = self.E, src.shape[1], inp.shape[1]
        out = self.model(self.drop(self.src_embed(src) * math.sqrt(E) + self.pe[:S]),
                         self.drop(self.tgt_embed(inp) * math.sqrt(E) + self.pe[:T]),
                         tgt_mask=nn.Transformer.generate_square_subsequent_mask(T), src_key_padding_mask=src == 0,
                         tgt_key_padding_mask=inp == 0, memory_key_padding_mask=src == 0)
        return self.gen(out)


class Gru(nn.Module):
    def __init__(self):
        super().__init__()
        E, H = 32, 48
        D = self.D = 2 * H
        self.src_embed, self.tgt_embed = nn.Embedding(V, E), nn.Embedding(V, E)
        self.encoder = nn.GRU(E, H, bidirectional=True, batch_first=True)
        self.cell, self.out, self.gen = nn.GRUCell(E + D, D), nn.Linear(2 * D, D), nn.Linear(D, V)
        self.W1, self.W2 = nn.Linear(D, D, bias=False), nn.Linear(D, D, bias=False)
        self.v = nn.Parameter(torch.randn(D) * D ** -0.5)

    def forward(self, src, inp, lengths):
        B, S = src.shape
        packed = nn.utils.rnn.pack_padded_sequence(self.src_embed(src), lengths, batch_first=True,
                                                   enforce_sorted=False)
        memory = nn.utils.rnn.pad_packed_sequence(self.encoder(packed)[0], batch_first=True, total_length=S)[0]
        keys, pad = self.W2(memory), src == 0
        s, logits = memory[torch.arange(B), lengths - 1], []
        for t in range(inp.shape[1]):
            e = torch.tanh(self.W1(s)[:, None] + keys) @ self.v
            a = torch.softmax(e.masked_fill(pad, float("-inf")), dim=-1)
            ctx = torch.einsum("bs,bsd->bd", a, memory)
            s = self.cell(torch.cat([self.tgt_embed(inp[:, t]), ctx], dim=-1), s)
            logits.append(self.gen(torch.tanh(self.out(torch.cat([s, ctx], dim=-1)))))
        return torch.stack(logits, dim=1)


model = Transformer() if arch == "transformer" else Gru()
opt = torch.optim.Adam(model.parameters(), lr=1e-3 if arch == "transformer" else 3e-3, betas=(0.9, 0.98), eps=1e-9)
model.train()
tokens, start = 0, None
for step in range(steps + 1):
    src, tgt, lengths = batch_of(step)
    inp, gold = tgt[:, :-1], tgt[:, 1:]
    loss = Fn.cross_entropy(model(src, inp, lengths).reshape(-1, V), gold.reshape(-1), ignore_index=0,
                            label_smoothing=0.1)
    opt.zero_grad()
    loss.backward()
    if arch == "gru":
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    if step == 0:
        start = time.perf_counter()  # the first step warms up
    else:
        tokens += int((gold != 0).sum())
print("%.0f" % (tokens / (time.perf_counter() - start)))
