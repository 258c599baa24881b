#!/bin/sh
# SPDX-License-Identifier: MIT
# The Vision Transformer's front as a pipeline (docs/vision.md): the sample picture cut into 6 x 6 patches
# of 8 pixels, a class token before them, learned positions, then attention over the patches, painted
# back onto the picture. Writes into out/; run from anywhere after `make`:
#     sh samples/vision.sh
set -eu
cd "$(dirname "$0")/.."
PATH="$PWD/bin:$PATH"
mkdir -p out
# the picture is drawn by a script: the same bytes every time
python3 samples/shapes.py out/shapes.png
cmp out/shapes.png samples/shapes.png
# 36 patches + the class token = 37 tokens of d_model 16
embed --image samples/shapes.png --patch 8 --cls --dim 16 --seed 1 --save-weights out/vit-embed.npz |
	posenc --learned --max-len 37 --seed 2 --save-weights out/vit-pos.npz > out/vit-x.txt
tensor info out/vit-x.txt
# one multi-head attention layer over the patches: 4 heads, each 37 x 37
mha --heads 4 --seed 3 --attn out/vit-attn.txt < out/vit-x.txt > out/vit-mha.txt
heatmap --title "4 heads over 37 tokens" -o out/vit-attn.png out/vit-attn.txt
# where the class token looks, head by head, and where the patch on the circle looks
heatmap --overlay samples/shapes.png --query cls --scale 4 -o out/vit-cls.png out/vit-attn.txt
heatmap --overlay samples/shapes.png --query p1_1 --scale 4 -o out/vit-circle.png out/vit-attn.txt
# a whole encoder of 2 layers: the class token's attention in the last layer
encode --layers 2 --heads 4 --seed 4 --attn out/vit-encoder-attn.txt < out/vit-x.txt > out/vit-encoded.txt
heatmap --overlay samples/shapes.png --layer 1 --query cls --scale 4 -o out/vit-encoder-cls.png \
	out/vit-encoder-attn.txt
echo "out/vit-attn.png: the weights as matrices; out/vit-cls.png, out/vit-circle.png, out/vit-encoder-cls.png:"
echo "  the attention of the class token and of patch p1_1 painted over the picture"
