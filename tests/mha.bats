#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# mha: multi-head attention against torch.nn.MultiheadAttention (tests/golden/make_mha.py).
load helpers

# golden NAME OPTIONS...: our output, per-head and averaged weights equal torch's to 1e-5
golden() {
	local name=$1
	shift
	mha --weights "$GOLDEN/mha-$name.npz" --attn "$BATS_TEST_TMPDIR/attn.txt" "$@" \
		"$GOLDEN/mha-$name-q.txt" >"$BATS_TEST_TMPDIR/out.txt"
	mha --weights "$GOLDEN/mha-$name.npz" --attn "$BATS_TEST_TMPDIR/avg.txt" --average "$@" \
		"$GOLDEN/mha-$name-q.txt" >/dev/null
	assert_close "$BATS_TEST_TMPDIR/out.txt" "$GOLDEN/mha-$name-out.txt"
	assert_close "$BATS_TEST_TMPDIR/attn.txt" "$GOLDEN/mha-$name-attn.txt"
	assert_close "$BATS_TEST_TMPDIR/avg.txt" "$GOLDEN/mha-$name-avg.txt"
}

@test "mha: self-attention equals torch" {
	golden self --heads 2
}

@test "mha: cross-attention with --memory equals torch" {
	golden cross --heads 4 --memory "$GOLDEN/mha-cross-k.txt"
}

@test "mha: cross-attention with --keys alone uses the keys as values" {
	golden cross --heads 4 --keys "$GOLDEN/mha-cross-k.txt"
}

@test "mha: causal mask equals torch's triangular attn_mask" {
	golden causal --heads 3 --causal
}

@test "mha: keys labelled <pad> are masked as torch's key_padding_mask" {
	golden pad --heads 2 --memory "$GOLDEN/mha-pad-k.txt"
}

@test "mha: --no-pad-mask lets queries attend to <pad> keys" {
	mha --weights "$GOLDEN/mha-pad.npz" --heads 2 --memory "$GOLDEN/mha-pad-k.txt" --no-pad-mask \
		"$GOLDEN/mha-pad-q.txt" >"$BATS_TEST_TMPDIR/out.txt"
	run tensor diff "$BATS_TEST_TMPDIR/out.txt" "$GOLDEN/mha-pad-out.txt"
	[ "$status" -eq 1 ]
}

@test "mha: kdim and vdim use q/k/v_proj_weight as torch" {
	golden kvdim --heads 2 --keys "$GOLDEN/mha-kvdim-k.txt" --values "$GOLDEN/mha-kvdim-v.txt" --kdim 5 --vdim 3
}

@test "mha: --no-bias equals torch with bias=False" {
	golden nobias --heads 2 --no-bias
}

@test "mha: one head equals torch" {
	golden h1 --heads 1
}

@test "mha: E heads of width 1 equal torch" {
	golden hE --heads 4
}

@test "mha: a 0/1 --mask equals torch's attn_mask" {
	golden mask --heads 2 --memory "$GOLDEN/mha-mask-k.txt" --mask "$GOLDEN/mha-mask-mask.txt"
}

@test "mha: an --additive-mask of 0 and -inf equals torch's float attn_mask" {
	golden mask --heads 2 --memory "$GOLDEN/mha-mask-k.txt" --additive-mask "$GOLDEN/mha-mask-add.txt"
}

# golden_mask NAME OPTIONS...: output and per-head weights equal torch's (mask_case of make_mha.py)
golden_mask() {
	local name=$1
	shift
	mha --weights "$GOLDEN/mha-$name.npz" --attn "$BATS_TEST_TMPDIR/attn.txt" "$@" \
		"$GOLDEN/mha-$name-q.txt" >"$BATS_TEST_TMPDIR/out.txt"
	assert_close "$BATS_TEST_TMPDIR/out.txt" "$GOLDEN/mha-$name-out.txt"
	assert_close "$BATS_TEST_TMPDIR/attn.txt" "$GOLDEN/mha-$name-attn.txt"
}

@test "mha: an additive mask of any finite values and -inf is added to the scores, as torch's float attn_mask" {
	golden_mask bias --heads 2 --memory "$GOLDEN/mha-bias-k.txt" --additive-mask "$GOLDEN/mha-bias-add.txt"
}

@test "mha: an additive mask's bias goes through --incremental too" {
	golden_mask bias --heads 2 --memory "$GOLDEN/mha-bias-k.txt" --additive-mask "$GOLDEN/mha-bias-add.txt" \
		--incremental
}

@test "mha: a 3-D additive mask gives each head its own, as torch's (N*H, L, S) attn_mask" {
	golden_mask heads-add --heads 2 --additive-mask "$GOLDEN/mha-heads-add-add.txt"
}

@test "mha: a 3-D 0/1 mask gives each head its own, as torch's (N*H, L, S) bool attn_mask negated" {
	golden_mask heads-mask --heads 2 --mask "$GOLDEN/mha-heads-mask-mask.txt"
}

@test "mha: a 3-D mask per head goes through --incremental too" {
	mha --weights "$GOLDEN/mha-heads-mask.npz" --heads 2 --mask "$GOLDEN/mha-heads-mask-mask.txt" --causal \
		"$GOLDEN/mha-heads-mask-q.txt" >"$BATS_TEST_TMPDIR/whole.txt"
	mha --weights "$GOLDEN/mha-heads-mask.npz" --heads 2 --mask "$GOLDEN/mha-heads-mask-mask.txt" --causal \
		--incremental "$GOLDEN/mha-heads-mask-q.txt" >"$BATS_TEST_TMPDIR/steps.txt"
	assert_close "$BATS_TEST_TMPDIR/steps.txt" "$BATS_TEST_TMPDIR/whole.txt"
}

@test "mha: a mask stream pairs its i-th mask with the i-th input tensor" {
	mha --weights "$GOLDEN/mha-stream.npz" --heads 2 --additive-mask "$GOLDEN/mha-stream-add.txt" \
		"$GOLDEN/mha-stream-q.txt" >"$BATS_TEST_TMPDIR/out.txt"
	assert_close "$BATS_TEST_TMPDIR/out.txt" "$GOLDEN/mha-stream-out.txt"
}

@test "mha: an additive mask value <= -1e9 counts as -inf" {
	sed 's/-inf/-1e9/g' "$GOLDEN/mha-mask-add.txt" >"$BATS_TEST_TMPDIR/add.txt"
	golden mask --heads 2 --memory "$GOLDEN/mha-mask-k.txt" --additive-mask "$BATS_TEST_TMPDIR/add.txt"
}

# RoPE is not in nn.MultiheadAttention: the golden is section 3.2.2 written out in torch, RoPE per head
@test "mha: --rope turns each head's q and k as RoFormer eq. 34" {
	mha --heads 2 --rope --weights "$GOLDEN/mha-rope.npz" --attn "$BATS_TEST_TMPDIR/attn.txt" \
		"$GOLDEN/mha-rope-q.txt" >"$BATS_TEST_TMPDIR/out.txt"
	assert_close "$BATS_TEST_TMPDIR/out.txt" "$GOLDEN/mha-rope-out.txt"
	assert_close "$BATS_TEST_TMPDIR/attn.txt" "$GOLDEN/mha-rope-attn.txt"
}

@test "mha: --rope-base and --offset change the angles as RoFormer's" {
	mha --heads 2 --rope --rope-base 100 --offset 3 --weights "$GOLDEN/mha-rope-offset.npz" \
		--attn "$BATS_TEST_TMPDIR/attn.txt" "$GOLDEN/mha-rope-offset-q.txt" >"$BATS_TEST_TMPDIR/out.txt"
	assert_close "$BATS_TEST_TMPDIR/out.txt" "$GOLDEN/mha-rope-offset-out.txt"
	assert_close "$BATS_TEST_TMPDIR/attn.txt" "$GOLDEN/mha-rope-offset-attn.txt"
}

@test "mha: with --rope, self-attention depends on relative positions only (any --offset, same output)" {
	mha --heads 2 --rope --weights "$GOLDEN/mha-rope.npz" "$GOLDEN/mha-rope-q.txt" >"$BATS_TEST_TMPDIR/a.txt"
	mha --heads 2 --rope --offset 7 --weights "$GOLDEN/mha-rope.npz" "$GOLDEN/mha-rope-q.txt" >"$BATS_TEST_TMPDIR/b.txt"
	mha --heads 2 --weights "$GOLDEN/mha-rope.npz" "$GOLDEN/mha-rope-q.txt" >"$BATS_TEST_TMPDIR/c.txt"
	assert_close "$BATS_TEST_TMPDIR/a.txt" "$BATS_TEST_TMPDIR/b.txt" 1e-5
	run tensor diff "$BATS_TEST_TMPDIR/a.txt" "$BATS_TEST_TMPDIR/c.txt"
	[ "$status" -eq 1 ]
}

# --incremental goes through lib/mha's KV cache (mha_cache_append, mha_forward_cached)
@test "mha: --incremental causal self-attention equals torch, one query at a time through the KV cache" {
	golden causal --heads 3 --causal --incremental
}

@test "mha: --incremental cross-attention with padding equals torch" {
	golden pad --heads 2 --memory "$GOLDEN/mha-pad-k.txt" --incremental
}

@test "mha: --incremental with a mask and kdim/vdim equals torch" {
	golden mask --heads 2 --memory "$GOLDEN/mha-mask-k.txt" --mask "$GOLDEN/mha-mask-mask.txt" --incremental
	golden kvdim --heads 2 --keys "$GOLDEN/mha-kvdim-k.txt" --values "$GOLDEN/mha-kvdim-v.txt" --kdim 5 --vdim 3 \
		--incremental
}

@test "mha: --incremental with --rope rotates cached keys at their positions" {
	mha --heads 2 --causal --rope --offset 4 --weights "$GOLDEN/mha-rope.npz" "$GOLDEN/mha-rope-q.txt" >"$BATS_TEST_TMPDIR/a.txt"
	mha --heads 2 --causal --rope --offset 4 --incremental --weights "$GOLDEN/mha-rope.npz" "$GOLDEN/mha-rope-q.txt" \
		>"$BATS_TEST_TMPDIR/b.txt"
	assert_close "$BATS_TEST_TMPDIR/a.txt" "$BATS_TEST_TMPDIR/b.txt" 1e-6
}

@test "mha: output keeps the query's row labels; --attn carries query rows and key columns" {
	mha --weights "$GOLDEN/mha-cross.npz" --heads 4 --memory "$GOLDEN/mha-cross-k.txt" \
		--attn "$BATS_TEST_TMPDIR/attn.txt" "$GOLDEN/mha-cross-q.txt" >"$BATS_TEST_TMPDIR/out.txt"
	grep -qx '#rows q0 q1 q2' "$BATS_TEST_TMPDIR/out.txt"
	grep -qx '#tensor 4 3 5' "$BATS_TEST_TMPDIR/attn.txt"
	grep -qx '#rows q0 q1 q2' "$BATS_TEST_TMPDIR/attn.txt"
	grep -qx '#cols k0 k1 k2 k3 k4' "$BATS_TEST_TMPDIR/attn.txt"
}

@test "mha: a stream of query tensors gives one output and one weights tensor each" {
	cat "$GOLDEN/mha-self-q.txt" "$GOLDEN/mha-self-q.txt" |
		mha --weights "$GOLDEN/mha-self.npz" --heads 2 --attn "$BATS_TEST_TMPDIR/attn.txt" >"$BATS_TEST_TMPDIR/out.txt"
	cat "$GOLDEN/mha-self-out.txt" "$GOLDEN/mha-self-out.txt" >"$BATS_TEST_TMPDIR/want.txt"
	cat "$GOLDEN/mha-self-attn.txt" "$GOLDEN/mha-self-attn.txt" >"$BATS_TEST_TMPDIR/want-attn.txt"
	assert_close "$BATS_TEST_TMPDIR/out.txt" "$BATS_TEST_TMPDIR/want.txt"
	assert_close "$BATS_TEST_TMPDIR/attn.txt" "$BATS_TEST_TMPDIR/want-attn.txt"
}

@test "mha: binary input and output give the same numbers" {
	tensor -b "$GOLDEN/mha-self-q.txt" | mha -b --weights "$GOLDEN/mha-self.npz" --heads 2 | tensor >"$BATS_TEST_TMPDIR/out.txt"
	assert_close "$BATS_TEST_TMPDIR/out.txt" "$GOLDEN/mha-self-out.txt"
}

@test "mha: --seed is reproducible and --save-weights reloads to the same output" {
	mha --heads 2 --seed 7 --save-weights "$BATS_TEST_TMPDIR/w.npz" "$GOLDEN/mha-self-q.txt" >"$BATS_TEST_TMPDIR/a.txt"
	mha --heads 2 --seed 7 "$GOLDEN/mha-self-q.txt" >"$BATS_TEST_TMPDIR/b.txt"
	mha --heads 2 --weights "$BATS_TEST_TMPDIR/w.npz" "$GOLDEN/mha-self-q.txt" >"$BATS_TEST_TMPDIR/c.txt"
	mha --heads 2 --seed 8 "$GOLDEN/mha-self-q.txt" >"$BATS_TEST_TMPDIR/d.txt"
	assert_close "$BATS_TEST_TMPDIR/a.txt" "$BATS_TEST_TMPDIR/b.txt" 0
	assert_close "$BATS_TEST_TMPDIR/a.txt" "$BATS_TEST_TMPDIR/c.txt" 0
	run tensor diff "$BATS_TEST_TMPDIR/a.txt" "$BATS_TEST_TMPDIR/d.txt"
	[ "$status" -eq 1 ]
}

@test "mha: --seed follows PyTorch's init: xavier in_proj, zero biases, Linear out_proj" {
	command -v unzip >/dev/null || skip "needs unzip to read the .npz"
	mha --heads 2 --seed 3 --save-weights "$BATS_TEST_TMPDIR/w.npz" "$GOLDEN/mha-self-q.txt" >/dev/null
	# E = 8: in_proj_weight [24, 8] ~ U(+-sqrt(6/32) = 0.433), out_proj.weight [8, 8] ~ U(+-1/sqrt(8) = 0.354)
	run sh -c "unzip -p '$BATS_TEST_TMPDIR/w.npz' in_proj_weight.npy | tensor info"
	[[ "$output" =~ "24x8" ]]
	min=$(echo "$output" | sed -n 's/.*min \([^ ]*\).*max \([^ ]*\).*/\1/p')
	max=$(echo "$output" | sed -n 's/.*min \([^ ]*\).*max \([^ ]*\).*/\2/p')
	awk -v a="$min" -v b="$max" 'BEGIN { exit !(a >= -0.4331 && b <= 0.4331 && a < -0.35 && b > 0.35) }'
	run sh -c "unzip -p '$BATS_TEST_TMPDIR/w.npz' out_proj.weight.npy | tensor info"
	min=$(echo "$output" | sed -n 's/.*min \([^ ]*\).*max \([^ ]*\).*/\1/p')
	max=$(echo "$output" | sed -n 's/.*min \([^ ]*\).*max \([^ ]*\).*/\2/p')
	awk -v a="$min" -v b="$max" 'BEGIN { exit !(a >= -0.3536 && b <= 0.3536 && a < -0.25 && b > 0.25) }'
	for b in in_proj_bias out_proj.bias; do
		run sh -c "unzip -p '$BATS_TEST_TMPDIR/w.npz' $b.npy | tensor info"
		[[ "$output" =~ "min 0  max 0" ]]
	done
}

@test "mha: --kdim and --vdim save q/k/v_proj_weight with their shapes" {
	command -v unzip >/dev/null || skip "needs unzip to read the .npz"
	mha --heads 2 --seed 1 --keys "$GOLDEN/mha-kvdim-k.txt" --values "$GOLDEN/mha-kvdim-v.txt" --kdim 5 --vdim 3 \
		--save-weights "$BATS_TEST_TMPDIR/w.npz" "$GOLDEN/mha-kvdim-q.txt" >/dev/null
	run unzip -l "$BATS_TEST_TMPDIR/w.npz"
	[[ "$output" =~ q_proj_weight.npy ]]
	[[ ! "$output" =~ in_proj_weight.npy ]]
	run sh -c "unzip -p '$BATS_TEST_TMPDIR/w.npz' k_proj_weight.npy | tensor info"
	[[ "$output" =~ "6x5" ]]
	run sh -c "unzip -p '$BATS_TEST_TMPDIR/w.npz' v_proj_weight.npy | tensor info"
	[[ "$output" =~ "6x3" ]]
}

@test "mha: a query row with every key blocked gives the output bias and a warning, not NaN" {
	command -v unzip >/dev/null || skip "needs unzip to read the .npz"
	printf '#tensor 3 4\n1 1 1 1\n0 0 0 0\n1 1 1 1\n' >"$BATS_TEST_TMPDIR/m.txt"
	run mha --weights "$GOLDEN/mha-mask.npz" --heads 2 --memory "$GOLDEN/mha-mask-k.txt" \
		--mask "$BATS_TEST_TMPDIR/m.txt" "$GOLDEN/mha-mask-q.txt"
	[ "$status" -eq 0 ]
	[[ "$output" =~ "warning: ".*"1 query rows have every key blocked" ]]
	mha --weights "$GOLDEN/mha-mask.npz" --heads 2 --memory "$GOLDEN/mha-mask-k.txt" \
		--mask "$BATS_TEST_TMPDIR/m.txt" "$GOLDEN/mha-mask-q.txt" 2>/dev/null |
		{ echo '#tensor 4'; sed -n '4p'; } >"$BATS_TEST_TMPDIR/row.txt"
	unzip -p "$GOLDEN/mha-mask.npz" out_proj.bias.npy | tensor >"$BATS_TEST_TMPDIR/bias.txt"
	assert_close "$BATS_TEST_TMPDIR/row.txt" "$BATS_TEST_TMPDIR/bias.txt"
}

@test "mha: an empty memory (no keys) warns and explains without reading past the weights" {
	printf '#tensor 0 8\n' >"$BATS_TEST_TMPDIR/empty.txt"
	run mha --heads 2 --seed 1 --memory "$BATS_TEST_TMPDIR/empty.txt" --explain "$GOLDEN/mha-self-q.txt"
	[ "$status" -eq 0 ]
	[[ "$output" =~ "4 query rows have every key blocked" ]]
	[[ "$output" =~ "head 1 attends most: (no keys)" ]]
}

@test "mha: --explain shows the projections, the split, each head, the concatenation" {
	run mha --weights "$GOLDEN/mha-self.npz" --heads 2 --explain "$GOLDEN/mha-self-q.txt"
	[ "$status" -eq 0 ]
	[[ "$output" =~ "H = 2 heads of Dh = E / H = 4 columns, E = 8" ]]
	[[ "$output" =~ "q = query W_q^T + b_q   4x8" ]]
	[[ "$output" =~ "split into heads: 4x8 -> 2x4x4 (head h takes columns h*4 .. h*4+3)" ]]
	[[ "$output" =~ "head 1: weights (rows: queries, columns: keys)" ]]
	[[ "$output" =~ "head 0 attends most: w0->" ]]
	[[ "$output" =~ "concatenate the heads' outputs: 2x4x4 -> 4x8" ]]
	[[ "$output" =~ "out = concat W_o^T + b_o" ]]
}

@test "mha: --explain goes to stderr, stdout stays the tensor" {
	mha --weights "$GOLDEN/mha-self.npz" --heads 2 --explain "$GOLDEN/mha-self-q.txt" 2>/dev/null >"$BATS_TEST_TMPDIR/out.txt"
	assert_close "$BATS_TEST_TMPDIR/out.txt" "$GOLDEN/mha-self-out.txt"
}

@test "mha: --help prints the usage on stdout and exits 0" {
	run mha --help
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^usage:\ mha\ --heads\ H ]]
}

@test "mha: --version names the program" {
	run mha --version
	[ "$status" -eq 0 ]
	[[ "$output" =~ ^mha\ \(pipeformer\) ]]
}

# ---- errors ---------------------------------------------------------------------------------

@test "mha: E not divisible by H is an error naming both" {
	run mha --heads 3 --seed 1 "$GOLDEN/mha-self-q.txt"
	assert_fails 2 "mha: d_model 8 is not divisible by 3 heads"
}

@test "mha: --heads is required" {
	run mha "$GOLDEN/mha-self-q.txt"
	assert_fails 2 "mha: --heads is required"
}

@test "mha: --heads 0 is out of range" {
	run mha --heads 0 "$GOLDEN/mha-self-q.txt"
	assert_fails 2 "mha: --heads: 0 is out of range"
}

@test "mha: a weight of the wrong shape names it and both shapes" {
	run mha --heads 2 --weights "$GOLDEN/mha-wrong-shape.npz" "$GOLDEN/mha-self-q.txt"
	assert_fails 1 "parameter in_proj_weight has shape 24x7, expected 24x8"
	[ -z "$(mha --heads 2 --weights "$GOLDEN/mha-wrong-shape.npz" "$GOLDEN/mha-self-q.txt" 2>/dev/null)" ]
}

@test "mha: a missing weight is named" {
	run mha --heads 2 --weights "$GOLDEN/mha-missing.npz" "$GOLDEN/mha-self-q.txt"
	assert_fails 1 "missing parameter out_proj.bias \(shape 8\)"
}

@test "mha: weights saved with bias are unused with --no-bias" {
	run mha --heads 2 --no-bias --weights "$GOLDEN/mha-self.npz" "$GOLDEN/mha-self-q.txt"
	assert_fails 1 "unused parameter in_proj_bias"
}

@test "mha: keys of another width than E without --kdim name both widths" {
	run mha --heads 2 --seed 1 --keys "$GOLDEN/mha-kvdim-k.txt" "$GOLDEN/mha-kvdim-q.txt"
	assert_fails 1 "mha-kvdim-k.txt: keys are 5 wide, expected 6"
}

@test "mha: values and keys of different lengths are an error" {
	head -5 "$GOLDEN/mha-kvdim-v.txt" | sed 's/^#tensor 4 3/#tensor 3 3/; /^#rows/d' >"$BATS_TEST_TMPDIR/v.txt"
	run mha --heads 2 --seed 1 --keys "$GOLDEN/mha-kvdim-k.txt" --values "$BATS_TEST_TMPDIR/v.txt" --kdim 5 --vdim 3 \
		"$GOLDEN/mha-kvdim-q.txt"
	assert_fails 1 "v.txt: 3 values for 4 keys"
}

@test "mha: a query tensor of another width than the first is an error" {
	printf '#tensor 1 4\n1 2 3 4\n#tensor 1 6\n1 2 3 4 5 6\n' >"$BATS_TEST_TMPDIR/q.txt"
	run mha --heads 2 --seed 1 "$BATS_TEST_TMPDIR/q.txt"
	assert_fails 1 "queries are 6 wide, expected 4"
}

@test "mha: a mask of the wrong shape names both shapes" {
	run mha --heads 2 --seed 1 --mask "$GOLDEN/mha-mask-mask.txt" "$GOLDEN/mha-self-q.txt"
	assert_fails 1 "mha-mask-mask.txt: mask is 3x4, the attention is 4x4 \(queries x keys\)"
}

@test "mha: a mask value other than 0 and 1 is an error" {
	printf '#tensor 1 2\n1 0.5\n' >"$BATS_TEST_TMPDIR/m.txt"
	run mha --heads 1 --seed 1 --mask "$BATS_TEST_TMPDIR/m.txt" "$GOLDEN/mha-self-q.txt"
	assert_fails 1 "m.txt: mask value 0.5 at \[0,1\]: a mask holds 1 \(attend\) and 0 \(blocked\) only"
}

@test "mha: an additive mask with +inf is an error" {
	printf '#tensor 4 4\n0 0 0 0\n0 0 inf 0\n0 0 0 0\n0 0 0 0\n' >"$BATS_TEST_TMPDIR/m.txt"
	run mha --heads 1 --seed 1 --additive-mask "$BATS_TEST_TMPDIR/m.txt" "$GOLDEN/mha-self-q.txt"
	assert_fails 1 "m.txt: additive mask value inf at \[1,2\]: an additive mask holds finite values"
}

@test "mha: a 3-D mask needs one matrix per head" {
	{ echo '#tensor 3 4 4'; for i in $(seq 12); do echo 1 1 1 1; done; } >"$BATS_TEST_TMPDIR/m.txt"
	run mha --heads 2 --seed 1 --mask "$BATS_TEST_TMPDIR/m.txt" "$GOLDEN/mha-self-q.txt"
	assert_fails 1 "m.txt: mask is 3x4x4: a 3-D mask gives each head its own \(heads x queries x keys\), and the attention has 2 heads"
}

@test "mha: a 4-D mask is an error" {
	printf '#tensor 1 1 1 4\n1 1 1 1\n' >"$BATS_TEST_TMPDIR/m.txt"
	run mha --heads 1 --seed 1 --mask "$BATS_TEST_TMPDIR/m.txt" "$GOLDEN/mha-self-q.txt"
	assert_fails 1 "m.txt: a mask is queries x keys, or heads x queries x keys; this tensor is 1x1x1x4"
}

@test "mha: a mask stream with more tensors than the input is an error" {
	cat "$GOLDEN/mha-mask-mask.txt" "$GOLDEN/mha-mask-mask.txt" >"$BATS_TEST_TMPDIR/m.txt"
	run mha --weights "$GOLDEN/mha-mask.npz" --heads 2 --memory "$GOLDEN/mha-mask-k.txt" \
		--mask "$BATS_TEST_TMPDIR/m.txt" "$GOLDEN/mha-mask-q.txt"
	assert_fails 1 "m.txt: holds more tensors than the input \(1\)"
}

@test "mha: an additive mask with NaN is an error" {
	printf '#tensor 1 2\n0 nan\n' >"$BATS_TEST_TMPDIR/m.txt"
	run mha --heads 1 --seed 1 --additive-mask "$BATS_TEST_TMPDIR/m.txt" "$GOLDEN/mha-self-q.txt"
	assert_fails 1 "additive mask value nan at \[0,1\]"
}

@test "mha: a memory stream shorter than the input is an error" {
	cat "$GOLDEN/mha-cross-k.txt" "$GOLDEN/mha-cross-k.txt" >"$BATS_TEST_TMPDIR/k.txt"
	cat "$GOLDEN/mha-cross-q.txt" "$GOLDEN/mha-cross-q.txt" "$GOLDEN/mha-cross-q.txt" |
		{ run mha --heads 4 --seed 1 --memory "$BATS_TEST_TMPDIR/k.txt"; assert_fails 1 "k.txt: holds 2 tensors, the input more"; }
}

@test "mha: a memory stream longer than the input is an error" {
	cat "$GOLDEN/mha-cross-k.txt" "$GOLDEN/mha-cross-k.txt" >"$BATS_TEST_TMPDIR/k.txt"
	run mha --heads 4 --seed 1 --memory "$BATS_TEST_TMPDIR/k.txt" "$GOLDEN/mha-cross-q.txt"
	assert_fails 1 "k.txt: holds more tensors than the input \(1\)"
}

@test "mha: --rope with an odd head width is an error naming it" {
	run mha --heads 8 --rope --seed 1 "$GOLDEN/mha-self-q.txt"
	assert_fails 2 "mha: --rope turns pairs of columns in each head: E / H = 8 / 8 = 1 is odd"
}

@test "mha: --offset without --rope is a usage error" {
	run mha --heads 2 --offset 3 --seed 1 "$GOLDEN/mha-self-q.txt"
	assert_fails 2 "mha: --rope-base and --offset set up --rope"
}

@test "mha: standard input for both queries and keys is a usage error" {
	run mha --heads 2 --seed 1 --keys - < "$GOLDEN/mha-self-q.txt"
	assert_fails 2 "mha: standard input can hold the queries or the keys and values, not both"
}

@test "mha: --rope-base below 1 is out of range" {
	run mha --heads 2 --rope --rope-base 0.5 --seed 1 "$GOLDEN/mha-self-q.txt"
	assert_fails 2 "mha: --rope-base: 0.5 is out of range"
}

@test "mha: --incremental self-attention without --causal is a usage error" {
	run mha --heads 2 --incremental --seed 1 "$GOLDEN/mha-self-q.txt"
	assert_fails 2 "mha: --incremental self-attention is a decoder's: it needs --causal"
}

@test "mha: --incremental with --explain is a usage error" {
	run mha --heads 2 --incremental --causal --explain --seed 1 "$GOLDEN/mha-self-q.txt"
	assert_fails 2 "mha: --explain shows the whole computation at once"
}

@test "mha: --memory with --keys is a usage error" {
	run mha --heads 2 --memory "$GOLDEN/mha-cross-k.txt" --keys "$GOLDEN/mha-cross-k.txt" "$GOLDEN/mha-cross-q.txt"
	assert_fails 2 "mha: --memory gives keys and values"
}

@test "mha: --values without --keys is a usage error" {
	run mha --heads 2 --values "$GOLDEN/mha-cross-k.txt" "$GOLDEN/mha-cross-q.txt"
	assert_fails 2 "mha: --values needs --keys"
}

@test "mha: --kdim without keys is a usage error" {
	run mha --heads 2 --kdim 3 "$GOLDEN/mha-cross-q.txt"
	assert_fails 2 "mha: --kdim and --vdim describe --keys"
}

@test "mha: --average without --attn is a usage error" {
	run mha --heads 2 --average "$GOLDEN/mha-cross-q.txt"
	assert_fails 2 "mha: --average needs --attn FILE"
}

@test "mha: an unknown option is a usage error" {
	run mha --heads 2 --frobnicate "$GOLDEN/mha-cross-q.txt"
	[ "$status" -eq 2 ]
}

@test "mha: a missing input file is named" {
	run mha --heads 2 --seed 1 "$BATS_TEST_TMPDIR/nope.txt"
	assert_fails 1 "nope.txt: No such file"
}

@test "mha: a 3-D query tensor is an error" {
	printf '#tensor 1 2 2\n1 2\n3 4\n' >"$BATS_TEST_TMPDIR/q.txt"
	run mha --heads 1 --seed 1 "$BATS_TEST_TMPDIR/q.txt"
	assert_fails 1 "queries must be a matrix \(positions x features\), not 1x2x2"
}

@test "mha: --prefix reads the self-attention of a whole encoder layer archive" {
	d=$BATS_TEST_TMPDIR
	S=$GOLDEN/stages
	for n in in_proj_weight in_proj_bias out_proj.weight out_proj.bias; do
		tensor get "$S/layer-post.npz" "layers.0.self_attn.$n" >"$d/$n.txt"
	done
	tensor pack "$d/alone.npz" in_proj_weight="$d/in_proj_weight.txt" in_proj_bias="$d/in_proj_bias.txt" \
		out_proj.weight="$d/out_proj.weight.txt" out_proj.bias="$d/out_proj.bias.txt"
	mha --heads 2 --weights "$S/layer-post.npz" --prefix layers.0.self_attn. "$S/x.txt" >"$d/a.txt"
	mha --heads 2 --weights "$d/alone.npz" "$S/x.txt" >"$d/b.txt"
	cmp "$d/a.txt" "$d/b.txt"
}

# ---- --normalize (tests/golden/make_normalize.py, on the inputs of the case "mask") -----------------------

@test "mha: --normalize sigmoid equals NumPy's, head by head, blocked keys 0" {
	mha --heads 2 --weights "$GOLDEN/mha-mask.npz" --memory "$GOLDEN/mha-mask-k.txt" --mask "$GOLDEN/mha-mask-mask.txt" \
		--normalize sigmoid --attn "$BATS_TEST_TMPDIR/attn.txt" "$GOLDEN/mha-mask-q.txt" >"$BATS_TEST_TMPDIR/out.txt"
	assert_close "$BATS_TEST_TMPDIR/attn.txt" "$GOLDEN/normalize/mha-sigmoid-attn.txt"
	assert_close "$BATS_TEST_TMPDIR/out.txt" "$GOLDEN/normalize/mha-sigmoid-out.txt"
}

@test "mha: --normalize sparsemax equals Martins and Astudillo's algorithm, head by head" {
	mha --heads 2 --weights "$GOLDEN/mha-mask.npz" --memory "$GOLDEN/mha-mask-k.txt" --mask "$GOLDEN/mha-mask-mask.txt" \
		--normalize sparsemax --attn "$BATS_TEST_TMPDIR/attn.txt" "$GOLDEN/mha-mask-q.txt" >"$BATS_TEST_TMPDIR/out.txt"
	assert_close "$BATS_TEST_TMPDIR/attn.txt" "$GOLDEN/normalize/mha-sparsemax-attn.txt"
	assert_close "$BATS_TEST_TMPDIR/out.txt" "$GOLDEN/normalize/mha-sparsemax-out.txt"
	grep -qx '#name attn.sparsemax' "$BATS_TEST_TMPDIR/attn.txt"
}

@test "mha: --normalize sparsemax --incremental equals the whole computation (the KV-cache path)" {
	mha --heads 2 --causal --normalize sparsemax "$GOLDEN/mha-self-q.txt" >"$BATS_TEST_TMPDIR/a.txt"
	mha --heads 2 --causal --normalize sparsemax --incremental "$GOLDEN/mha-self-q.txt" >"$BATS_TEST_TMPDIR/b.txt"
	assert_close "$BATS_TEST_TMPDIR/a.txt" "$BATS_TEST_TMPDIR/b.txt" 1e-6
	mha --heads 2 --causal "$GOLDEN/mha-self-q.txt" >"$BATS_TEST_TMPDIR/c.txt"
	! cmp -s "$BATS_TEST_TMPDIR/a.txt" "$BATS_TEST_TMPDIR/c.txt"
}

@test "mha: --explain names the normalisation of the heads" {
	run sh -c "mha --heads 2 --normalize relu --explain '$GOLDEN/mha-self-q.txt' 2>&1 >/dev/null"
	[ "$status" -eq 0 ]
	[[ "$output" == *"independently: relu(q_h k_h^T / sqrt("* ]]
}

@test "mha: --normalize softmax is the default, to the byte" {
	mha --heads 2 --attn "$BATS_TEST_TMPDIR/a1.txt" "$GOLDEN/mha-self-q.txt" >"$BATS_TEST_TMPDIR/o1.txt"
	mha --heads 2 --normalize softmax --attn "$BATS_TEST_TMPDIR/a2.txt" "$GOLDEN/mha-self-q.txt" >"$BATS_TEST_TMPDIR/o2.txt"
	cmp "$BATS_TEST_TMPDIR/o1.txt" "$BATS_TEST_TMPDIR/o2.txt"
	cmp "$BATS_TEST_TMPDIR/a1.txt" "$BATS_TEST_TMPDIR/a2.txt"
}

# ---- add_bias_kv and add_zero_attn (make_mha.py mask_case) ----

@test "mha: --add-bias-kv equals torch's add_bias_kv=True, with an additive mask and <pad> keys" {
	golden_mask biaskv --heads 2 --memory "$GOLDEN/mha-biaskv-k.txt" --additive-mask "$GOLDEN/mha-biaskv-add.txt" \
		--add-bias-kv
}

@test "mha: --add-zero-attn equals torch's add_zero_attn=True, causal" {
	golden_mask zeroattn --heads 3 --causal --add-zero-attn
}

@test "mha: both extra keys with a per-head mask and <pad> equal torch's, a fully masked row included" {
	golden_mask kvzero --heads 2 --memory "$GOLDEN/mha-kvzero-k.txt" --mask "$GOLDEN/mha-kvzero-mask.txt" \
		--add-bias-kv --add-zero-attn
}

@test "mha: --incremental computes the extra keys as the whole attention does" {
	golden_mask biaskv --heads 2 --memory "$GOLDEN/mha-biaskv-k.txt" --additive-mask "$GOLDEN/mha-biaskv-add.txt" \
		--add-bias-kv --incremental
	golden_mask zeroattn --heads 3 --causal --add-zero-attn --incremental
	golden_mask kvzero --heads 2 --memory "$GOLDEN/mha-kvzero-k.txt" --mask "$GOLDEN/mha-kvzero-mask.txt" \
		--add-bias-kv --add-zero-attn --incremental
}

@test "mha: --attn labels the extra keys' columns <bias_k> and <zero>, and --average keeps them" {
	mha --heads 2 --weights "$GOLDEN/mha-kvzero.npz" --memory "$GOLDEN/mha-kvzero-k.txt" --add-bias-kv \
		--add-zero-attn --attn "$BATS_TEST_TMPDIR/a.txt" --average "$GOLDEN/mha-kvzero-q.txt" > /dev/null
	run tensor info "$BATS_TEST_TMPDIR/a.txt"
	[[ "$output" == *"3x7"* ]]
	[[ "$output" == *"cols: k0 k1 <pad> k3 k4 <bias_k> <zero>"* ]]
}

@test "mha: --add-bias-kv saves bias_k and bias_v of shape 1x1xE, drawn by --seed, and loads them back" {
	mha --heads 2 --seed 3 --add-bias-kv --save-weights "$BATS_TEST_TMPDIR/w.npz" "$GOLDEN/mha-self-q.txt" \
		> "$BATS_TEST_TMPDIR/seeded.txt"
	unzip -p "$BATS_TEST_TMPDIR/w.npz" bias_k.npy | tensor info > "$BATS_TEST_TMPDIR/info.txt"
	grep -q "1x1x8" "$BATS_TEST_TMPDIR/info.txt"
	unzip -p "$BATS_TEST_TMPDIR/w.npz" bias_v.npy | tensor info | grep -q "1x1x8"
	mha --heads 2 --add-bias-kv --weights "$BATS_TEST_TMPDIR/w.npz" "$GOLDEN/mha-self-q.txt" > "$BATS_TEST_TMPDIR/loaded.txt"
	assert_close "$BATS_TEST_TMPDIR/loaded.txt" "$BATS_TEST_TMPDIR/seeded.txt" 0
	mha --heads 2 --seed 3 "$GOLDEN/mha-self-q.txt" > "$BATS_TEST_TMPDIR/plain.txt"
	run cmp -s "$BATS_TEST_TMPDIR/plain.txt" "$BATS_TEST_TMPDIR/seeded.txt"
	[ "$status" -ne 0 ]
}

@test "mha: --add-bias-kv with weights that lack bias_k, or bias_k without the option, is an error" {
	run mha --heads 2 --add-bias-kv --weights "$GOLDEN/mha-self.npz" "$GOLDEN/mha-self-q.txt"
	assert_fails 1 "mha-self.npz: missing parameter bias_k \(shape 1x1x8\)"
	run mha --heads 2 --weights "$GOLDEN/mha-biaskv.npz" --memory "$GOLDEN/mha-biaskv-k.txt" "$GOLDEN/mha-biaskv-q.txt"
	assert_fails 1 "unused parameter bias_k"
}

@test "mha: --explain shows the extra keys" {
	run mha --heads 2 --weights "$GOLDEN/mha-kvzero.npz" --memory "$GOLDEN/mha-kvzero-k.txt" --add-bias-kv \
		--add-zero-attn --explain "$GOLDEN/mha-kvzero-q.txt"
	[ "$status" -eq 0 ]
	[[ "$output" == *"extra keys, after the projection (PyTorch's add_bias_kv: bias_k and bias_v, add_zero_attn: zeros)"* ]]
	[[ "$output" == *"<bias_k>"* ]]
}

@test "mha: a mask labelled with other nodes than the queries' rows is an error" {
	printf '#tensor 2 2\n#rows a b\n1 1\n1 1\n' >"$BATS_TEST_TMPDIR/m.txt"
	printf '#tensor 2 4\n#rows b a\n1 0 0 1\n0 1 1 0\n' >"$BATS_TEST_TMPDIR/x.txt"
	run mha --heads 2 --mask "$BATS_TEST_TMPDIR/m.txt" "$BATS_TEST_TMPDIR/x.txt"
	assert_fails 1 "the mask's row 0 is labelled 'a' but query 0 is 'b'"
}
