#!/bin/sh
# SPDX-License-Identifier: MIT
# Training speed: the reverse task's Transformer (2 + 2 layers, d_model 64, 4 heads, d_ff 256, batches of
# 32 sequences of 5 to 12 digits, dropout 0.1, label smoothing 0.1, Adam) for 60 steps, in target tokens
# per second: our train beside the same model, batches and recipe in PyTorch (nn.Transformer, padded
# batches with masks), both on one thread (OPENBLAS_NUM_THREADS=1, torch.set_num_threads(1)).
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sh "$(dirname "$0")/../samples/tasks/make-tasks.sh" -n 1920 "$tmp" 2>/dev/null

OPENBLAS_NUM_THREADS=1 train --pairs "$tmp/reverse-train.tsv" --dim 64 --heads 4 --layers 2 --ff 256 --eos \
	--scale --steps 60 --batch-sentences 32 --no-shuffle --log-every 60 -o "$tmp/m.npz" 2>&1 |
	awk '/^step 60 / { for (i = 1; i <= NF; i++) if ($i == "tokens/s") t = $(i + 1) }
	     END { printf "train   %8.0f target tokens/s  (2+2 layers, d_model 64, batch 32, C, 1 thread)\n", t }'

if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import torch' 2>/dev/null; then
	/usr/bin/python3 "$(dirname "$0")/train_torch.py" transformer "$tmp/reverse-train.tsv" 60 1 |
		awk '{ printf "torch   %8.0f target tokens/s  (nn.Transformer, padded batches, 1 thread)\n", $1 }'
fi
