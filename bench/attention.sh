#!/bin/sh
# SPDX-License-Identifier: MIT
# Self-attention at T = 512, 1024, 4096 and d = 64: attend's time (the whole program: one thread, reading and
# writing the binary stream included) and, when Debian's python3 has torch, torch's time for the same work
# (softmax(Q K^T / sqrt(d)) V in float32, the computation only) with one thread and with every thread, in
# the same run, and the ratios attend / torch. Each time is the best of three runs.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

now() { date +%s.%N; }

# best_of3 CMD...: the shortest wall time of three runs, in seconds
best_of3() {
	best=
	for rep in 1 2 3; do
		start=$(now)
		"$@" > /dev/null
		end=$(now)
		best=$(echo "$start $end ${best:-1e9}" | awk '{ t = $2 - $1; print (t < $3 ? t : $3) }')
	done
	echo "$best"
}

torch=no
if /usr/bin/python3 -c 'import torch' 2> /dev/null; then
	torch=yes
	cat > "$tmp/torch_attn.py" << 'EOF'
import sys, time, torch
T, d, threads = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
if threads:
    torch.set_num_threads(threads)
torch.manual_seed(1)
x = torch.randn(T, d)
best = 1e9
for _ in range(3):
    start = time.perf_counter()
    w = torch.softmax(x @ x.T / d ** 0.5, dim=-1)
    out = w @ x
    best = min(best, time.perf_counter() - start)
print("%.6f %d" % (best, torch.get_num_threads()))
EOF
fi

if [ "$torch" = yes ]; then
	printf '%6s %4s %10s %12s %8s %14s %8s\n' T d attend_s torch_1thr_s ratio torch_all_s ratio
else
	printf '%6s %4s %10s   (torch not found in /usr/bin/python3: no comparison)\n' T d attend_s
fi
for T in 512 1024 4096; do
	tensor rand --shape "${T}x64" --seed 1 -b > "$tmp/x.bin"
	ours=$(best_of3 attend -b "$tmp/x.bin")
	if [ "$torch" = yes ]; then
		set -- $(/usr/bin/python3 "$tmp/torch_attn.py" "$T" 64 1)
		one=$1
		set -- $(/usr/bin/python3 "$tmp/torch_attn.py" "$T" 64 0)
		all=$1 threads=$2
		echo "$T $ours $one $all $threads" | awk '{ printf "%6d %4d %10.4f %12.4f %8.2f %10.4f (%d) %8.2f\n", $1, 64, $2, $3, $2 / $3, $4, $5, $2 / $4 }'
	else
		printf '%6d %4d %10.4f\n' "$T" 64 "$ours"
	fi
done
