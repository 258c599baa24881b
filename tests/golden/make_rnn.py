#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Golden files for tests/rnn-seq2seq.bats: torch.nn.RNN / GRU / LSTM, the over-time attention and the
attention decoder written as a plain loop with torch's RNNCell / GRUCell / LSTMCell.

Run with Debian's python3 (torch 1.13, numpy 1.24) from the repository root:
    /usr/bin/python3 tests/golden/make_rnn.py
"""
import os

import numpy as np
import torch
import torch.nn as nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rnn")
torch.manual_seed(7)
torch.set_default_dtype(torch.float32)


def write_text(path, tensors):
    """Our text stream: '#tensor' header, labels, one row per line, every float32 exact (%.9g)."""
    with open(path, "w") as f:
        for t, rows in tensors:
            a = np.asarray(t, dtype=np.float32)
            if a.ndim == 1:
                a = a[None, :]
            f.write("#tensor %d %d\n" % a.shape)
            if rows:
                f.write("#rows %s\n" % " ".join(rows))
            for r in a:
                f.write(" ".join("%.9g" % v for v in r) + "\n")


def save_npz(path, state):
    np.savez_compressed(path, **{k: v.detach().numpy().astype(np.float32) for k, v in state.items()})


# --- encoders: torch.nn.RNN / GRU / LSTM, batch_first, zero initial state ---------------------------
T, I, H = 5, 4, 3
words = ["the", "cat", "sat", "on", "mats"]
x = torch.randn(T, I)
write_text(os.path.join(OUT, "x.txt"), [(x, words)])

modules = {"rnn": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}
for arch, cls in modules.items():
    for layers in (1, 2):
        for bidir in (False, True):
            tag = "%s-l%d%s" % (arch, layers, "-bi" if bidir else "")
            m = cls(I, H, num_layers=layers, bidirectional=bidir, batch_first=True)
            with torch.no_grad():
                out, state = m(x[None])
            h_n = state[0] if arch == "lstm" else state
            D = 2 if bidir else 1
            save_npz(os.path.join(OUT, tag + ".npz"), m.state_dict())
            write_text(os.path.join(OUT, tag + ".out.txt"), [(out[0], words)])
            # --last: the top layer's final states, [h_n forward; h_n backward]
            last = torch.cat([h_n[(layers - 1) * D + d, 0] for d in range(D)])
            write_text(os.path.join(OUT, tag + ".last.txt"), [(last, None)])

# --- the over-time attention of the LSTM + attention model (Keras recipe: Permute, Dense softmax, multiply)
lstm = nn.LSTM(I, H, batch_first=True)
over_time = nn.Linear(T, T)
with torch.no_grad():
    o, _ = lstm(x[None])
    o = o[0]                                            # [T, H]
    a = torch.softmax(over_time(o.t()), dim=-1).t()     # dense over time per feature, softmax over time
    y = o * a
state = {k: v for k, v in lstm.state_dict().items()}
state.update({"over_time." + k: v for k, v in over_time.state_dict().items()})
save_npz(os.path.join(OUT, "lstm-over-time.npz"), state)
write_text(os.path.join(OUT, "lstm-over-time.out.txt"), [(y, words)])
write_text(os.path.join(OUT, "lstm-over-time.attn.txt"), [(a, words)])

# --- the attention decoder, a reference loop with torch's cells ------------------------------------
S, Dm, E, Hdec, Hd, Tout = 5, 6, 4, 6, 5, 4
targets = ["<s>", "le", "chat", "assis"]
memory = torch.randn(S, Dm)
ydec = torch.randn(Tout, E)
write_text(os.path.join(OUT, "memory.txt"), [(memory, words)])
write_text(os.path.join(OUT, "y.txt"), [(ydec, targets)])

cells = {"rnn": nn.RNNCell, "gru": nn.GRUCell, "lstm": nn.LSTMCell}
for arch, cls in cells.items():
    for score in ("additive", "general", "dot"):
        for init in ("last", "zeros"):
            if init == "zeros" and score != "additive":
                continue
            tag = "dec-%s-%s%s" % (arch, score, "-zeros" if init == "zeros" else "")
            cell = cls(E + Dm, Hdec)
            out_layer = nn.Linear(Hdec + Dm, Hdec)
            state = {"cell." + k: v for k, v in cell.state_dict().items()}
            state.update({"out." + k: v for k, v in out_layer.state_dict().items()})
            if score == "general":
                W = torch.randn(Hdec, Dm) * 0.4
                state["attn.W"] = W
            elif score == "additive":
                W1 = nn.Linear(Hdec, Hd, bias=False).weight.detach()
                W2 = nn.Linear(Dm, Hd, bias=False).weight.detach()
                v = torch.randn(Hd)
                state.update({"attn.W1": W1, "attn.W2": W2, "attn.v": v})

            def f_att(s):  # e_j = score(s_{t-1}, h_j), [S]
                if score == "dot":
                    return memory @ s
                if score == "general":
                    return memory @ (W.t() @ s)   # s^T W h_j
                return torch.tanh(s @ W1.t() + memory @ W2.t()) @ v

            with torch.no_grad():
                s = memory[-1].clone() if init == "last" else torch.zeros(Hdec)
                c = torch.zeros(Hdec)
                outs, align = [], []
                for t in range(Tout):
                    a = torch.softmax(f_att(s), dim=0)
                    ctx = a @ memory
                    inp = torch.cat([ydec[t], ctx])[None]
                    if arch == "lstm":
                        s, c = cell(inp, (s[None], c[None]))
                        s, c = s[0], c[0]
                    else:
                        s = cell(inp, s[None])[0]
                    outs.append(torch.tanh(out_layer(torch.cat([s, ctx]))))
                    align.append(a)
            save_npz(os.path.join(OUT, tag + ".npz"), state)
            write_text(os.path.join(OUT, tag + ".out.txt"), [(torch.stack(outs), targets)])
            write_text(os.path.join(OUT, tag + ".attn.txt"), [(torch.stack(align), targets)])

# --- whole models for decode --generate: embeddings, encoder, attention decoder, generator -----------
# The archive convention (docs/rnn-seq2seq.md): encoder.* = torch.nn.GRU/LSTM/RNN's state_dict,
# decoder.* = the decoder above (cell.*, out.*, attn.*), src_embed.weight, tgt_embed.weight,
# generator.weight and .bias, and the text entries config, src_vocab, tgt_vocab.
from toy_grammar import SPECIALS, UNTRAINED_TGT_VOCAB, lexicon, sentence, si, src_vocab, ti, tgt_vocab  # noqa: E402
from reference_beam import beam_search as beam  # noqa: E402


class Seq2seq(nn.Module):
    """The model of docs/rnn-seq2seq.md, written with torch's modules and the decoder loop above."""

    def __init__(self, arch, E, H, layers, bidir, Hdec, score, Hd, init):
        super().__init__()
        D = 2 if bidir else 1
        self.arch, self.score, self.init, self.Dm = arch, score, init, D * H
        self.src_embed = nn.Embedding(len(src_vocab), E)
        self.tgt_embed = nn.Embedding(len(tgt_vocab), E)
        self.encoder = modules[arch](E, H, num_layers=layers, bidirectional=bidir, batch_first=True)
        self.cell = cells[arch](E + self.Dm, Hdec)
        self.out = nn.Linear(Hdec + self.Dm, Hdec)
        self.generator = nn.Linear(Hdec, len(tgt_vocab))
        if score == "general":
            self.W = nn.Parameter(torch.randn(Hdec, self.Dm) * 0.3)
        elif score == "additive":
            self.W1 = nn.Linear(Hdec, Hd, bias=False)
            self.W2 = nn.Linear(self.Dm, Hd, bias=False)
            self.v = nn.Parameter(torch.randn(Hd) * 0.3)

    def encode(self, src):                                   # src [S] ids -> memory [S, Dm]
        return self.encoder(self.src_embed(src)[None])[0][0]

    def f_att(self, s, memory):
        if self.score == "dot":
            return memory @ s
        if self.score == "general":
            return memory @ (self.W.t() @ s)
        return torch.tanh(self.W1(s) + self.W2(memory)) @ self.v

    def start(self, memory):
        H = self.cell.hidden_size
        s = memory[-1].clone() if self.init == "last" else torch.zeros(H)
        return (s, torch.zeros(H))

    def step(self, state, y_prev, memory):                  # one decoder step -> logprobs, state, a_t
        s, c = state
        a = torch.softmax(self.f_att(s, memory), dim=0)
        ctx = a @ memory
        inp = torch.cat([self.tgt_embed(y_prev), ctx])[None]
        if self.arch == "lstm":
            s, c = self.cell(inp, (s[None], c[None]))
            s, c = s[0], c[0]
        else:
            s = self.cell(inp, s[None])[0]
        o = torch.tanh(self.out(torch.cat([s, ctx])))
        return torch.log_softmax(self.generator(o), dim=-1), (s, c), a

    def state_for_npz(self):
        sd = self.state_dict()
        out = {}
        for k, v in sd.items():
            for mod in ("encoder.", "src_embed.", "tgt_embed.", "generator."):
                if k.startswith(mod):
                    out[k] = v
            if k.startswith("cell.") or k.startswith("out."):
                out["decoder." + k] = v
        for name in ("W", "W1.weight", "W2.weight", "v"):
            if name in sd:
                out["decoder.attn." + name.split(".")[0]] = sd[name]
        return out


def save_model(path, model, config):
    arrays = {k: v.detach().numpy().astype(np.float32) for k, v in model.state_for_npz().items()}
    arrays["config"] = np.frombuffer(config.encode(), dtype=np.uint8)
    arrays["src_vocab"] = np.frombuffer(("\n".join(src_vocab) + "\n").encode(), dtype=np.uint8)
    arrays["tgt_vocab"] = np.frombuffer(("\n".join(tgt_vocab) + "\n").encode(), dtype=np.uint8)
    np.savez_compressed(path, **arrays)


def greedy(model, line, max_len):
    src = torch.tensor([si.get(w, si["<unk>"]) for w in line.split()] + [si["</s>"]])
    memory = model.encode(src)
    state, ys, rows, align = model.start(memory), [ti["<s>"]], [], []
    while len(ys) - 1 < max_len:
        logp, state, a = model.step(state, torch.tensor(ys[-1]), memory)
        rows.append(logp)
        align.append(a)
        ys.append(int(logp.argmax()))
        if ys[-1] == ti["</s>"]:
            break
    return ys[1:], torch.stack(rows), torch.stack(align)


def write_generation(tag, model, lines, max_len):
    outs = []
    with torch.no_grad():
        for n, line in enumerate(lines):
            ys, rows, align = greedy(model, line, max_len)
            outs.append(" ".join(tgt_vocab[i] for i in ys if i != ti["</s>"]))
            if n == 0:
                labels = [tgt_vocab[i] for i in ys]
                write_text(os.path.join(OUT, tag + "-scores.txt"), [(rows, labels)])
                write_text(os.path.join(OUT, tag + "-align.txt"), [(align, labels)])
    with open(os.path.join(OUT, tag + "-greedy.txt"), "w") as f:
        f.write("\n".join(outs) + "\n")
    print(tag, outs)


lines = ["the big cat sat on the mat", "a dog ran under the small sofa", "the bird slept on a black cat",
         "a small black dog sat on the big mat", "the cat sat on the zebra"]
with open(os.path.join(OUT, "model-src.txt"), "w") as f:
    f.write("\n".join(lines) + "\n")

# a GRU seq2seq with additive attention, trained a little on the toy translation
torch.manual_seed(11)
gru = Seq2seq("gru", 16, 16, 1, True, 32, "additive", 16, "last")
opt = torch.optim.Adam(gru.parameters(), lr=3e-3)
for step in range(2500):
    s, t = sentence()
    src = torch.tensor([si[w] for w in s] + [si["</s>"]])
    tgt = [ti["<s>"]] + [ti[w] for w in t] + [ti["</s>"]]
    memory = gru.encode(src)
    state, loss = gru.start(memory), 0.0
    for i in range(len(tgt) - 1):
        logp, state, _ = gru.step(state, torch.tensor(tgt[i]), memory)
        loss = loss - logp[tgt[i + 1]]
    opt.zero_grad()
    (loss / (len(tgt) - 1)).backward()
    opt.step()
print("gru model: last loss %.4f" % (loss.item() / (len(tgt) - 1)))
save_model(os.path.join(OUT, "model-gru.npz"), gru,
           "arch gru\nhidden 16\nencoder_layers 1\nbidirectional 1\ndecoder_hidden 32\nscore additive\n"
           "attn_hidden 16\ninit last\neos 1\n")
write_generation("model-gru", gru, lines, 16)
# archives whose settings do not describe their parameters, for the error tests
save_model(os.path.join(OUT, "model-bad-shape.npz"), gru,
           "arch gru\nhidden 16\nbidirectional 0\ndecoder_hidden 16\neos 1\n")
np.savez_compressed(os.path.join(OUT, "model-bad-key.npz"), **{
    "src_embed.weight": np.zeros((4, 8), np.float32), "tgt_embed.weight": np.zeros((4, 8), np.float32),
    "config": np.frombuffer(b"arch lstm\nheads 2\n", dtype=np.uint8)})

tgt_vocab = UNTRAINED_TGT_VOCAB  # the untrained models from here on (toy_grammar.py says why)
ti = {w: i for i, w in enumerate(tgt_vocab)}

# an untrained LSTM seq2seq (2 encoder layers, general score, s_0 = 0): the other code paths
torch.manual_seed(12)
lstm_model = Seq2seq("lstm", 8, 6, 2, False, 10, "general", 0, "zeros")
save_model(os.path.join(OUT, "model-lstm.npz"), lstm_model,
           "arch lstm\nhidden 6\nencoder_layers 2\nbidirectional 0\ndecoder_hidden 10\nscore general\n"
           "init zeros\neos 1\n")
write_generation("model-lstm", lstm_model, lines, 6)

# beam search over an untrained tanh-RNN model with the dot score (the same search as the Transformer's
# reference in make_transformer.py, with the state recomputed from <s> for every prefix)
torch.manual_seed(13)
r_model = Seq2seq("rnn", 8, 5, 1, True, 10, "dot", 0, "last")
with torch.no_grad():  # make </s> likely enough that hypotheses finish at different lengths
    r_model.generator.weight *= 5
    r_model.generator.bias[ti["</s>"]] += 0.3
save_model(os.path.join(OUT, "model-rnn.npz"), r_model,
           "arch rnn\nhidden 5\nbidirectional 1\nscore dot\neos 1\n")
V, EOS = len(tgt_vocab), ti["</s>"]


def next_logprobs(memory, toks):
    state = r_model.start(memory)
    for tok in [ti["<s>"]] + toks:
        logp, state, _ = r_model.step(state, torch.tensor(tok), memory)
    return logp


def beam_search(line, K, alpha, max_len):
    src = torch.tensor([si.get(w, si["<unk>"]) for w in line.split()] + [si["</s>"]])
    memory = r_model.encode(src)
    return " ".join(tgt_vocab[i] for i in beam(memory, next_logprobs, V, EOS, K, alpha, max_len))


with torch.no_grad():
    for K, alpha in ((1, 0.0), (3, 0.0), (3, 1.0)):
        outs = [beam_search(line, K, alpha, 8) for line in lines]
        print("beam", K, alpha, outs)
        with open(os.path.join(OUT, "model-rnn-beam%d-lp%g.txt" % (K, alpha)), "w") as f:
            f.write("\n".join(outs) + "\n")

# Beam search over an untrained LSTM model (additive score, s_0 = the last memory row): the cell state c
# must follow each hypothesis to its parent's, as s does. Generator scaled and </s> raised so that the
# hypotheses differ and finish at different lengths; alpha = 2 changes the choice for 4 of the 5 lines.
torch.manual_seed(14)
l_model = Seq2seq("lstm", 8, 5, 1, True, 10, "additive", 6, "last")
with torch.no_grad():
    l_model.generator.weight *= 5
    l_model.generator.bias[ti["</s>"]] += 0.8
save_model(os.path.join(OUT, "model-lstm-beam.npz"), l_model,
           "arch lstm\nhidden 5\nbidirectional 1\ndecoder_hidden 10\nscore additive\nattn_hidden 6\ninit last\neos 1\n")


def lstm_logprobs(memory, toks):
    state = l_model.start(memory)
    for tok in [ti["<s>"]] + toks:
        logp, state, _ = l_model.step(state, torch.tensor(tok), memory)
    return logp


with torch.no_grad():
    for K, alpha in ((1, 0.0), (3, 0.0), (3, 2.0)):
        outs = []
        for line in lines:
            src = torch.tensor([si.get(w, si["<unk>"]) for w in line.split()] + [si["</s>"]])
            outs.append(" ".join(tgt_vocab[i] for i in beam(l_model.encode(src), lstm_logprobs, V, EOS, K, alpha, 8)))
        print("lstm beam", K, alpha, outs)
        with open(os.path.join(OUT, "model-lstm-beam%d-lp%g.txt" % (K, alpha)), "w") as f:
            f.write("\n".join(outs) + "\n")
