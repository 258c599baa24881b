# SPDX-License-Identifier: MIT
# train: a Transformer and a GRU seq2seq trained by samples/train-reverse.sh (shipped in samples/models/,
# so that no training is needed here) reverse digit sequences they never saw, and their attention is the
# anti-diagonal. Then a few seconds of training on the toy translation, from nothing.
set -eu
echo "3 1 4 1 5 9 2 6" | decode --generate --weights samples/models/reverse-transformer.npz --attn out/train-reverse-align.txt
heatmap -o out/train-reverse-align.png < out/train-reverse-align.txt
echo "out/train-reverse-align.png: the cross-attention of reversing 3 1 4 1 5 9 2 6"
echo "3 1 4 1 5 9 2 6" | decode --generate --weights samples/models/reverse-gru.npz --attn out/train-reverse-gru-align.txt
heatmap -o out/train-reverse-gru-align.png < out/train-reverse-gru-align.txt
echo "out/train-reverse-gru-align.png: the GRU seq2seq's additive attention, reversing the same sequence"
train --pairs samples/en-fr-train.tsv --dim 32 --heads 2 --layers 2 --ff 64 --eos --scale \
	--epochs 6 --batch-sentences 16 --schedule constant --lr 3e-3 --dropout 0 --log-every 1000 -o out/train-toy.npz
echo "the big cat sat on the mat" | decode --generate --weights out/train-toy.npz
