#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Golden files for the Annotated Transformer's checkpoints (tests/parity.bats). Run with Debian's python3
(numpy, torch 1.13):

    /usr/bin/python3 tests/golden/make_annotated.py

The modules of "The Annotated Transformer" (harvardnlp, 2018 / 2022) are re-implemented here from their
semantics, with their attribute names, so that state_dict() gives the same keys as a model trained with its
code: MultiHeadedAttention.linears.0..3, SublayerConnection.norm (its LayerNorm: a_2, b_2, the unbiased
std, eps 1e-6 outside the square root), PositionwiseFeedForward.w_1 / w_2, Embeddings.lut,
PositionalEncoding's buffer pe, Generator.proj (log_softmax), pre-norm sublayers x + sublayer(norm(x)) and a
final norm on each stack. A small model with perturbed parameters is saved to annotated/model.npz, with the
encoder output, a teacher-forced decoder output and greedy_decode's tokens for one source sentence.
"""
import copy
import math
import os

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "annotated")


class LayerNorm(nn.Module):
    """a_2 * (x - mean) / (std + eps) + b_2, std unbiased (torch.std's default)."""

    def __init__(self, features, eps=1e-6):
        super().__init__()
        self.a_2 = nn.Parameter(torch.ones(features))
        self.b_2 = nn.Parameter(torch.zeros(features))
        self.eps = eps

    def forward(self, x):
        mean = x.mean(-1, keepdim=True)
        std = x.std(-1, keepdim=True)
        return self.a_2 * (x - mean) / (std + self.eps) + self.b_2


class SublayerConnection(nn.Module):
    """x + sublayer(norm(x)): the norm comes first (dropout is off in eval)."""

    def __init__(self, size):
        super().__init__()
        self.norm = LayerNorm(size)

    def forward(self, x, sublayer):
        return x + sublayer(self.norm(x))


def clones(module, n):
    return nn.ModuleList([copy.deepcopy(module) for _ in range(n)])


def attention(query, key, value, mask=None):
    d_k = query.size(-1)
    scores = query @ key.transpose(-2, -1) / math.sqrt(d_k)
    if mask is not None:
        scores = scores.masked_fill(mask == 0, -1e9)
    return scores.softmax(dim=-1) @ value


class MultiHeadedAttention(nn.Module):
    """linears 0, 1, 2 project q, k, v; the heads are column blocks of d_k; linears 3 projects back."""

    def __init__(self, h, d_model):
        super().__init__()
        self.d_k, self.h = d_model // h, h
        self.linears = clones(nn.Linear(d_model, d_model), 4)

    def forward(self, query, key, value, mask=None):
        if mask is not None:
            mask = mask.unsqueeze(1)
        n = query.size(0)
        q, k, v = [lin(x).view(n, -1, self.h, self.d_k).transpose(1, 2)
                   for lin, x in zip(self.linears, (query, key, value))]
        x = attention(q, k, v, mask).transpose(1, 2).contiguous().view(n, -1, self.h * self.d_k)
        return self.linears[-1](x)


class PositionwiseFeedForward(nn.Module):
    def __init__(self, d_model, d_ff):
        super().__init__()
        self.w_1 = nn.Linear(d_model, d_ff)
        self.w_2 = nn.Linear(d_ff, d_model)

    def forward(self, x):
        return self.w_2(self.w_1(x).relu())


class EncoderLayer(nn.Module):
    def __init__(self, size, self_attn, feed_forward):
        super().__init__()
        self.self_attn, self.feed_forward, self.size = self_attn, feed_forward, size
        self.sublayer = clones(SublayerConnection(size), 2)

    def forward(self, x, mask):
        x = self.sublayer[0](x, lambda x: self.self_attn(x, x, x, mask))
        return self.sublayer[1](x, self.feed_forward)


class DecoderLayer(nn.Module):
    def __init__(self, size, self_attn, src_attn, feed_forward):
        super().__init__()
        self.size, self.self_attn, self.src_attn, self.feed_forward = size, self_attn, src_attn, feed_forward
        self.sublayer = clones(SublayerConnection(size), 3)

    def forward(self, x, memory, src_mask, tgt_mask):
        x = self.sublayer[0](x, lambda x: self.self_attn(x, x, x, tgt_mask))
        x = self.sublayer[1](x, lambda x: self.src_attn(x, memory, memory, src_mask))
        return self.sublayer[2](x, self.feed_forward)


class Stack(nn.Module):
    """Encoder / Decoder: N clones of a layer, then a LayerNorm."""

    def __init__(self, layer, n):
        super().__init__()
        self.layers = clones(layer, n)
        self.norm = LayerNorm(layer.size)

    def forward(self, x, *args):
        for layer in self.layers:
            x = layer(x, *args)
        return self.norm(x)


class Embeddings(nn.Module):
    def __init__(self, d_model, vocab):
        super().__init__()
        self.lut = nn.Embedding(vocab, d_model)
        self.d_model = d_model

    def forward(self, x):
        return self.lut(x) * math.sqrt(self.d_model)


class PositionalEncoding(nn.Module):
    """pe[pos, 2i] = sin(pos * exp(-2i log(10000) / d)), pe[pos, 2i+1] = cos(...), in float32."""

    def __init__(self, d_model, max_len=64):
        super().__init__()
        pe = torch.zeros(max_len, d_model)
        position = torch.arange(0, max_len).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2) * -(math.log(10000.0) / d_model))
        pe[:, 0::2] = torch.sin(position * div_term)
        pe[:, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", pe.unsqueeze(0))

    def forward(self, x):
        return x + self.pe[:, : x.size(1)]


class Generator(nn.Module):
    def __init__(self, d_model, vocab):
        super().__init__()
        self.proj = nn.Linear(d_model, vocab)

    def forward(self, x):
        return torch.log_softmax(self.proj(x), dim=-1)


class EncoderDecoder(nn.Module):
    def __init__(self, encoder, decoder, src_embed, tgt_embed, generator):
        super().__init__()
        self.encoder, self.decoder = encoder, decoder
        self.src_embed, self.tgt_embed, self.generator = src_embed, tgt_embed, generator

    def encode(self, src, src_mask):
        return self.encoder(self.src_embed(src), src_mask)

    def decode(self, memory, src_mask, tgt, tgt_mask):
        return self.decoder(self.tgt_embed(tgt), memory, src_mask, tgt_mask)


def make_model(src_vocab, tgt_vocab, n=2, d_model=16, d_ff=32, h=2):
    c = copy.deepcopy
    attn, ff, position = MultiHeadedAttention(h, d_model), PositionwiseFeedForward(d_model, d_ff), \
        PositionalEncoding(d_model)
    model = EncoderDecoder(
        Stack(EncoderLayer(d_model, c(attn), c(ff)), n),
        Stack(DecoderLayer(d_model, c(attn), c(attn), c(ff)), n),
        nn.Sequential(Embeddings(d_model, src_vocab), c(position)),
        nn.Sequential(Embeddings(d_model, tgt_vocab), c(position)),
        Generator(d_model, tgt_vocab))
    for p in model.parameters():
        if p.dim() > 1:
            nn.init.xavier_uniform_(p)
    return model


def subsequent_mask(size):
    return torch.triu(torch.ones(1, size, size), diagonal=1) == 0


def greedy_decode(model, src, src_mask, max_len, start_symbol):
    memory = model.encode(src, src_mask)
    ys = torch.full((1, 1), start_symbol, dtype=src.dtype)
    for _ in range(max_len - 1):
        out = model.decode(memory, src_mask, ys, subsequent_mask(ys.size(1)).type_as(src.data))
        prob = model.generator(out[:, -1])
        next_word = int(torch.argmax(prob, dim=1)[0])
        ys = torch.cat([ys, torch.full((1, 1), next_word, dtype=src.dtype)], dim=1)
    return ys[0].tolist()


def write(name, x, rows=None):
    x = np.atleast_2d(np.asarray(x, dtype=np.float32))
    with open(os.path.join(OUT, name), "w") as f:
        f.write("#tensor %d %d\n" % x.shape)
        if rows:
            f.write("#rows %s\n" % " ".join(rows))
        for row in x:
            f.write(" ".join(repr(float(v)) for v in row) + "\n")


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(15)
    vocab = ["<s>", "</s>", "<blank>", "<unk>", "a", "b", "c", "d", "e", "f", "g"]  # its specials first
    model = make_model(len(vocab), len(vocab))
    with torch.no_grad():  # a trained model's parameters are not ones and zeros: perturb every one
        for name, p in model.named_parameters():
            p.add_(0.3 * torch.randn_like(p))
    model.eval()
    np.savez(os.path.join(OUT, "model.npz"), **{k: v.numpy() for k, v in model.state_dict().items()})
    with open(os.path.join(OUT, "vocab.txt"), "w") as f:
        f.write("".join(t + "\n" for t in vocab))

    src_words, tgt_words = "a b c d".split(), "<s> e f".split()
    src = torch.tensor([[vocab.index(w) for w in src_words]])
    tgt = torch.tensor([[vocab.index(w) for w in tgt_words]])
    src_mask = torch.ones(1, 1, src.size(1), dtype=torch.bool)
    with torch.no_grad():
        memory = model.encode(src, src_mask)
        write("memory.txt", memory[0].numpy(), rows=src_words)
        out = model.decode(memory, src_mask, tgt, subsequent_mask(tgt.size(1)))
        write("decoder.txt", out[0].numpy(), rows=tgt_words)
        ys = greedy_decode(model, src, src_mask, max_len=8, start_symbol=0)
    # decode --generate stops at </s> and prints the tokens after <s>, before </s>
    tokens = []
    for i in ys[1:]:
        if i == vocab.index("</s>"):
            break
        tokens.append(vocab[i])
    with open(os.path.join(OUT, "greedy.txt"), "w") as f:
        f.write(" ".join(tokens) + "\n")
    print("greedy:", [vocab[i] for i in ys])
    # norm --annotated: the encoder's final LayerNorm (a_2, b_2) alone, on rows of another scale
    x = 3.0 * torch.randn(3, 16) + 1.0
    write("norm-x.txt", x.numpy())
    with torch.no_grad():
        write("norm-y.txt", model.encoder.norm(x).numpy())


if __name__ == "__main__":
    main()
