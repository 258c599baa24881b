#!/usr/bin/env bats
# SPDX-License-Identifier: MIT
# ffn: the feed-forward block of torch.nn.TransformerEncoderLayer (tests/golden/make_stages.py).
load helpers

S="$GOLDEN/stages"

@test "ffn: --help prints the synopsis of the man page" {
	run ffn --help
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "usage: ffn [--ff F] [--activation relu|gelu]"* ]]
}

@test "ffn: equals the feed-forward block of nn.TransformerEncoderLayer (relu), read with --prefix" {
	ffn --weights "$S/layer-post.npz" --prefix layers.0. "$S/x.txt" >"$BATS_TEST_TMPDIR/y.txt"
	assert_close "$BATS_TEST_TMPDIR/y.txt" "$S/ffn-relu.txt"
}

@test "ffn: --activation gelu equals torch's exact GELU layer" {
	ffn --activation gelu --weights "$S/layer-gelu.npz" --prefix layers.0. "$S/x.txt" >"$BATS_TEST_TMPDIR/y.txt"
	assert_close "$BATS_TEST_TMPDIR/y.txt" "$S/ffn-gelu.txt"
}

@test "ffn: --ff that contradicts the archive is an error naming the parameter" {
	run ffn --ff 32 --weights "$S/layer-post.npz" --prefix layers.0. "$S/x.txt"
	assert_fails 1 "ffn: .*: --ff 32, but layers.0.linear1.weight is 16x8 \(16 on axis 0\)"
}

@test "ffn: without an archive d_ff is 4 d_model" {
	ffn --save-weights "$BATS_TEST_TMPDIR/p.npz" "$S/x.txt" >/dev/null
	tensor get "$BATS_TEST_TMPDIR/p.npz" linear1.weight | tensor info | grep -q "#0: 32x8"
}

@test "ffn: an unknown activation is a usage error" {
	run ffn --activation tanh "$S/x.txt"
	assert_fails 2 "ffn: --activation: 'tanh' is neither relu nor gelu"
}

@test "ffn: --explain counts the hidden units the ReLU zeroed in the first row" {
	zeroed=$(linear --weights "$S/layer-post.npz" --prefix layers.0.linear1. "$S/x.txt" |
		sed -n 3p | awk '{ for (i = 1; i <= NF; i++) n += $i <= 0; print n }')
	ffn --weights "$S/layer-post.npz" --prefix layers.0. --explain=1 "$S/x.txt" 2>"$BATS_TEST_TMPDIR/e.txt" >/dev/null
	grep -q "ReLU zeroed $zeroed of the 16 hidden units of this row" "$BATS_TEST_TMPDIR/e.txt"
	grep -q "x W1^T+b1" "$BATS_TEST_TMPDIR/e.txt"
}
