# SPDX-License-Identifier: MIT
# The RNN-attention seq2seq (Bahdanau et al. 2015): encoder states, alignment, and its heatmap.
set -eu
sh samples/rnn-seq2seq.sh
