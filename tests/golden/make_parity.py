#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Golden files for issue 15's parity cases (tests/parity.bats). Run with Debian's python3 (numpy, torch 1.13):

    /usr/bin/python3 tests/golden/make_parity.py

Each case is computed by PyTorch's own module where one exists, else by the peer's formula re-written here
(Keras's Attention(use_scale=True): softmax(scale * q k^T) v). Outputs go to tests/golden/parity/.
"""
import os

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "parity")


def write(name, x, rows=None):
    """One 2-D tensor in pipeformer's text form."""
    x = np.atleast_2d(np.asarray(x, dtype=np.float32))
    with open(os.path.join(OUT, name), "w") as f:
        f.write("#tensor %d %d\n" % x.shape)
        if rows:
            f.write("#rows %s\n" % " ".join(rows))
        for row in x:
            f.write(" ".join(repr(float(v)) for v in row) + "\n")


def read_text(name):
    """The data rows of a committed text tensor (labels skipped)."""
    return np.loadtxt(os.path.join(HERE, name), comments="#", dtype=np.float32, ndmin=2)


def keras_attention(q, k, scale):
    """Keras's dense_attention.Attention(use_scale=True) in float64: softmax(scale * q k^T) k (values = keys)."""
    q, k = q.astype(np.float64), k.astype(np.float64)
    s = scale * q @ k.T
    w = np.exp(s - s.max(axis=1, keepdims=True))
    w /= w.sum(axis=1, keepdims=True)
    return w @ k


def temperature():
    # attend --score dot --temperature -0.5: Keras's learned scale may be negative (here -2 = 1 / -0.5)
    x, mem = read_text("attend_x.txt"), read_text("attend_memory.txt")
    write("attend-dot-t-neg05.txt", keras_attention(x, mem, -2.0))


def embedding():
    # embed --max-norm: nn.Embedding.from_pretrained(weight, max_norm=X, norm_type=P) on the committed table
    weight = np.load(os.path.join(HERE, "embed-weight.npz"))["weight"]
    vocab = [line.strip() for line in open(os.path.join(HERE, "embed-vocab.txt"))]
    words = "the cat sat on the mat".split()
    ids = torch.tensor([vocab.index(w) for w in words])
    for max_norm, norm_type, name in ((1.0, 2.0, "embed-max-norm-1.txt"), (1.5, 1.0, "embed-max-norm-15-p1.txt")):
        emb = torch.nn.Embedding.from_pretrained(torch.tensor(weight), max_norm=max_norm, norm_type=norm_type)
        with torch.no_grad():
            out = emb(ids).numpy()
            out_scaled = (emb(ids) * np.float32(np.sqrt(weight.shape[1]))).numpy()
        write(name, out, rows=words)
        if norm_type == 2.0:
            write("embed-max-norm-1-scaled.txt", out_scaled, rows=words)
    # rows whose norms are exact in float: [2, 0, 0, 0] becomes 2 * float(1 / (2 + 1e-7)) = 0.99999994, not 1
    exact = np.zeros((len(vocab), 4), dtype=np.float32)
    exact[4, 0] = 2.0
    exact[5, 1:3] = (3.0, 4.0)
    exact[6, 3] = 0.5
    np.savez(os.path.join(OUT, "embed-exact.npz"), weight=exact)
    emb = torch.nn.Embedding.from_pretrained(torch.tensor(exact), max_norm=1.0)
    with torch.no_grad():
        write("embed-exact-max-norm-1.txt", emb(torch.tensor([4, 5, 6])).numpy(), rows=["the", "cat", "sat"])
    # --padding-idx with loaded weights: padding_idx changes nothing at lookup (only init and gradient)
    emb = torch.nn.Embedding.from_pretrained(torch.tensor(weight), padding_idx=0)
    with torch.no_grad():
        write("embed-padding-loaded.txt", emb(torch.tensor([4, 0, 5])).numpy(), rows=["the", "<pad>", "cat"])
    # and drawn: nn.Embedding(9, 4, padding_idx=-2) has row 7 zero, whatever the generator
    drawn = torch.nn.Embedding(len(vocab), weight.shape[1], padding_idx=-2).weight.detach().numpy()
    assert not drawn[7].any() and drawn[6].any()
    write("embed-padding-rows.txt", (drawn != 0).astype(np.float32))


def shapes():
    # embed --weights without --dim: nn.Embedding(12, 10), its table saved by state_dict() name
    vocab = ["<pad>", "<unk>", "<s>", "</s>", "a", "b", "c", "d", "e", "f", "g", "h"]
    emb = torch.nn.Embedding(12, 10)
    np.savez(os.path.join(OUT, "embed-12x10.npz"), **{k: v.numpy() for k, v in emb.state_dict().items()})
    with open(os.path.join(OUT, "vocab12.txt"), "w") as f:
        f.write("".join(t + "\n" for t in vocab))
    with torch.no_grad():
        write("embed-12x10-a-c-h.txt", emb(torch.tensor([4, 6, 11])).numpy(), rows=["a", "c", "h"])
    # posenc --learned --weights without --max-len: an nn.Embedding(20, 4) of positions
    pos = torch.nn.Embedding(20, 4)
    np.savez(os.path.join(OUT, "posenc-learned-20x4.npz"), weight=pos.weight.detach().numpy())
    write("posenc-learned-20x4-first3.txt", pos.weight.detach().numpy()[:3])


def final_eps():
    # encode --eps 0.1 --final-eps 0.5: torchmultimodal's way, one eps in the layers and another at the end
    # (large values, so that a wrong one shows); the final norm is a separate nn.LayerNorm in PyTorch
    layer = torch.nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, batch_first=True, layer_norm_eps=0.1)
    enc = torch.nn.TransformerEncoder(layer, 1, norm=torch.nn.LayerNorm(8, eps=0.5), enable_nested_tensor=False)
    with torch.no_grad():
        for p in enc.parameters():
            p.add_(0.2 * torch.randn_like(p))
    enc.eval()
    np.savez(os.path.join(OUT, "final-eps.npz"), **{k: v.numpy() for k, v in enc.state_dict().items()})
    x = (0.3 * torch.randn(1, 4, 8)).float()
    write("final-eps-x.txt", x[0].numpy())
    with torch.no_grad():
        write("final-eps-y.txt", enc(x)[0].numpy())


def cell_state():
    # encode --arch lstm --last --cell-state: torch's c_n[-D:] of the committed 2-layer bidirectional LSTM
    w = np.load(os.path.join(HERE, "rnn", "lstm-l2-bi.npz"))
    x = read_text(os.path.join("rnn", "x.txt"))
    H, I = w["weight_hh_l0"].shape[1], w["weight_ih_l0"].shape[1]
    lstm = torch.nn.LSTM(I, H, num_layers=2, bidirectional=True, batch_first=True)
    lstm.load_state_dict({k: torch.tensor(v) for k, v in w.items()})
    with torch.no_grad():
        _, (h_n, c_n) = lstm(torch.tensor(x)[None])
    write("lstm-l2-bi-c_n.txt", c_n[-2:, 0].reshape(1, -1).numpy())
    write("lstm-l2-bi-h_n.txt", h_n[-2:, 0].reshape(1, -1).numpy())


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(15)
    temperature()
    embedding()
    shapes()
    final_eps()
    cell_state()


if __name__ == "__main__":
    main()
