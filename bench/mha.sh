#!/bin/sh
# SPDX-License-Identifier: MIT
# mha: seconds for one T x E self-attention with H heads, ours and (when installed) torch's, one thread.
set -eu
mkdir -p out
for size in 128x256 512x256 1024x512; do
	T=${size%x*} E=${size#*x} H=8
	tensor rand --shape "$size" -b > out/bench-mha-in.bin
	start=$(date +%s.%N)
	mha --heads $H --seed 1 -b out/bench-mha-in.bin > /dev/null
	end=$(date +%s.%N)
	printf 'mha  T=%-5s E=%-4s H=%s  %.3f s\n' "$T" "$E" "$H" "$(echo "$end - $start" | bc)"
	if /usr/bin/python3 -c 'import torch' 2> /dev/null; then
		/usr/bin/python3 - "$T" "$E" "$H" <<'PY'
import sys, time, torch
T, E, H = map(int, sys.argv[1:])
torch.set_num_threads(1)
m = torch.nn.MultiheadAttention(E, H, batch_first=True)
x = torch.randn(1, T, E)
with torch.no_grad():
    start = time.perf_counter()
    m(x, x, x, average_attn_weights=False)
    print(f"torch T={T:<5} E={E:<4} H={H}  {time.perf_counter() - start:.3f} s (1 thread)")
PY
	fi
done
rm -f out/bench-mha-in.bin
