#!/bin/sh
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
