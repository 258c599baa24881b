#!/bin/sh
# SPDX-License-Identifier: MIT
# One Transformer encoder layer as a pipeline of its own stages: mha, tensor add, norm, ffn.
#
#   usage: samples/encoder-layer.sh [--norm-first] MODEL.npz PREFIX HEADS < x.txt > y.txt
#
# MODEL.npz holds the layer under PyTorch's names, PREFIX in front of them: layers.0. for an
# nn.TransformerEncoder's state_dict(), encoder.layers.0. for a whole nn.Transformer. x.txt: T x E
# tensors (one per sentence), e.g. from `embed | posenc`. The layer of section 3.1, post-norm (the paper's):
#     x1 = LayerNorm1(x  + SelfAttention(x))
#     y  = LayerNorm2(x1 + FFN(x1))
# or pre-norm with --norm-first (PyTorch's norm_first=True):
#     x1 = x  + SelfAttention(LayerNorm1(x))
#     y  = x1 + FFN(LayerNorm2(x1))
# The output is the same as `encode --layers 1` on the same archive (tests/pipelines.bats checks it):
# encode runs these very lib functions, in this order, in one process.
set -eu
norm_first=false
if [ "${1-}" = --norm-first ]; then
	norm_first=true
	shift
fi
if [ $# -ne 3 ]; then
	echo "usage: $0 [--norm-first] MODEL.npz PREFIX HEADS < x.txt > y.txt" >&2
	exit 2
fi
W=$1 L=$2 H=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# the residual branches read a sublayer's input twice: once through the sublayer, once around it
cat > "$tmp/x.txt"
if ! $norm_first; then
	mha --heads "$H" --weights "$W" --prefix "${L}self_attn." "$tmp/x.txt" |
		tensor add - "$tmp/x.txt" |
		norm --weights "$W" --prefix "${L}norm1." > "$tmp/x1.txt"
	ffn --weights "$W" --prefix "$L" "$tmp/x1.txt" |
		tensor add - "$tmp/x1.txt" |
		norm --weights "$W" --prefix "${L}norm2."
else
	norm --weights "$W" --prefix "${L}norm1." "$tmp/x.txt" |
		mha --heads "$H" --weights "$W" --prefix "${L}self_attn." |
		tensor add - "$tmp/x.txt" > "$tmp/x1.txt"
	norm --weights "$W" --prefix "${L}norm2." "$tmp/x1.txt" |
		ffn --weights "$W" --prefix "$L" |
		tensor add - "$tmp/x1.txt"
fi
