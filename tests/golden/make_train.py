#!/usr/bin/python3
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

np.savez(os.path.join(OUT, "kernels.npz"), **{k: np.asarray(v, dtype=np.float32) for k, v in kernels.items()})
print("kernels.npz: %d cases" % len({k.split(".")[0] for k in kernels}))
