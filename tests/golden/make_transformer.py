#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Golden files for tests/encode.bats and tests/decode.bats, from torch.nn.Transformer*.

Run with Debian's python3 (numpy, torch) from the repository root:
    /usr/bin/python3 tests/golden/make_transformer.py
Writes tests/golden/transformer/: weights (.npz by state_dict() names), inputs and torch's outputs as
text tensors, and a small trained whole model (model.npz) with torch's greedy translations.
Models run in train() mode with dropout 0: the same numbers as eval(), without the nested-tensor fast
path (which would zero padded positions instead of computing them).
"""
import math
import os

import numpy as np
import torch
import torch.nn as nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "transformer")
os.makedirs(OUT, exist_ok=True)
torch.manual_seed(0)
torch.set_num_threads(1)

E, H, F, N = 8, 2, 16, 2


def fmt(v):
    return "%.9g" % v


def write_tensor(path, a, rows=None, cols=None):
    if isinstance(a, torch.Tensor):
        a = a.detach().numpy()
    a = np.asarray(a, dtype=np.float32)
    with open(os.path.join(OUT, path), "w") as f:
        f.write("#tensor %s\n" % " ".join(str(d) for d in a.shape))
        if rows:
            f.write("#rows %s\n" % " ".join(rows))
        if cols:
            f.write("#cols %s\n" % " ".join(cols))
        for row in a.reshape(-1, a.shape[-1]):
            f.write(" ".join(fmt(v) for v in row) + "\n")


def save_npz(path, state, texts=None):
    arrays = {k: v.detach().numpy().astype(np.float32) for k, v in state.items()}
    for k, v in (texts or {}).items():
        arrays[k] = np.frombuffer(v.encode(), dtype=np.uint8)
    np.savez(os.path.join(OUT, path), **arrays)


def pad_mask(labels):
    return torch.tensor([[w == "<pad>" for w in labels]])


def layer_inputs(stack):
    """Capture each layer's input (a forward pre-hook) to recompute its attention weights."""
    seen = []
    for layer in stack.layers:
        layer.register_forward_pre_hook(lambda mod, args: seen.append(args[0].detach().clone()))
    return seen


# ---- encoder ----
src_words = "the cat sat on mat".split()
src_pad = "the cat sat <pad> <pad>".split()
x = torch.randn(1, 5, E)
write_tensor("enc_x.txt", x[0], rows=src_words)
write_tensor("enc_x_pad.txt", x[0], rows=src_pad)

for norm_first in (False, True):
    for act in ("relu", "gelu"):
        final = (norm_first, act) in ((False, "gelu"), (True, "relu"))
        name = "enc_%s_%s" % ("pre" if norm_first else "post", act)
        layer = nn.TransformerEncoderLayer(E, H, F, dropout=0.0, activation=act, batch_first=True,
                                           norm_first=norm_first)
        enc = nn.TransformerEncoder(layer, N, norm=nn.LayerNorm(E) if final else None,
                                    enable_nested_tensor=False)
        with torch.no_grad():  # LayerNorm's affine parameters away from 1 and 0, so that tests see them
            for n_, p in enc.named_parameters():
                if "norm" in n_:
                    p.add_(0.1 * torch.randn_like(p))
        enc.train()
        save_npz(name + ".npz", enc.state_dict())
        write_tensor(name + ".txt", enc(x)[0], rows=src_words)
        write_tensor(name + "_pad.txt", enc(x, src_key_padding_mask=pad_mask(src_pad))[0], rows=src_pad)
        if name == "enc_post_relu":
            seen = layer_inputs(enc)
            enc(x, src_key_padding_mask=pad_mask(src_pad))
            w = [l.self_attn(s, s, s, key_padding_mask=pad_mask(src_pad), average_attn_weights=False)[1][0]
                 for l, s in zip(enc.layers, seen)]
            write_tensor(name + "_pad_attn.txt", torch.stack(w), rows=src_pad, cols=src_pad)

# ---- decoder ----
tgt_words = "<s> le chat dort".split()
tgt_pad = "<s> le <pad> <pad>".split()
y = torch.randn(1, 4, E)
mem = torch.randn(1, 5, E)
write_tensor("dec_y.txt", y[0], rows=tgt_words)
write_tensor("dec_y_pad.txt", y[0], rows=tgt_pad)
write_tensor("dec_mem.txt", mem[0], rows=src_words)
write_tensor("dec_mem_pad.txt", mem[0], rows=src_pad)
causal = nn.Transformer.generate_square_subsequent_mask(4)

for norm_first in (False, True):
    for act in ("relu", "gelu"):
        final = (norm_first, act) in ((False, "gelu"), (True, "relu"))
        name = "dec_%s_%s" % ("pre" if norm_first else "post", act)
        layer = nn.TransformerDecoderLayer(E, H, F, dropout=0.0, activation=act, batch_first=True,
                                           norm_first=norm_first)
        dec = nn.TransformerDecoder(layer, N, norm=nn.LayerNorm(E) if final else None)
        with torch.no_grad():
            for n_, p in dec.named_parameters():
                if "norm" in n_:
                    p.add_(0.1 * torch.randn_like(p))
        dec.train()
        save_npz(name + ".npz", dec.state_dict())
        write_tensor(name + ".txt", dec(y, mem, tgt_mask=causal)[0], rows=tgt_words)
        out = dec(y, mem, tgt_mask=causal, tgt_key_padding_mask=pad_mask(tgt_pad),
                  memory_key_padding_mask=pad_mask(src_pad))
        write_tensor(name + "_pad.txt", out[0], rows=tgt_pad)
        if name == "dec_post_relu":
            # cross-attention weights: the input of multihead_attn is norm1(y + self_attn(y)) in post-norm
            seen = layer_inputs(dec)
            dec(y, mem, tgt_mask=causal, memory_key_padding_mask=pad_mask(src_pad))
            w = []
            for l, s in zip(dec.layers, seen):
                h = l.norm1(s + l.self_attn(s, s, s, attn_mask=causal)[0])
                w.append(l.multihead_attn(h, mem, mem, key_padding_mask=pad_mask(src_pad),
                                          average_attn_weights=False)[1][0])
            write_tensor(name + "_mem_pad_cross.txt", torch.stack(w), rows=tgt_words, cols=src_pad)


# ---- a whole model, trained a little on a toy translation, for decode --generate ----
from toy_grammar import SPECIALS, UNTRAINED_TGT_VOCAB, lexicon, sentence, si, src_vocab, ti, tgt_vocab  # noqa: E402
from reference_beam import beam_search as beam  # noqa: E402


D, HEADS, FF, LAYERS = 16, 2, 32, 2
MAX_LEN = 16
model = nn.Transformer(D, HEADS, LAYERS, LAYERS, FF, dropout=0.0, batch_first=True)
src_embed = nn.Embedding(len(src_vocab), D)
tgt_embed = nn.Embedding(len(tgt_vocab), D)
generator = nn.Linear(D, len(tgt_vocab))


def sinusoid(T, d, base=10000.0):
    pos = np.arange(T, dtype=np.float64)[:, None]
    i2 = np.arange(0, d, 2, dtype=np.float64)
    angle = pos / base ** (i2 / d)
    pe = np.zeros((T, d))
    pe[:, 0::2], pe[:, 1::2] = np.sin(angle), np.cos(angle)
    return torch.tensor(pe, dtype=torch.float32)


PE = sinusoid(64, D)


def embed(table, ids):  # ids [B, T]: embedding * sqrt(d_model) + sinusoidal position (sections 3.4, 3.5)
    return table(ids) * math.sqrt(D) + PE[: ids.shape[1]]


def batch(n):
    pairs = [sentence() for _ in range(n)]
    S = max(len(s) for s, _ in pairs) + 1
    T = max(len(t) for _, t in pairs) + 2
    src = torch.full((n, S), si["<pad>"])
    tgt = torch.full((n, T), ti["<pad>"])
    for b, (s, t) in enumerate(pairs):
        ids = [si[w] for w in s] + [si["</s>"]]
        src[b, : len(ids)] = torch.tensor(ids)
        ids = [ti["<s>"]] + [ti[w] for w in t] + [ti["</s>"]]
        tgt[b, : len(ids)] = torch.tensor(ids)
    return src, tgt


params = list(model.parameters()) + list(src_embed.parameters()) + list(tgt_embed.parameters()) + \
    list(generator.parameters())
opt = torch.optim.Adam(params, lr=3e-3)
for step in range(1500):
    src, tgt = batch(32)
    inp, gold = tgt[:, :-1], tgt[:, 1:]
    out = model(embed(src_embed, src), embed(tgt_embed, inp),
                tgt_mask=nn.Transformer.generate_square_subsequent_mask(inp.shape[1]),
                src_key_padding_mask=src == si["<pad>"], tgt_key_padding_mask=inp == ti["<pad>"],
                memory_key_padding_mask=src == si["<pad>"])
    loss = nn.functional.cross_entropy(generator(out).reshape(-1, len(tgt_vocab)), gold.reshape(-1),
                                       ignore_index=ti["<pad>"])
    opt.zero_grad()
    loss.backward()
    opt.step()
print("toy translation: final training loss %.4f" % loss.item())

config = "\n".join([
    "arch transformer",
    "d_model %d" % D,
    "heads %d" % HEADS,
    "encoder_layers %d" % LAYERS,
    "decoder_layers %d" % LAYERS,
    "d_ff %d" % FF,
    "activation relu",
    "norm_first 0",
    "final_norm 1",
    "eps 1e-05",
    "scale 1",
    "posenc sinusoidal",
    "posenc_base 10000",
    "posenc_layout interleaved",
    "bos 0",
    "eos 1",
    "tie 0",
]) + "\n"
state = {"encoder." + k: v for k, v in model.encoder.state_dict().items()}
state.update({"decoder." + k: v for k, v in model.decoder.state_dict().items()})
state["src_embed.weight"] = src_embed.weight
state["tgt_embed.weight"] = tgt_embed.weight
state["generator.weight"] = generator.weight
state["generator.bias"] = generator.bias
save_npz("model.npz", state, {"config": config, "src_vocab": "\n".join(src_vocab) + "\n",
                              "tgt_vocab": "\n".join(tgt_vocab) + "\n"})

model.train()  # dropout is 0; train() keeps torch off its fast path, whose padding differs
lines = ["the big cat sat on the mat", "a dog ran under the small sofa", "the bird slept on a black cat",
         "a small dog slept under a black sofa", "the cat sat on the zebra"]
with open(os.path.join(OUT, "model_src.txt"), "w") as f:
    f.write("\n".join(lines) + "\n")
greedy, scores = [], None
with torch.no_grad():
    for n_line, line in enumerate(lines):
        src = torch.tensor([[si.get(w, si["<unk>"]) for w in line.split()] + [si["</s>"]]])
        memory = model.encoder(embed(src_embed, src))
        ys = [ti["<s>"]]
        rows = []
        while len(ys) - 1 < MAX_LEN:
            inp = torch.tensor([ys])
            out = model.decoder(embed(tgt_embed, inp), memory,
                                tgt_mask=nn.Transformer.generate_square_subsequent_mask(len(ys)))
            logp = torch.log_softmax(generator(out[0, -1]), dim=-1)
            rows.append(logp)
            ys.append(int(logp.argmax()))
            if ys[-1] == ti["</s>"]:
                break
        greedy.append(" ".join(tgt_vocab[i] for i in ys[1:] if i != ti["</s>"]))
        if n_line == 0:
            write_tensor("model_scores.txt", torch.stack(rows), rows=[tgt_vocab[i] for i in ys[1:]],
                         cols=tgt_vocab)
with open(os.path.join(OUT, "model_greedy.txt"), "w") as f:
    f.write("\n".join(greedy) + "\n")
print("\n".join(greedy))

# The same model without settings and vocabularies: they come from options and files instead.
save_npz("model_bare.npz", state)
# The embeddings alone (embed's parameter name is "weight"), to build the pipeline by hand
save_npz("src_embed.npz", {"weight": src_embed.weight})
save_npz("tgt_embed.npz", {"weight": tgt_embed.weight})
with torch.no_grad():  # torch's memory of the first line, for the pipeline embed | posenc | encode
    src = torch.tensor([[si[w] for w in lines[0].split()] + [si["</s>"]]])
    write_tensor("model_memory.txt", model.encoder(embed(src_embed, src))[0],
                 rows=lines[0].split() + ["</s>"])
for name, vocab in (("src_vocab.txt", src_vocab), ("tgt_vocab.txt", tgt_vocab)):
    with open(os.path.join(OUT, name), "w") as f:
        f.write("\n".join(vocab) + "\n")


# ---- beam search, over an untrained model (a trained one is too sure of itself to need a beam) ----
tgt_vocab = UNTRAINED_TGT_VOCAB  # from here on (toy_grammar.py says why)
ti = {w: i for i, w in enumerate(tgt_vocab)}
torch.manual_seed(1)
r_model = nn.Transformer(D, HEADS, LAYERS, LAYERS, FF, dropout=0.0, batch_first=True)
r_src, r_tgt = nn.Embedding(len(src_vocab), D), nn.Embedding(len(tgt_vocab), D)
r_gen = nn.Linear(D, len(tgt_vocab))
with torch.no_grad():  # make </s> likely enough that hypotheses finish at different lengths
    r_gen.bias[ti["</s>"]] += 1.5
r_state = {"encoder." + k: v for k, v in r_model.encoder.state_dict().items()}
r_state.update({"decoder." + k: v for k, v in r_model.decoder.state_dict().items()})
r_state.update({"src_embed.weight": r_src.weight, "tgt_embed.weight": r_tgt.weight,
                "generator.weight": r_gen.weight, "generator.bias": r_gen.bias})
save_npz("model_random.npz", r_state, {"config": config, "src_vocab": "\n".join(src_vocab) + "\n",
                                       "tgt_vocab": "\n".join(tgt_vocab) + "\n"})
r_model.train()
V, EOS = len(tgt_vocab), ti["</s>"]


def next_logprobs(memory, toks):
    ys = torch.tensor([[ti["<s>"]] + toks])
    out = r_model.decoder(embed(r_tgt, ys), memory,
                          tgt_mask=nn.Transformer.generate_square_subsequent_mask(ys.shape[1]))
    return torch.log_softmax(r_gen(out[0, -1]), dim=-1)


def beam_search(line, K, alpha, max_len):
    src = torch.tensor([[si.get(w, si["<unk>"]) for w in line.split()] + [si["</s>"]]])
    memory = r_model.encoder(embed(r_src, src))
    return " ".join(tgt_vocab[i] for i in beam(memory, next_logprobs, V, EOS, K, alpha, max_len))


with torch.no_grad():  # alpha = 1 ranks these as alpha = 0 does; alpha = 2 picks longer outputs for 4 of the 5
    for K, alpha in ((1, 0.0), (3, 0.0), (3, 1.0), (3, 2.0)):
        with open(os.path.join(OUT, "model_random_beam%d_lp%g.txt" % (K, alpha)), "w") as f:
            f.write("\n".join(beam_search(line, K, alpha, 8) for line in lines) + "\n")

# Archives whose settings are wrong, for the error tests (tiny: they fail before the layers load)
tiny = {"src_embed.weight": torch.zeros(4, 16)}
save_npz("model_bad_key.npz", tiny, {"config": "heads 2\ncolour blue\n"})
save_npz("model_bad_d_model.npz", tiny, {"config": "# d_model disagrees with src_embed.weight\nd_model 8\n"})

# Tied output projection (section 3.4): logits = y tgt_embed.weight^T + generator.bias, no generator.weight
t_state = {k: v for k, v in r_state.items() if k != "generator.weight"}
save_npz("model_tied.npz", t_state, {"config": config.replace("tie 0", "tie 1"),
                                     "src_vocab": "\n".join(src_vocab) + "\n",
                                     "tgt_vocab": "\n".join(tgt_vocab) + "\n"})
with torch.no_grad():
    tied = []
    for n_line, line in enumerate(lines):
        src = torch.tensor([[si.get(w, si["<unk>"]) for w in line.split()] + [si["</s>"]]])
        memory = r_model.encoder(embed(r_src, src))
        ys, rows = [], []
        while len(ys) < 8:
            inp = torch.tensor([[ti["<s>"]] + ys])
            out = r_model.decoder(embed(r_tgt, inp), memory,
                                  tgt_mask=nn.Transformer.generate_square_subsequent_mask(inp.shape[1]))
            logits = out[0, -1] @ r_tgt.weight.T + r_gen.bias
            rows.append(torch.log_softmax(logits, dim=-1))
            ys.append(int(logits.argmax()))
            if ys[-1] == EOS:
                break
        tied.append(" ".join(tgt_vocab[i] for i in ys if i != EOS))
        if n_line == 0:
            write_tensor("model_tied_scores.txt", torch.stack(rows), rows=[tgt_vocab[i] for i in ys],
                         cols=tgt_vocab)
with open(os.path.join(OUT, "model_tied_greedy.txt"), "w") as f:
    f.write("\n".join(tied) + "\n")

# Exact ties, for the tie rule of beam search (tests/golden/reference_beam.py): the random model with the
# target token "grand" made a copy of "petit" (embedding, generator row and bias), so that every prefix
# gives the two exactly the same log-probability and every hypothesis with one has a twin with the other.
# The rule gives the lower token id, "grand", at every step, and the twin that finished first at the end.
tie_a, tie_b = ti["petit"], ti["grand"]
tie_state = {k: v.detach().clone() for k, v in r_state.items()}
for key in ("tgt_embed.weight", "generator.weight"):
    tie_state[key][tie_b] = tie_state[key][tie_a]
tie_state["generator.bias"][tie_b] = tie_state["generator.bias"][tie_a]
save_npz("model_tie.npz", tie_state, {"config": config, "src_vocab": "\n".join(src_vocab) + "\n",
                                      "tgt_vocab": "\n".join(tgt_vocab) + "\n"})
tie_tgt = nn.Embedding.from_pretrained(tie_state["tgt_embed.weight"])
tie_gen = nn.Linear(D, len(tgt_vocab))
with torch.no_grad():
    tie_gen.weight.copy_(tie_state["generator.weight"])
    tie_gen.bias.copy_(tie_state["generator.bias"])


def tie_logprobs(memory, toks):
    ys = torch.tensor([[ti["<s>"]] + toks])
    out = r_model.decoder(embed(tie_tgt, ys), memory,
                          tgt_mask=nn.Transformer.generate_square_subsequent_mask(ys.shape[1]))
    logp = torch.log_softmax(tie_gen(out[0, -1]), dim=-1)
    assert logp[tie_a] == logp[tie_b], "torch did not give the twins exactly equal log-probabilities"
    return logp


with torch.no_grad():
    for K in (1, 3):
        outs = []
        for line in lines:
            src = torch.tensor([[si.get(w, si["<unk>"]) for w in line.split()] + [si["</s>"]]])
            memory = r_model.encoder(embed(r_src, src))
            outs.append(" ".join(tgt_vocab[i] for i in beam(memory, tie_logprobs, V, EOS, K, 0.0, 8)))
        with open(os.path.join(OUT, "model_tie_beam%d.txt" % K), "w") as f:
            f.write("\n".join(outs) + "\n")
