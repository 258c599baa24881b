#!/usr/bin/env bats
# decode: the Transformer decoder against torch.nn.TransformerDecoder, and generation against a greedy
# loop written in torch over the same weights (tests/golden/make_transformer.py).
load helpers

G="$GOLDEN/transformer"
DEC="--layers 2 --heads 2 --ff 16"

@test "decode: post-norm relu equals torch with the causal mask" {
	decode $DEC --weights "$G/dec_post_relu.npz" --memory "$G/dec_mem.txt" "$G/dec_y.txt" > "$BATS_TEST_TMPDIR/y.txt"
	assert_close "$BATS_TEST_TMPDIR/y.txt" "$G/dec_post_relu.txt" 1e-4
}

@test "decode: post-norm gelu with the final norm equals torch" {
	decode $DEC --activation gelu --final-norm --weights "$G/dec_post_gelu.npz" --memory "$G/dec_mem.txt" \
		"$G/dec_y.txt" > "$BATS_TEST_TMPDIR/y.txt"
	assert_close "$BATS_TEST_TMPDIR/y.txt" "$G/dec_post_gelu.txt" 1e-4
}

@test "decode: pre-norm relu with the final norm equals torch" {
	decode $DEC --norm-first --final-norm --weights "$G/dec_pre_relu.npz" --memory "$G/dec_mem.txt" \
		"$G/dec_y.txt" > "$BATS_TEST_TMPDIR/y.txt"
	assert_close "$BATS_TEST_TMPDIR/y.txt" "$G/dec_pre_relu.txt" 1e-4
}

@test "decode: pre-norm gelu equals torch" {
	decode $DEC --norm-first --activation gelu --weights "$G/dec_pre_gelu.npz" --memory "$G/dec_mem.txt" \
		"$G/dec_y.txt" > "$BATS_TEST_TMPDIR/y.txt"
	assert_close "$BATS_TEST_TMPDIR/y.txt" "$G/dec_pre_gelu.txt" 1e-4
}

@test "decode: <pad> labels of target and memory mask those keys, as torch's key padding masks" {
	for c in "post_relu" "post_gelu --activation gelu --final-norm" "pre_relu --norm-first --final-norm" \
		"pre_gelu --norm-first --activation gelu"; do
		set -- $c
		name=$1
		shift
		decode $DEC "$@" --weights "$G/dec_$name.npz" --memory "$G/dec_mem_pad.txt" "$G/dec_y_pad.txt" \
			> "$BATS_TEST_TMPDIR/y.txt"
		assert_close "$BATS_TEST_TMPDIR/y.txt" "$G/dec_${name}_pad.txt" 1e-4
	done
}

@test "decode: --attn writes the N x H x T x S cross-attention equal to torch's, labelled" {
	decode $DEC --weights "$G/dec_post_relu.npz" --memory "$G/dec_mem_pad.txt" --attn "$BATS_TEST_TMPDIR/a.txt" \
		"$G/dec_y.txt" > /dev/null
	assert_close "$BATS_TEST_TMPDIR/a.txt" "$G/dec_post_relu_mem_pad_cross.txt" 1e-5
	run tensor info "$BATS_TEST_TMPDIR/a.txt"
	[[ "$output" == *"2x2x4x5"* ]]
	[[ "$output" == *"rows: <s> le chat dort"* ]]
	[[ "$output" == *"cols: the cat sat <pad> <pad>"* ]]
}

@test "decode: --self-attn is causal: no weight on later positions" {
	decode $DEC --weights "$G/dec_post_relu.npz" --memory "$G/dec_mem.txt" --self-attn "$BATS_TEST_TMPDIR/s.txt" \
		--digits 3 "$G/dec_y.txt" > /dev/null
	# row 0 of layer 0, head 0 attends to <s> only
	run sh -c "grep -v '^#' '$BATS_TEST_TMPDIR/s.txt' | head -2 | awk '{\$1 = \$1; print}'"
	[ "${lines[0]}" = "1 0 0 0" ]
	[[ "${lines[1]}" == *" 0 0" ]]
}

@test "decode: one memory tensor serves every target tensor" {
	cat "$G/dec_y.txt" "$G/dec_y.txt" | decode $DEC --weights "$G/dec_post_relu.npz" --memory "$G/dec_mem.txt" \
		> "$BATS_TEST_TMPDIR/y.txt"
	cat "$G/dec_post_relu.txt" "$G/dec_post_relu.txt" > "$BATS_TEST_TMPDIR/want.txt"
	assert_close "$BATS_TEST_TMPDIR/y.txt" "$BATS_TEST_TMPDIR/want.txt" 1e-4
}

@test "decode: fewer memory tensors than targets (but more than one) is an error" {
	cat "$G/dec_mem.txt" "$G/dec_mem.txt" > "$BATS_TEST_TMPDIR/m.txt"
	cat "$G/dec_y.txt" "$G/dec_y.txt" "$G/dec_y.txt" > "$BATS_TEST_TMPDIR/y.txt"
	run decode $DEC --weights "$G/dec_post_relu.npz" --memory "$BATS_TEST_TMPDIR/m.txt" "$BATS_TEST_TMPDIR/y.txt"
	assert_fails 1 "holds 2 tensors, the input more"
}

@test "decode: --prefix reads the decoder inside a whole-model archive" {
	tensor rand --shape 3x16 --seed 4 > "$BATS_TEST_TMPDIR/y.txt"
	tensor rand --shape 5x16 --seed 5 > "$BATS_TEST_TMPDIR/m.txt"
	run decode --layers 2 --heads 2 --ff 32 --final-norm --prefix decoder. --weights "$G/model.npz" \
		--memory "$BATS_TEST_TMPDIR/m.txt" "$BATS_TEST_TMPDIR/y.txt"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "#tensor 3 16" ]]
}

@test "decode: memory of another width than d_model is an error" {
	tensor rand --shape 5x6 > "$BATS_TEST_TMPDIR/m.txt"
	run decode $DEC --weights "$G/dec_post_relu.npz" --memory "$BATS_TEST_TMPDIR/m.txt" "$G/dec_y.txt"
	assert_fails 1 "memory is 5x6, expected S x 8"
}

@test "decode: a missing layer weight is an error naming it" {
	run decode $DEC --weights "$G/enc_post_relu.npz" --memory "$G/dec_mem.txt" "$G/dec_y.txt"
	assert_fails 1 "missing parameter layers.0.multihead_attn.in_proj_weight"
}

@test "decode: --layers larger than the archive holds is an error" {
	run decode --layers 3 --heads 2 --ff 16 --weights "$G/dec_post_relu.npz" --memory "$G/dec_mem.txt" "$G/dec_y.txt"
	assert_fails 1 "missing parameter layers.2.self_attn.in_proj_weight"
}

@test "decode: teacher-forced mode needs --memory" {
	run decode $DEC "$G/dec_y.txt"
	assert_fails 2 "--memory FILE is required"
}

@test "decode: bad option values are usage errors" {
	run decode --heads 0 --memory "$G/dec_mem.txt" "$G/dec_y.txt"
	assert_fails 2 "--heads: 0 is out of range"
	run decode --arch cnn --memory "$G/dec_mem.txt" "$G/dec_y.txt"
	assert_fails 2 "--arch: 'cnn' is not an architecture"
}

@test "decode: --help prints the usage on stdout" {
	run decode --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "usage: decode"* ]]
}
