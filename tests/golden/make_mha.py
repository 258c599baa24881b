#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Golden files for tests/mha.bats, from torch.nn.MultiheadAttention (run with Debian's python3-torch).

    /usr/bin/python3 tests/golden/make_mha.py

For each case NAME it writes into tests/golden/:
  mha-NAME.npz          the module's state_dict() (biases made random so that they are tested)
  mha-NAME-q.txt        the queries, T x E, with row labels
  mha-NAME-k.txt        keys (and mha-NAME-v.txt values) when not self-attention
  mha-NAME-mask.txt     a 0/1 mask (1 = attend) when the case has one; -add.txt the additive form
  mha-NAME-out.txt      torch's output, T x E
  mha-NAME-attn.txt     torch's per-head weights, H x T x S (average_attn_weights=False)
  mha-NAME-avg.txt      torch's averaged weights, T x S
"""
import os

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def write_text(path, x, rows=None, cols=None):
    """Our text tensor form: #tensor shape, optional #rows / #cols labels, one row per line."""
    x = np.asarray(x, dtype=np.float32)
    with open(os.path.join(HERE, path), "w") as f:
        f.write("#tensor " + " ".join(str(d) for d in x.shape) + "\n")
        if rows is not None:
            f.write("#rows " + " ".join(rows) + "\n")
        if cols is not None:
            f.write("#cols " + " ".join(cols) + "\n")
        for row in x.reshape(-1, x.shape[-1]):
            f.write(" ".join(repr(float(v)) for v in row) + "\n")


def case(name, E, H, T, S=None, cross=False, kdim=None, vdim=None, bias=True, causal=False,
         pad=None, mask=None, seed=0):
    torch.manual_seed(seed)
    S = T if S is None else S
    m = torch.nn.MultiheadAttention(E, H, bias=bias, kdim=kdim, vdim=vdim, batch_first=True)
    with torch.no_grad():
        for pname, p in m.named_parameters():
            if "bias" in pname:
                p.uniform_(-0.5, 0.5)  # PyTorch initialises them to 0: random ones test the code
    np.savez(os.path.join(HERE, f"mha-{name}.npz"),
             **{k: v.detach().numpy().astype(np.float32) for k, v in m.state_dict().items()})

    qlabels = [f"q{t}" for t in range(T)]
    klabels = [f"k{s}" for s in range(S)]
    if pad is not None:
        klabels = ["<pad>" if s in pad else klabels[s] for s in range(S)]
    if not cross:
        qlabels = klabels = ["<pad>" if pad and t in pad else f"w{t}" for t in range(T)]

    q = torch.randn(1, T, E)
    if cross:
        k = torch.randn(1, S, kdim or E)
        v = torch.randn(1, S, vdim or E) if (kdim or vdim) else k
    else:
        k = v = q
    write_text(f"mha-{name}-q.txt", q[0].numpy(), rows=qlabels)
    if cross:
        write_text(f"mha-{name}-k.txt", k[0].numpy(), rows=klabels)
        if v is not k:
            write_text(f"mha-{name}-v.txt", v[0].numpy(), rows=klabels)

    attn_mask = None  # torch's bool mask: True = blocked
    if causal:
        attn_mask = torch.triu(torch.ones(T, S, dtype=torch.bool), diagonal=1)
    if mask is not None:
        allowed = np.asarray(mask, dtype=np.float32)
        write_text(f"mha-{name}-mask.txt", allowed)
        additive = np.where(allowed == 1, 0.0, -np.inf).astype(np.float32)
        write_text(f"mha-{name}-add.txt", additive)
        attn_mask = torch.from_numpy(additive)  # the float form, as PyTorch users write it
    key_padding_mask = None
    if pad is not None:
        key_padding_mask = torch.zeros(1, S, dtype=torch.bool)
        key_padding_mask[0, list(pad)] = True

    with torch.no_grad():
        out, w = m(q, k, v, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                   need_weights=True, average_attn_weights=False)
        _, avg = m(q, k, v, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                   need_weights=True, average_attn_weights=True)
    write_text(f"mha-{name}-out.txt", out[0].numpy(), rows=qlabels)
    write_text(f"mha-{name}-attn.txt", w[0].numpy(), rows=qlabels, cols=klabels)
    write_text(f"mha-{name}-avg.txt", avg[0].numpy(), rows=qlabels, cols=klabels)


def mask_case(name, E, H, T, S=None, cross=False, pad=None, allowed=None, additive=None, per_head=False,
              bias_kv=False, zero_attn=False, causal=False, seed=0):
    """PyTorch's masks in every form: allowed (ours: 1 = attend; torch's bool is its negation), additive
    (torch's float attn_mask: any finite value or -inf, added to the scores), each H x T x S when per_head
    (torch's (N * num_heads, L, S) form); with add_bias_kv / add_zero_attn, which pad the masks with a
    column. Writes mha-NAME.npz, -q.txt, -k.txt, -mask.txt (0/1), -add.txt (floats), -out.txt, -attn.txt."""
    torch.manual_seed(seed)
    S = T if S is None else S
    m = torch.nn.MultiheadAttention(E, H, batch_first=True, add_bias_kv=bias_kv, add_zero_attn=zero_attn)
    with torch.no_grad():
        m.in_proj_bias.uniform_(-0.5, 0.5)
        m.out_proj.bias.uniform_(-0.5, 0.5)
    np.savez(os.path.join(HERE, f"mha-{name}.npz"),
             **{k: v.detach().numpy().astype(np.float32) for k, v in m.state_dict().items()})
    klabels = ["<pad>" if pad and s in pad else f"k{s}" for s in range(S)]
    qlabels = [f"q{t}" for t in range(T)] if cross else klabels
    q = torch.randn(1, T, E)
    k = torch.randn(1, S, E) if cross else q
    write_text(f"mha-{name}-q.txt", q[0].numpy(), rows=qlabels)
    if cross:
        write_text(f"mha-{name}-k.txt", k[0].numpy(), rows=klabels)
    attn_mask = None
    if causal:
        attn_mask = torch.triu(torch.ones(T, S, dtype=torch.bool), diagonal=1)
    if allowed is not None:
        allowed = np.asarray(allowed, dtype=np.float32)
        write_text(f"mha-{name}-mask.txt", allowed)
        attn_mask = torch.from_numpy(allowed == 0)  # torch's bool: True = blocked
    if additive is not None:
        additive = np.asarray(additive, dtype=np.float32)
        write_text(f"mha-{name}-add.txt", additive)
        attn_mask = torch.from_numpy(additive)
    key_padding_mask = None
    if pad is not None:
        key_padding_mask = torch.zeros(1, S, dtype=torch.bool)
        key_padding_mask[0, list(pad)] = True
    with torch.no_grad():
        out, w = m(q, k, k, attn_mask=attn_mask, key_padding_mask=key_padding_mask, need_weights=True,
                   average_attn_weights=False)
    extra = ["<bias_k>"] * bias_kv + ["<zero>"] * zero_attn
    write_text(f"mha-{name}-out.txt", out[0].numpy(), rows=qlabels)
    write_text(f"mha-{name}-attn.txt", w[0].numpy(), rows=qlabels, cols=klabels + extra)


def stream_case(name, E, H, lengths, seed):
    """A stream of query tensors (self-attention, T = lengths[i]) with a stream of additive masks, the i-th
    with the i-th: each computed by torch on its own."""
    torch.manual_seed(seed)
    m = torch.nn.MultiheadAttention(E, H, batch_first=True)
    with torch.no_grad():
        m.in_proj_bias.uniform_(-0.5, 0.5)
        m.out_proj.bias.uniform_(-0.5, 0.5)
    np.savez(os.path.join(HERE, f"mha-{name}.npz"),
             **{k: v.detach().numpy().astype(np.float32) for k, v in m.state_dict().items()})
    files = {"q": [], "add": [], "out": []}
    for T in lengths:
        x = torch.randn(1, T, E)
        # ALiBi-like: -slope * |t - s|, and the last key blocked for the first query
        add = -0.5 * np.abs(np.arange(T)[:, None] - np.arange(T)[None, :]).astype(np.float32)
        add[0, T - 1] = -np.inf
        with torch.no_grad():
            out, _ = m(x, x, x, attn_mask=torch.from_numpy(add))
        files["q"].append(x[0].numpy())
        files["add"].append(add)
        files["out"].append(out[0].numpy())
    for kind, tensors in files.items():
        path = os.path.join(HERE, f"mha-{name}-{kind}.txt")
        with open(path, "w"):
            pass
        for t in tensors:
            tmp = f"mha-{name}-part.txt"
            write_text(tmp, t)
            with open(os.path.join(HERE, tmp)) as src, open(path, "a") as dst:
                dst.write(src.read())
            os.remove(os.path.join(HERE, tmp))


def rope(x, offset, base):
    """RoFormer eq. 34 on x[N, D]: pair (2i, 2i+1) of row n turned by (offset + n) * base^(-2i/D)."""
    n, d = x.shape
    pos = torch.arange(offset, offset + n, dtype=torch.float64)[:, None]
    theta = base ** (-torch.arange(0, d, 2, dtype=torch.float64) / d)
    angle = pos * theta[None, :]
    c, s = torch.cos(angle), torch.sin(angle)
    a, b = x[:, 0::2].double(), x[:, 1::2].double()
    out = torch.empty(n, d, dtype=torch.float64)
    out[:, 0::2] = a * c - b * s
    out[:, 1::2] = a * s + b * c
    return out.float()


def multi_head(m, x, H, rope_offset=None, rope_base=10000.0):
    """Section 3.2.2 written out with torch ops (self-attention), RoPE on each head's q and k when asked."""
    E = x.shape[1]
    Dh = E // H
    Wq, Wk, Wv = m.in_proj_weight.chunk(3)
    bq, bk, bv = m.in_proj_bias.chunk(3)
    q, k, v = x @ Wq.T + bq, x @ Wk.T + bk, x @ Wv.T + bv
    heads, weights = [], []
    for h in range(H):
        cols = slice(h * Dh, (h + 1) * Dh)
        q_h, k_h, v_h = q[:, cols], k[:, cols], v[:, cols]
        if rope_offset is not None:
            q_h, k_h = rope(q_h, rope_offset, rope_base), rope(k_h, rope_offset, rope_base)
        w = torch.softmax(q_h @ k_h.T / Dh ** 0.5, dim=-1)
        heads.append(w @ v_h)
        weights.append(w)
    return torch.cat(heads, dim=1) @ m.out_proj.weight.T + m.out_proj.bias, torch.stack(weights)


def rope_case(name, E, H, T, offset, base, seed):
    """RoPE is not part of nn.MultiheadAttention: the reference is multi_head() above, itself checked
    against the module without RoPE."""
    torch.manual_seed(seed)
    m = torch.nn.MultiheadAttention(E, H, batch_first=True)
    with torch.no_grad():
        m.in_proj_bias.uniform_(-0.5, 0.5)
        m.out_proj.bias.uniform_(-0.5, 0.5)
        x = torch.randn(T, E)
        plain, plain_w = multi_head(m, x, H)
        torch_out, torch_w = m(x[None], x[None], x[None], average_attn_weights=False)
        assert torch.allclose(plain, torch_out[0], atol=1e-6) and torch.allclose(plain_w, torch_w[0], atol=1e-6)
        out, w = multi_head(m, x, H, rope_offset=offset, rope_base=base)
    np.savez(os.path.join(HERE, f"mha-{name}.npz"),
             **{k: v.detach().numpy().astype(np.float32) for k, v in m.state_dict().items()})
    labels = [f"w{t}" for t in range(T)]
    write_text(f"mha-{name}-q.txt", x.numpy(), rows=labels)
    write_text(f"mha-{name}-out.txt", out.numpy(), rows=labels)
    write_text(f"mha-{name}-attn.txt", w.numpy(), rows=labels, cols=labels)


def main():
    case("self", E=8, H=2, T=4, seed=1)
    case("cross", E=8, H=4, T=3, S=5, cross=True, seed=2)
    case("causal", E=6, H=3, T=5, causal=True, seed=3)
    case("pad", E=4, H=2, T=3, S=5, cross=True, pad={1, 4}, seed=4)
    case("kvdim", E=6, H=2, T=3, S=4, cross=True, kdim=5, vdim=3, seed=5)
    case("nobias", E=8, H=2, T=4, bias=False, seed=6)
    case("h1", E=6, H=1, T=4, seed=7)
    case("hE", E=4, H=4, T=3, seed=8)
    case("mask", E=4, H=2, T=3, S=4, cross=True, seed=9,
         mask=[[1, 0, 1, 1], [0, 1, 1, 0], [1, 1, 0, 1]])

    # masks as PyTorch takes them (issue 15): any finite additive value, one mask per head, streams
    rng = np.random.default_rng(15)
    bias = rng.normal(0.0, 2.0, size=(3, 5)).astype(np.float32)
    bias[0, 2] = bias[2, 0] = -np.inf
    mask_case("bias", E=4, H=2, T=3, S=5, cross=True, pad={4}, additive=bias, seed=11)
    per_head = rng.normal(0.0, 1.5, size=(2, 4, 4)).astype(np.float32)
    per_head[0, 1, 3] = per_head[1, 3, 0] = -np.inf
    mask_case("heads-add", E=6, H=2, T=4, additive=per_head, per_head=True, seed=12)
    heads_allowed = (rng.uniform(size=(2, 4, 4)) < 0.7).astype(np.float32)
    heads_allowed[:, :, 0] = 1  # every row sees a key
    mask_case("heads-mask", E=6, H=2, T=4, allowed=heads_allowed, per_head=True, seed=12)
    stream_case("stream", E=4, H=2, lengths=[3, 5], seed=13)
    # add_bias_kv and add_zero_attn, with the masks PyTorch pads with a column for each extra key
    kv_bias = rng.normal(0.0, 1.0, size=(3, 4)).astype(np.float32)
    kv_bias[1, 0] = -np.inf
    mask_case("biaskv", E=4, H=2, T=3, S=4, cross=True, pad={3}, additive=kv_bias, bias_kv=True, seed=14)
    mask_case("zeroattn", E=6, H=3, T=4, causal=True, zero_attn=True, seed=15)
    both_allowed = (rng.uniform(size=(2, 3, 5)) < 0.6).astype(np.float32)
    both_allowed[0, 1, :] = 0  # a row with every key blocked: the extra keys still take its weight
    mask_case("kvzero", E=4, H=2, T=3, S=5, cross=True, pad={2}, allowed=both_allowed, per_head=True,
              bias_kv=True, zero_attn=True, seed=16)

    rope_case("rope", E=8, H=2, T=5, offset=0, base=10000.0, seed=10)
    rope_case("rope-offset", E=8, H=2, T=5, offset=3, base=100.0, seed=10)

    # error cases: a weight of the wrong shape, a missing weight (E = 8, H = 2 as the "self" case)
    good = dict(np.load(os.path.join(HERE, "mha-self.npz")))
    wrong = dict(good)
    wrong["in_proj_weight"] = np.zeros((24, 7), dtype=np.float32)
    np.savez(os.path.join(HERE, "mha-wrong-shape.npz"), **wrong)
    missing = {k: v for k, v in good.items() if k != "out_proj.bias"}
    np.savez(os.path.join(HERE, "mha-missing.npz"), **missing)


if __name__ == "__main__":
    main()
