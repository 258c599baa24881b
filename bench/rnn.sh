#!/bin/sh
# SPDX-License-Identifier: MIT
# The recurrent seq2seq: a bidirectional GRU encoder (E = H = 256, T = 128 and 512) and the GRU attention
# decoder with the additive score (T = S = 128, teacher-forced), beside torch's nn.GRU and a GRUCell loop
# (when Debian's python3-torch is installed). Time per sequence, input and output in the binary form.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

now() { date +%s.%N; }

for T in 128 512; do
	count=$((T == 128 ? 8 : 2))
	tensor rand --shape ${T}x256 --count $count -b > "$tmp/x.bin"
	start=$(now)
	encode --arch gru --bidirectional --hidden 256 --seed 1 -b "$tmp/x.bin" > /dev/null
	end=$(now)
	echo "$T $count $start $end" | awk '{ printf "encode --arch gru --bidirectional  T=%-4d  %8.1f ms per sequence  (C, 1 thread)\n", $1, ($4 - $3) * 1000 / $2, $2 }'
done

tensor rand --shape 128x512 --seed 2 -b > "$tmp/mem.bin"
tensor rand --shape 128x256 --seed 3 --count 4 -b > "$tmp/y.bin"
start=$(now)
decode --arch gru --memory "$tmp/mem.bin" --seed 1 -b "$tmp/y.bin" > /dev/null
end=$(now)
echo "$start $end" | awk '{ printf "decode --arch gru (additive)      T=128   %8.1f ms per sequence  (C, 1 thread, S = 128, H = 512)\n", ($2 - $1) * 1000 / 4 }'

if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import torch' 2>/dev/null; then
	/usr/bin/python3 - <<'PY'
import time
import torch

torch.manual_seed(0)
torch.set_num_threads(1)
gru = torch.nn.GRU(256, 256, bidirectional=True, batch_first=True)
with torch.no_grad():
    for T, count in ((128, 8), (512, 2)):
        x = torch.randn(count, 1, T, 256)
        gru(x[0])
        start = time.perf_counter()
        for i in range(count):
            gru(x[i])
        print("torch nn.GRU bidirectional        T=%-4d  %8.1f ms per sequence  (1 thread)"
              % (T, (time.perf_counter() - start) * 1000 / count))
    S, H, E, Hd = 128, 512, 256, 512
    cell, out = torch.nn.GRUCell(E + H, H), torch.nn.Linear(2 * H, H)
    W1, W2, v = torch.nn.Linear(H, Hd, bias=False), torch.nn.Linear(H, Hd, bias=False), torch.randn(Hd)
    memory, y = torch.randn(S, H), torch.randn(4, 128, E)
    start = time.perf_counter()
    for i in range(4):
        s = memory[-1]
        for t in range(128):
            a = torch.softmax(torch.tanh(W1(s) + W2(memory)) @ v, dim=0)
            c = a @ memory
            s = cell(torch.cat([y[i, t], c])[None], s[None])[0]
            o = torch.tanh(out(torch.cat([s, c])))
    print("torch GRUCell loop (additive)     T=128   %8.1f ms per sequence  (1 thread)"
          % ((time.perf_counter() - start) * 1000 / 4))
PY
fi
