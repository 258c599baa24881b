#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# attend: golden cases against torch 1.13 / NumPy float64 (tests/golden/make_attend.py), the tiled path
# against the plain one, masks, shapes and every error a user can reach.
load helpers

setup() {
	X="$GOLDEN/attend_x.txt"         # 5 x 8, rows: the cat sat on mat
	MEM="$GOLDEN/attend_memory.txt"  # 6 x 8, rows: le chat est assis sur le
	XQ="$GOLDEN/attend_xq6.txt"      # 5 x 6
	T="$BATS_TEST_TMPDIR"
}

# row_sums FILE: the sum of every data row of a text tensor, one per line
row_sums() {
	awk '!/^#/ { s = 0; for (i = 1; i <= NF; i++) s += $i; printf "%.7f\n", s }' "$1"
}

# reverse_rows FILE: the same text tensor with its data rows in reverse order (no labels)
reverse_rows() {
	grep '^#' "$1"
	grep -v '^#' "$1" | tac
}

@test "attend: --help prints the usage on stdout and exits 0" {
	run attend --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "usage: attend [--score dot|scaled|cosine|general|additive]"* ]]
	[[ "$output" == *"1 = may attend, 0 = blocked"* ]]
}

@test "attend: --version names the program" {
	run attend --version
	[ "$status" -eq 0 ]
	[[ "$output" == "attend (pipeformer) "* ]]
}

@test "attend: scaled + causal equals softmax(QK^T/sqrt(d) + mask)V of torch (float64)" {
	attend --causal "$X" > "$T/out.txt"
	assert_close "$T/out.txt" "$GOLDEN/attend_scaled_causal.txt"
}

@test "attend: --attn writes the causal weights of torch, rows = queries, columns = keys" {
	attend --causal --attn "$T/attn.txt" "$X" > /dev/null
	assert_close "$T/attn.txt" "$GOLDEN/attend_scaled_causal_attn.txt"
	grep -qx '#rows the cat sat on mat' "$T/attn.txt"
	grep -qx '#cols the cat sat on mat' "$T/attn.txt"
}

@test "attend: the causal mask hides later keys (upper triangle of the weights is 0)" {
	attend --causal --attn "$T/attn.txt" "$X" > /dev/null
	run awk '!/^#/ { r++; for (i = r + 1; i <= NF; i++) if ($i != 0) bad++ } END { print bad + 0 }' "$T/attn.txt"
	[ "$output" = 0 ]
}

@test "attend: weights written by --attn sum to 1 on every row" {
	attend --memory "$MEM" --mask "$GOLDEN/attend_mask.txt" --attn "$T/attn.txt" "$X" > /dev/null
	run row_sums "$T/attn.txt"
	for s in "${lines[@]}"; do
		[[ "$s" == 1.0000000 || "$s" == 0.9999999 || "$s" == 1.0000001 ]]
	done
	[ "${#lines[@]}" -eq 5 ]
}

@test "attend: --mask (1 = attend) on cross-attention equals the torch reference" {
	attend --memory "$MEM" --mask "$GOLDEN/attend_mask.txt" "$X" > "$T/out.txt"
	assert_close "$T/out.txt" "$GOLDEN/attend_scaled_mask.txt"
}

@test "attend: --additive-mask takes PyTorch's 0 / -inf floats and gives the same result" {
	attend --memory "$MEM" --additive-mask "$GOLDEN/attend_additive_mask.txt" "$X" > "$T/out.txt"
	assert_close "$T/out.txt" "$GOLDEN/attend_scaled_mask.txt"
}

@test "attend: an --additive-mask of any finite values is added to the scores, as torch's float attn_mask" {
	attend --memory "$MEM" --additive-mask "$GOLDEN/attend_bias_mask.txt" --attn "$T/attn.txt" "$X" > "$T/out.txt"
	assert_close "$T/out.txt" "$GOLDEN/attend_bias.txt"
	assert_close "$T/attn.txt" "$GOLDEN/attend_bias_attn.txt"
}

@test "attend: the tiled path adds an additive mask's values as the plain path does" {
	attend --memory "$MEM" --additive-mask "$GOLDEN/attend_bias_mask.txt" "$X" > "$T/out.txt"
	assert_close "$T/out.txt" "$GOLDEN/attend_bias.txt"
}

@test "attend: --scores stays before the mask; --explain shows the bias added" {
	attend --memory "$MEM" --additive-mask "$GOLDEN/attend_bias_mask.txt" --scores "$T/s1.txt" "$X" > /dev/null
	attend --memory "$MEM" --scores "$T/s2.txt" "$X" > /dev/null
	assert_close "$T/s1.txt" "$T/s2.txt" 0
	run attend --memory "$MEM" --additive-mask "$GOLDEN/attend_bias_mask.txt" --explain "$X"
	[ "$status" -eq 0 ]
	[[ "$output" == *"finite values are added to the scores before the softmax"* ]]
}

@test "attend: a mask stream pairs its i-th mask with the i-th query tensor" {
	cat "$X" "$X" > "$T/x2.txt"
	printf '#tensor 5 6\n%s\n' "$(for i in 1 2 3 4 5; do echo 0 0 0 0 0 0; done)" > "$T/zero.txt"
	cat "$T/zero.txt" "$GOLDEN/attend_bias_mask.txt" > "$T/m2.txt"
	attend --memory "$MEM" --additive-mask "$T/m2.txt" "$T/x2.txt" > "$T/out.txt"
	attend --memory "$MEM" "$X" > "$T/first.txt"
	cat "$T/first.txt" "$GOLDEN/attend_bias.txt" > "$T/expected.txt"
	assert_close "$T/out.txt" "$T/expected.txt"
}

@test "attend: a 3-D mask of one head is accepted, of two heads is an error" {
	{ echo '#tensor 1 5 6'; grep -v '^#' "$GOLDEN/attend_bias_mask.txt"; } > "$T/m1.txt"
	attend --memory "$MEM" --additive-mask "$T/m1.txt" "$X" > "$T/out.txt"
	assert_close "$T/out.txt" "$GOLDEN/attend_bias.txt"
	{ echo '#tensor 2 5 6'; grep -v '^#' "$GOLDEN/attend_bias_mask.txt"; grep -v '^#' "$GOLDEN/attend_bias_mask.txt"; } > "$T/m2.txt"
	run attend --memory "$MEM" --additive-mask "$T/m2.txt" "$X"
	assert_fails 1 "m2.txt: mask is 2x5x6: a 3-D mask gives each head its own \(heads x queries x keys\), and the attention has 1 head"
}

@test "attend: --score dot equals softmax(q.k) v in float64" {
	attend --score dot --memory "$MEM" "$X" > "$T/out.txt"
	assert_close "$T/out.txt" "$GOLDEN/attend_dot.txt"
}

@test "attend: --score cosine with --temperature 0.5 equals the float64 formula" {
	attend --score cosine --temperature 0.5 --memory "$MEM" "$X" > "$T/out.txt"
	assert_close "$T/out.txt" "$GOLDEN/attend_cosine_t05.txt"
}

@test "attend: --score general (q^T W k) with loaded W equals the float64 formula" {
	attend --score general --weights "$GOLDEN/attend_general.npz" --memory "$MEM" "$XQ" > "$T/out.txt"
	assert_close "$T/out.txt" "$GOLDEN/attend_general.txt"
}

@test "attend: --score additive (v^T tanh(W1 q + W2 k)) with loaded weights equals the float64 formula" {
	attend --score additive --hidden 5 --weights "$GOLDEN/attend_additive.npz" --memory "$MEM" "$XQ" > "$T/out.txt"
	assert_close "$T/out.txt" "$GOLDEN/attend_additive.txt"
}

@test "attend: --project --bias with loaded q/k/v_proj weights equals torch.nn.Linear + attention" {
	attend --project --bias --dk 4 --dv 3 --weights "$GOLDEN/attend_project.npz" --memory "$MEM" "$X" > "$T/out.txt"
	assert_close "$T/out.txt" "$GOLDEN/attend_project.txt"
}

@test "attend: --rope --rope-base 100 --offset 3 equals the float64 RoFormer rotation" {
	attend --rope --rope-base 100 --offset 3 --causal "$X" > "$T/out.txt"
	assert_close "$T/out.txt" "$GOLDEN/attend_rope_causal.txt"
}

@test "attend: with --rope, self-attention depends on relative positions only (--offset changes nothing)" {
	attend --rope --causal "$X" > "$T/a.txt"
	attend --rope --causal --offset 1000 "$X" > "$T/b.txt"
	assert_close "$T/a.txt" "$T/b.txt" 1e-4
	# and RoPE does change the result
	attend --causal "$X" > "$T/c.txt"
	run tensor diff "$T/a.txt" "$T/c.txt"
	[ "$status" -eq 1 ]
}

@test "attend: the tiled path equals the plain path for every score, with causal and mask" {
	tensor rand --shape 300x16 --seed 3 > "$T/x.txt"
	tensor rand --shape 170x16 --seed 4 > "$T/m.txt"
	for score in dot scaled cosine general additive; do
		attend --score "$score" --causal "$T/x.txt" > "$T/tiled.txt"
		attend --score "$score" --causal --plain "$T/x.txt" > "$T/plain.txt"
		assert_close "$T/tiled.txt" "$T/plain.txt" 1e-5
		attend --score "$score" --memory "$T/m.txt" "$T/x.txt" > "$T/tiled.txt"
		attend --score "$score" --memory "$T/m.txt" --attn /dev/null "$T/x.txt" > "$T/plain.txt"
		assert_close "$T/tiled.txt" "$T/plain.txt" 1e-5
	done
}

@test "attend: the tiled path equals the plain path on widths and lengths that fill no tile (77 x 13)" {
	tensor rand --shape 77x13 --seed 5 > "$T/x.txt"
	tensor rand --shape 77x77 --seed 6 | awk '!/^#/ { for (i = 1; i <= NF; i++) $i = ($i > -0.8) } 1' > "$T/mask.txt"
	for score in scaled additive; do
		attend --score "$score" --mask "$T/mask.txt" --causal "$T/x.txt" > "$T/tiled.txt" 2> /dev/null
		attend --score "$score" --mask "$T/mask.txt" --causal --plain "$T/x.txt" > "$T/plain.txt" 2> /dev/null
		assert_close "$T/tiled.txt" "$T/plain.txt" 1e-5
	done
}

@test "attend: self-attention is permutation equivariant (shuffled rows in, same rows shuffled out)" {
	tensor rand --shape 7x4 --seed 9 > "$T/x.txt"
	reverse_rows "$T/x.txt" > "$T/x_rev.txt"
	attend "$T/x.txt" > "$T/out.txt"
	reverse_rows "$T/out.txt" > "$T/out_rev.txt"
	attend "$T/x_rev.txt" > "$T/rev_out.txt"
	assert_close "$T/rev_out.txt" "$T/out_rev.txt" 1e-6
}

@test "attend: keys labelled <pad> are blocked, and --no-pad-mask lets them in" {
	printf '#tensor 3 2\n#rows a b <pad>\n1 0\n0 1\n5 5\n' > "$T/x.txt"
	printf '#tensor 3 2\n#rows a b c\n1 0\n0 1\n5 5\n' > "$T/nopad.txt"
	printf '1 1 0\n1 1 0\n1 1 0\n' > "$T/mask.txt"
	attend --attn "$T/attn.txt" "$T/x.txt" > "$T/out.txt"
	attend --mask "$T/mask.txt" "$T/nopad.txt" > "$T/ref.txt"
	run tensor diff "$T/out.txt" "$T/ref.txt"
	[ "$status" -eq 0 ]
	run awk '!/^#/ { print $3 }' "$T/attn.txt"
	[ "$output" = "$(printf '0\n0\n0')" ]
	attend --no-pad-mask "$T/x.txt" > "$T/open.txt"
	attend "$T/nopad.txt" > "$T/ref2.txt"
	run tensor diff "$T/open.txt" "$T/ref2.txt"
	[ "$status" -eq 0 ]
}

@test "attend: a query with every key blocked gets zero output and weights and a warning, never NaN" {
	printf '1 1 1\n0 0 0\n1 0 0\n' > "$T/mask.txt"
	printf '1 2\n3 4\n5 6\n' > "$T/x.txt"
	for path in "" --plain; do
		run attend $path --mask "$T/mask.txt" --attn "$T/attn.txt" "$T/x.txt"
		[ "$status" -eq 0 ]
		[[ "$output" == *"attend: warning: tensor #0: 1 of 3 queries have every key blocked"* ]]
		[[ "$output" != *nan* && "$output" != *NaN* ]]
		attend $path --mask "$T/mask.txt" "$T/x.txt" 2> /dev/null | grep -v '^#' | sed -n 2p | grep -Eq '^ *0 +0 *$'
		grep -v '^#' "$T/attn.txt" | sed -n 2p | grep -Eq '^ *0 +0 +0 *$'
	done
}

@test "attend: the output keeps the query labels and, without --project, the value column labels" {
	run attend "$SAMPLES/matrix.txt"
	[ "$status" -eq 0 ]
	[[ "$output" == *"#rows the cat sat"* ]]
	[[ "$output" == *"#cols d0 d1 d2 d3"* ]]
	[[ "$output" == *"#name example"* ]]
}

@test "attend: --scores writes the scaled scores before the softmax" {
	# the . the = 0.25 + 1 + 0.0625 + 4 = 5.3125; scaled by 1/sqrt(4) = 2.65625
	attend --scores "$T/s.txt" "$SAMPLES/matrix.txt" > /dev/null
	run sh -c "grep -v '^#' '$T/s.txt' | head -1 | awk '{ print \$1 }'"
	[ "$output" = 2.65625 ]
	attend --score dot --scores "$T/s.txt" "$SAMPLES/matrix.txt" > /dev/null
	run sh -c "grep -v '^#' '$T/s.txt' | head -1 | awk '{ print \$1 }'"
	[ "$output" = 5.3125 ]
}

@test "attend: each query tensor meets the memory's one tensor, and the i-th meets the i-th" {
	cat "$X" "$X" > "$T/two.txt"
	attend --memory "$MEM" "$X" > "$T/one_out.txt"
	cat "$T/one_out.txt" "$T/one_out.txt" > "$T/ref.txt"
	attend --memory "$MEM" "$T/two.txt" > "$T/out.txt"
	assert_close "$T/out.txt" "$T/ref.txt" 0
	cat "$MEM" "$X" > "$T/mem2.txt"
	attend --memory "$X" "$X" > "$T/self.txt"
	cat "$T/one_out.txt" "$T/self.txt" > "$T/ref2.txt"
	attend --memory "$T/mem2.txt" "$T/two.txt" > "$T/out2.txt"
	assert_close "$T/out2.txt" "$T/ref2.txt" 0
}

@test "attend: --keys and --values come from separate streams (output is T x d_v)" {
	tensor rand --shape 6x3 --seed 2 > "$T/v.txt"
	run attend --keys "$MEM" --values "$T/v.txt" "$X"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "#tensor 5 3" ]]
}

@test "attend: --save-weights then --weights gives the same output" {
	attend --project --score additive --seed 7 --save-weights "$T/w.npz" "$X" > "$T/a.txt"
	attend --project --score additive --weights "$T/w.npz" "$X" > "$T/b.txt"
	assert_close "$T/a.txt" "$T/b.txt" 0
	attend --project --score additive --seed 8 "$X" > "$T/c.txt"
	run tensor diff "$T/a.txt" "$T/c.txt"
	[ "$status" -eq 1 ]
}

@test "attend: --explain writes the walkthrough on stderr and leaves stdout unchanged" {
	attend "$SAMPLES/matrix.txt" > "$T/plain.txt"
	attend --explain "$SAMPLES/matrix.txt" > "$T/out.txt" 2> "$T/err.txt"
	cmp "$T/out.txt" "$T/plain.txt"
	grep -q 'variance 46.52 (d_k = 4)' "$T/err.txt"
	grep -q 'sum of weights 1' "$T/err.txt"
	grep -q 'out\[the\]\[0\] = 0.9005 x 0.5 + 0.09491 x 1.5 + 0.00458 x -2 = 0.583463' "$T/err.txt"
}

@test "attend: --explain of a first query with every key blocked says so instead of dividing by zero" {
	printf '0 0 0\n1 1 1\n1 1 1\n' > "$T/mask.txt"
	run attend --explain --mask "$T/mask.txt" "$SAMPLES/matrix.txt"
	[ "$status" -eq 0 ]
	[[ "$output" == *"every key blocked: weights all 0, output 0"* ]]
	[[ "$output" == *"out[the] = 0 (every key blocked)"* ]]
	[[ "$output" != *nan* ]]
}

@test "attend: --explain summarises a large input instead of flooding the terminal" {
	tensor rand --shape 400x64 > "$T/x.txt"
	attend --explain --causal "$T/x.txt" > /dev/null 2> "$T/err.txt"
	grep -q 'rows not shown' "$T/err.txt"
	grep -q 'the first 8 of 400 queries' "$T/err.txt"
	[ "$(wc -l < "$T/err.txt")" -lt 150 ]
}

@test "attend: keys and values with different row counts fail naming both shapes" {
	tensor rand --shape 4x8 > "$T/v.txt"
	run attend --keys "$MEM" --values "$T/v.txt" "$X"
	assert_fails 1 "attend: tensor #0: keys are 6x8 but values are 4x8: they need the same number of rows"
}

@test "attend: queries and keys of different widths fail for dot scores, naming both shapes" {
	run attend --memory "$MEM" "$XQ"
	assert_fails 1 "attend: queries are 5x6 but keys are 6x8: --score scaled needs the same width"
}

@test "attend: a later tensor of another width fails" {
	cat "$X" "$XQ" > "$T/mixed.txt"
	run attend "$T/mixed.txt"
	assert_fails 1 "attend: tensor #1: queries 5x6, keys 5x6, values 5x6: widths differ from the first tensor's \(8, 8, 8\)"
}

@test "attend: a memory stream of two tensors with three query tensors fails" {
	cat "$X" "$X" "$X" > "$T/three.txt"
	cat "$MEM" "$MEM" > "$T/mem2.txt"
	run attend --memory "$T/mem2.txt" "$T/three.txt"
	assert_fails 1 "mem2.txt: holds 2 tensors, the input more \(tensor #2 has none\)"
}

@test "attend: a memory stream with more tensors than the queries fails" {
	cat "$MEM" "$MEM" > "$T/mem2.txt"
	run attend --memory "$T/mem2.txt" "$X"
	assert_fails 1 "mem2.txt: holds more tensors than the input \(1\)"
}

@test "attend: a mask of the wrong shape fails naming both shapes" {
	printf '1 1\n1 1\n' > "$T/mask.txt"
	run attend --mask "$T/mask.txt" "$X"
	assert_fails 1 "mask.txt: mask is 2x2, the attention is 5x5"
}

@test "attend: a mask value other than 0 or 1 fails" {
	printf '1 0.5\n1 1\n' > "$T/mask.txt"
	run attend --mask "$T/mask.txt" "$X"
	assert_fails 1 "mask value 0.5 at \[0,1\]"
}

@test "attend: a 3-D input fails: one sequence per tensor" {
	tensor rand --shape 2x3x4 > "$T/x3.txt"
	run attend "$T/x3.txt"
	assert_fails 1 "attend: .*x3.txt: tensor #0 is 2x3x4: attend takes one sequence"
}

@test "attend: --rope on an odd width fails" {
	tensor rand --shape 3x5 > "$T/x.txt"
	run attend --rope "$T/x.txt"
	assert_fails 1 "attend: queries are 5 wide and keys 5: --rope turns pairs of components"
}

@test "attend: usage errors exit 2 with the option named" {
	run attend --score bogus "$X"
	assert_fails 2 "attend: --score: 'bogus' is not one of dot, scaled, cosine, general, additive"
	run attend --temperature 0 "$X"
	assert_fails 2 "attend: --temperature: 0: every score is divided by it"
	run attend --keys "$MEM" "$X"
	assert_fails 2 "attend: --keys and --values go together"
	run attend --dk 4 "$X"
	assert_fails 2 "attend: --dk, --dv and --bias set the projections of --project"
	run attend --hidden 4 "$X"
	assert_fails 2 "attend: --hidden is the width of --score additive"
	run attend --dk 0 --project "$X"
	assert_fails 2 "attend: --dk: 0 is out of range"
	run attend "$X" "$X"
	assert_fails 2 "attend: one input at most"
	run attend --memory - < "$X"
	assert_fails 2 "attend: standard input can hold the queries or the keys and values, not both"
	run attend --memory "$MEM" --keys "$MEM" "$X"
	assert_fails 2 "attend: --memory gives keys and values: do not combine it with --keys or --values"
	run attend --offset 3 "$X"
	assert_fails 2 "attend: --rope-base and --offset set up --rope: give it"
	run attend --frobnicate
	assert_fails 2 "Try 'attend --help'"
}

@test "attend: loaded weights of the wrong shape or name fail naming the parameter" {
	run attend --score general --weights "$GOLDEN/attend_general.npz" "$X"
	assert_fails 1 "attend_general.npz: parameter W has shape 6x8, expected 8x8"
	run attend --score additive --weights "$GOLDEN/attend_general.npz" "$X"
	assert_fails 1 "attend_general.npz: missing parameter W1"
}

@test "attend: a missing input file fails with the system's message" {
	run attend "$T/nope.txt"
	assert_fails 1 "attend: .*nope.txt: No such file or directory"
	run attend --memory "$T/nope.txt" "$X"
	assert_fails 1 "attend: .*nope.txt: No such file or directory"
}

@test "attend: --prefix reads the parameters of one layer of a larger archive" {
	tensor get "$GOLDEN/attend_general.npz" W >"$T/w.txt"
	tensor pack "$T/model.npz" layer.attn.W="$T/w.txt" other.W="$T/w.txt"
	attend --score general --weights "$T/model.npz" --prefix layer.attn. --memory "$MEM" "$XQ" > "$T/out.txt"
	assert_close "$T/out.txt" "$GOLDEN/attend_general.txt"
}

# ---- --normalize: the other ways of turning scores into weights (tests/golden/make_normalize.py) ----------

# normalize_golden MODE: attend --normalize MODE over normalize/x.txt with normalize/mask.txt (blocked keys, a
# fully blocked row, tied keys c and d) equals the NumPy formula, weights and output
normalize_golden() {
	local N="$GOLDEN/normalize"
	attend --normalize "$1" --mask "$N/mask.txt" --attn "$T/attn.txt" "$N/x.txt" >"$T/out.txt" 2>/dev/null
	assert_close "$T/attn.txt" "$N/attend-$1-attn.txt"
	assert_close "$T/out.txt" "$N/attend-$1-out.txt"
}

@test "attend: --normalize softmax with a mask equals NumPy's softmax" {
	normalize_golden softmax
}

@test "attend: --normalize sigmoid equals 1 / (1 + exp(-score)), blocked keys 0" {
	normalize_golden sigmoid
}

@test "attend: --normalize relu equals max(score, 0), blocked keys 0" {
	normalize_golden relu
}

@test "attend: --normalize sparsemax equals Martins and Astudillo's algorithm, ties split evenly" {
	normalize_golden sparsemax
}

@test "attend: --normalize none weighs the values by the raw scores, blocked keys 0" {
	normalize_golden none
}

@test "attend: --normalize sparsemax with --causal sees keys 0..t only" {
	attend --normalize sparsemax --causal --attn "$T/attn.txt" "$GOLDEN/normalize/x.txt" >"$T/out.txt"
	assert_close "$T/attn.txt" "$GOLDEN/normalize/attend-sparsemax-causal-attn.txt"
	assert_close "$T/out.txt" "$GOLDEN/normalize/attend-sparsemax-causal-out.txt"
}

@test "attend: sparsemax weights are exactly 0 below the threshold, and rows sum to 1" {
	attend --normalize sparsemax --attn "$T/attn.txt" "$X" >/dev/null
	# the exact zeros are written as 0: as many as the reference's, which has many
	[ "$(grep -v '^#' "$T/attn.txt" | tr -s ' ' '\n' | grep -cx '0')" -gt 5 ]
	run row_sums "$T/attn.txt"
	for s in "${lines[@]}"; do [[ "$s" == 1.000000* || "$s" == 0.999999* ]]; done
}

@test "attend: --normalize softmax is the default, to the byte" {
	attend --attn "$T/a1.txt" "$X" >"$T/o1.txt"
	attend --normalize softmax --attn "$T/a2.txt" "$X" >"$T/o2.txt"
	cmp "$T/o1.txt" "$T/o2.txt"
	cmp "$T/a1.txt" "$T/a2.txt"
	grep -qx '#name attn' "$T/a1.txt"
}

@test "attend: without --attn, --normalize gives the same output (the plain path, not the online softmax)" {
	attend --normalize sigmoid "$X" >"$T/o1.txt"
	attend --normalize sigmoid --attn "$T/a.txt" "$X" >"$T/o2.txt"
	cmp "$T/o1.txt" "$T/o2.txt"
}

@test "attend: --attn names the normalisation (attn.sparsemax)" {
	attend --normalize sparsemax --attn "$T/attn.txt" "$X" >/dev/null
	grep -qx '#name attn.sparsemax' "$T/attn.txt"
}

@test "attend: --explain shows the normalisation and sparsemax's threshold" {
	run sh -c "attend --normalize sparsemax --explain '$X' 2>&1 >/dev/null"
	[ "$status" -eq 0 ]
	[[ "$output" == *"sparsemax over the keys, row by row"* ]]
	[[ "$output" == *"tau "*" keys above it"* ]]
}

@test "attend: --normalize with an unknown name is a usage error" {
	run attend --normalize tanh "$X"
	assert_fails 2 "--normalize: 'tanh' is not one of softmax, sigmoid, relu, sparsemax, none"
}

@test "attend: a mistyped long option suggests the nearest one (--casual: did you mean --causal?)" {
	run attend --casual
	assert_fails 2 "attend: unrecognized option '--casual'"
	[[ "$output" == *"attend: did you mean --causal?"* ]]
}

@test "attend: an unknown option far from every name gets no suggestion" {
	run attend --xyzzy
	[ "$status" -eq 2 ]
	[[ "$output" != *"did you mean"* ]]
}

@test "attend: words on standard input point at embed" {
	run sh -c 'echo "the cat" | attend'
	assert_fails 1 "^attend: -: line 1: not a number: 'the' \(words\? turn them into vectors with embed first"
}

# ---- graphs: the adjacency as the mask (tensor adjacency, samples/graph-attention.sh) -------------------

@test "attend: a graph's adjacency mask lets each node attend to its neighbours only" {
	tensor adjacency --self-loops "$GOLDEN/graph/edges.txt" >"$T/adj.txt"
	tensor rand --shape 6x4 --seed 2 | tensor cat >"$T/r.txt"
	awk '/^#tensor/ { print; print "#rows hub b c d tail lonely"; next } { print }' "$T/r.txt" >"$T/x.txt"
	attend --mask "$T/adj.txt" --attn "$T/w.txt" "$T/x.txt" >/dev/null
	# zero exactly where the adjacency is 0
	[ "$(grep -v '^#' "$T/adj.txt" | tr -s ' ' '\n' | sed '/^$/d' | awk '{ print ($1 != 0) }' | tr -d '\n')" = \
	  "$(grep -v '^#' "$T/w.txt" | tr -s ' ' '\n' | sed '/^$/d' | awk '{ print ($1 != 0) }' | tr -d '\n')" ]
}

@test "attend: a mask labelled with other nodes than the features' rows is an error naming both" {
	tensor adjacency --self-loops "$GOLDEN/graph/edges.txt" >"$T/adj.txt"
	printf '#tensor 6 2\n#rows hub b d c tail lonely\n1 0\n0 1\n1 1\n0 0\n1 2\n2 1\n' >"$T/x.txt"
	run attend --mask "$T/adj.txt" "$T/x.txt"
	assert_fails 1 "adj.txt: the mask's row 2 is labelled 'c' but query 2 is 'd': the mask and the features must list the nodes in one order"
}

@test "attend: a mask's column labels are checked against the keys' labels" {
	printf '#tensor 2 2\n#cols x y\n1 1\n1 1\n' >"$T/m.txt"
	printf '#tensor 2 2\n#rows x z\n1 0\n0 1\n' >"$T/x.txt"
	run attend --mask "$T/m.txt" "$T/x.txt"
	assert_fails 1 "the mask's column 1 is labelled 'y' but key 1 is 'z'"
}
