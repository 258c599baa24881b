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
# a trained classifier (train --images): which shape is in a picture of 32 x 32 pixels
python3 samples/shapes.py --set out/shapes-train --count 600 --size 32 --seed 1
python3 samples/shapes.py --set out/shapes-test --count 60 --size 32 --seed 2
train --images out/shapes-train/labels.txt --valid-images out/shapes-test/labels.txt --patch 8 --dim 32 \
	--heads 4 --epochs 40 --batch-sentences 20 --lr 3e-3 --log-every 1000 -o out/vit.npz
# the trained model as the pipeline of its stages, on a test picture, and where its class token looks
unzip -p out/vit.npz classes.npy | sed 1d > out/vit-classes.txt
embed --image out/shapes-test/002.png --weights out/vit.npz --prefix patch_embed. |
	posenc --learned --max-len 17 --weights out/vit.npz --prefix pos_embed. > out/vit-h.txt
class=$(mha --heads 4 --weights out/vit.npz --prefix attn. --attn out/vit-trained-attn.txt out/vit-h.txt |
	tensor add - out/vit-h.txt | tensor slice --rows 0 |
	linear --weights out/vit.npz --prefix head. --vocab out/vit-classes.txt | tensor argmax)
echo "out/shapes-test/002.png ($(grep '^002.png' out/shapes-test/labels.txt | cut -d' ' -f2)): the model says $class"
heatmap --overlay out/shapes-test/002.png --query cls --scale 6 -o out/vit-trained-cls.png out/vit-trained-attn.txt
echo "out/vit-trained-cls.png: where the trained class token looks"
