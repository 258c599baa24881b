#!/bin/sh
# SPDX-License-Identifier: MIT
# The RNN-attention seq2seq of Bahdanau et al. (2015) as a shell pipeline, with untrained (seeded) weights:
#   source words -> embeddings -> bidirectional GRU encoder -> states h_j (the memory)
#   target words (shifted right, <s> first) -> embeddings -> GRU decoder attending over h_j -> outputs o_t
# and, for contrast, the plain seq2seq's single context vector (encode --arch gru --last); then a trained
# recurrent model translates. The alignments a_tj go to out/rnn-align.txt and out/rnn-translate-align.txt
# (rows: the decoder's steps, columns: the source words) and, when `heatmap` is installed, to .png files. Run from the repository root with the programs on PATH (make demo does).
set -eu
mkdir -p out
source="the cat sat on the mat"
target="le chat est assis sur le tapis"

# 1. the encoder: every hidden state h_j = [h_j->; h_j<-], 6 positions x 2*8 features
echo "$source" | embed --dim 8 --seed 1 |
	encode --arch gru --bidirectional --hidden 8 --seed 2 > out/rnn-memory.txt

# 2. the plain seq2seq squeezes the whole sentence into one vector c = [h_T->; h_1<-]
echo "$source" | embed --dim 8 --seed 1 |
	encode --arch gru --bidirectional --hidden 8 --seed 2 --last > out/rnn-context.txt

# 3. the attention decoder, teacher-forced: step t reads y_{t-1} (<s> first) and looks at every h_j
echo "$target" | embed --bos --dim 8 --seed 3 |
	decode --arch gru --score additive --seed 4 --memory out/rnn-memory.txt \
		--attn out/rnn-align.txt --explain=1 > out/rnn-outputs.txt

tensor info out/rnn-memory.txt out/rnn-context.txt out/rnn-outputs.txt out/rnn-align.txt

# 4. untrained, the weights above are nearly uniform. A GRU seq2seq trained a little on a toy translation
#    (samples/models/en-fr-gru.npz, made by tests/golden/make_rnn.py) has learnt where to look: French puts "noir" after
#    the noun, and the alignment row of "noir" points back at "black"; "est" and "assis" both read "sat"
echo "a small black dog sat on the big mat" |
	decode --generate --weights samples/models/en-fr-gru.npz --attn out/rnn-translate-align.txt
tensor --digits 2 out/rnn-translate-align.txt

if command -v heatmap > /dev/null 2>&1; then
	heatmap -o out/rnn-align.png < out/rnn-align.txt
	heatmap -o out/rnn-translate-align.png < out/rnn-translate-align.txt
	echo "alignment heatmaps: out/rnn-align.png out/rnn-translate-align.png"
fi
