#!/bin/sh
# SPDX-License-Identifier: MIT
# Makes heads.txt, the input of exercise 7 (for teachers: change the shifts to make another one).
# A multi-head layer (E = 16, 4 heads of Dh = 4) over the positional encoding alone (the words' embeddings
# scaled to 0), whose head h compares q_t = c PE(t) with k_s = c PE(s + shift_h) on the first two pairs
# of the encoding: the rotation of PE(pos+k) = M_k PE(pos) (course chapter 3) makes the score largest at
# s = t - shift_h. Shift -1 with c = 0 is a head with no preference. Run from this folder, programs on PATH.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "the cat sat on the mat and slept" | embed --dim 16 | tensor scale --by 0 | posenc > "$tmp/x.txt"
# in_proj_weight [48, 16]: rows 0-15 W_q, 16-31 W_k, 32-47 W_v; head h owns rows 4h .. 4h+3 of each
awk -v shifts="0:0 2:3 1:3 0:3" 'BEGIN {
	n = split(shifts, hs, " ")
	for (blk = 0; blk < 3; blk++) for (h = 0; h < 4; h++) {
		split(hs[h + 1], kc, ":"); k = kc[1]; c = kc[2]
		for (r = 0; r < 4; r++) {
			for (col = 0; col < 16; col++) {
				v = 0
				if (blk == 0 && col == r) v = c                      # q: the first two pairs, times c
				if (blk == 2 && col == 4 * h + r) v = 1              # v: head h passes its own columns
				if (blk == 1 && int(col / 2) == int(r / 2) && col < 4) {
					w = (r < 2) ? 1 : 0.1; a = k * w                 # k: pair r/2 rotated by k omega
					# row r of W_k: k_s[r] = sum_col W[r][col] x[col]; (sin, cos)(s+k) from (sin, cos)(s)
					if (r % 2 == 0) v = c * ((col % 2 == 0) ? cos(a) : sin(a))
					else v = c * ((col % 2 == 0) ? -sin(a) : cos(a))
				}
				printf "%s%.7f", col ? " " : "", v
			}
			print ""
		}
	}
}' > "$tmp/in_proj_weight.txt"
awk 'BEGIN { for (i = 0; i < 16; i++) { for (j = 0; j < 16; j++) printf "%s%d", j ? " " : "", i == j; print "" } }' > "$tmp/out.txt"
awk 'BEGIN { print "#tensor 48"; for (i = 0; i < 48; i++) printf "%s0", i ? " " : ""; print "" }' > "$tmp/ib.txt"
awk 'BEGIN { print "#tensor 16"; for (i = 0; i < 16; i++) printf "%s0", i ? " " : ""; print "" }' > "$tmp/ob.txt"
tensor pack "$tmp/layer.npz" in_proj_weight="$tmp/in_proj_weight.txt" in_proj_bias="$tmp/ib.txt" \
	out_proj.weight="$tmp/out.txt" out_proj.bias="$tmp/ob.txt"
mha --heads 4 --causal --weights "$tmp/layer.npz" --attn heads.txt "$tmp/x.txt" > /dev/null
tensor --digits 3 heads.txt > "$tmp/h.txt" && mv "$tmp/h.txt" heads.txt
