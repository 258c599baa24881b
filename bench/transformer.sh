#!/bin/sh
# SPDX-License-Identifier: MIT
# One base encoder layer (d_model 512, 8 heads, d_ff 2048, the paper's base model) at T = 128 and 512:
# our encode beside torch's nn.TransformerEncoderLayer (when Debian's python3-torch is installed).
# Time per sequence, weights initialised once per run; input and output in the binary form.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

now() { date +%s.%N; }

for T in 128 512; do
	count=$((T == 128 ? 8 : 2))
	tensor rand --shape ${T}x512 --count $count -b > "$tmp/x.bin"
	# warm-up-free: one process does every sequence; the seed's initialisation is counted once
	start=$(now)
	encode --layers 1 --heads 8 --ff 2048 --seed 1 -b "$tmp/x.bin" > /dev/null
	end=$(now)
	echo "$T $count $start $end" | awk '{ printf "encode  T=%-4d  %8.1f ms per sequence  (%d sequences, C, 1 thread)\n", $1, ($4 - $3) * 1000 / $2, $2 }'
done

if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import torch' 2>/dev/null; then
	/usr/bin/python3 - <<'PY'
import time
import torch

torch.manual_seed(0)
layer = torch.nn.TransformerEncoderLayer(512, 8, 2048, dropout=0.0, batch_first=True).eval()
all_threads = torch.get_num_threads()
for threads in sorted({1, all_threads}):
    torch.set_num_threads(threads)
    for T, count in ((128, 8), (512, 2)):
        x = torch.randn(count, 1, T, 512)
        with torch.no_grad():
            layer(x[0])  # warm-up: first-call allocations
            start = time.perf_counter()
            for i in range(count):
                layer(x[i])
            ms = (time.perf_counter() - start) * 1000 / count
        print("torch   T=%-4d  %8.1f ms per sequence  (nn.TransformerEncoderLayer, %d thread%s)"
              % (T, ms, threads, "" if threads == 1 else "s"))
PY
else
	echo "torch: not installed (Debian's python3-torch), no comparison"
fi

# Generation with and without the key/value cache: a random model (d_model 256, 4 heads, 2 + 2 layers,
# 1000 words) that never says </s>, so every run produces --max-len tokens. Needs torch to write it.
if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import torch' 2>/dev/null; then
	/usr/bin/python3 - "$tmp/model.npz" <<'PY'
import sys
import numpy as np
import torch

torch.manual_seed(0)
D, V = 256, 1000
model = torch.nn.Transformer(D, 4, 2, 2, 4 * D, dropout=0.0, batch_first=True)
arrays = {k: v.detach().numpy() for k, v in model.state_dict().items()}
arrays["src_embed.weight"] = np.random.default_rng(0).standard_normal((V, D), dtype=np.float32)
arrays["tgt_embed.weight"] = np.random.default_rng(1).standard_normal((V, D), dtype=np.float32)
arrays["generator.weight"] = np.random.default_rng(2).uniform(-0.06, 0.06, (V, D)).astype(np.float32)
bias = np.zeros(V, dtype=np.float32)
bias[3] = -1e4  # </s> (id 3) never wins
arrays["generator.bias"] = bias
words = ["<pad>", "<unk>", "<s>", "</s>"] + ["w%d" % i for i in range(V - 4)]
text = lambda s: np.frombuffer(s.encode(), dtype=np.uint8)
arrays["config"] = text("heads 4\nencoder_layers 2\ndecoder_layers 2\nd_ff %d\n" % (4 * D))
arrays["src_vocab"] = arrays["tgt_vocab"] = text("\n".join(words) + "\n")
np.savez(sys.argv[1], **arrays)
PY
	echo "w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12 w13 w14 w15 w16 w17 w18 w19 w20" > "$tmp/src.txt"
	for L in 50 100; do
		for cache in "" --no-cache; do
			start=$(now)
			decode --generate --weights "$tmp/model.npz" --max-len $L $cache "$tmp/src.txt" > /dev/null
			end=$(now)
			echo "$L $start $end ${cache:-cache}" | awk '{ printf "decode --generate  %4d tokens  %8.1f ms  (%s)\n", $1, ($3 - $2) * 1000, $4 }'
		done
	done
fi
