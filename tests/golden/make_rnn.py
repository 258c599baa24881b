#!/usr/bin/python3
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
