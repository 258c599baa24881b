#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Golden files for the stage programs (tests/linear.bats, norm.bats, ffn.bats, tensor.bats, pipelines),
from PyTorch's own modules (run with Debian's python3-torch):

    /usr/bin/python3 tests/golden/make_stages.py

Everything goes into tests/golden/stages/:
  x.txt                 an input, 5 x 8, rows labelled with words
  linear.npz, linear.txt           nn.Linear(8, 6): state_dict and output on x
  linear-nobias.npz, -nobias.txt   nn.Linear(8, 3, bias=False)
  linear-3d.txt, x3.txt            nn.Linear(8, 6) on a 2 x 5 x 8 input (every row of the last axis)
  norm.npz, norm.txt               nn.LayerNorm(8) with random weight and bias
  norm-eps.txt                     the same with eps=0.1
  rms.npz, rms.txt                 RMSNorm written out (torch 1.13 has no nn.RMSNorm): x * rsqrt(mean(x^2) + eps) * w
  layer-post.npz, layer-pre.npz    nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 1).state_dict(),
                                   post-norm and pre-norm (norm_first=True), biases random
  layer-post.txt, layer-pre.txt    the layer's output on x
  ffn-relu.txt, ffn-gelu.txt       the layer's feed-forward block, linear2(act(linear1(x))), on x
                                   (ffn-gelu from layer-gelu.npz)
  softmax.txt, softmax-t2.txt      torch.softmax(x, -1) and torch.softmax(x / 2, -1)
  ties.txt, argmax.txt             a matrix with tied maxima and torch.argmax(ties, -1)
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_mha import write_text  # noqa: E402  (the text tensor form, written relative to tests/golden)

WORDS = ["the", "cat", "sat", "on", "mat"]


def out(name):
    return os.path.join("stages", name)


def save(name, module):
    np.savez(os.path.join(HERE, out(name)),
             **{k: v.detach().numpy().astype(np.float32) for k, v in module.state_dict().items()})


def randomise(module, pattern):
    """Parameters named with pattern drawn from U(-0.5, 0.5): torch starts biases (and norms) at 0 and 1."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            if pattern in name:
                p.uniform_(-0.5, 0.5)
                if "norm" in name and "weight" in name:
                    p.add_(1.0)


def main():
    torch.manual_seed(14)
    x = torch.randn(5, 8)
    write_text(out("x.txt"), x.numpy(), rows=WORDS)
    x3 = torch.randn(2, 5, 8)
    write_text(out("x3.txt"), x3.numpy(), rows=WORDS)

    with torch.no_grad():
        lin = nn.Linear(8, 6)
        save("linear.npz", lin)
        write_text(out("linear.txt"), lin(x).numpy(), rows=WORDS)
        write_text(out("linear-3d.txt"), lin(x3).numpy(), rows=WORDS)
        lin = nn.Linear(8, 3, bias=False)
        save("linear-nobias.npz", lin)
        write_text(out("linear-nobias.txt"), lin(x).numpy(), rows=WORDS)

        ln = nn.LayerNorm(8)
        randomise(ln, "")
        save("norm.npz", ln)
        write_text(out("norm.txt"), ln(x).numpy(), rows=WORDS)
        ln.eps = 0.1
        write_text(out("norm-eps.txt"), ln(x).numpy(), rows=WORDS)

        w = torch.rand(8) + 0.5
        np.savez(os.path.join(HERE, out("rms.npz")), weight=w.numpy())
        rms = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + 1e-5) * w
        write_text(out("rms.txt"), rms.numpy(), rows=WORDS)

        for name, norm_first, act in [("post", False, "relu"), ("pre", True, "relu"), ("gelu", False, "gelu")]:
            layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.0, activation=act, batch_first=True,
                                               norm_first=norm_first)
            enc = nn.TransformerEncoder(layer, 1, enable_nested_tensor=False)
            randomise(enc, "bias")
            randomise(enc, "norm")
            enc.eval()
            save(f"layer-{name}.npz", enc)
            if name != "gelu":
                write_text(out(f"layer-{name}.txt"), enc(x[None])[0].numpy(), rows=WORDS)
            if name != "pre":
                L = enc.layers[0]
                ffn = L.linear2(L.activation(L.linear1(x)))
                write_text(out("ffn-%s.txt" % act), ffn.numpy(), rows=WORDS)

        write_text(out("softmax.txt"), torch.softmax(x, -1).numpy(), rows=WORDS)
        write_text(out("softmax-t2.txt"), torch.softmax(x / 2.0, -1).numpy(), rows=WORDS)
        ties = torch.tensor([[1.0, 3.0, 3.0, 0.0], [2.0, 2.0, 2.0, 2.0], [0.0, -1.0, 5.0, 5.0]])
        write_text(out("ties.txt"), ties.numpy())
        with open(os.path.join(HERE, out("argmax.txt")), "w") as f:
            f.write(" ".join(str(int(i)) for i in torch.argmax(ties, -1)) + "\n")


if __name__ == "__main__":
    main()
