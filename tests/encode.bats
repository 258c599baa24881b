#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# encode: the Transformer encoder against torch.nn.TransformerEncoder (tests/golden/make_transformer.py).
load helpers

G="$GOLDEN/transformer"
ENC="--layers 2 --heads 2 --ff 16"

@test "encode: post-norm relu equals torch" {
	encode $ENC --weights "$G/enc_post_relu.npz" "$G/enc_x.txt" > "$BATS_TEST_TMPDIR/y.txt"
	assert_close "$BATS_TEST_TMPDIR/y.txt" "$G/enc_post_relu.txt" 1e-4
}

@test "encode: post-norm gelu with the final norm equals torch" {
	encode $ENC --activation gelu --final-norm --weights "$G/enc_post_gelu.npz" "$G/enc_x.txt" > "$BATS_TEST_TMPDIR/y.txt"
	assert_close "$BATS_TEST_TMPDIR/y.txt" "$G/enc_post_gelu.txt" 1e-4
}

@test "encode: pre-norm relu with the final norm equals torch" {
	encode $ENC --norm-first --final-norm --weights "$G/enc_pre_relu.npz" "$G/enc_x.txt" > "$BATS_TEST_TMPDIR/y.txt"
	assert_close "$BATS_TEST_TMPDIR/y.txt" "$G/enc_pre_relu.txt" 1e-4
}

@test "encode: pre-norm gelu equals torch" {
	encode $ENC --norm-first --activation gelu --weights "$G/enc_pre_gelu.npz" "$G/enc_x.txt" > "$BATS_TEST_TMPDIR/y.txt"
	assert_close "$BATS_TEST_TMPDIR/y.txt" "$G/enc_pre_gelu.txt" 1e-4
}

@test "encode: <pad> labels mask those keys, as torch's src_key_padding_mask" {
	for c in "post_relu" "post_gelu --activation gelu --final-norm" "pre_relu --norm-first --final-norm" \
		"pre_gelu --norm-first --activation gelu"; do
		set -- $c
		name=$1
		shift
		encode $ENC "$@" --weights "$G/enc_$name.npz" "$G/enc_x_pad.txt" > "$BATS_TEST_TMPDIR/y.txt"
		assert_close "$BATS_TEST_TMPDIR/y.txt" "$G/enc_${name}_pad.txt" 1e-4
	done
}

@test "encode: --no-pad-mask attends to <pad> keys too" {
	encode $ENC --no-pad-mask --weights "$G/enc_post_relu.npz" "$G/enc_x_pad.txt" > "$BATS_TEST_TMPDIR/y.txt"
	assert_close "$BATS_TEST_TMPDIR/y.txt" "$G/enc_post_relu.txt" 1e-4
}

@test "encode: --mask FILE blocks keys as <pad> labels do" {
	printf '1 1 1 0 0\n%.0s' 1 2 3 4 5 > "$BATS_TEST_TMPDIR/mask.txt"
	encode $ENC --weights "$G/enc_post_relu.npz" --mask "$BATS_TEST_TMPDIR/mask.txt" "$G/enc_x.txt" > "$BATS_TEST_TMPDIR/y.txt"
	assert_close "$BATS_TEST_TMPDIR/y.txt" "$G/enc_post_relu_pad.txt" 1e-4
	printf '0 0 0 -inf -inf\n%.0s' 1 2 3 4 5 > "$BATS_TEST_TMPDIR/additive.txt"
	encode $ENC --weights "$G/enc_post_relu.npz" --additive-mask "$BATS_TEST_TMPDIR/additive.txt" "$G/enc_x.txt" \
		> "$BATS_TEST_TMPDIR/y2.txt"
	assert_close "$BATS_TEST_TMPDIR/y2.txt" "$G/enc_post_relu_pad.txt" 1e-4
}

@test "encode: a --mask of another shape than T x T is an error naming both" {
	printf '1 1 1 1\n%.0s' 1 2 3 4 > "$BATS_TEST_TMPDIR/mask.txt"
	run encode $ENC --weights "$G/enc_post_relu.npz" --mask "$BATS_TEST_TMPDIR/mask.txt" "$G/enc_x.txt"
	assert_fails 1 "mask is 4x4, the attention is 5x5"
}

@test "encode: keeps the row labels" {
	run encode $ENC --weights "$G/enc_post_relu.npz" "$G/enc_x_pad.txt"
	[ "$status" -eq 0 ]
	[[ "$output" == *"#rows the cat sat <pad> <pad>"* ]]
}

@test "encode: --attn writes N x H x T x T weights equal to torch's, labelled" {
	encode $ENC --weights "$G/enc_post_relu.npz" --attn "$BATS_TEST_TMPDIR/a.txt" "$G/enc_x_pad.txt" > /dev/null
	assert_close "$BATS_TEST_TMPDIR/a.txt" "$G/enc_post_relu_pad_attn.txt" 1e-5
	run tensor info "$BATS_TEST_TMPDIR/a.txt"
	[[ "$output" == *"2x2x5x5"* ]]
	[[ "$output" == *"cols: the cat sat <pad> <pad>"* ]]
}

@test "encode: --prefix reads the encoder inside a whole-model archive" {
	tensor rand --shape 3x16 --seed 4 > "$BATS_TEST_TMPDIR/x.txt"
	run encode --layers 2 --heads 2 --ff 32 --final-norm --prefix encoder. --weights "$G/model.npz" "$BATS_TEST_TMPDIR/x.txt"
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "#tensor 3 16" ]]
}

@test "encode: an input of another width than the weights' d_model is an error naming both" {
	run encode --layers 2 --heads 2 --ff 32 --final-norm --prefix encoder. --weights "$G/model.npz" "$G/enc_x.txt"
	assert_fails 1 "d_model \(the input's width\) 8, but encoder.layers.0.linear1.weight is 32x16"
}

@test "encode: --seed with --save-weights then --weights gives the same output" {
	tensor rand --shape 4x8 > "$BATS_TEST_TMPDIR/x.txt"
	encode $ENC --seed 7 --save-weights "$BATS_TEST_TMPDIR/w.npz" "$BATS_TEST_TMPDIR/x.txt" > "$BATS_TEST_TMPDIR/a.txt"
	encode $ENC --weights "$BATS_TEST_TMPDIR/w.npz" "$BATS_TEST_TMPDIR/x.txt" > "$BATS_TEST_TMPDIR/b.txt"
	assert_close "$BATS_TEST_TMPDIR/a.txt" "$BATS_TEST_TMPDIR/b.txt" 0
}

@test "encode: the default feed-forward width is 4 d_model" {
	tensor rand --shape 2x8 > "$BATS_TEST_TMPDIR/x.txt"
	encode --layers 1 --heads 2 --save-weights "$BATS_TEST_TMPDIR/w.npz" "$BATS_TEST_TMPDIR/x.txt" > /dev/null
	run encode --layers 1 --heads 2 --ff 32 --weights "$BATS_TEST_TMPDIR/w.npz" "$BATS_TEST_TMPDIR/x.txt"
	[ "$status" -eq 0 ]
}

@test "encode: every tensor of the stream is encoded" {
	cat "$G/enc_x.txt" "$G/enc_x.txt" | encode $ENC --weights "$G/enc_post_relu.npz" > "$BATS_TEST_TMPDIR/y.txt"
	cat "$G/enc_post_relu.txt" "$G/enc_post_relu.txt" > "$BATS_TEST_TMPDIR/want.txt"
	assert_close "$BATS_TEST_TMPDIR/y.txt" "$BATS_TEST_TMPDIR/want.txt" 1e-4
}

@test "encode: --layers larger than the archive holds is an error naming the missing weight" {
	run encode --layers 3 --heads 2 --ff 16 --weights "$G/enc_post_relu.npz" "$G/enc_x.txt"
	assert_fails 1 "missing parameter layers.2.self_attn.in_proj_weight"
}

@test "encode: --final-norm without norm.* in the archive is an error" {
	run encode $ENC --final-norm --weights "$G/enc_post_relu.npz" "$G/enc_x.txt"
	assert_fails 1 "missing parameter norm.weight"
}

@test "encode: an archive with more layers than --layers is an error, not silently ignored" {
	run encode --layers 1 --heads 2 --ff 16 --weights "$G/enc_post_relu.npz" "$G/enc_x.txt"
	assert_fails 1 "unused parameter layers.1."
}

@test "encode: d_model not divisible by --heads is a usage error" {
	run encode --heads 3 "$G/enc_x.txt"
	[ "$status" -eq 2 ]
	[[ "$output" == *"3"* && "$output" == *"8"* ]]
}

@test "encode: a tensor of another width than the first is an error" {
	tensor rand --shape 2x6 > "$BATS_TEST_TMPDIR/x6.txt"
	cat "$G/enc_x.txt" "$BATS_TEST_TMPDIR/x6.txt" > "$BATS_TEST_TMPDIR/x.txt"
	run encode $ENC --weights "$G/enc_post_relu.npz" "$BATS_TEST_TMPDIR/x.txt"
	assert_fails 1 "tensor #1 is 6 wide, the first was 8"
}

@test "encode: bad option values are usage errors" {
	run encode --layers 0 "$G/enc_x.txt"
	assert_fails 2 "--layers: 0 is out of range"
	run encode --activation tanh "$G/enc_x.txt"
	assert_fails 2 "--activation: 'tanh' is not relu or gelu"
	run encode --arch cnn "$G/enc_x.txt"
	assert_fails 2 "--arch: 'cnn' is not an architecture"
	run encode --eps 0 "$G/enc_x.txt"
	assert_fails 2 "--eps"
}

@test "encode: --arch transformer is the default" {
	encode $ENC --weights "$G/enc_post_relu.npz" "$G/enc_x.txt" > "$BATS_TEST_TMPDIR/a.txt"
	encode --arch transformer $ENC --weights "$G/enc_post_relu.npz" "$G/enc_x.txt" > "$BATS_TEST_TMPDIR/b.txt"
	assert_close "$BATS_TEST_TMPDIR/a.txt" "$BATS_TEST_TMPDIR/b.txt" 0
}

@test "encode: --help prints the usage on stdout" {
	run encode --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "usage: encode"* ]]
}

@test "encode: embed | posenc | encode --prefix encoder. gives torch's memory of a whole model" {
	head -1 "$G/model_src.txt" | embed --vocab "$G/src_vocab.txt" --eos --scale --dim 16 --weights "$G/src_embed.npz" |
		posenc | encode --layers 2 --heads 2 --ff 32 --final-norm --prefix encoder. --weights "$G/model.npz" \
		> "$BATS_TEST_TMPDIR/memory.txt"
	assert_close "$BATS_TEST_TMPDIR/memory.txt" "$G/model_memory.txt" 1e-4
}

# ---- --explain and --dump: every step of every layer --------------------------------------------------

@test "encode: --dump writes each step; layers.0.norm1 is what mha | tensor add | norm compute" {
	S=$GOLDEN/stages
	d=$BATS_TEST_TMPDIR
	encode --layers 1 --heads 2 --ff 16 --weights "$S/layer-post.npz" --dump "$d/dump" "$S/x.txt" >"$d/y.txt"
	for step in self_attn.q self_attn.k self_attn.v self_attn.weights self_attn add1 norm1 activation linear2 add2 norm2; do
		[ -s "$d/dump/layers.0.$step.txt" ]
	done
	mha --heads 2 --weights "$S/layer-post.npz" --prefix layers.0.self_attn. "$S/x.txt" | tensor add - "$S/x.txt" >"$d/sum.txt"
	norm --weights "$S/layer-post.npz" --prefix layers.0.norm1. "$d/sum.txt" >"$d/x1.txt"
	assert_close "$d/dump/layers.0.add1.txt" "$d/sum.txt" 0
	assert_close "$d/dump/layers.0.norm1.txt" "$d/x1.txt" 0
	assert_close "$d/dump/layers.0.norm2.txt" "$d/y.txt" 0
	run tensor info "$d/dump/layers.0.self_attn.q.txt"
	[[ "${lines[0]}" == *"#0: 2x5x4 name layers.0.self_attn.q" ]]
	[ "${lines[1]}" = "  rows: the cat sat on mat" ]
}

@test "encode: --dump's weights are --attn's, and the final norm is the output" {
	S=$GOLDEN/stages
	d=$BATS_TEST_TMPDIR
	encode --layers 2 --heads 2 --ff 16 --final-norm --seed 3 --attn "$d/attn.txt" --dump "$d/dump" "$S/x.txt" >"$d/y.txt"
	tensor pick --layers 1 "$d/attn.txt" >"$d/a1.txt"
	assert_close "$d/dump/layers.1.self_attn.weights.txt" "$d/a1.txt" 0
	assert_close "$d/dump/norm.txt" "$d/y.txt" 0
}

@test "encode: --dump's q and k give its weights: softmax(q k^T / sqrt(Dh)), the scores by hand" {
	S=$GOLDEN/stages
	d=$BATS_TEST_TMPDIR
	encode --layers 1 --heads 2 --ff 16 --weights "$S/layer-post.npz" --dump "$d/dump" "$S/x.txt" >/dev/null
	tensor transpose "$d/dump/layers.0.self_attn.k.txt" >"$d/kt.txt"
	tensor matmul "$d/dump/layers.0.self_attn.q.txt" "$d/kt.txt" | tensor scale --by 0.5 | tensor softmax >"$d/w.txt"
	assert_close "$d/w.txt" "$d/dump/layers.0.self_attn.weights.txt" 1e-6
}

@test "encode: --dump pre-norm: norm1 is the sublayer's input, add2 the layer's output" {
	S=$GOLDEN/stages
	d=$BATS_TEST_TMPDIR
	encode --norm-first --layers 1 --heads 2 --ff 16 --weights "$S/layer-pre.npz" --dump "$d/dump" "$S/x.txt" >"$d/y.txt"
	norm --weights "$S/layer-pre.npz" --prefix layers.0.norm1. "$S/x.txt" >"$d/n1.txt"
	assert_close "$d/dump/layers.0.norm1.txt" "$d/n1.txt" 0
	assert_close "$d/dump/layers.0.add2.txt" "$d/y.txt" 0
}

@test "encode: --dump keeps one tensor per input sequence in each file" {
	d=$BATS_TEST_TMPDIR
	printf 'the cat sat\na dog ran far\n' | embed --dim 8 | posenc >"$d/x.txt"
	encode --layers 1 --heads 2 --dump "$d/dump" "$d/x.txt" >/dev/null
	run tensor info "$d/dump/layers.0.add1.txt"
	[[ "$output" == *"#1: 4x8 name layers.0.add1"* ]]
}

@test "encode: --explain shows every step of every layer with its shape, for the first input" {
	S=$GOLDEN/stages
	encode --layers 2 --heads 2 --ff 16 --final-norm --explain=1 "$S/x.txt" 2>"$BATS_TEST_TMPDIR/e.txt" >/dev/null
	grep -q "== 1. encoder layer 0 of 2 (post-norm" "$BATS_TEST_TMPDIR/e.txt"
	grep -q "== 2. encoder layer 1 of 2" "$BATS_TEST_TMPDIR/e.txt"
	grep -q "== 3. encoder: after the last layer" "$BATS_TEST_TMPDIR/e.txt"
	grep -q "self_attn.weights  2 x 5 x 5" "$BATS_TEST_TMPDIR/e.txt"
	grep -q "activation  5 x 16" "$BATS_TEST_TMPDIR/e.txt"
	[ "$(grep -c "^ *the " "$BATS_TEST_TMPDIR/e.txt")" -gt 10 ]
	! grep -q "^ *cat " "$BATS_TEST_TMPDIR/e.txt"
}

@test "encode: --explain and --dump belong to the Transformer" {
	run encode --arch gru --explain "$GOLDEN/stages/x.txt"
	assert_fails 2 "--explain is an option of the Transformer"
	run encode --arch gru --dump "$BATS_TEST_TMPDIR/d" "$GOLDEN/stages/x.txt"
	assert_fails 2 "--dump is an option of the Transformer"
}

@test "encode: --dump into a path that cannot be a folder is an error" {
	touch "$BATS_TEST_TMPDIR/file"
	run encode --layers 1 --heads 2 --dump "$BATS_TEST_TMPDIR/file/sub" "$GOLDEN/stages/x.txt"
	assert_fails 1 "encode: .*file/sub: Not a directory"
}

@test "encode: no help text speaks of the project's own notes (the seeds)" {
	run encode --help
	[ "$status" -eq 0 ]
	[[ "$output" != *seed?\'* ]]
	[[ "$output" == *"--over-time         rnn: attention over time (a Keras recipe)"* ]]
}
