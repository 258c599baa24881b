# SPDX-License-Identifier: MIT
# embed | posenc: 5000 lines of 24 words, d_model 512, binary stream (250 MB); then torch's lookup + table add.
# Wall-clock seconds: on a loaded machine they grow; compare runs on the same machine.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
awk 'BEGIN { srand(1); split("the cat sat on mat dog log a saw chased bird tree under over big small red blue", w, " ");
	for (l = 0; l < 5000; l++) { s = ""; for (k = 0; k < 24; k++) s = s (k ? " " : "") w[int(rand() * 18) + 1]; print s } }' > "$tmp/corpus.txt"
embed --save-vocab "$tmp/v.txt" --dim 2 "$tmp/corpus.txt" > /dev/null
start=$(date +%s.%N)
embed --vocab "$tmp/v.txt" --dim 512 -b "$tmp/corpus.txt" > /dev/null
end=$(date +%s.%N)
echo "embed --dim 512 (binary): 5000 x 24 tokens in $(awk "BEGIN { print $end - $start }") s"
start=$(date +%s.%N)
embed --vocab "$tmp/v.txt" --dim 512 -b "$tmp/corpus.txt" | posenc -b > /dev/null
end=$(date +%s.%N)
echo "embed --dim 512 | posenc (binary): 5000 x 24 tokens in $(awk "BEGIN { print $end - $start }") s"
start=$(date +%s.%N)
posenc --only --len 4096 --dim 512 -b > /dev/null
end=$(date +%s.%N)
echo "posenc --only --len 4096 --dim 512: $(awk "BEGIN { print $end - $start }") s"
if /usr/bin/python3 -c 'import torch' 2> /dev/null; then
	/usr/bin/python3 - "$tmp/corpus.txt" "$tmp/v.txt" <<'PY'
import math, sys, time
import torch
vocab = {t: i for i, t in enumerate(open(sys.argv[2]).read().split("\n")[:-1])}
lines = [[vocab[w] for w in l.split()] for l in open(sys.argv[1])]
torch.set_num_threads(1)
emb = torch.nn.Embedding(len(vocab), 512)
t0 = time.perf_counter()
with torch.no_grad():
    pos = torch.arange(24, dtype=torch.float64)[:, None]
    div = torch.pow(10000.0, torch.arange(0, 512, 2, dtype=torch.float64) / 512)
    pe = torch.zeros(24, 512, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(pos / div)
    pe[:, 1::2] = torch.cos(pos / div)
    pe = pe.float()
    for ids in lines:
        x = emb(torch.tensor(ids)) + pe
t1 = time.perf_counter()
print("torch (1 thread, no I/O): nn.Embedding + table add, 5000 x 24 tokens in %.3f s" % (t1 - t0))
PY
fi
