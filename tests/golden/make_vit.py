#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Golden files for the picture classifier of train --images (tests/train-images.bats): four small RGB
pictures and their classes, a model's parameters under our names, and what PyTorch 1.13 computes from
them: the gradients of the mean cross entropy of the batch, and the parameters after one Adam step.

    /usr/bin/python3 tests/golden/make_vit.py

The model (lib/vit.h): a ViT with one attention layer and a linear head on the class token's row,
    x = [cls_token; Conv2d(C, E, P, stride=P)(picture) flattened]; h = x + pos_embed.weight
    a = nn.MultiheadAttention(E, H)(h, h, h); z = h[0] + a[0]; logits = head(z)
"""
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_vision import RGB, png_bytes  # noqa: E402

OUT = os.path.join(HERE, "vit")
C, P, E, H, SIDE = 3, 4, 8, 2, 12
CLASSES = ["circle", "square", "triangle"]
LABELS = ["circle", "square", "triangle", "circle"]
LR, BETAS, EPS = 0.01, (0.9, 0.98), 1e-9


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(13)
    pictures, lines = [], []
    for k, label in enumerate(LABELS):
        samples = rng.integers(0, 256, (SIDE, SIDE, C))
        name = "%d.png" % k
        with open(os.path.join(OUT, name), "wb") as f:
            f.write(png_bytes(samples, RGB, 8))
        pictures.append(torch.tensor(samples.astype(np.float32)).permute(2, 0, 1) / 255.0)
        lines.append("%s %s\n" % (name, label))
    with open(os.path.join(OUT, "list.txt"), "w") as f:
        f.writelines(lines)
    x = torch.stack(pictures)                                   # [B, C, H, W]
    y = torch.tensor([CLASSES.index(label) for label in LABELS])
    T = (SIDE // P) ** 2 + 1

    torch.manual_seed(13)
    proj = torch.nn.Conv2d(C, E, P, stride=P)
    cls_token = torch.nn.Parameter(torch.randn(1, 1, E))
    pos = torch.nn.Parameter(torch.randn(T, E))
    attn = torch.nn.MultiheadAttention(E, H, batch_first=True)
    with torch.no_grad():  # biases that are not zero, so that their gradients are checked too
        attn.in_proj_bias.normal_(0, 0.1)
        attn.out_proj.bias.normal_(0, 0.1)
    head = torch.nn.Linear(E, len(CLASSES))
    params = {"patch_embed.proj.weight": proj.weight, "patch_embed.proj.bias": proj.bias,
              "patch_embed.cls_token": cls_token, "pos_embed.weight": pos,
              "attn.in_proj_weight": attn.in_proj_weight, "attn.in_proj_bias": attn.in_proj_bias,
              "attn.out_proj.weight": attn.out_proj.weight, "attn.out_proj.bias": attn.out_proj.bias,
              "head.weight": head.weight, "head.bias": head.bias}
    np.savez(os.path.join(OUT, "init.npz"), **{k: v.detach().numpy() for k, v in params.items()})

    tokens = proj(x).flatten(2).transpose(1, 2)                 # [B, N, E]
    h = torch.cat([cls_token.expand(len(LABELS), 1, E), tokens], 1) + pos
    a, _ = attn(h, h, h)
    z = h[:, 0] + a[:, 0]
    loss = torch.nn.functional.cross_entropy(head(z), y)
    loss.backward()
    np.savez(os.path.join(OUT, "grads.npz"), **{k: v.grad.numpy() for k, v in params.items()})
    with open(os.path.join(OUT, "loss.txt"), "w") as f:
        f.write("%.6f\n" % loss.item())

    adam = torch.optim.Adam(params.values(), lr=LR, betas=BETAS, eps=EPS)
    adam.step()
    np.savez(os.path.join(OUT, "step1.npz"), **{k: v.detach().numpy() for k, v in params.items()})


if __name__ == "__main__":
    main()
