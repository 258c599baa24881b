#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Golden files for tests/grad.bats and tests/train.bats, from PyTorch's autograd and torch.optim.Adam.

Run with Debian's python3 (numpy, torch) from the repository root:
    /usr/bin/python3 tests/golden/make_train.py
Writes tests/golden/train/:
  kernels.npz   one case per backward pass of lib/ (tests/unit/grad_test.c reads it): for case C,
                C.<input> the inputs, C.d_out the upstream gradient, C.out torch's output and
                C.grad.<input> torch's gradient of sum(d_out * out) with respect to each input.
"""
import math
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as Fn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "train")
os.makedirs(OUT, exist_ok=True)
torch.manual_seed(0)
torch.set_num_threads(1)

kernels = {}


def case(name, inputs, f):
    """inputs: {name: tensor}; f(**inputs) -> output. Saves inputs, d_out, out and the gradients."""
    xs = {k: v.clone().detach().requires_grad_(True) for k, v in inputs.items()}
    out = f(**xs).reshape(-1)  # a scalar loss as one value
    d_out = torch.randn_like(out)
    (out * d_out).sum().backward()
    for k, v in xs.items():
        kernels["%s.%s" % (name, k)] = v.detach().numpy()
        kernels["%s.grad.%s" % (name, k)] = v.grad.numpy()
    kernels[name + ".out"] = out.detach().numpy()
    kernels[name + ".d_out"] = d_out.numpy()


def allowed(rows):
    return torch.tensor(rows, dtype=torch.bool)


ATTN_ALLOWED = allowed([[1, 1, 0, 1], [0, 1, 1, 1], [1, 0, 0, 0]])
PAD_ALLOWED = allowed([[1, 1, 1, 0]] * 4) & torch.tril(torch.ones(4, 4, dtype=torch.bool))
CROSS_ALLOWED = allowed([[1, 1, 1, 1, 0]] * 3)


def attention(q, k, v, ok):
    scores = q @ k.T / math.sqrt(q.shape[1])
    return torch.softmax(scores.masked_fill(~ok, float("-inf")), dim=-1) @ v


def mha_module(E, H):
    m = nn.MultiheadAttention(E, H, batch_first=True)
    with torch.no_grad():  # biases away from zero, so that their gradients are seen
        m.in_proj_bias.normal_()
        m.out_proj.bias.normal_()
    return m


def mha_case(name, T, S, ok, self_attention):
    E, H = 8, 2
    m = mha_module(E, H)
    params = {k: v.detach() for k, v in m.named_parameters()}
    inputs = {"x": torch.randn(T, E)}
    if not self_attention:
        inputs["memory"] = torch.randn(S, E)
    inputs.update(params)

    def f(x, memory=None, **p):
        key = x if memory is None else memory
        # torch's attn_mask: True = blocked
        out, _ = nn.functional.multi_head_attention_forward(
            x[:, None], key[:, None], key[:, None], E, H, p["in_proj_weight"], p["in_proj_bias"], None, None,
            False, 0.0, p["out_proj.weight"], p["out_proj.bias"], training=False, attn_mask=~ok)
        return out[:, 0]
    case(name, inputs, f)


case("linear", {"x": torch.randn(3, 5), "weight": torch.randn(4, 5), "bias": torch.randn(4)},
     lambda x, weight, bias: Fn.linear(x, weight, bias))
case("layer_norm", {"x": torch.randn(3, 6), "weight": torch.randn(6), "bias": torch.randn(6)},
     lambda x, weight, bias: Fn.layer_norm(x, (6,), weight, bias, 1e-5))
case("relu", {"x": torch.randn(12)}, lambda x: torch.relu(x))
case("gelu", {"x": torch.randn(12)}, lambda x: Fn.gelu(x))
case("softmax", {"x": torch.randn(3, 5)}, lambda x: torch.softmax(x, dim=-1))
case("attention", {"q": torch.randn(3, 5), "k": torch.randn(4, 5), "v": torch.randn(4, 3)},
     lambda q, k, v: attention(q, k, v, ATTN_ALLOWED))
case("attention_causal", {"q": torch.randn(4, 5), "k": torch.randn(4, 5), "v": torch.randn(4, 3)},
     lambda q, k, v: attention(q, k, v, PAD_ALLOWED))
mha_case("mha_self", 4, 4, PAD_ALLOWED, True)
ATTN_DROP = torch.tensor([0.0 if i % 3 == 1 else 2.0 for i in range(32)]).reshape(2, 4, 4)


def mha_dropout_case(name):
    """Self-attention written out, with a fixed dropout mask on the attention weights (what
    nn.MultiheadAttention(dropout=p) does with a random one in training)."""
    E, H, T = 8, 2, 4
    m = mha_module(E, H)
    inputs = {"x": torch.randn(T, E)}
    inputs.update({k: v.detach() for k, v in m.named_parameters()})

    def f(x, **p):
        q, k, v = Fn.linear(x, p["in_proj_weight"], p["in_proj_bias"]).chunk(3, dim=-1)
        split = lambda a: a.reshape(T, H, E // H).transpose(0, 1)  # noqa: E731
        scores = split(q) @ split(k).transpose(1, 2) / math.sqrt(E // H)
        w = torch.softmax(scores.masked_fill(~PAD_ALLOWED, float("-inf")), dim=-1)
        heads = (w * ATTN_DROP) @ split(v)
        return Fn.linear(heads.transpose(0, 1).reshape(T, E), p["out_proj.weight"], p["out_proj.bias"])
    case(name, inputs, f)


mha_dropout_case("mha_self_dropout")
mha_case("mha_cross", 3, 5, CROSS_ALLOWED, False)
case("embedding", {"weight": torch.randn(5, 4)},
     lambda weight: Fn.embedding(torch.tensor([1, 3, 1, 4]), weight) * math.sqrt(4))
case("cross_entropy", {"logits": torch.randn(5, 6)},
     lambda logits: Fn.cross_entropy(logits, torch.tensor([2, 0, 5, 1, 5]), ignore_index=0,
                                     label_smoothing=0.1))
DROP = torch.tensor([0.0 if i % 3 == 1 else 2.0 for i in range(18)]).reshape(3, 6)
case("feed_forward", {"x": torch.randn(3, 4), "linear1.weight": torch.randn(6, 4), "linear1.bias": torch.randn(6),
                      "linear2.weight": torch.randn(4, 6), "linear2.bias": torch.randn(4)},
     lambda x, **p: Fn.linear(Fn.gelu(Fn.linear(x, p["linear1.weight"], p["linear1.bias"])) * DROP,
                              p["linear2.weight"], p["linear2.bias"]))

# Adam as the course sets it (betas 0.9, 0.98, eps 1e-9), five steps over given gradients
param = torch.randn(10, requires_grad=True)
kernels["adam.param"] = param.detach().clone().numpy()
opt = torch.optim.Adam([param], lr=0.01, betas=(0.9, 0.98), eps=1e-9)
grads = torch.randn(5, 10)
for g in grads:
    param.grad = g.clone()
    opt.step()
kernels["adam.grads"] = grads.numpy()
kernels["adam.after"] = param.detach().numpy()
# the noam schedule through torch's LambdaLR, d_model 16, warmup 4, scale 2, steps 1 .. 10
p = torch.zeros(1, requires_grad=True)
opt = torch.optim.Adam([p], lr=1.0)
sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda i: 2 * 16 ** -0.5 * min((i + 1) ** -0.5, (i + 1) * 4 ** -1.5))
rates = []
for _ in range(10):
    rates.append(opt.param_groups[0]["lr"])
    opt.step()
    sched.step()
kernels["noam.rates"] = np.array(rates)


# ---- the recurrent seq2seq's backward passes (after every case above, so that their inputs stay the same) ----
from torch import _VF  # noqa: E402  (the functions nn.GRU, nn.LSTM, nn.RNN and their cells call)

RNN_FN = {"tanh": _VF.rnn_tanh, "gru": _VF.gru, "lstm": _VF.lstm}
CELL_FN = {"tanh": _VF.rnn_tanh_cell, "gru": _VF.gru_cell, "lstm": _VF.lstm_cell}
GATES = {"tanh": 1, "gru": 3, "lstm": 4}


def rnn_case(name, kind, T, I, H, L, bi):
    """torch.nn.RNN / GRU / LSTM (batch_first, zero initial state) over x[T,I]: out [T, D*H]"""
    D, G = (2 if bi else 1), GATES[kind]
    inputs, order = {"x": torch.randn(T, I)}, []
    for k in range(L):
        for d in range(D):
            sfx = "_l%d%s" % (k, "_reverse" if d else "")
            width = I if k == 0 else D * H
            for what, shape in (("weight_ih", (G * H, width)), ("weight_hh", (G * H, H)), ("bias_ih", (G * H,)),
                                ("bias_hh", (G * H,))):
                inputs[what + sfx] = torch.empty(shape).uniform_(-H ** -0.5, H ** -0.5)
                order.append(what + sfx)

    def f(x, **p):
        h0 = torch.zeros(L * D, 1, H)
        hx = (h0, h0) if kind == "lstm" else h0
        return RNN_FN[kind](x[None], hx, [p[n] for n in order], True, L, 0.0, False, bi, True)[0][0]
    case(name, inputs, f)


def dec_case(name, kind, score, T, S, E, Dm, H, Hd):
    """the attention decoder of docs/rnn-seq2seq.md (the loop of make_rnn.py) over y[T,E], memory[S,Dm], from s0[H]"""
    G = GATES[kind]
    inputs = {"y": torch.randn(T, E), "memory": torch.randn(S, Dm), "s0": torch.randn(H)}
    if score == "general":
        inputs["attn.W"] = torch.randn(H, Dm) * 0.4
    elif score == "additive":
        inputs.update({"attn.W1": torch.randn(Hd, H) * 0.4, "attn.W2": torch.randn(Hd, Dm) * 0.4,
                       "attn.v": torch.randn(Hd)})
    b = H ** -0.5
    inputs.update({"cell.weight_ih": torch.empty(G * H, E + Dm).uniform_(-b, b),
                   "cell.weight_hh": torch.empty(G * H, H).uniform_(-b, b),
                   "cell.bias_ih": torch.empty(G * H).uniform_(-b, b), "cell.bias_hh": torch.empty(G * H).uniform_(-b, b),
                   "out.weight": torch.randn(H, H + Dm) * 0.3, "out.bias": torch.randn(H) * 0.3})

    def f(y, memory, s0, **p):
        s, c, outs = s0[None], torch.zeros(1, H), []
        for t in range(T):
            if score == "dot":
                e = memory @ s[0]
            elif score == "general":
                e = memory @ (p["attn.W"].t() @ s[0])
            else:
                e = torch.tanh(s[0] @ p["attn.W1"].t() + memory @ p["attn.W2"].t()) @ p["attn.v"]
            ctx = torch.softmax(e, dim=0) @ memory
            inp = torch.cat([y[t], ctx])[None]
            cw = (p["cell.weight_ih"], p["cell.weight_hh"], p["cell.bias_ih"], p["cell.bias_hh"])
            if kind == "lstm":
                s, c = CELL_FN[kind](inp, (s, c), *cw)
            else:
                s = CELL_FN[kind](inp, s, *cw)
            outs.append(torch.tanh(Fn.linear(torch.cat([s[0], ctx]), p["out.weight"], p["out.bias"])))
        return torch.stack(outs)
    case(name, inputs, f)


rnn_case("rnn_tanh", "tanh", 4, 3, 4, 2, False)
rnn_case("rnn_gru", "gru", 4, 3, 4, 2, True)
rnn_case("rnn_lstm", "lstm", 4, 3, 4, 1, True)
dec_case("dec_gru_additive", "gru", "additive", 4, 5, 3, 6, 4, 5)
dec_case("dec_lstm_general", "lstm", "general", 4, 5, 3, 6, 4, 0)
dec_case("dec_rnn_dot", "tanh", "dot", 4, 5, 3, 4, 4, 0)

np.savez(os.path.join(OUT, "kernels.npz"), **{k: np.asarray(v, dtype=np.float32) for k, v in kernels.items()})
print("kernels.npz: %d cases" % len({k.split(".")[0] for k in kernels}))


# ---- whole models: a batch of three pairs (padded in torch's batch), from the same initial weights ----
"""
  <name>_init.npz    the initial model, exported as docs/transformer.md shows (config, vocabularies)
  <name>_grads.npz   torch's gradients of the first step's loss, one entry per parameter (train --save-grads)
  <name>_loss.txt    torch's loss of each of the five steps
  <name>_after5.npz  the parameters after five Adam steps at a constant lr 1e-3 (betas 0.9 0.98, eps 1e-6)
The Adam epsilon of this golden is 1e-6, not the course's 1e-9: the key projection's bias has a gradient
that is zero in exact arithmetic (softmax does not change when a score row shifts), so both torch and we
compute rounding noise of about 1e-9 there, and with eps 1e-9 Adam divides that noise by its own size
and moves those biases by +-lr in directions that are noise. eps 1e-6 keeps such noise out of the update.
  batch.tsv          the three pairs, source TAB target
"""
from toy_grammar import sentence, si, src_vocab, ti, tgt_vocab  # noqa: E402

pairs = [sentence() for _ in range(3)]
with open(os.path.join(OUT, "batch.tsv"), "w") as f:
    for s, t in pairs:
        f.write(" ".join(s) + "\t" + " ".join(t) + "\n")


def sinusoid(T, d, base=10000.0):
    pos = np.arange(T, dtype=np.float64)[:, None]
    angle = pos / base ** (np.arange(0, d, 2, dtype=np.float64) / d)
    pe = np.zeros((T, d))
    pe[:, 0::2], pe[:, 1::2] = np.sin(angle), np.cos(angle)
    return torch.tensor(pe, dtype=torch.float32)


def text(s):
    return np.frombuffer(s.encode(), dtype=np.uint8)


def padded_batch():
    """the three pairs as one padded batch: src [3,S] ids + </s>, tgt [3,T] <s> ids </s>"""
    S = max(len(s) for s, _ in pairs) + 1
    T = max(len(t) for _, t in pairs) + 2
    src = torch.full((3, S), si["<pad>"])
    tgt = torch.full((3, T), ti["<pad>"])
    for b, (s, t) in enumerate(pairs):
        ids = [si[w] for w in s] + [si["</s>"]]
        src[b, :len(ids)] = torch.tensor(ids)
        ids = [ti["<s>"]] + [ti[w] for w in t] + [ti["</s>"]]
        tgt[b, :len(ids)] = torch.tensor(ids)
    return src, tgt, S, T


def whole_model(name, norm_first, activation, tie, scale, smoothing):
    E, H, F, N = 8, 2, 16, 2
    torch.manual_seed(len(name))
    model = nn.Transformer(E, H, N, N, F, dropout=0.0, activation=activation, batch_first=True,
                           norm_first=norm_first)
    src_embed, tgt_embed = nn.Embedding(len(src_vocab), E), nn.Embedding(len(tgt_vocab), E)
    gen = nn.Linear(E, len(tgt_vocab))
    with torch.no_grad():  # LayerNorm's parameters away from 1 and 0, so that their gradients are seen
        for n_, p in model.named_parameters():
            if "norm" in n_:
                p.add_(0.1 * torch.randn_like(p))
    named = [("encoder." + k, v) for k, v in model.encoder.named_parameters()]
    named += [("decoder." + k, v) for k, v in model.decoder.named_parameters()]
    named += [("src_embed.weight", src_embed.weight), ("tgt_embed.weight", tgt_embed.weight)]
    if not tie:
        named.append(("generator.weight", gen.weight))
    named.append(("generator.bias", gen.bias))
    config = ("arch transformer\nd_model %d\nheads %d\nencoder_layers %d\ndecoder_layers %d\nd_ff %d\n"
              "activation %s\nnorm_first %d\nfinal_norm 1\neps 1e-05\nscale %d\nposenc sinusoidal\n"
              "posenc_base 10000\nposenc_layout interleaved\nbos 0\neos 1\nchars 0\ntie %d\n"
              % (E, H, N, N, F, activation, norm_first, scale, tie))
    arrays = {k: v.detach().numpy().copy() for k, v in named}
    arrays.update(config=text(config), src_vocab=text("\n".join(src_vocab) + "\n"),
                  tgt_vocab=text("\n".join(tgt_vocab) + "\n"))
    np.savez(os.path.join(OUT, name + "_init.npz"), **arrays)

    src, tgt, S, T = padded_batch()
    inp, gold = tgt[:, :-1], tgt[:, 1:]
    factor = math.sqrt(E) if scale else 1.0
    PE = sinusoid(64, E)
    model.train()
    opt = torch.optim.Adam([v for _, v in named], lr=1e-3, betas=(0.9, 0.98), eps=1e-6)
    losses = []
    for step in range(5):
        out = model(src_embed(src) * factor + PE[:S], tgt_embed(inp) * factor + PE[:T - 1],
                    tgt_mask=nn.Transformer.generate_square_subsequent_mask(T - 1),
                    src_key_padding_mask=src == si["<pad>"], tgt_key_padding_mask=inp == ti["<pad>"],
                    memory_key_padding_mask=src == si["<pad>"])
        logits = out @ tgt_embed.weight.T + gen.bias if tie else gen(out)
        loss = Fn.cross_entropy(logits.reshape(-1, len(tgt_vocab)), gold.reshape(-1), ignore_index=ti["<pad>"],
                                label_smoothing=smoothing)
        opt.zero_grad()
        loss.backward()
        if step == 0:
            np.savez(os.path.join(OUT, name + "_grads.npz"), **{k: v.grad.numpy() for k, v in named})
        losses.append(loss.item())
        opt.step()
    np.savez(os.path.join(OUT, name + "_after5.npz"), **{k: v.detach().numpy() for k, v in named})
    with open(os.path.join(OUT, name + "_loss.txt"), "w") as f:
        f.write("".join("%.9g\n" % x for x in losses))
    print("%s: losses %s" % (name, " ".join("%.6f" % x for x in losses)))


whole_model("post_relu", False, "relu", False, True, 0.1)
whole_model("pre_gelu", True, "gelu", True, False, 0.0)

# ---- the toy translation task of tests/train.bats: training pairs and held-out test pairs ----
seen = set()
for name, n in (("toy_train.tsv", 600), ("toy_test.tsv", 20)):
    with open(os.path.join(OUT, name), "w") as f:
        k = 0
        while k < n:
            s, t = sentence()
            if name == "toy_test.tsv" and " ".join(s) in seen:
                continue  # held out: never seen in training
            seen.add(" ".join(s))
            f.write(" ".join(s) + "\t" + " ".join(t) + "\n")
            k += 1


# ---- the recurrent seq2seq (docs/rnn-seq2seq.md), the same three pairs padded into one batch ----
"""
  rnn_<name>_init.npz, _grads.npz, _loss.txt, _after5.npz  as the Transformer's above (Adam eps 1e-9 here)
The encoder reads the padded source through pack_padded_sequence, the decoder's scores hide the source's
<pad> and its s_0 is each pair's own last memory row: the batch computes what each pair alone would.
"""


def whole_rnn_model(name, arch, E, H, layers, bidir, score, Hd, tie, smoothing):
    D = 2 if bidir else 1
    Dm = Hdec = D * H
    torch.manual_seed(len(name) + 100)
    rnn_cls = {"gru": nn.GRU, "lstm": nn.LSTM, "rnn": nn.RNN}[arch]
    cell_cls = {"gru": nn.GRUCell, "lstm": nn.LSTMCell, "rnn": nn.RNNCell}[arch]
    encoder = rnn_cls(E, H, num_layers=layers, bidirectional=bidir, batch_first=True)
    cell, out_layer = cell_cls(E + Dm, Hdec), nn.Linear(Hdec + Dm, Hdec)
    src_embed, tgt_embed = nn.Embedding(len(src_vocab), E), nn.Embedding(len(tgt_vocab), E)
    gen = nn.Linear(Hdec, len(tgt_vocab))
    attn = {}
    if score == "general":
        attn["W"] = nn.Parameter(torch.randn(Hdec, Dm) * 0.3)
    elif score == "additive":
        attn.update(W1=nn.Parameter(torch.randn(Hd, Hdec) * 0.3), W2=nn.Parameter(torch.randn(Hd, Dm) * 0.3),
                    v=nn.Parameter(torch.randn(Hd) * 0.3))
    named = [("encoder." + k, v) for k, v in encoder.named_parameters()]
    named += [("decoder.attn." + k, v) for k, v in attn.items()]
    named += [("decoder.cell." + k, v) for k, v in cell.named_parameters()]
    named += [("decoder.out." + k, v) for k, v in out_layer.named_parameters()]
    named += [("src_embed.weight", src_embed.weight), ("tgt_embed.weight", tgt_embed.weight)]
    if not tie:
        named.append(("generator.weight", gen.weight))
    named.append(("generator.bias", gen.bias))
    config = ("arch %s\nhidden %d\nencoder_layers %d\nbidirectional %d\ndecoder_hidden %d\nscore %s\n"
              "attn_hidden %d\ninit last\nbos 0\neos 1\nchars 0\ntie %d\n"
              % (arch, H, layers, bidir, Hdec, score, Hd if score == "additive" else Hdec, tie))
    arrays = {k: v.detach().numpy().copy() for k, v in named}
    arrays.update(config=text(config), src_vocab=text("\n".join(src_vocab) + "\n"),
                  tgt_vocab=text("\n".join(tgt_vocab) + "\n"))
    np.savez(os.path.join(OUT, "rnn_" + name + "_init.npz"), **arrays)

    lengths = torch.tensor([len(s) + 1 for s, _ in pairs])
    src, tgt, S, T = padded_batch()
    inp, gold = tgt[:, :-1], tgt[:, 1:]
    pad = src == si["<pad>"]

    def loss_of_batch():
        packed = nn.utils.rnn.pack_padded_sequence(src_embed(src), lengths, batch_first=True, enforce_sorted=False)
        memory = nn.utils.rnn.pad_packed_sequence(encoder(packed)[0], batch_first=True, total_length=S)[0]
        s = memory[torch.arange(3), lengths - 1]          # s_0: each pair's last memory row
        c, logits = torch.zeros(3, Hdec), []
        for t in range(T - 1):
            if score == "dot":
                e = torch.einsum("bsd,bd->bs", memory, s)
            elif score == "general":
                e = torch.einsum("bsd,bd->bs", memory, s @ attn["W"])
            else:
                e = torch.tanh((s @ attn["W1"].t())[:, None] + memory @ attn["W2"].t()) @ attn["v"]
            a = torch.softmax(e.masked_fill(pad, float("-inf")), dim=-1)
            ctx = torch.einsum("bs,bsd->bd", a, memory)
            x = torch.cat([tgt_embed(inp[:, t]), ctx], dim=-1)
            if arch == "lstm":
                s, c = cell(x, (s, c))
            else:
                s = cell(x, s)
            o = torch.tanh(out_layer(torch.cat([s, ctx], dim=-1)))
            logits.append(o @ tgt_embed.weight.t() + gen.bias if tie else gen(o))
        logits = torch.stack(logits, dim=1)
        return Fn.cross_entropy(logits.reshape(-1, len(tgt_vocab)), gold.reshape(-1), ignore_index=ti["<pad>"],
                                label_smoothing=smoothing)

    opt = torch.optim.Adam([v for _, v in named], lr=1e-3, betas=(0.9, 0.98), eps=1e-9)
    losses = []
    for step in range(5):
        loss = loss_of_batch()
        opt.zero_grad()
        loss.backward()
        if step == 0:
            np.savez(os.path.join(OUT, "rnn_" + name + "_grads.npz"), **{k: v.grad.numpy() for k, v in named})
        losses.append(loss.item())
        opt.step()
    np.savez(os.path.join(OUT, "rnn_" + name + "_after5.npz"), **{k: v.detach().numpy() for k, v in named})
    with open(os.path.join(OUT, "rnn_" + name + "_loss.txt"), "w") as f:
        f.write("".join("%.9g\n" % x for x in losses))
    print("rnn_%s: losses %s" % (name, " ".join("%.6f" % x for x in losses)))


whole_rnn_model("gru_additive", "gru", 8, 8, 1, True, "additive", 6, False, 0.1)
whole_rnn_model("lstm_general", "lstm", 8, 8, 2, False, "general", 0, True, 0.0)
